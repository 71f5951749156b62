//! Open Badges 2.0 signed assertions: the key is bound to the issuer through
//! the documents at their own URLs, never through copies in the payload.

use crate::common::*;
use backpack_credentials::did::OfflineResolver;
use backpack_credentials::status::NoStatusLists;
use backpack_credentials::{CheckKind, Outcome, Report, Verdict};
use backpack_crypto::ed25519::SigningKey;
use base64::Engine;
use serde_json::{json, Value};

const OB2: &str = "https://w3id.org/openbadges/v2";
pub const EVIL_KEY: &str = "https://evil.example/keys/1.json";
pub const EVIL_ISSUER: &str = "https://evil.example/issuer.json";
const HARVARD_BADGE: &str = "https://harvard.example.edu/badges/law.json";
const HARVARD_ISSUER: &str = "https://harvard.example.edu/issuer.json";
const HARVARD_KEY: &str = "https://harvard.example.edu/keys/1.json";
const UNI_BADGE: &str = "https://uni.example/badges/1.json";
const UNI_ISSUER: &str = "https://uni.example/issuer.json";
const UNI_KEY: &str = "https://uni.example/keys/1.json";

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

/// An Ed25519 public key as SPKI PEM (what `publicKeyPem` holds).
fn pem(k: &SigningKey) -> String {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(&k.verifying_key().to_bytes());
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

pub fn key_doc(id: &str, owner: &str, k: &SigningKey) -> Value {
    json!({"@context": OB2, "id": id, "type": "CryptographicKey", "owner": owner, "publicKeyPem": pem(k)})
}

pub fn profile(id: &str, name: &str, public_key: &str) -> Value {
    json!({"@context": OB2, "id": id, "type": "Issuer", "name": name, "url": id, "publicKey": public_key})
}

fn badge_class(id: &str, issuer: &str) -> Value {
    json!({"@context": OB2, "id": id, "type": "BadgeClass", "name": "A badge",
        "description": "d", "image": "https://img.example/b.png", "criteria": "https://c.example", "issuer": issuer})
}

pub fn assertion(badge: Value, creator: &str) -> Value {
    json!({
        "@context": OB2, "type": "Assertion", "id": "https://evil.example/assertions/1",
        "recipient": {"type": "email", "hashed": false, "identity": "ada@example.org"},
        "issuedOn": "2026-01-01T00:00:00Z",
        "badge": badge,
        "verification": {"type": "signed", "creator": creator}
    })
}

pub fn jws(payload: &Value, k: &SigningKey) -> String {
    backpack_crypto::jose::sign_compact_eddsa(
        &serde_json::Map::new(),
        &serde_json::to_vec(payload).unwrap(),
        k,
    )
}

/// The audit's attack: the attacker signs with their own key an assertion
/// whose embedded BadgeClass and issuer Profile claim Harvard, the embedded
/// Profile listing the attacker's key, whose owner is the attacker's profile.
pub fn forged_assertion() -> String {
    let badge = json!({
        "id": HARVARD_BADGE, "type": "BadgeClass", "name": "Juris Doctor",
        "issuer": {"id": HARVARD_ISSUER, "type": "Issuer", "name": "Harvard University",
            "url": "https://harvard.example.edu", "publicKey": EVIL_KEY}
    });
    jws(&assertion(badge, EVIL_KEY), &key(66))
}

/// What the attacker publishes (and could hand a verifier as documents).
pub fn attacker_documents() -> Vec<Value> {
    vec![
        key_doc(EVIL_KEY, EVIL_ISSUER, &key(66)),
        profile(EVIL_ISSUER, "Evil", EVIL_KEY),
    ]
}

/// What Harvard really publishes.
fn harvard_documents() -> Vec<Value> {
    vec![
        badge_class(HARVARD_BADGE, HARVARD_ISSUER),
        profile(HARVARD_ISSUER, "Harvard University", HARVARD_KEY),
        key_doc(HARVARD_KEY, HARVARD_ISSUER, &key(7)),
    ]
}

fn check(token: &str, docs: &[Value]) -> Report {
    let mut resolver = OfflineResolver::new();
    for d in docs {
        resolver.add_document(d.clone());
    }
    verify_with(token.as_bytes(), &resolver, &NoStatusLists, corpus_day()).unwrap()
}

fn binding(r: &Report) -> (Outcome, String) {
    let c = r
        .checks
        .iter()
        .find(|c| c.check == CheckKind::KeyBinding)
        .unwrap_or_else(|| panic!("no key binding check:\n{}", summary(r)));
    (c.outcome, c.code.clone())
}

#[test]
fn a_forged_embedded_issuer_profile_is_refused() {
    let token = forged_assertion();
    // With only the attacker's documents, and with Harvard's real ones too.
    for docs in [
        attacker_documents(),
        [attacker_documents(), harvard_documents()].concat(),
    ] {
        let r = check(&token, &docs);
        assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
        assert!(r.checks.iter().any(|c| c.code == "signature_valid"));
        assert_eq!(binding(&r).0, Outcome::Failed);
        assert_ne!(r.issuer.as_deref(), Some("Harvard University"));
    }
}

/// Uni's documents, with Uni's key (seed 5) owned by `key_owner`.
fn uni_documents(key_url: &str, key_owner: &str, issuer: Value) -> Vec<Value> {
    vec![
        badge_class(UNI_BADGE, UNI_ISSUER),
        issuer,
        key_doc(key_url, key_owner, &key(5)),
    ]
}

#[test]
fn a_key_owned_by_someone_else_is_not_bound() {
    let token = jws(&assertion(json!(UNI_BADGE), UNI_KEY), &key(5));
    let docs = uni_documents(UNI_KEY, EVIL_ISSUER, profile(UNI_ISSUER, "Uni", UNI_KEY));
    let r = check(&token, &docs);
    assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
    assert_eq!(binding(&r), (Outcome::Failed, "key_owner_mismatch".into()));
    // The same documents with the right owner verify.
    let docs = uni_documents(UNI_KEY, UNI_ISSUER, profile(UNI_ISSUER, "Uni", UNI_KEY));
    let r = check(&token, &docs);
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
}

#[test]
fn a_key_outside_the_issuers_verification_scope_is_not_bound() {
    let token = jws(&assertion(json!(UNI_BADGE), EVIL_KEY), &key(5));
    // No policy: the key must be on the issuer's own host.
    let docs = uni_documents(EVIL_KEY, UNI_ISSUER, profile(UNI_ISSUER, "Uni", EVIL_KEY));
    let r = check(&token, &docs);
    assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
    assert_eq!(
        binding(&r),
        (Outcome::Failed, "key_origin_not_allowed".into())
    );
    // startsWith that the key does not match.
    let mut scoped = profile(UNI_ISSUER, "Uni", EVIL_KEY);
    scoped["verification"] =
        json!({"type": "VerificationObject", "startsWith": ["https://uni.example/keys/"]});
    let r = check(&token, &uni_documents(EVIL_KEY, UNI_ISSUER, scoped));
    assert_eq!(
        binding(&r),
        (Outcome::Failed, "key_origin_not_allowed".into())
    );
    // allowedOrigins naming the key's host: allowed.
    let mut allowed = profile(UNI_ISSUER, "Uni", EVIL_KEY);
    allowed["verification"] =
        json!({"type": "VerificationObject", "allowedOrigins": "evil.example"});
    let r = check(&token, &uni_documents(EVIL_KEY, UNI_ISSUER, allowed));
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
}

#[test]
fn an_issuer_given_by_url_that_does_not_list_the_key_is_not_bound() {
    // The attacker's key, with Harvard's badge given by URL.
    let token = jws(&assertion(json!(HARVARD_BADGE), EVIL_KEY), &key(66));
    for docs in [
        attacker_documents(),
        [attacker_documents(), harvard_documents()].concat(),
    ] {
        let r = check(&token, &docs);
        assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
        assert_eq!(binding(&r), (Outcome::Failed, "key_not_bound".into()));
    }
}

#[test]
fn the_issuer_shown_is_the_fetched_profiles_not_the_embedded_copys() {
    // Uni's own, valid assertion whose embedded copies claim Harvard.
    let embedded = json!({
        "id": UNI_BADGE, "type": "BadgeClass", "name": "x",
        "issuer": {"id": UNI_ISSUER, "type": "Issuer", "name": "Harvard University"}
    });
    let token = jws(&assertion(embedded, UNI_KEY), &key(5));
    let docs = uni_documents(
        UNI_KEY,
        UNI_ISSUER,
        profile(UNI_ISSUER, "Example University", UNI_KEY),
    );
    let r = check(&token, &docs);
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
    assert_eq!(r.issuer.as_deref(), Some("Example University"));
    // An embedded BadgeClass whose URL serves another issuer's class: the
    // served one counts.
    let docs = [
        uni_documents(
            UNI_KEY,
            UNI_ISSUER,
            profile(UNI_ISSUER, "Example University", UNI_KEY),
        ),
        vec![badge_class(UNI_BADGE, HARVARD_ISSUER)],
        harvard_documents(),
    ]
    .concat();
    let r = check(&token, &docs);
    assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
}

#[test]
fn a_document_served_under_another_id_is_not_used() {
    let token = jws(&assertion(json!(UNI_BADGE), UNI_KEY), &key(5));
    let mut resolver = OfflineResolver::new()
        .with_document(UNI_BADGE, badge_class(UNI_BADGE, UNI_ISSUER))
        .with_document(UNI_ISSUER, profile(EVIL_ISSUER, "Uni", UNI_KEY));
    resolver.add_document(key_doc(UNI_KEY, UNI_ISSUER, &key(5)));
    let r = verify_with(token.as_bytes(), &resolver, &NoStatusLists, corpus_day()).unwrap();
    assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
}
