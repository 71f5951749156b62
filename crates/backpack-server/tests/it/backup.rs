//! Backup while the server runs; restore into an empty data folder; every
//! page and file is as before.

use backpack_server::config::{Config, Overrides};
use backpack_testkit::PgDatabase;

use crate::{temp_dir, Db, TestServer};

const PW: &str = "correct horse battery";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn config_for(dir: &std::path::Path, pg: Option<&PgDatabase>) -> Config {
    let o = Overrides {
        data_dir: Some(dir.to_owned()),
        listen: Some("127.0.0.1:0".into()),
        database_url: pg.map(|p| p.url.clone()),
        public_url: None,
    };
    Config::load(None, Vec::new(), &o).unwrap()
}

fn round_trip(from: Db, to: Db) {
    let Some(s) = TestServer::start(from) else {
        return;
    };
    let mut ada = s.register("Ada ✓ Lovelace", "ada@example.org", PW);
    ada.post_form("/account/emails", &[("email", "ada@two.example")]);
    ada.post_form("/language", &[("lang", "fr"), ("next", "/")]);
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
    let (badge_json, _) = crate::badges::signed_badge_for_tests();
    let imported = ada.upload(
        "/backpack/badges",
        "b.json",
        "application/json",
        badge_json.as_bytes(),
    );
    let badge_page = imported.location().split('?').next().unwrap().to_owned();
    s.register("Bob", "bob@example.org", PW);
    let page_before = ada.get("/account").body.replace(&ada.csrf(), "T");
    let photo = page_before
        .split("/files/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // The backup is taken while the server runs and serves.
    let file = temp_dir("bk").join("backup.tar");
    let manifest = rt()
        .block_on(backpack_server::backup::backup(
            &s.config,
            &file,
            time::OffsetDateTime::UNIX_EPOCH,
        ))
        .unwrap();
    assert_eq!(manifest.files, 2, "the photo and the badge");
    assert!(manifest.rows >= 5);
    assert!(!file.with_extension("partial").exists());

    // Restore into an empty folder (and database), then serve from it.
    let target = temp_dir("restored");
    let pg = match to {
        Db::Sqlite => None,
        Db::Postgres => match rt().block_on(PgDatabase::create()) {
            Some(p) => Some(p),
            None => return,
        },
    };
    let cfg = config_for(&target, pg.as_ref());
    rt().block_on(backpack_server::backup::restore(&cfg, &file))
        .unwrap();
    let err = rt()
        .block_on(backpack_server::backup::restore(&cfg, &file))
        .unwrap_err();
    assert!(err.contains("not empty"), "{err}");

    let restored = TestServer::start_in(target, pg, &[]);
    // The old session still works: the same cookie, the same page.
    let mut same = restored.client();
    same.cookies = ada.cookies.clone();
    let page_after = same.get("/account").body.replace(&same.csrf(), "T");
    assert_eq!(page_after, page_before);
    assert!(
        page_after.contains("Mon compte"),
        "the language choice came back"
    );
    let f = same.get(&format!("/files/{photo}"));
    assert_eq!((f.status, f.bytes), (200, png));
    let b = same.get(&format!("{badge_page}/original"));
    assert_eq!((b.status, b.bytes), (200, badge_json.into_bytes()));
    assert!(same
        .get(&badge_page)
        .body
        .contains("<strong>Vérifié</strong>"));
    // The passwords too.
    restored.login("bob@example.org", PW);
    drop(s);
}

#[test]
fn sqlite_backup_restores_into_sqlite() {
    round_trip(Db::Sqlite, Db::Sqlite);
}

#[test]
fn postgres_backup_restores_into_postgres() {
    round_trip(Db::Postgres, Db::Postgres);
}

#[test]
fn sqlite_backup_restores_into_postgres() {
    round_trip(Db::Sqlite, Db::Postgres);
}

#[test]
fn damaged_backups_are_refused_and_change_nothing() {
    let target = temp_dir("restore-bad");
    let cfg = config_for(&target, None);
    let bad = target.join("bad.tar");
    std::fs::write(&bad, b"this is not a tar file at all, not even close").unwrap();
    let err = rt()
        .block_on(backpack_server::backup::restore(&cfg, &bad))
        .unwrap_err();
    assert!(err.contains("backup") || err.contains("manifest"), "{err}");
    let missing = rt()
        .block_on(backpack_server::backup::restore(
            &cfg,
            &target.join("nope.tar"),
        ))
        .unwrap_err();
    assert!(missing.contains("cannot open"), "{missing}");
    // A backup whose file does not match its recorded hash.
    let s = TestServer::start(Db::Sqlite).unwrap();
    let mut ada = s.register("Ada", "ada@example.org", PW);
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/badge.png"
    ))
    .unwrap();
    ada.upload("/account/photo", "me.png", "image/png", &png);
    let good = temp_dir("bk2").join("b.tar");
    rt().block_on(backpack_server::backup::backup(
        &s.config,
        &good,
        time::OffsetDateTime::UNIX_EPOCH,
    ))
    .unwrap();
    let mut bytes = std::fs::read(&good).unwrap();
    let at = bytes.windows(4).position(|w| w == b"IHDR").unwrap();
    bytes[at] = b'X';
    let tampered = target.join("tampered.tar");
    std::fs::write(&tampered, &bytes).unwrap();
    let err = rt()
        .block_on(backpack_server::backup::restore(&cfg, &tampered))
        .unwrap_err();
    assert!(err.contains("SHA-256"), "{err}");
    let store = rt()
        .block_on(backpack_server::app::open_store(&cfg))
        .unwrap();
    assert!(
        rt().block_on(store.is_empty()).unwrap(),
        "nothing was imported"
    );
}
