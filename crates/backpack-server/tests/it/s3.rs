//! The S3 object store against a real local S3-compatible server (moto's
//! server mode, from PyPI). `.ci/run` installs it; under CI its absence fails.

use backpack_blobs::{Blobs, S3Settings};
use backpack_domain::ports::BlobStore;
use backpack_testkit::Moto;

use crate::{Db, TestServer};

#[test]
fn the_s3_store_puts_gets_and_deletes_against_a_real_s3_server() {
    let Some(m) = Moto::start() else { return };
    m.create_bucket("unit");
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
    let Some(m) = Moto::start() else { return };
    m.create_bucket("server");
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
    // Stop the S3 server: health turns 503 at the next storage probe
    // (every 5 s, a 3-second timeout).
    drop(m);
    let stopped = std::time::Instant::now();
    while s.client().get("/healthz").status != 503 {
        assert!(
            stopped.elapsed() < std::time::Duration::from_secs(12),
            "/healthz still says the storage answers"
        );
        #[allow(clippy::disallowed_methods)] // polling a real server
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
