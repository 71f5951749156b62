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

/// A local S3-compatible server (moto's server mode, from PyPI:
/// `BACKPACK_TEST_MOTO` or `moto_server` on the path), killed when dropped.
/// `.ci/run` installs it.
pub struct Moto {
    child: std::process::Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Start one on a free port; `None` (skip, with a notice) when it is
    /// not installed, except under CI (`CI=true`), where that is a failure.
    #[allow(clippy::panic, clippy::unwrap_used)]
    pub fn start() -> Option<Moto> {
        use std::process::{Command, Stdio};
        use std::time::{Duration, Instant};
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let exe = std::env::var("BACKPACK_TEST_MOTO").unwrap_or_else(|_| "moto_server".into());
        let child = match Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("moto_server is not installed ({e}); .ci/run installs it with pip");
                }
                eprintln!("skipped: moto_server is not installed ({e})");
                return None;
            }
        };
        let m = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if m.request("GET", "/").is_some_and(|s| s < 500) {
                return Some(m);
            }
            #[allow(clippy::disallowed_methods)] // waiting for a child process to listen
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not start on {}", m.endpoint);
    }

    /// Make a bucket.
    #[allow(clippy::panic)]
    pub fn create_bucket(&self, bucket: &str) {
        let status = self.request("PUT", &format!("/{bucket}"));
        assert!(
            status.is_some_and(|s| (200..300).contains(&s)),
            "create bucket {bucket}: {status:?}"
        );
    }

    /// One bodiless HTTP/1.1 request: its status, or `None` when the
    /// server does not answer.
    fn request(&self, method: &str, path: &str) -> Option<u16> {
        use std::io::{Read, Write};
        let addr = self.endpoint.strip_prefix("http://")?;
        let mut s = std::net::TcpStream::connect(addr).ok()?;
        s.write_all(
            format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .ok()?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).ok()?;
        std::str::from_utf8(raw.get(9..12)?).ok()?.parse().ok()
    }
}

/// A clock that stands still until the test moves it: give it to a server
/// (`TestServer::start_manual`) or a service, then `advance` it to make a
/// retry due or a link expire, without waiting.
pub struct FixedClock {
    unix_nanos: std::sync::atomic::AtomicI64,
}

impl FixedClock {
    /// Standing at `at`.
    pub fn at(at: time::OffsetDateTime) -> std::sync::Arc<FixedClock> {
        let nanos = i64::try_from(at.unix_timestamp_nanos()).unwrap_or(i64::MAX);
        std::sync::Arc::new(FixedClock {
            unix_nanos: std::sync::atomic::AtomicI64::new(nanos),
        })
    }

    /// Move it forward.
    pub fn advance(&self, by: std::time::Duration) {
        let by = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
        self.unix_nanos
            .fetch_add(by, std::sync::atomic::Ordering::SeqCst);
    }
}

impl backpack_domain::ports::Clock for FixedClock {
    fn now(&self) -> time::OffsetDateTime {
        let nanos = self.unix_nanos.load(std::sync::atomic::Ordering::SeqCst);
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}
