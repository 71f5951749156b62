//! My e-Backpack, digital badges, over HTTP: import from a file, pasted text
//! or a baked image; verification on import and on view; re-imports
//! recognised; originals kept byte for byte; bad input refused with nothing
//! stored; the real-world corpus imports or is refused clearly.

use backpack_credentials::proof::SignSuite;
use backpack_credentials::sign::{IssuerKey, Secured, SignFormat};
use backpack_crypto::ed25519::SigningKey;

use crate::{on_every_db, Client, TestServer};

const PW: &str = "correct horse battery";

pub fn signed_badge_for_tests() -> (String, String) {
    signed_badge()
}

#[allow(clippy::disallowed_methods)] // valid from yesterday, as the server sees it
fn signed_badge() -> (String, String) {
    let issuer = IssuerKey::did_key(SigningKey::generate());
    let doc = backpack_credentials::samples::open_badge_credential(3, &issuer.did);
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let Secured::Json(v) = backpack_credentials::sign::sign(
        backpack_jsonld::Processor::shared(),
        &doc,
        &issuer,
        SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
        at,
    )
    .unwrap() else {
        panic!("expected JSON")
    };
    let jwt = match backpack_credentials::sign::sign(
        backpack_jsonld::Processor::shared(),
        &doc,
        &issuer,
        SignFormat::Jwt,
        at,
    )
    .unwrap()
    {
        Secured::Jwt(t) => t,
        Secured::Json(_) => panic!("expected a JWT"),
    };
    (serde_json::to_string_pretty(&v).unwrap(), jwt)
}

fn import_text(c: &mut Client, text: &str) -> crate::client::Resp {
    let boundary = "----badgeboundary";
    let token = c.csrf();
    let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{text}\r\n--{boundary}--\r\n");
    c.post_raw(
        "/backpack/badges",
        &format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
        &[],
    )
}

fn badge_id(location: &str) -> String {
    location
        .trim_start_matches("/backpack/badges/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

on_every_db!(
    a_badge_is_imported_verified_recognised_downloaded_and_deleted,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let first = ada.get("/backpack/badges");
        assert!(
            first.body.contains("No badge yet."),
            "{} {}",
            first.status,
            first.body
        );
        let (json, jwt) = signed_badge();
        let r = ada.upload(
            "/backpack/badges",
            "my badge.json",
            "application/json",
            json.as_bytes(),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(
            r.location().ends_with("?done=badge_imported"),
            "{}",
            r.location()
        );
        let id = badge_id(r.location());
        let page = ada.get(r.location());
        assert!(page.body.contains("The badge is imported and verified."));
        assert!(
            page.body.contains(r#"<strong>Verified</strong>"#),
            "{}",
            page.body
        );
        assert!(page.body.contains("Signature") && page.body.contains("Passed"));
        let list = ada.get("/backpack/badges");
        assert!(list.body.contains(&format!("/backpack/badges/{id}")));

        // The same bytes again, the same text pasted, the same credential as a baked PNG: recognised.
        let again = ada.upload(
            "/backpack/badges",
            "again.json",
            "application/json",
            json.as_bytes(),
        );
        assert_eq!(
            again.location(),
            format!("/backpack/badges/{id}?done=badge_already_here")
        );
        assert_eq!(
            import_text(&mut ada, &json).location(),
            format!("/backpack/badges/{id}?done=badge_already_here")
        );
        let png = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/badge.png"
        ))
        .unwrap();
        let baked = backpack_bake::bake(&png, backpack_bake::Payload::Json(&json)).unwrap();
        let r = ada.upload("/backpack/badges", "baked.png", "image/png", &baked);
        assert_eq!(
            r.location(),
            format!("/backpack/badges/{id}?done=badge_already_here")
        );
        // A JWT of another credential (new id): a second badge.
        let r = import_text(&mut ada, &jwt);
        assert!(r.location().ends_with("?done=badge_imported"), "{}", r.body);
        assert!(ada
            .get(r.location())
            .body
            .contains("<strong>Verified</strong>"));

        // The original, byte for byte, as a sandboxed attachment.
        let o = ada.get(&format!("/backpack/badges/{id}/original"));
        assert_eq!(o.status, 200);
        assert_eq!(o.bytes, json.as_bytes());
        assert_eq!(
            o.header("content-disposition"),
            Some(r#"attachment; filename="my_badge.json""#)
        );
        assert!(o
            .header("content-security-policy")
            .unwrap()
            .starts_with("sandbox"));

        assert_eq!(
            ada.post_form(&format!("/backpack/badges/{id}/delete"), &[])
                .status,
            303
        );
        assert_eq!(ada.get(&format!("/backpack/badges/{id}")).status, 404);
    }
);

on_every_db!(
    a_tampered_badge_imports_as_invalid_and_bad_input_is_refused,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let (json, _) = signed_badge();
        let tampered = json.replacen("\"name\": \"", "\"name\": \"Forged ", 1);
        let r = ada.upload(
            "/backpack/badges",
            "t.json",
            "application/json",
            tampered.as_bytes(),
        );
        assert_eq!(r.status, 303);
        let page = ada.get(r.location());
        assert!(
            page.body.contains("<strong>Invalid</strong>"),
            "{}",
            page.body
        );

        let before = ada
            .get("/backpack/badges")
            .body
            .matches("/backpack/badges/")
            .count();
        for (name, bytes, message) in [
            ("empty.json", b"".to_vec(), "Choose a file."),
            (
                "x.json",
                b"{ not json".to_vec(),
                "This is not valid JSON or a valid JWT.",
            ),
            (
                "plain.png",
                std::fs::read(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../assets/badge.png"
                ))
                .unwrap(),
                "This image carries no readable badge.",
            ),
            (
                "note.txt",
                b"hello there".to_vec(),
                "This is not a badge or a credential.",
            ),
        ] {
            let r = ada.upload("/backpack/badges", name, "application/octet-stream", &bytes);
            assert_eq!(r.status, 422, "{name}: {}", r.status);
            assert!(r.body.contains(message), "{name}: {}", r.body);
            assert!(r.body.contains(r#"id="f-file-error""#));
        }
        assert_eq!(
            ada.get("/backpack/badges")
                .body
                .matches("/backpack/badges/")
                .count(),
            before,
            "nothing stored"
        );
    }
);

/// Representative corpus files and what the import must show (offline).
const CORPUS: &[(&str, &str)] = &[
    ("dcc-vc-test-fixtures/v2-dataIntegrityProof-didKey-legacyRegistry-noStatus-noExpiry-basicOBv3.json", "Verified"),
    ("dcc-vc-test-fixtures/v2-ed25519-didKey-legacy-noStatus-noExpiry-tampered.json", "Invalid"),
    ("dcc-vc-test-fixtures/v2-ed25519-didKey-legacy-noStatus-expired.json", "Expired"),
    ("dcc-vc-test-fixtures/v2-dataIntegrityProof-didKey-oidf-noStatus-notExpired-notYetValid.json", "Not yet valid"),
    ("1edtech-validator/ob30/simple.json", "Key not bound to the issuer"),
    ("1edtech-validator/ob30/simple-json.png", "Key not bound to the issuer"),
    ("1edtech-validator/ob30/simple-jwt.svg", "Key not bound to the issuer"),
    ("w3c-ccg-vc-ed/plugfest-3-2023-signed_badge_example-p3.json", "Verified"),
    ("1edtech-validator/ob20/simple-badge.png", "Not verifiable here"),
    ("dcc-docs/criteria-markdown-combo.json", "Expired"),
    ("ec-elm/Sample-MC-Annex1-signed.jsonld", "This badge format is not supported."),
    ("badgr-server/bad_image.png", "This is not a badge or a credential."),
    ("badgr-server/hacked-svg-with-embedded-script-tags.svg", "This image carries no readable badge."),
    ("mozilla-openbadges-bakery/bad-json.svg", "This is not valid JSON or a valid JWT."),
];

#[test]
fn the_real_world_corpus_imports_with_its_status_or_is_refused_clearly() {
    let Some(shared) = backpack_testkit::shared() else {
        return;
    };
    let corpus = shared.join("corpus");
    let s = TestServer::start(crate::Db::Sqlite).unwrap();
    let mut ada = s.register("Ada", "ada@example.org", PW);
    for (file, expected) in CORPUS {
        let bytes = std::fs::read(corpus.join(file)).unwrap();
        let r = ada.upload(
            "/backpack/badges",
            file.rsplit('/').next().unwrap(),
            "application/octet-stream",
            &bytes,
        );
        let shown = if r.status == 303 {
            ada.get(r.location()).body
        } else {
            r.body.clone()
        };
        assert!(
            shown.contains(expected),
            "{file}: expected {expected:?}, got status {}:\n{shown}",
            r.status
        );
    }
    // Every data file: imported (a badge page) or refused with a message; never a server error.
    let mut files = Vec::new();
    let mut stack = vec![corpus.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("MANIFEST.md" | "SHA256SUMS")
            ) {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 59, "{}", files.len());
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        let r = ada.upload("/backpack/badges", "f", "application/octet-stream", &bytes);
        match r.status {
            303 => assert_eq!(ada.get(r.location()).status, 200, "{}", p.display()),
            422 | 413 => assert!(r.body.contains(r#"id="f-file-error""#), "{}", p.display()),
            other => panic!("{}: status {other}", p.display()),
        }
    }
}

on_every_db!(
    strings_from_an_imported_badge_render_inert,
    |s: TestServer| {
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let evil = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:3b1b9a2e-6c1f-4a3b-9c55-6a3e1f0c2d11",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://issuer.example/<script>", "type": ["Profile"], "name": "<img src=x onerror=alert(1)>"},
            "validFrom": "2024-01-01T00:00:00Z",
            "name": "<script>alert('name')</script>",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "id": "did:example:ada",
                "achievement": {
                    "id": "https://issuer.example/a/1",
                    "type": ["Achievement"],
                    "name": "<script>alert('achievement')</script>",
                    "description": "**Bold** and <iframe src=javascript:alert(1)></iframe>",
                    "criteria": {"narrative": "Do [this](javascript:alert(1)) and [that](https://ok.example/)\n\n<img src=x onerror=alert(1)>"}
                }
            }
        });
        let r = ada.upload(
            "/backpack/badges",
            "evil.json",
            "application/json",
            evil.to_string().as_bytes(),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        for page in [ada.get(r.location()).body, ada.get("/backpack/badges").body] {
            let lower = page.to_ascii_lowercase();
            assert!(
                !lower.contains("<script>alert")
                    && !lower.contains("<img src=x")
                    && !lower.contains("<iframe"),
                "{page}"
            );
            assert!(!lower.contains("javascript:alert(1)\""), "{page}");
        }
        let detail = ada.get(r.location()).body;
        assert!(
            detail
                .contains("<h1>&#60;script&#62;alert(&#39;achievement&#39;)&#60;/script&#62;</h1>"),
            "{detail}"
        );
        assert!(
            detail.contains("<strong>Bold</strong> and &lt;iframe"),
            "{detail}"
        );
        assert!(detail.contains(r#"Do this and <a rel="nofollow noopener noreferrer" href="https://ok.example/">that</a>"#));
        assert!(detail.contains("class=\"verdict-box"), "a verdict is shown");
    }
);

on_every_db!(
    the_badge_page_says_whether_it_was_issued_to_the_learner,
    |s: TestServer| {
        // The sample credential is issued (hashed, salted) to learner00003@example.org.
        let mut ada = s.register("Ada", "ada@example.org", PW);
        let (json, _) = signed_badge();
        let r = ada.upload(
            "/backpack/badges",
            "b.json",
            "application/json",
            json.as_bytes(),
        );
        let page = r.location().split('?').next().unwrap().to_owned();
        assert!(
            ada.get(&page).body.contains("Issued to someone else"),
            "not one of her addresses"
        );
        // Adding the address is not enough: it must be confirmed.
        ada.post_form("/account/emails", &[("email", "learner00003@example.org")]);
        assert!(ada.get(&page).body.contains("Issued to someone else"));
        let token = s.mailed_token("learner00003@example.org", "/confirm-email");
        ada.post_form("/confirm-email", &[("token", &token)]);
        let body = ada.get(&page).body;
        assert!(
            body.contains("Issued to you (learner00003@example.org)."),
            "{body}"
        );
    }
);

/// A credential from a did:web issuer with a revocation entry in a status
/// list, both served on loopback; returns (credential JSON, list publisher).
#[allow(clippy::disallowed_methods)] // valid from yesterday, as the server sees it
fn revocable_badge(revoked: bool) -> String {
    use backpack_credentials::status::{Bitstring, MIN_LIST_BITS};
    let routes = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let port = backpack_testkit::serve_json(routes.clone());
    let did = format!("did:web:127.0.0.1%3A{port}");
    let key = SigningKey::generate();
    let public = backpack_crypto::multikey::PublicKey::Ed25519(key.verifying_key())
        .to_multikey()
        .unwrap();
    let issuer = IssuerKey {
        key,
        did: did.clone(),
        verification_method: format!("{did}#key-1"),
    };
    let vm = issuer.verification_method.clone();
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did, "verificationMethod": [{"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": public}],
        "assertionMethod": [vm]
    });
    routes
        .lock()
        .unwrap()
        .insert("/.well-known/did.json".into(), doc.to_string());
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let sign = |v: &serde_json::Value| match backpack_credentials::sign::sign(
        backpack_jsonld::Processor::shared(),
        v,
        &issuer,
        SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
        at,
    )
    .unwrap()
    {
        Secured::Json(v) => v.to_string(),
        Secured::Jwt(_) => panic!("expected JSON"),
    };
    let list_url = format!("http://127.0.0.1:{port}/status/1");
    let mut bits = Bitstring::new(MIN_LIST_BITS);
    bits.set(5, revoked).unwrap();
    let list = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"], "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "credentialSubject": {"id": format!("{list_url}#list"), "type": "BitstringStatusList",
            "statusPurpose": "revocation", "encodedList": bits.encode()}
    });
    routes
        .lock()
        .unwrap()
        .insert("/status/1".into(), sign(&list));
    let mut cred = backpack_credentials::samples::open_badge_credential(1, &did);
    cred["credentialStatus"] = serde_json::json!({"id": format!("{list_url}#5"), "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": list_url});
    sign(&cred)
}

#[test]
fn online_checks_resolve_did_web_issuers_and_show_a_revoked_badge() {
    let online = [
        ("BACKPACK_VERIFICATION__ONLINE", "true"),
        ("BACKPACK_VERIFICATION__ALLOW_LOCAL_HTTP", "true"),
    ];
    let s = TestServer::start_with(crate::Db::Sqlite, &online).unwrap();
    let mut ada = s.register("Ada", "ada@example.org", PW);
    for (revoked, expected) in [(true, "Revoked"), (false, "Verified")] {
        let json = revocable_badge(revoked);
        let r = ada.upload(
            "/backpack/badges",
            "b.json",
            "application/json",
            json.as_bytes(),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let page = ada.get(r.location()).body;
        assert!(page.contains(expected), "expected {expected}:\n{page}");
    }
    // The same credential checked offline cannot reach its issuer's key.
    let s = TestServer::start(crate::Db::Sqlite).unwrap();
    let mut bob = s.register("Bob", "bob@example.org", PW);
    let r = bob.upload(
        "/backpack/badges",
        "b.json",
        "application/json",
        revocable_badge(true).as_bytes(),
    );
    let page = bob.get(r.location()).body;
    assert!(
        !page.contains("Revoked") && !page.contains(">Verified<"),
        "{page}"
    );
}
