//! VC-JWT: the algorithm comes from the key, `none` and HMAC are refused,
//! registered claims must agree with the credential, and a key carried in the
//! header proves nothing about the issuer.

use crate::common::*;
use crate::tamper::{issuer, signed_sample};
use backpack_credentials::sign::{Secured, SignFormat};
use backpack_credentials::Verdict;
use base64::Engine;
use serde_json::{json, Value};

fn b64(v: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
}

fn parts(token: &str) -> (Value, Value, String) {
    let p: Vec<&str> = token.split('.').collect();
    let dec = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .unwrap()
    };
    (
        serde_json::from_slice(&dec(p[0])).unwrap(),
        serde_json::from_slice(&dec(p[1])).unwrap(),
        p[2].to_string(),
    )
}

fn token() -> String {
    let (_, Secured::Jwt(t)) = signed_sample(3, SignFormat::Jwt) else {
        panic!()
    };
    t
}

fn verdict(t: &str) -> Verdict {
    match verify_offline(t.as_bytes(), corpus_day()) {
        Ok(r) => r.verdict,
        Err(_) => Verdict::Invalid,
    }
}

#[test]
fn a_signed_jwt_carries_the_registered_claims() {
    let t = token();
    let (header, payload, _) = parts(&t);
    assert_eq!(header["alg"], "EdDSA");
    assert!(header["kid"].as_str().unwrap().starts_with("did:key:"));
    assert_eq!(payload["iss"], payload["issuer"]["id"]);
    assert_eq!(payload["jti"], payload["id"]);
    assert!(payload["nbf"].is_i64());
    assert_eq!(verdict(&t), Verdict::Verified);
}

#[test]
fn alg_none_and_hmac_are_refused() {
    let t = token();
    let (mut header, payload, _) = parts(&t);
    for alg in ["none", "HS256"] {
        header["alg"] = json!(alg);
        let forged = format!(
            "{}.{}.",
            b64(&serde_json::to_vec(&header).unwrap()),
            b64(&serde_json::to_vec(&payload).unwrap())
        );
        assert_eq!(verdict(&forged), Verdict::Invalid, "alg {alg}");
        let forged = format!(
            "{}.{}.{}",
            b64(&serde_json::to_vec(&header).unwrap()),
            b64(&serde_json::to_vec(&payload).unwrap()),
            b64(b"secret")
        );
        assert_eq!(
            verdict(&forged),
            Verdict::Invalid,
            "alg {alg} with a signature"
        );
    }
}

#[test]
fn a_header_alg_that_does_not_fit_the_key_is_refused() {
    let t = token();
    let (mut header, _, _) = parts(&t);
    header["alg"] = json!("ES256");
    let p: Vec<&str> = t.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        b64(&serde_json::to_vec(&header).unwrap()),
        p[1],
        p[2]
    );
    assert_eq!(verdict(&forged), Verdict::Invalid);
}

#[test]
fn a_changed_payload_is_refused() {
    let t = token();
    let (_, mut payload, _) = parts(&t);
    payload["name"] = json!("Something else");
    let p: Vec<&str> = t.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        p[0],
        b64(&serde_json::to_vec(&payload).unwrap()),
        p[2]
    );
    assert_eq!(verdict(&forged), Verdict::Invalid);
}

#[test]
fn a_key_in_the_header_proves_nothing() {
    let mallory = issuer(7);
    let alice = issuer(1);
    let doc = backpack_credentials::samples::open_badge_credential(2, &alice.did);
    let doc = backpack_credentials::sign::prepare(&doc, &alice.did, corpus_day()).unwrap();
    let mut header = serde_json::Map::new();
    let pk = mallory.key.verifying_key().to_bytes();
    header.insert(
        "jwk".into(),
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&pk)}),
    );
    let mut payload = doc.as_object().unwrap().clone();
    payload.insert("iss".into(), json!(alice.did));
    let t = backpack_crypto::jose::sign_compact_eddsa(
        &header,
        &serde_json::to_vec(&Value::Object(payload)).unwrap(),
        &mallory.key,
    );
    let r = verify_offline(t.as_bytes(), corpus_day()).unwrap();
    assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
}

#[test]
fn claims_that_contradict_the_credential_are_refused() {
    let alice = issuer(1);
    let doc = backpack_credentials::samples::open_badge_credential(2, &alice.did);
    let doc = backpack_credentials::sign::prepare(&doc, &alice.did, corpus_day()).unwrap();
    let mut payload = doc.as_object().unwrap().clone();
    payload.insert("iss".into(), json!(alice.did));
    payload.insert("nbf".into(), json!(0));
    let mut header = serde_json::Map::new();
    header.insert("kid".into(), json!(alice.verification_method));
    let t = backpack_crypto::jose::sign_compact_eddsa(
        &header,
        &serde_json::to_vec(&Value::Object(payload)).unwrap(),
        &alice.key,
    );
    assert_eq!(verdict(&t), Verdict::Invalid);
}

#[test]
fn the_tokens_own_exp_is_enforced() {
    let alice = issuer(1);
    let doc = backpack_credentials::samples::open_badge_credential(2, &alice.did);
    let doc = backpack_credentials::sign::prepare(&doc, &alice.did, corpus_day()).unwrap();
    let mut payload = doc.as_object().unwrap().clone();
    payload.insert("iss".into(), json!(alice.did));
    payload.insert("exp".into(), json!(corpus_day().unix_timestamp() - 60));
    let mut header = serde_json::Map::new();
    header.insert("kid".into(), json!(alice.verification_method));
    let t = backpack_crypto::jose::sign_compact_eddsa(
        &header,
        &serde_json::to_vec(&Value::Object(payload)).unwrap(),
        &alice.key,
    );
    assert_eq!(verdict(&t), Verdict::Expired);
}

fn token_with(claims: &[(&str, Value)]) -> String {
    let alice = issuer(1);
    let doc = backpack_credentials::samples::open_badge_credential(2, &alice.did);
    let doc = backpack_credentials::sign::prepare(&doc, &alice.did, corpus_day()).unwrap();
    let mut payload = doc.as_object().unwrap().clone();
    payload.insert("iss".into(), json!(alice.did));
    for (k, v) in claims {
        payload.insert((*k).into(), v.clone());
    }
    let mut header = serde_json::Map::new();
    header.insert("kid".into(), json!(alice.verification_method));
    backpack_crypto::jose::sign_compact_eddsa(
        &header,
        &serde_json::to_vec(&Value::Object(payload)).unwrap(),
        &alice.key,
    )
}

#[test]
fn numeric_dates_with_a_fraction_are_read_as_numbers() {
    // RFC 7519 §2: NumericDate may be a non-integer number of seconds.
    assert_eq!(
        verdict(&token_with(&[("exp", json!(1_000_000_000.5))])),
        Verdict::Expired
    );
    let future = corpus_day().unix_timestamp() as f64 + 3600.25;
    assert_eq!(
        verdict(&token_with(&[("exp", json!(future))])),
        Verdict::Verified
    );
    // Not a number at all: malformed, not ignored.
    assert_eq!(
        verdict(&token_with(&[("exp", json!("2001-09-09"))])),
        Verdict::Invalid
    );
}

/// A VC-JWT as openbadgeslib makes it: the issuer is a did:key, the header
/// carries the signing key as `jwk`, and there is no `kid`.
fn header_jwk_token(issuer_did: &str, signer: &backpack_credentials::sign::IssuerKey) -> String {
    let doc = backpack_credentials::samples::open_badge_credential(2, issuer_did);
    let doc = backpack_credentials::sign::prepare(&doc, issuer_did, corpus_day()).unwrap();
    let mut header = serde_json::Map::new();
    header.insert("typ".into(), json!("JWT"));
    header.insert(
        "jwk".into(),
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&signer.key.verifying_key().to_bytes())}),
    );
    let mut payload = doc.as_object().unwrap().clone();
    payload.insert("iss".into(), json!(issuer_did));
    backpack_crypto::jose::sign_compact_eddsa(
        &header,
        &serde_json::to_vec(&Value::Object(payload)).unwrap(),
        &signer.key,
    )
}

#[test]
fn a_did_key_issuers_own_key_in_the_header_is_bound() {
    let alice = issuer(1);
    let t = header_jwk_token(&alice.did, &alice);
    let (header, _, _) = parts(&t);
    assert!(header.get("kid").is_none() && header.get("jwk").is_some());
    let r = verify_offline(t.as_bytes(), corpus_day()).unwrap();
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
    assert!(r.checks.iter().any(|c| c.code == "key_bound"));
}

#[test]
fn another_key_in_the_header_of_a_did_key_issuers_token_is_not_bound() {
    let (alice, mallory) = (issuer(1), issuer(7));
    let t = header_jwk_token(&alice.did, &mallory);
    let r = verify_offline(t.as_bytes(), corpus_day()).unwrap();
    assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
    assert!(
        r.checks.iter().any(|c| c.code == "issuer_mismatch"),
        "{}",
        summary(&r)
    );
}

#[test]
fn a_baked_png_and_svg_carrying_such_a_token_verify() {
    let alice = issuer(1);
    let t = header_jwk_token(&alice.did, &alice);
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    for (file, container) in [
        ("badge.png", "png:openbadgecredential"),
        ("badge.svg", "svg:openbadges:credential"),
    ] {
        let image = read(&assets.join(file));
        let baked = backpack_bake::bake(&image, backpack_bake::Payload::Jws(&t)).unwrap();
        let r = verify_offline(&baked, corpus_day()).unwrap();
        assert_eq!(r.verdict, Verdict::Verified, "{file}\n{}", summary(&r));
        assert_eq!(r.container.as_deref(), Some(container));
    }
}

#[test]
fn a_p384_did_key_issuer_with_its_key_in_the_header_verifies_es384() {
    use p384::ecdsa::signature::Signer;
    let sk = p384::ecdsa::SigningKey::from_slice(&[0x24; 48]).unwrap();
    let public = backpack_crypto::multikey::PublicKey::P384(*sk.verifying_key());
    let did = backpack_crypto::did_key::did_for(&public).unwrap();
    let doc = backpack_credentials::samples::open_badge_credential(2, &did);
    let doc = backpack_credentials::sign::prepare(&doc, &did, corpus_day()).unwrap();
    let point = sk.verifying_key().to_encoded_point(false);
    let header = json!({"alg": "ES384", "typ": "JWT", "jwk": {
        "kty": "EC", "crv": "P-384", "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())
    }});
    let mut payload = doc.as_object().unwrap().clone();
    payload.insert("iss".into(), json!(did));
    let input = format!(
        "{}.{}",
        b64(&serde_json::to_vec(&header).unwrap()),
        b64(&serde_json::to_vec(&Value::Object(payload)).unwrap())
    );
    let sig: p384::ecdsa::Signature = sk.sign(input.as_bytes());
    let t = format!("{input}.{}", b64(&sig.to_bytes()));
    let r = verify_offline(t.as_bytes(), corpus_day()).unwrap();
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
}
