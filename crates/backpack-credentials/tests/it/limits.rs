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

#[test]
fn a_forged_ob2_issuer_is_refused() {
    use backpack_credentials::did::OfflineResolver;
    use backpack_credentials::status::NoStatusLists;
    let mut resolver = OfflineResolver::new();
    for d in crate::ob2::attacker_documents() {
        resolver.add_document(d);
    }
    let token = crate::ob2::forged_assertion();
    let r = verify_with(token.as_bytes(), &resolver, &NoStatusLists, corpus_day()).unwrap();
    assert_eq!(r.verdict.code(), "key_not_bound", "{}", summary(&r));
}

#[test]
fn nine_thousand_status_entries_and_a_16_mib_list_cost_no_list_work() {
    use crate::status::{status_list_of, unsigned_with_entries, verify_counting};
    use backpack_credentials::limits::{MAX_STATUS_ENTRIES, MAX_STATUS_LIST_BYTES};
    let a = crate::tamper::issuer(1);
    let list = status_list_of(&a, "revocation", &[], MAX_STATUS_LIST_BYTES * 8);
    let entries: Vec<(&str, usize)> = (0..9_000).map(|i| ("revocation", i)).collect();
    let cred = unsigned_with_entries(&a, &entries);
    let bytes = serde_json::to_vec(&cred).unwrap();
    assert!(bytes.len() < MAX_CREDENTIAL_BYTES, "{}", bytes.len());
    let (r, work, asked) = verify_counting(&cred, &list);
    assert_eq!(r.verdict.code(), "invalid", "{}", summary(&r));
    assert!(
        summary(&r).contains("too_many_status_entries"),
        "{}",
        summary(&r)
    );
    assert_eq!(asked, 0);
    assert_eq!(
        work.status_list_fetches + work.status_list_decodes,
        0,
        "{work:?}"
    );
    // At the limit, every entry naming the one 16 MiB list: one fetch, one
    // verification of the list, one decode.
    let entries: Vec<(&str, usize)> = (0..MAX_STATUS_ENTRIES)
        .map(|i| ("revocation", i * 1000))
        .collect();
    let cred = crate::status::credential_with_entries(&a, &entries);
    let (r, work, asked) = verify_counting(&cred, &list);
    assert_eq!(r.verdict.code(), "verified", "{}", summary(&r));
    assert_eq!(asked, 1);
    assert_eq!(
        (work.status_list_fetches, work.status_list_decodes),
        (1, 1),
        "{work:?}"
    );
}

/// A credential signed `n` times by the same key (a proof set over one document).
fn proof_set(doc: &serde_json::Value, n: usize) -> serde_json::Value {
    use backpack_credentials::proof::{self, SignSuite};
    let a = crate::tamper::issuer(1);
    let proofs: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let at = corpus_day() - time::Duration::minutes(i as i64);
            let signed = proof::sign(
                backpack_credentials::Processor::shared(),
                doc,
                &a.key,
                &a.verification_method,
                SignSuite::EddsaRdfc2022,
                at,
            )
            .unwrap();
            signed["proof"].clone()
        })
        .collect();
    let mut secured = doc.clone();
    secured["proof"] = serde_json::Value::Array(proofs);
    secured
}

fn verify_measured(
    doc: &serde_json::Value,
) -> (backpack_credentials::Report, backpack_credentials::Work) {
    backpack_credentials::Verifier {
        processor: backpack_credentials::Processor::shared(),
        resolver: &backpack_credentials::did::OfflineResolver::new(),
        status_lists: &backpack_credentials::status::NoStatusLists,
        now: corpus_day(),
        deadline: &backpack_credentials::NoDeadline,
    }
    .verify_bytes_measured(&serde_json::to_vec(doc).unwrap())
    .unwrap()
}

#[test]
fn a_proof_set_canonicalises_its_document_once() {
    let a = crate::tamper::issuer(1);
    let doc = backpack_credentials::sign::prepare(
        &backpack_credentials::samples::open_badge_credential(1, &a.did),
        &a.did,
        corpus_day(),
    )
    .unwrap();
    let (r, work) = verify_measured(&proof_set(&doc, 3));
    assert_eq!(r.verdict.code(), "verified", "{}", summary(&r));
    assert_eq!(
        r.checks
            .iter()
            .filter(|c| c.code == "signature_valid")
            .count(),
        3
    );
    assert_eq!(work.document_canonicalisations, 1, "{work:?}");
}

#[test]
fn eight_proofs_over_40000_blank_nodes_are_refused_after_one_canonicalisation() {
    use backpack_credentials::limits::{MAX_CREDENTIAL_QUADS, MAX_PROOFS};
    use serde_json::{json, Value};
    let a = crate::tamper::issuer(1);
    let mut doc = backpack_credentials::sign::prepare(
        &backpack_credentials::samples::open_badge_credential(1, &a.did),
        &a.did,
        corpus_day(),
    )
    .unwrap();
    doc["evidence"] = Value::Array(
        (0..40_000)
            .map(|i| json!({ "name": format!("e{i}") }))
            .collect(),
    );
    // Eight proofs as an attacker writes them: the hashing happens before
    // the signature is compared, so they need not be valid.
    let proofs: Vec<Value> = (0..MAX_PROOFS)
        .map(|i| {
            json!({
                "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                "created": format!("2026-01-0{}T00:00:00Z", i + 1),
                "verificationMethod": a.verification_method, "proofPurpose": "assertionMethod",
                "proofValue": backpack_crypto::multibase::encode_base58btc(&[i as u8; 64])
            })
        })
        .collect();
    doc["proof"] = Value::Array(proofs);
    assert!(serde_json::to_vec(&doc).unwrap().len() < MAX_CREDENTIAL_BYTES);
    let (r, work) = verify_measured(&doc);
    assert_eq!(r.verdict.code(), "invalid", "{}", summary(&r));
    let too_complex: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.code == "credential_too_complex")
        .collect();
    assert_eq!(too_complex.len(), 1, "{}", summary(&r));
    assert!(too_complex[0]
        .message
        .contains(&MAX_CREDENTIAL_QUADS.to_string()));
    assert_eq!(work.document_canonicalisations, 1, "{work:?}");
    assert!(work.operations <= 2, "{work:?}");
}
