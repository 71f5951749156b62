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
