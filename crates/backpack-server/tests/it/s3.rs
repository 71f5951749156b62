//! The S3 object store against a real local S3-compatible server (moto's
//! server mode, from PyPI). `.ci/run` installs it; under CI its absence fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backpack_blobs::{Blobs, S3Settings};
use backpack_domain::ports::BlobStore;

use crate::{Db, TestServer};

struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto() -> Option<Moto> {
    let port = TcpListener::bind("127.0.0.1:0")
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    while start.elapsed() < Duration::from_secs(30) {
        if agent.get(&m.endpoint).call().is_ok() {
            return Some(m);
        }
        #[allow(clippy::disallowed_methods)] // waiting for a child process to listen
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not start on {}", m.endpoint);
}

fn create_bucket(endpoint: &str, bucket: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent
        .put(format!("{endpoint}/{bucket}"))
        .send_empty()
        .unwrap();
    assert!(r.status().is_success(), "create bucket: {}", r.status());
}

#[test]
fn the_s3_store_puts_gets_and_deletes_against_a_real_s3_server() {
    let Some(m) = moto() else { return };
    create_bucket(&m.endpoint, "unit");
    let settings = S3Settings {
        bucket: "unit".into(),
        region: "us-east-1".into(),
        endpoint: Some(m.endpoint.clone()),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        allow_http: true,
    };
    assert!(format!("{settings:?}").contains("<redacted>"));
    let blobs = Blobs::s3(&settings).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        blobs.ping().await.unwrap();
        assert_eq!(blobs.get("files/a/1").await.unwrap(), None);
        blobs
            .put("files/a/1", bytes::Bytes::from_static(b"hello"))
            .await
            .unwrap();
        assert_eq!(
            blobs.get("files/a/1").await.unwrap().unwrap(),
            &b"hello"[..]
        );
        blobs
            .put("files/a/1", bytes::Bytes::from_static(b"again"))
            .await
            .unwrap();
        assert_eq!(
            blobs.get("files/a/1").await.unwrap().unwrap(),
            &b"again"[..]
        );
        blobs.delete("files/a/1").await.unwrap();
        blobs.delete("files/a/1").await.unwrap();
        assert_eq!(blobs.get("files/a/1").await.unwrap(), None);
    });
    // A bucket that does not exist: the health check says so.
    let missing = Blobs::s3(&S3Settings {
        bucket: "missing".into(),
        ..settings
    })
    .unwrap();
    assert!(rt.block_on(missing.ping()).is_err());
}

#[test]
fn the_server_stores_uploads_in_s3() {
    let Some(m) = moto() else { return };
    create_bucket(&m.endpoint, "server");
    let env = [
        ("BACKPACK_STORAGE__KIND", "s3"),
        ("BACKPACK_STORAGE__BUCKET", "server"),
        ("BACKPACK_STORAGE__ENDPOINT", m.endpoint.as_str()),
        ("BACKPACK_STORAGE__ACCESS_KEY_ID", "test"),
        ("BACKPACK_STORAGE__SECRET_ACCESS_KEY", "test"),
        ("BACKPACK_STORAGE__ALLOW_HTTP", "true"),
    ];
    let s = TestServer::start_with(Db::Sqlite, &env).unwrap();
    assert_eq!(s.client().get("/healthz").status, 200);
    let mut ada = s.register("Ada", "ada@example.org", "correct horse battery");
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/badge.png"
    ))
    .unwrap();
    assert_eq!(
        ada.upload("/account/photo", "me.png", "image/png", &png)
            .status,
        303
    );
    assert!(
        !s.data_dir.join("files").exists(),
        "nothing went to the local folder"
    );
    let id = ada
        .get("/account")
        .body
        .split("/files/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let f = ada.get(&format!("/files/{id}"));
    assert_eq!((f.status, f.bytes), (200, png));
    // Stop the S3 server: health turns 503.
    drop(m);
    assert_eq!(s.client().get("/healthz").status, 503);
}
