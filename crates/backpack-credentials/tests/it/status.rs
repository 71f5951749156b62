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

pub const LIST_URL: &str = "https://issuer.example.org/status/1";

pub fn status_list(by: &IssuerKey, purpose: &str, set: &[usize]) -> Value {
    status_list_of(by, purpose, set, MIN_LIST_BITS)
}

/// A signed list of `size` bits with the bits `set`.
pub fn status_list_of(by: &IssuerKey, purpose: &str, set: &[usize], size: usize) -> Value {
    let mut bits = Bitstring::new(size);
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
    credential_with_entries(by, &[(purpose, index)])
}

/// An entry of the list at [`LIST_URL`].
pub fn entry(purpose: &str, index: usize) -> Value {
    json!({
        "id": format!("{LIST_URL}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": LIST_URL
    })
}

/// The credential, unsigned, with these status entries.
pub fn unsigned_with_entries(by: &IssuerKey, entries: &[(&str, usize)]) -> Value {
    let mut doc = prepare(&open_badge_credential(1, &by.did), &by.did, corpus_day()).unwrap();
    doc["credentialStatus"] = if entries.len() == 1 {
        entry(entries[0].0, entries[0].1)
    } else {
        Value::Array(entries.iter().map(|(p, i)| entry(p, *i)).collect())
    };
    doc
}

/// A signed credential with these status entries.
pub fn credential_with_entries(by: &IssuerKey, entries: &[(&str, usize)]) -> Value {
    let doc = unsigned_with_entries(by, entries);
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
fn a_declared_status_that_cannot_be_checked_is_amber_not_green() {
    // Offline without the list, or online with the list unreachable: the
    // credential may be revoked, so it is never shown as verified.
    let a = issuer(1);
    let (v, s) = verdict(&credential_with_status(&a, "revocation", 42), None);
    assert_eq!(v, Verdict::Unverified, "{s}");
    assert_eq!(v.colour(), "amber");
    assert!(s.contains("NotChecked/status_not_checked"), "{s}");
    assert!(s.contains("could not check revocation"), "{s}");
    // No status declared: nothing to check, still green.
    let signed = crate::tamper::signed_sample(
        1,
        backpack_credentials::sign::SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022),
    )
    .1;
    let backpack_credentials::sign::Secured::Json(doc) = signed else {
        panic!()
    };
    assert_eq!(verdict(&doc, None).0, Verdict::Verified);
}

/// Counts the lists asked for.
#[derive(Default)]
pub struct Counting {
    pub lists: backpack_credentials::status::LocalStatusLists,
    pub asked: std::sync::atomic::AtomicUsize,
}

impl backpack_credentials::status::StatusListSource for Counting {
    fn status_list(
        &self,
        url: &str,
    ) -> Result<(Value, Option<String>), backpack_credentials::status::StatusFetchError> {
        self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.lists.status_list(url)
    }
}

pub fn verify_counting(
    cred: &Value,
    list: &Value,
) -> (
    backpack_credentials::Report,
    backpack_credentials::Work,
    usize,
) {
    let source = Counting {
        lists: lists(std::slice::from_ref(list)),
        ..Default::default()
    };
    let (r, work) = backpack_credentials::Verifier {
        processor: Processor::shared(),
        resolver: &OfflineResolver::new(),
        status_lists: &source,
        now: corpus_day(),
        deadline: &backpack_credentials::NoDeadline,
    }
    .verify_bytes_measured(serde_json::to_string(cred).unwrap().as_bytes())
    .unwrap();
    (
        r,
        work,
        source.asked.load(std::sync::atomic::Ordering::SeqCst),
    )
}

#[test]
fn entries_naming_one_list_fetch_verify_and_decode_it_once() {
    let a = issuer(1);
    let cred = credential_with_entries(
        &a,
        &[("revocation", 1), ("revocation", 2), ("revocation", 3)],
    );
    let (r, work, asked) = verify_counting(&cred, &status_list(&a, "revocation", &[3]));
    assert_eq!(r.verdict, Verdict::Revoked, "{}", summary(&r));
    assert_eq!(asked, 1);
    assert_eq!(work.status_list_fetches, 1, "{work:?}");
    assert_eq!(work.status_list_decodes, 1, "{work:?}");
    // The credential and the list: one canonicalisation of each.
    assert_eq!(work.document_canonicalisations, 2, "{work:?}");
}

#[test]
fn more_than_four_status_entries_are_invalid_before_any_look_up() {
    let a = issuer(1);
    let list = status_list(&a, "revocation", &[]);
    let four = credential_with_entries(
        &a,
        &[
            ("revocation", 1),
            ("revocation", 2),
            ("suspension", 3),
            ("revocation", 4),
        ],
    );
    let (r, _, _) = verify_counting(&four, &list);
    assert!(
        !summary(&r).contains("too_many_status_entries"),
        "{}",
        summary(&r)
    );
    let five = credential_with_entries(
        &a,
        &[
            ("revocation", 1),
            ("revocation", 2),
            ("revocation", 3),
            ("revocation", 4),
            ("revocation", 5),
        ],
    );
    let (r, work, asked) = verify_counting(&five, &list);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", summary(&r));
    assert!(
        summary(&r).contains("Status/Failed/too_many_status_entries"),
        "{}",
        summary(&r)
    );
    assert_eq!(
        (asked, work.status_list_fetches, work.status_list_decodes),
        (0, 0, 0)
    );
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
