//! A good signature must never prove the wrong thing: every change to a
//! signed credential, its proof, its issuer or its context is caught.

use crate::common::*;
use backpack_credentials::did::OfflineResolver;
use backpack_credentials::proof::{self, SignSuite};
use backpack_credentials::samples::open_badge_credential;
use backpack_credentials::sign::{sign, IssuerKey, Secured, SignFormat};
use backpack_credentials::status::NoStatusLists;
use backpack_credentials::{CheckKind, Outcome, Processor, Verdict};
use backpack_crypto::ed25519::SigningKey;
use serde_json::{json, Value};

fn now() -> time::OffsetDateTime {
    corpus_day()
}

pub fn issuer(seed: u8) -> IssuerKey {
    IssuerKey::did_key(SigningKey::from_seed(&[seed; 32]))
}

pub fn signed_sample(i: u64, format: SignFormat) -> (IssuerKey, Secured) {
    let iss = issuer(1);
    let doc = open_badge_credential(i, &iss.did);
    let s = sign(Processor::shared(), &doc, &iss, format, now()).unwrap();
    (iss, s)
}

fn verdict_of(doc: &Value) -> Verdict {
    verify_offline(serde_json::to_string(doc).unwrap().as_bytes(), now())
        .unwrap()
        .verdict
}

fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| leaves(x, format!("{path}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| leaves(x, format!("{path}/{i}"), out)),
        _ => out.push(path),
    }
}

fn altered(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Number(n) => json!(n.as_f64().unwrap_or(0.0) + 1.0),
        Value::Bool(b) => Value::Bool(!b),
        _ => json!("x"),
    }
}

#[test]
fn fresh_credentials_verify_in_every_format() {
    for format in [
        SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
        SignFormat::DataIntegrity(SignSuite::EddsaJcs2022),
        SignFormat::Jwt,
    ] {
        for i in 1..=6 {
            let (_, s) = signed_sample(i, format);
            let bytes = match s {
                Secured::Json(v) => serde_json::to_vec(&v).unwrap(),
                Secured::Jwt(t) => t.into_bytes(),
            };
            let r = verify_offline(&bytes, now()).unwrap();
            assert_eq!(
                r.verdict,
                Verdict::Verified,
                "{format:?} #{i}\n{}",
                summary(&r)
            );
        }
    }
}

#[test]
fn changing_any_signed_value_breaks_the_signature() {
    for suite in [SignSuite::EddsaRdfc2022, SignSuite::EddsaJcs2022] {
        let (_, Secured::Json(doc)) = signed_sample(3, SignFormat::DataIntegrity(suite)) else {
            panic!()
        };
        let mut paths = Vec::new();
        leaves(&doc, String::new(), &mut paths);
        let mut tried = 0;
        for p in paths
            .iter()
            .filter(|p| !p.starts_with("/proof") && !p.starts_with("/@context"))
        {
            let mut t = doc.clone();
            let old = t.pointer(p).unwrap().clone();
            *t.pointer_mut(p).unwrap() = altered(&old);
            assert_ne!(
                verdict_of(&t),
                Verdict::Verified,
                "{suite:?}: changing {p} went unnoticed"
            );
            tried += 1;
        }
        assert!(tried > 20, "only {tried} leaves tried");
    }
}

#[test]
fn changing_any_proof_field_fails() {
    let (_, Secured::Json(doc)) =
        signed_sample(2, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    let other = issuer(9);
    let changes: Vec<(&str, Value)> = vec![
        ("/proof/0/created", json!("2020-01-01T00:00:00Z")),
        ("/proof/0/proofPurpose", json!("authentication")),
        ("/proof/0/cryptosuite", json!("eddsa-jcs-2022")),
        ("/proof/0/type", json!("Ed25519Signature2020")),
        (
            "/proof/0/verificationMethod",
            json!(other.verification_method),
        ),
    ];
    for (p, v) in changes {
        let mut t = doc.clone();
        *t.pointer_mut(p).unwrap() = v;
        assert_ne!(
            verdict_of(&t),
            Verdict::Verified,
            "changing {p} went unnoticed"
        );
    }
    // One character of the signature.
    let mut t = doc.clone();
    let pv = t["proof"][0]["proofValue"].as_str().unwrap().to_string();
    let flipped: String = pv
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 10 {
                if c == 'a' {
                    'b'
                } else {
                    'a'
                }
            } else {
                c
            }
        })
        .collect();
    t["proof"][0]["proofValue"] = json!(flipped);
    assert_eq!(verdict_of(&t), Verdict::Invalid);
    // Removing the proof leaves nothing verified.
    let mut t = doc.clone();
    t.as_object_mut().unwrap().remove("proof");
    assert_eq!(verdict_of(&t), Verdict::Unverified);
}

#[test]
fn changing_the_issuer_fails() {
    let (_, Secured::Json(doc)) =
        signed_sample(4, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    let mut t = doc.clone();
    t["issuer"]["id"] = json!(issuer(9).did);
    assert_ne!(verdict_of(&t), Verdict::Verified);
}

#[test]
fn changing_the_context_fails_closed() {
    let (_, Secured::Json(doc)) =
        signed_sample(1, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    for ctx in [
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://example.org/not-bundled.json",
    ] {
        let mut t = doc.clone();
        t["@context"][1] = json!(ctx);
        assert_ne!(
            verdict_of(&t),
            Verdict::Verified,
            "context {ctx} went unnoticed"
        );
    }
    let mut t = doc.clone();
    t["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://example.org/extra.json"));
    let r = verify_offline(serde_json::to_string(&t).unwrap().as_bytes(), now()).unwrap();
    assert!(
        r.checks
            .iter()
            .any(|c| c.check == CheckKind::Context && c.outcome == Outcome::Failed),
        "{}",
        summary(&r)
    );
}

#[test]
fn a_proof_by_a_key_that_is_not_the_issuers_is_not_bound() {
    let alice = issuer(1);
    let mallory = issuer(2);
    let doc = backpack_credentials::sign::prepare(
        &open_badge_credential(5, &alice.did),
        &alice.did,
        now(),
    )
    .unwrap();
    // Mallory signs a credential that names Alice as issuer.
    let forged = proof::sign(
        Processor::shared(),
        &doc,
        &mallory.key,
        &mallory.verification_method,
        SignSuite::EddsaRdfc2022,
        now(),
    )
    .unwrap();
    let r = verify_offline(serde_json::to_string(&forged).unwrap().as_bytes(), now()).unwrap();
    assert_eq!(r.verdict, Verdict::KeyNotBound, "{}", summary(&r));
    // And naming Alice's verification method with Mallory's signature fails outright.
    let forged = proof::sign(
        Processor::shared(),
        &doc,
        &mallory.key,
        &alice.verification_method,
        SignSuite::EddsaRdfc2022,
        now(),
    )
    .unwrap();
    assert_eq!(verdict_of(&forged), Verdict::Invalid);
}

#[test]
fn reordered_and_pretty_printed_credentials_still_verify() {
    let (_, Secured::Json(doc)) =
        signed_sample(6, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    let mut m: Vec<(String, Value)> = doc.as_object().unwrap().clone().into_iter().collect();
    m.reverse();
    let reordered: serde_json::Map<String, Value> = m.into_iter().collect();
    let text = serde_json::to_string_pretty(&Value::Object(reordered)).unwrap();
    assert_eq!(
        verify_offline(text.as_bytes(), now()).unwrap().verdict,
        Verdict::Verified
    );
}

#[test]
fn signing_refuses_another_issuer_and_fills_the_gaps() {
    let alice = issuer(1);
    let bob = issuer(2);
    let doc = open_badge_credential(1, &bob.did);
    let e = sign(
        Processor::shared(),
        &doc,
        &alice,
        SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "foreign_issuer");
    let mut doc = open_badge_credential(1, &alice.did);
    doc.as_object_mut().unwrap().remove("issuer");
    doc.as_object_mut().unwrap().remove("validFrom");
    let Secured::Json(s) = sign(
        Processor::shared(),
        &doc,
        &alice,
        SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
        now(),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(s["issuer"], json!(alice.did));
    assert_eq!(s["validFrom"], json!("2026-11-23T00:00:00Z"));
}

#[test]
fn signing_then_verifying_against_a_resolver_binds_did_key() {
    let (iss, Secured::Json(doc)) =
        signed_sample(2, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    let r = verify_with(
        serde_json::to_string(&doc).unwrap().as_bytes(),
        &OfflineResolver::new(),
        &NoStatusLists,
        now(),
    )
    .unwrap();
    assert!(r.checks.iter().any(|c| c.check == CheckKind::KeyBinding
        && c.outcome == Outcome::Passed
        && c.message.contains(&iss.did)));
}
