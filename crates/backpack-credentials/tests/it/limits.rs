//! Bad input never panics and never hangs: each gets a clear error within
//! the documented limits.

use crate::common::*;
use backpack_credentials::limits::{MAX_CREDENTIAL_BYTES, MAX_JSON_DEPTH};
use std::time::Instant;

fn code(bytes: &[u8]) -> String {
    match verify_offline(bytes, corpus_day()) {
        Ok(r) => format!("verdict:{}", r.verdict.code()),
        Err(e) => e.code().to_string(),
    }
}

#[test]
fn a_100_mb_input_is_refused_quickly() {
    let big = vec![b' '; 100 * 1024 * 1024];
    let t = Instant::now();
    assert_eq!(code(&big), "input_too_large");
    assert!(t.elapsed().as_secs() < 5);
}

#[test]
fn deep_nesting_is_refused_at_the_limit() {
    let nest = |n: usize| {
        format!(
            "{{\"@context\":\"https://www.w3.org/ns/credentials/v2\",\"x\":{}{}}}",
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    assert_eq!(code(nest(MAX_JSON_DEPTH).as_bytes()), "json_too_deep");
    assert_ne!(code(nest(MAX_JSON_DEPTH - 2).as_bytes()), "json_too_deep");
    let t = Instant::now();
    assert_eq!(code(nest(1_000_000).as_bytes()), "json_too_deep");
    assert!(t.elapsed().as_secs() < 5);
}

#[test]
fn a_credential_at_the_size_limit_is_read_and_one_past_is_not() {
    let mut doc = br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"pad":""#.to_vec();
    let tail = br#""}"#;
    let pad = MAX_CREDENTIAL_BYTES - doc.len() - tail.len();
    doc.extend(std::iter::repeat_n(b'a', pad));
    doc.extend_from_slice(tail);
    assert_eq!(doc.len(), MAX_CREDENTIAL_BYTES);
    assert_ne!(code(&doc), "input_too_large");
    doc.insert(1, b' ');
    assert_eq!(code(&doc), "input_too_large");
}

#[test]
fn truncated_and_garbage_input_get_clear_errors() {
    assert_eq!(
        code(b"{\"@context\": [\"https://www.w3.org/ns/credentials/v2\""),
        "malformed_json"
    );
    assert_eq!(code(b"\x89PNG\r\n\x1a\n\0\0"), "image_unreadable");
    assert_eq!(code(b"eyJhbGciOiJFZERTQSJ9.eyJ"), "not_a_credential");
    assert_eq!(code(b"hello"), "not_a_credential");
    assert_eq!(code(&[0xff; 64]), "not_utf8");
    assert_eq!(code(b"[]"), "not_a_credential");
}

#[test]
fn random_mutations_of_a_signed_credential_never_panic() {
    use backpack_credentials::proof::SignSuite;
    use backpack_credentials::sign::{Secured, SignFormat};
    let (_, Secured::Json(doc)) =
        crate::tamper::signed_sample(3, SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022))
    else {
        panic!()
    };
    let text = serde_json::to_vec(&doc).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut verified = 0;
    for _ in 0..1500 {
        let mut m = text.clone();
        for _ in 0..1 + next() % 3 {
            let i = (next() as usize) % m.len();
            let alphabet: &[u8] = b" {}[],:\"0123456789abcz\\@";
            m[i] = alphabet[(next() as usize) % alphabet.len()];
        }
        if let Ok(r) = verify_offline(&m, corpus_day()) {
            if r.is_verified() {
                verified += 1;
            }
        }
    }
    // A mutation may land in insignificant whitespace; almost none verify.
    assert!(verified < 150, "{verified} mutated credentials verified");
}
