//! Revocation and suspension through a Bitstring Status List credential.

use crate::common::*;
use crate::tamper::issuer;
use backpack_credentials::did::OfflineResolver;
use backpack_credentials::proof::{self, SignSuite};
use backpack_credentials::samples::open_badge_credential;
use backpack_credentials::sign::{prepare, IssuerKey};
use backpack_credentials::status::{Bitstring, MIN_LIST_BITS};
use backpack_credentials::{Processor, Verdict};
use serde_json::{json, Value};

const LIST_URL: &str = "https://issuer.example.org/status/1";

fn status_list(by: &IssuerKey, purpose: &str, set: &[usize]) -> Value {
    let mut bits = Bitstring::new(MIN_LIST_BITS);
    for &i in set {
        bits.set(i, true).unwrap();
    }
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": by.did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{LIST_URL}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode()
        }
    });
    proof::sign(
        Processor::shared(),
        &doc,
        &by.key,
        &by.verification_method,
        SignSuite::EddsaRdfc2022,
        corpus_day(),
    )
    .unwrap()
}

fn credential_with_status(by: &IssuerKey, purpose: &str, index: usize) -> Value {
    let mut doc = prepare(&open_badge_credential(1, &by.did), &by.did, corpus_day()).unwrap();
    doc["credentialStatus"] = json!({
        "id": format!("{LIST_URL}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": LIST_URL
    });
    proof::sign(
        Processor::shared(),
        &doc,
        &by.key,
        &by.verification_method,
        SignSuite::EddsaRdfc2022,
        corpus_day(),
    )
    .unwrap()
}

fn verdict(cred: &Value, list: Option<&Value>) -> (Verdict, String) {
    let l = lists(&list.into_iter().cloned().collect::<Vec<_>>());
    let r = verify_with(
        serde_json::to_string(cred).unwrap().as_bytes(),
        &OfflineResolver::new(),
        &l,
        corpus_day(),
    )
    .unwrap();
    (r.verdict, summary(&r))
}

#[test]
fn revoked_credential_verifies_red() {
    let a = issuer(1);
    let (v, s) = verdict(
        &credential_with_status(&a, "revocation", 42),
        Some(&status_list(&a, "revocation", &[42])),
    );
    assert_eq!(v, Verdict::Revoked, "{s}");
}

#[test]
fn suspended_credential_is_reported_as_suspended() {
    let a = issuer(1);
    let (v, s) = verdict(
        &credential_with_status(&a, "suspension", 7),
        Some(&status_list(&a, "suspension", &[7])),
    );
    assert_eq!(v, Verdict::Suspended, "{s}");
}

#[test]
fn neighbouring_bits_do_not_revoke() {
    let a = issuer(1);
    let (v, s) = verdict(
        &credential_with_status(&a, "revocation", 42),
        Some(&status_list(&a, "revocation", &[41, 43])),
    );
    assert_eq!(v, Verdict::Verified, "{s}");
}

#[test]
fn without_a_list_status_is_not_checked_but_not_failed() {
    let a = issuer(1);
    let (v, s) = verdict(&credential_with_status(&a, "revocation", 42), None);
    assert_eq!(v, Verdict::Verified, "{s}");
    assert!(s.contains("NotChecked/status_not_checked"), "{s}");
}

#[test]
fn a_list_from_another_issuer_is_not_trusted() {
    let a = issuer(1);
    let m = issuer(2);
    let (v, s) = verdict(
        &credential_with_status(&a, "revocation", 42),
        Some(&status_list(&m, "revocation", &[])),
    );
    assert_eq!(v, Verdict::Invalid, "{s}");
    assert!(s.contains("status_list_untrusted"), "{s}");
}

#[test]
fn a_tampered_list_is_not_trusted() {
    let a = issuer(1);
    let mut list = status_list(&a, "revocation", &[42]);
    list["credentialSubject"]["encodedList"] = json!(Bitstring::new(MIN_LIST_BITS).encode());
    let (v, s) = verdict(&credential_with_status(&a, "revocation", 42), Some(&list));
    assert_eq!(v, Verdict::Invalid, "{s}");
}

#[test]
fn an_index_past_the_end_is_an_error() {
    let a = issuer(1);
    let (v, s) = verdict(
        &credential_with_status(&a, "revocation", MIN_LIST_BITS),
        Some(&status_list(&a, "revocation", &[])),
    );
    assert_eq!(v, Verdict::Invalid, "{s}");
    assert!(s.contains("status_index_out_of_range"), "{s}");
}

#[test]
fn a_purpose_mismatch_is_an_error() {
    let a = issuer(1);
    let (v, s) = verdict(
        &credential_with_status(&a, "revocation", 3),
        Some(&status_list(&a, "suspension", &[3])),
    );
    assert_eq!(v, Verdict::Invalid, "{s}");
}
