//! Per-object authorization, proved for every route: walk the route table;
//! every route whose path names an object (`{id}`) must have a case here, in
//! which user B owns the object and user A gets 404 on it, while B does not.
//! A new route with an id and no case fails this test.

use backpack_web::{routes, Access};

use crate::client::id_after;
use crate::{Client, TestServer};

const PW: &str = "correct horse battery";

/// How to make B's object for a route; returns its id.
type Setup = fn(&TestServer, &mut Client) -> String;

fn email_of(s: &TestServer, b: &mut Client) -> String {
    let _ = s;
    b.post_form("/account/emails", &[("email", "b-second@example.org")]);
    id_after(
        &b.get("/account").body,
        "b-second@example.org",
        "/account/emails/",
    )
}

fn confirmed_email_of(s: &TestServer, b: &mut Client) -> String {
    let id = email_of(s, b);
    let token = s.mailed_token("b-second@example.org", "/confirm-email");
    b.post_form("/confirm-email", &[("token", &token)]);
    id
}

fn did_of(_: &TestServer, b: &mut Client) -> String {
    b.post_form("/account/dids", &[("did", "did:web:b.example")]);
    id_after(
        &b.get("/account").body,
        "did:web:b.example",
        "/account/dids/",
    )
}

fn file_of(_: &TestServer, b: &mut Client) -> String {
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/badge.png"
    ))
    .unwrap();
    b.upload("/account/photo", "b.png", "image/png", &png);
    b.get("/account")
        .body
        .split("/files/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

fn issuer_of(_: &TestServer, b: &mut Client) -> String {
    b.get("/issuing");
    let r = b.post_form("/issuing", crate::issuing::PROFILE);
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

fn achievement_in(b: &mut Client, issuer: &str) -> String {
    let fields = crate::issuing::eu_achievement("B's achievement");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post_form(&format!("/issuing/{issuer}/achievements"), &pairs);
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

fn achievement_of(s: &TestServer, b: &mut Client) -> String {
    let issuer = issuer_of(s, b);
    achievement_in(b, &issuer)
}

fn batch_of(s: &TestServer, b: &mut Client) -> String {
    let issuer = issuer_of(s, b);
    let achievement = achievement_in(b, &issuer);
    let r = b.upload_with(
        &format!("/issuing/{issuer}/batches"),
        &[("achievement_id", &achievement), ("format", "json")],
        "cohort.csv",
        "text/csv",
        b"email\nsomeone@example.org\n",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

fn issued_of(s: &TestServer, b: &mut Client) -> String {
    let issuer = issuer_of(s, b);
    let achievement = achievement_in(b, &issuer);
    let r = b.post_form(
        &format!("/issuing/{issuer}/award"),
        &[
            ("achievement_id", &achievement),
            ("recipient_kind", "email"),
            ("recipient", "someone@example.org"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// A route with two objects (`/issuing/{id}/tokens/{token}/…`): the
/// setup returns both ids, separated by a space, in the path's order.
fn token_of(s: &TestServer, b: &mut Client) -> String {
    let issuer = issuer_of(s, b);
    let r = b.post_form(
        &format!("/issuing/{issuer}/tokens"),
        &[("name", "B's token"), ("scope", "api")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let token = id_after(
        &b.get(&format!("/issuing/{issuer}/tokens")).body,
        "B&#39;s token",
        &format!("/issuing/{issuer}/tokens/"),
    );
    format!("{issuer} {token}")
}

fn xapi_rule_of(s: &TestServer, b: &mut Client) -> String {
    let issuer = issuer_of(s, b);
    let achievement = achievement_in(b, &issuer);
    let r = b.post_form(
        &format!("/issuing/{issuer}/xapi-rules"),
        &[
            ("activity", "https://lms.example.org/b"),
            ("achievement_id", &achievement),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let rule = id_after(
        &b.get(&format!("/issuing/{issuer}/automation")).body,
        "https://lms.example.org/b",
        &format!("/issuing/{issuer}/xapi-rules/"),
    );
    format!("{issuer} {rule}")
}

fn stack_rule_of(s: &TestServer, b: &mut Client) -> String {
    let issuer = issuer_of(s, b);
    let target = achievement_in(b, &issuer);
    let component = achievement_in(b, &issuer);
    let r = b.post_form(
        &format!("/issuing/{issuer}/stack-rules"),
        &[("achievement_id", &target), ("components", &component)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let rule = id_after(
        &b.get(&format!("/issuing/{issuer}/automation")).body,
        "Stacking rules",
        &format!("/issuing/{issuer}/stack-rules/"),
    );
    format!("{issuer} {rule}")
}

/// A retired key of B's issuer (`/issuing/{id}/keys/{key}/revoke`).
fn retired_key_of(s: &TestServer, b: &mut Client) -> String {
    let issuer = issuer_of(s, b);
    let r = b.post_form(&format!("/issuing/{issuer}/keys"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let key = id_after(
        &b.get(&format!("/issuing/{issuer}")).body,
        "#key-1",
        &format!("/issuing/{issuer}/keys/"),
    );
    format!("{issuer} {key}")
}

/// B's achievement and another issuer of B's allowed to stack it.
fn stack_consent_of(s: &TestServer, b: &mut Client) -> String {
    let achievement = achievement_of(s, b);
    let other = issuer_of(s, b);
    let page = b.get(&format!("/issuing/{other}")).body;
    let did = page
        .split("did:web:")
        .nth(1)
        .and_then(|rest| rest.split(['<', '"', '#']).next())
        .map(|rest| format!("did:web:{rest}"))
        .unwrap();
    let r = b.post_form(
        &format!("/issuing/achievements/{achievement}/stacking"),
        &[("issuer", &did)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    format!("{achievement} {other}")
}

fn badge_of(_: &TestServer, b: &mut Client) -> String {
    let (json, _) = crate::badges::signed_badge_for_tests();
    let r = b.upload(
        "/backpack/badges",
        "b.json",
        "application/json",
        json.as_bytes(),
    );
    r.location()
        .trim_start_matches("/backpack/badges/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

fn baked_badge_of(_: &TestServer, b: &mut Client) -> String {
    let (json, _) = crate::badges::signed_badge_for_tests();
    let png =
        backpack_bake::bake(&crate::sample_png(), backpack_bake::Payload::Json(&json)).unwrap();
    let r = b.upload("/backpack/badges", "b.png", "image/png", &png);
    r.location()
        .trim_start_matches("/backpack/badges/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

fn note_of(_: &TestServer, b: &mut Client) -> String {
    let r = b.post_form(
        "/backpack/notes",
        &[("title", "B's note"), ("body", "private"), ("tags", "")],
    );
    r.location()
        .trim_start_matches("/backpack/notes/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

fn certificate_of(_: &TestServer, b: &mut Client) -> String {
    let r = b.upload(
        "/backpack/certificates",
        "b.png",
        "image/png",
        &crate::sample_png(),
    );
    r.location().split('/').nth(3).unwrap().to_owned()
}

fn collection_of(_: &TestServer, b: &mut Client) -> String {
    let r = b.post_form(
        "/backpack/collections",
        &[("name", "B's"), ("description", "")],
    );
    r.location()
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

fn entry_of(_: &TestServer, b: &mut Client) -> String {
    b.post_form(
        "/backpack/portfolio/entries",
        &[("section", "experience"), ("title", "B's job")],
    );
    id_after(
        &b.get("/backpack/portfolio").body,
        "B&#39;s job</summary>",
        "/backpack/portfolio/entries/",
    )
}

fn note_file_of(s: &TestServer, b: &mut Client) -> String {
    let note = note_of(s, b);
    b.upload(
        &format!("/backpack/notes/{note}/files"),
        "b.txt",
        "text/plain",
        b"private",
    );
    id_after(
        &b.get(&format!("/backpack/notes/{note}")).body,
        "Attached files",
        "/backpack/notes/files/",
    )
}

fn user_of(_: &TestServer, b: &mut Client) -> String {
    // B is the administrator here; the object is B's own account.
    crate::client::id_before(&b.get("/admin/users").body, ">Bea</a>", "/admin/users/")
}

fn failing_job_of(s: &TestServer, b: &mut Client) -> String {
    // B is the administrator; the object is a mail job that fails (the
    // mail folder is a file from now on).
    let dir = s.data_dir.join("mail");
    std::fs::rename(&dir, s.data_dir.join("mail.away")).unwrap();
    std::fs::write(&dir, b"not a folder").unwrap();
    let mut anon = s.client();
    anon.get("/forgot-password");
    anon.post_form("/forgot-password", &[("email", "b@example.org")]);
    for _ in 0..300 {
        let body = b.get("/admin/jobs").body;
        if body.contains("/retry") {
            return crate::client::id_after(&body, "Sending an e-mail", "/admin/jobs/");
        }
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the mail job did not fail");
}

/// Form fields sent with the attempt.
type Fields = &'static [(&'static str, &'static str)];

/// (method, path, setup, form fields for the attempt)
const CASES: &[(&str, &str, Setup, Fields)] = &[
    ("POST", "/account/emails/{id}/delete", email_of, &[]),
    (
        "POST",
        "/account/emails/{id}/primary",
        confirmed_email_of,
        &[],
    ),
    ("POST", "/account/emails/{id}/resend", email_of, &[]),
    (
        "POST",
        "/account/dids/{id}/confirm",
        did_of,
        &[("proof", "a.b.c")],
    ),
    ("POST", "/account/dids/{id}/delete", did_of, &[]),
    ("GET", "/files/{id}", file_of, &[]),
    ("GET", "/backpack/badges/{id}", badge_of, &[]),
    ("GET", "/backpack/badges/{id}/original", badge_of, &[]),
    ("GET", "/backpack/badges/{id}/image", baked_badge_of, &[]),
    (
        "GET",
        "/backpack/badges/{id}/credential.json",
        badge_of,
        &[],
    ),
    ("GET", "/backpack/badges/{id}/baked.png", badge_of, &[]),
    ("GET", "/backpack/certificates/{id}", certificate_of, &[]),
    (
        "GET",
        "/backpack/certificates/{id}/edit",
        certificate_of,
        &[],
    ),
    (
        "GET",
        "/backpack/certificates/{id}/file",
        certificate_of,
        &[],
    ),
    (
        "GET",
        "/backpack/certificates/{id}/preview",
        certificate_of,
        &[],
    ),
    (
        "POST",
        "/backpack/certificates/{id}",
        certificate_of,
        &[("title", "taken"), ("platform", "other")],
    ),
    (
        "POST",
        "/backpack/certificates/{id}/delete",
        certificate_of,
        &[],
    ),
    ("GET", "/backpack/collections/{id}", collection_of, &[]),
    (
        "POST",
        "/backpack/collections/{id}",
        collection_of,
        &[("name", "taken"), ("description", "")],
    ),
    (
        "POST",
        "/backpack/collections/{id}/delete",
        collection_of,
        &[],
    ),
    (
        "POST",
        "/backpack/collections/{id}/remove",
        collection_of,
        &[("item", "note:00000000-0000-0000-0000-000000000000")],
    ),
    (
        "POST",
        "/backpack/portfolio/entries/{id}",
        entry_of,
        &[("section", "experience"), ("title", "taken")],
    ),
    (
        "POST",
        "/backpack/portfolio/entries/{id}/delete",
        entry_of,
        &[("section", "experience")],
    ),
    (
        "POST",
        "/backpack/notes/{id}/files",
        note_of,
        &[("file", "@upload")],
    ),
    (
        "POST",
        "/backpack/notes/{id}/links",
        note_of,
        &[("item", "badge:00000000-0000-0000-0000-000000000000")],
    ),
    ("GET", "/backpack/notes/files/{id}", note_file_of, &[]),
    (
        "POST",
        "/backpack/notes/files/{id}/delete",
        note_file_of,
        &[],
    ),
    ("POST", "/backpack/badges/{id}/delete", badge_of, &[]),
    ("GET", "/backpack/notes/{id}", note_of, &[]),
    ("GET", "/backpack/notes/{id}/edit", note_of, &[]),
    (
        "POST",
        "/backpack/notes/{id}",
        note_of,
        &[("title", "taken"), ("body", ""), ("tags", "")],
    ),
    ("POST", "/backpack/notes/{id}/delete", note_of, &[]),
    ("GET", "/issuing/{id}", issuer_of, &[]),
    (
        "POST",
        "/issuing/{id}/profile",
        issuer_of,
        &[("name", "Mine")],
    ),
    (
        "POST",
        "/issuing/{id}/logo",
        issuer_of,
        &[("file", "@upload")],
    ),
    ("POST", "/issuing/{id}/keys", issuer_of, &[]),
    (
        "POST",
        "/issuing/{id}/keys/{key}/revoke",
        retired_key_of,
        &[("reason", "compromised")],
    ),
    (
        "POST",
        "/issuing/{id}/members",
        issuer_of,
        &[("email", "a@example.org")],
    ),
    ("GET", "/issuing/{id}/achievements", issuer_of, &[]),
    (
        "POST",
        "/issuing/{id}/achievements",
        issuer_of,
        &[("name", "x"), ("description", "x"), ("criteria", "x")],
    ),
    ("GET", "/issuing/{id}/achievements/new", issuer_of, &[]),
    ("GET", "/issuing/{id}/award", issuer_of, &[]),
    (
        "POST",
        "/issuing/{id}/award",
        issuer_of,
        &[("recipient_kind", "email"), ("recipient", "x@example.org")],
    ),
    ("GET", "/issuing/{id}/credentials", issuer_of, &[]),
    ("GET", "/issuing/{id}/audit", issuer_of, &[]),
    ("GET", "/issuing/{id}/batches", issuer_of, &[]),
    (
        "POST",
        "/issuing/{id}/batches",
        issuer_of,
        &[("file", "@upload")],
    ),
    ("GET", "/issuing/{id}/tokens", issuer_of, &[]),
    (
        "POST",
        "/issuing/{id}/tokens",
        issuer_of,
        &[("name", "Mine"), ("scope", "api")],
    ),
    ("POST", "/issuing/{id}/tokens/{token}/revoke", token_of, &[]),
    ("GET", "/issuing/{id}/automation", issuer_of, &[]),
    (
        "POST",
        "/issuing/{id}/xapi-rules",
        issuer_of,
        &[("activity", "https://lms.example.org/a")],
    ),
    (
        "POST",
        "/issuing/{id}/xapi-rules/{rule}/delete",
        xapi_rule_of,
        &[],
    ),
    (
        "POST",
        "/issuing/{id}/stack-rules",
        issuer_of,
        &[("components", "x")],
    ),
    (
        "POST",
        "/issuing/{id}/stack-rules/{rule}/delete",
        stack_rule_of,
        &[],
    ),
    ("GET", "/issuing/batches/{id}", batch_of, &[]),
    ("POST", "/issuing/batches/{id}/start", batch_of, &[]),
    ("GET", "/issuing/batches/{id}/progress", batch_of, &[]),
    ("GET", "/issuing/batches/{id}/report.csv", batch_of, &[]),
    ("GET", "/issuing/achievements/{id}", achievement_of, &[]),
    (
        "POST",
        "/issuing/achievements/{id}",
        achievement_of,
        &[("name", "x"), ("description", "x"), ("criteria", "x")],
    ),
    (
        "POST",
        "/issuing/achievements/{id}/image",
        achievement_of,
        &[("file", "@upload")],
    ),
    (
        "POST",
        "/issuing/achievements/{id}/stacking",
        achievement_of,
        &[("issuer", "did:web:nowhere.example")],
    ),
    (
        "POST",
        "/issuing/achievements/{id}/stacking/{issuer}/delete",
        stack_consent_of,
        &[],
    ),
    ("GET", "/issuing/credentials/{id}", issued_of, &[]),
    ("GET", "/issuing/credentials/{id}/download", issued_of, &[]),
    (
        "POST",
        "/issuing/credentials/{id}/state",
        issued_of,
        &[("state", "revoked"), ("reason", "x")],
    ),
    (
        "POST",
        "/issuing/credentials/{id}/resend-claim",
        issued_of,
        &[],
    ),
    ("GET", "/admin/users/{id}", user_of, &[]),
    ("POST", "/admin/users/{id}", user_of, &[("role", "learner")]),
    ("POST", "/admin/jobs/{id}/retry", failing_job_of, &[]),
];

fn attempt(c: &mut Client, method: &str, path: &str, fields: &[(&str, &str)]) -> u16 {
    if method == "GET" {
        c.get(path).status
    } else if fields.iter().any(|(k, v)| *k == "file" && *v == "@upload") {
        c.upload(path, "x.txt", "text/plain", b"attempt").status
    } else {
        c.post_form(path, fields).status
    }
}

/// The path with the setup's ids in its placeholders, in order (one id, or
/// two separated by a space).
fn fill(path: &str, ids: &str) -> String {
    let mut ids = ids.split(' ');
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').unwrap();
        out.push_str(&rest[..start]);
        out.push_str(ids.next().expect("an id for each placeholder"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    assert!(ids.next().is_none(), "more ids than placeholders in {path}");
    out
}

fn check(db: crate::Db) {
    let table = routes(1024);
    let with_ids: Vec<_> = table.iter().filter(|r| r.has_object_id()).collect();
    assert!(with_ids.len() >= 8);
    for r in &with_ids {
        assert!(
            CASES.iter().any(|(m, p, _, _)| *m == r.method.as_str() && *p == r.path),
            "route {} {} names an object but has no two-user authorization case in tests/it/authz.rs",
            r.method,
            r.path
        );
        assert_ne!(
            r.access,
            Access::Public,
            "{} {} names an object but is public",
            r.method,
            r.path
        );
    }
    for (method, path, setup, fields) in CASES {
        assert!(
            table
                .iter()
                .any(|r| r.method.as_str() == *method && r.path == *path),
            "case for a route that no longer exists: {path}"
        );
        // A fresh pair of users per case: B (the first account, so an administrator) owns the object.
        let Some(s) = TestServer::start(db) else {
            return;
        };
        let mut b = s.register("Bea", "b@example.org", PW);
        let mut a = s.register("Abe", "a@example.org", PW);
        let id = setup(&s, &mut b);
        let concrete = fill(path, &id);
        let status = attempt(&mut a, method, &concrete, fields);
        assert_eq!(
            status, 404,
            "user A reached user B's object: {method} {concrete}"
        );
        // The same request by the owner is not a 404: the test can tell.
        let owner = attempt(&mut b, method, &concrete, fields);
        assert_ne!(
            owner, 404,
            "the owner cannot reach their own object: {method} {concrete}"
        );
    }
}

#[test]
fn user_a_gets_404_for_user_bs_objects_on_sqlite() {
    check(crate::Db::Sqlite);
}

#[test]
fn user_a_gets_404_for_user_bs_objects_on_postgres() {
    check(crate::Db::Postgres);
}
