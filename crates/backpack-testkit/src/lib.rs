//! Helpers for tests only (every crate takes this as a dev-dependency).

use std::path::PathBuf;

/// `../shared` beside the repository (spec vectors, corpus, peer harness).
///
/// Under CI (`CI=true`) a missing folder is a failure: the tests that need
/// it must not pass silently. Elsewhere they skip, with a notice.
#[allow(clippy::panic)]
pub fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared is missing: CI must have the shared test data beside the repository");
    }
    eprintln!("skipped: ../shared is not beside the repository");
    None
}

/// The PostgreSQL server tests use: `BACKPACK_TEST_POSTGRES` or the local
/// one (127.0.0.1:5432, trust auth, database `test`).
pub fn postgres_admin_url() -> String {
    std::env::var("BACKPACK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh, empty PostgreSQL database for one test; dropped with the guard.
/// `None` (skip, with a notice) when no server answers, except under CI
/// (`CI=true`), where that is a failure.
pub struct PgDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

impl PgDatabase {
    #[allow(clippy::panic)]
    pub async fn create() -> Option<PgDatabase> {
        use sqlx::Connection;
        let admin_url = postgres_admin_url();
        let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL is not reachable at {admin_url} under CI: {e}");
                }
                eprintln!("skipped: PostgreSQL is not reachable at {admin_url}: {e}");
                return None;
            }
        };
        let name = format!("bp_test_{}", uuid::Uuid::new_v4().simple());
        if let Err(e) = sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
        {
            panic!("cannot create a test database: {e}");
        }
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        Some(PgDatabase {
            url: format!("{base}/{name}"),
            name,
            admin_url,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop on a thread of its own: Drop may run inside a runtime.
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

/// A tiny HTTP server on loopback serving `routes` (path → body): did:web
/// documents and status lists for the online-check tests. It lives as long
/// as the test process and answers at most 200 requests.
#[allow(clippy::unwrap_used)] // a test fixture: a failure here is a failed test
pub fn serve_json(
    routes: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) <= 2 {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body = routes.lock().unwrap().get(&path).cloned();
            let response = match body {
                Some(b) => format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}", b.len()),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    port
}
