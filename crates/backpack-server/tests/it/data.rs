//! Data rights: download everything as one archive; delete the account and
//! prove nothing of it is left in the database or the file store.

use std::io::Read;

use crate::{on_every_db, TestServer};

const PW: &str = "correct horse battery";

fn entries(tar_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = tar::Archive::new(tar_bytes);
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let path = e.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Something in every area: a second address, a photo, a signed badge, a
/// certificate, a note with a file and a link, a collection, a portfolio;
/// returns (photo, badge JSON).
fn fill(ada: &mut crate::Client) -> (Vec<u8>, String) {
    ada.post_form("/account/emails", &[("email", "ada@two.example")]);
    let png = crate::sample_png();
    ada.upload("/account/photo", "me.png", "image/png", &png);
    let (json, _) = crate::badges::signed_badge_for_tests();
    ada.upload(
        "/backpack/badges",
        "b.json",
        "application/json",
        json.as_bytes(),
    );
    let pdf = backpack_documents::samples::pdf(&[backpack_documents::samples::text_page(
        &backpack_documents::samples::COURSERA_LINES,
    )]);
    let r = ada.upload("/backpack/certificates", "ml.pdf", "application/pdf", &pdf);
    let cert = r.location().split('/').nth(3).unwrap().to_owned();
    let r = ada.post_form(
        "/backpack/notes",
        &[("title", "About ML"), ("body", "notes"), ("tags", "ml")],
    );
    let note = r.location().split('?').next().unwrap().to_owned();
    ada.upload(&format!("{note}/files"), "n.txt", "text/plain", b"my notes");
    ada.post_form(
        &format!("{note}/links"),
        &[("item", &format!("certificate:{cert}"))],
    );
    let r = ada.post_form(
        "/backpack/collections",
        &[("name", "Jobs"), ("description", "")],
    );
    let coll = r
        .location()
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    ada.post_form(
        "/backpack/collections/items",
        &[
            ("collection", &coll),
            ("item", &format!("certificate:{cert}")),
        ],
    );
    ada.post_form(
        "/backpack/portfolio/profile",
        &[("headline", "Analyst ada@")],
    );
    (png, json)
}

on_every_db!(
    the_export_holds_every_original_and_an_index,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let (png, json) = fill(&mut ada);

        let r = ada.get("/account/export");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/x-tar"));
        assert!(r
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment"));
        let files = entries(&r.bytes);
        let index: serde_json::Value =
            serde_json::from_slice(&files.iter().find(|(p, _)| p == "index.json").unwrap().1)
                .unwrap();
        assert_eq!(index["format"], "backpack-export");
        assert_eq!(index["emails"].as_array().unwrap().len(), 2);
        let badge = &index["badges"][0];
        assert_eq!(badge["verificationAtImport"]["verdict"], "verified");
        let badge_path = badge["path"].as_str().unwrap();
        assert_eq!(
            files.iter().find(|(p, _)| p == badge_path).unwrap().1,
            json.as_bytes(),
            "the original, byte for byte"
        );
        let photo_path = index["account"]["photo"].as_str().unwrap();
        assert_eq!(files.iter().find(|(p, _)| p == photo_path).unwrap().1, png);
        let cert = &index["certificates"][0];
        assert_eq!(cert["title"], "Machine Learning");
        let cert_bytes = &files
            .iter()
            .find(|(p, _)| p == cert["path"].as_str().unwrap())
            .unwrap()
            .1;
        assert!(cert_bytes.starts_with(b"%PDF"));
        let note = &index["notes"][0];
        assert_eq!(note["about"][0]["area"], "certificate");
        let attached = note["attachments"][0]["path"].as_str().unwrap();
        assert_eq!(
            files.iter().find(|(p, _)| p == attached).unwrap().1,
            b"my notes"
        );
        assert_eq!(
            index["collections"][0]["items"][0]["title"],
            "Machine Learning"
        );
        assert_eq!(index["portfolio"]["headline"], "Analyst ada@");
        // Another user's export holds nothing of Ada's.
        let mut bob = s.register("Bob", "bob@example.org", PW);
        let theirs = entries(&bob.get("/account/export").bytes);
        assert_eq!(theirs.len(), 1, "only the index");
        assert!(!String::from_utf8_lossy(&theirs[0].1).contains("ada@"));
    }
);

on_every_db!(
    deleting_the_account_leaves_nothing_in_either_store,
    |s: TestServer| {
        // Bob is the first account (the administrator); Ada deletes hers.
        let mut bob = s.register("Bob", "bob@example.org", PW);
        let mut ada = s.register("Ada", "ada@example.org", PW);
        ada.post_form("/account/dids", &[("did", "did:web:ada.example")]);
        let (png, _) = fill(&mut ada);
        bob.upload("/account/photo", "bob.png", "image/png", &png);
        let dump = || serde_json::to_string(&s.database_dump()).unwrap();
        // Mail leaves the outbox in the background: let it go first.
        s.wait_for_jobs();
        let before = dump();
        let ada_id = before
            .split("\"display_name\":\"Ada\"")
            .next()
            .unwrap()
            .rsplit("\"id\":\"")
            .next()
            .unwrap()[..36]
            .to_owned();
        assert!(before.contains(&ada_id));

        // A wrong password changes nothing.
        let r = ada.post_form("/account/delete", &[("delete_password", "not my password")]);
        assert_eq!(r.status, 422);
        assert!(r.body.contains("The current password is not correct."));
        assert_eq!(dump(), before);

        let r = ada.post_form("/account/delete", &[("delete_password", PW)]);
        assert_eq!((r.status, r.location()), (303, "/?done=account_deleted"));
        assert!(ada
            .get("/?done=account_deleted")
            .body
            .contains("Your account and everything in it are deleted."));
        assert_eq!(ada.get("/account").status, 303, "signed out");
        assert_eq!(
            s.client()
                .post_form("/login", &[("email", "ada@example.org"), ("password", PW)])
                .status,
            401
        );

        let after = dump();
        assert!(!after.contains(&ada_id), "a row still names the account");
        assert!(!after.contains("ada@"), "a row still holds an address");
        let mut left = Vec::new();
        let mut stack = vec![s.data_dir.join("files")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    left.push(p.display().to_string());
                }
            }
        }
        assert!(
            !left.iter().any(|p| p.contains(&ada_id)),
            "files left: {left:?}"
        );
        assert_eq!(left.len(), 1, "Bob's photo stays: {left:?}");
        assert!(bob.get("/account").body.contains("/files/"));
        // The address is free again.
        s.register("Ada again", "ada@example.org", PW);
    }
);

#[test]
fn the_last_administrator_cannot_delete_their_account() {
    let s = TestServer::start(crate::Db::Sqlite).unwrap();
    let mut admin = s.register("Ada", "ada@example.org", PW);
    let r = admin.post_form("/account/delete", &[("delete_password", PW)]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("at least one active administrator"));
    assert_eq!(admin.get("/account").status, 200);
}
