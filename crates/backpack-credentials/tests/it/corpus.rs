//! Every credential in `../shared/corpus/` gets the verdict its MANIFEST.md
//! gives for a correct offline verifier: first with nothing but the file,
//! then, where the manifest says "pin key", with the issuer's key pinned
//! through a stand-in controller document.

use crate::common::*;
use backpack_credentials::did::OfflineResolver;
use backpack_credentials::status::{NoStatusLists, StatusListSource};
use backpack_credentials::{CheckKind, Outcome, Verdict};

const K1: &str = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
const K2: &str = "z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x";
const K3: &str = "z6Mknyb2Gb4NxzW3xSr9ChTtdQZ1zs77piQ3r9SaJ9vMzmrs";
const K4: &str = "z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN";
const K8: &str = "zDnaexKarbL5kCjrurZPcLYxpGHQU7mbW4EK99UUyr2DPX1G3";

/// What a file should give.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Verdict(Verdict),
    /// Refused as input (exit 2), with this error code.
    Refused(&'static str),
}
use Expect::*;

/// (file, expected offline verdict)
const OFFLINE: &[(&str, Expect)] = &[
    // Keys in https URL fragments or did:web: signature fine, not bound offline.
    ("1edtech-validator/ob30/simple.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/simple-did-key-method.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/simple-eddsa-2022.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/simple-multiple-proofs.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/simple-err-proof-value.json", Verdict(Verdict::Invalid)),
    ("1edtech-validator/ob30/simple-err-expired.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/endorsement-valid.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/credential-status-revoked.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/bit-string-list/credential-status-revoked.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/bit-string-list/testlist.json", Verdict(Verdict::KeyNotBound)),
    // ecdsa-sd-2023 (selective disclosure) is not supported: nothing verified, nothing wrong.
    ("1edtech-validator/ob30/sd/derivedcredential.json", Verdict(Verdict::Unverified)),
    ("1edtech-validator/ob30/simple-json.png", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/simple-json.svg", Verdict(Verdict::KeyNotBound)),
    // The key travels in the JWT header: proves nothing.
    ("1edtech-validator/ob30/simple-jwt.png", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/ob30/simple-jwt.svg", Verdict(Verdict::KeyNotBound)),
    // Old draft / Velocity contexts are not bundled: fail closed.
    ("1edtech-validator/ob30/simple.jwt", Verdict(Verdict::Invalid)),
    ("1edtech-validator/ob30/velocity.jwt", Verdict(Verdict::Invalid)),
    // Outer signature fine (K3 in an https fragment); the 404 schema check needs the network.
    ("1edtech-validator/ob30/complete.json", Verdict(Verdict::KeyNotBound)),
    ("1edtech-validator/clr20/simple.json", Verdict(Verdict::Invalid)),
    // OB 2.0 without its documents: needs the network.
    ("1edtech-validator/ob20/simple.jwt", Verdict(Verdict::Unverified)),
    ("1edtech-validator/ob20/simple-revoked.jwt", Verdict(Verdict::Unverified)),
    ("1edtech-validator/ob20/simple-badge.png", Verdict(Verdict::Unverified)),
    // did:key: fully verifiable offline.
    ("dcc-vc-test-fixtures/v2-dataIntegrityProof-didKey-legacyRegistry-noStatus-noExpiry-basicOBv3.json", Verdict(Verdict::Verified)),
    ("dcc-vc-test-fixtures/v2-bothSignatureTypes-didkey-legacy-noStatus-noExpiry.json", Verdict(Verdict::Verified)),
    ("dcc-vc-test-fixtures/v1-ed25519-didKey-noRegistry-noStatus-noExpiry.json", Verdict(Verdict::Verified)),
    ("dcc-vc-test-fixtures/v2-ed25519-didKey-legacy-noStatus-noExpiry-tampered.json", Verdict(Verdict::Invalid)),
    ("dcc-vc-test-fixtures/v2-ed25519-didKey-legacy-noStatus-expired.json", Verdict(Verdict::Expired)),
    ("dcc-vc-test-fixtures/v2-dataIntegrityProof-didKey-noRegistry-revokedStatus-noExpiry.json", Verdict(Verdict::Expired)),
    ("dcc-vc-test-fixtures/status/e5WK8CbZ1GjycuPombrj.json", Verdict(Verdict::Verified)),
    ("dcc-vc-test-fixtures/v2-dataIntegrityProof-didweb-oidf-noStatus-notExpired.json", Verdict(Verdict::KeyNotBound)),
    ("dcc-vc-test-fixtures/v2-dataIntegrityProof-didKey-oidf-noStatus-notExpired-notYetValid.json", Verdict(Verdict::NotYetValid)),
    ("dcc-vc-test-fixtures/v2-ed25519-didWeb-badDidWeb.json", Verdict(Verdict::KeyNotBound)),
    ("dcc-vc-test-fixtures/v2-dataIntegrityProof-didKey-oidf-noStatus-notExpired-complexIssuer.json", Verdict(Verdict::Verified)),
    ("dcc-docs/criteria-markdown-combo.json", Verdict(Verdict::Expired)),
    ("w3c-ccg-vc-ed/plugfest-2-2022-signed_badge_example-p2.json", Verdict(Verdict::Verified)),
    ("w3c-ccg-vc-ed/plugfest-3-2023-signed_badge_example-p3.json", Verdict(Verdict::Verified)),
    ("w3c-ccg-vc-ed/plugfest-2-2022-unsigned-badge-example-p2-embedded-image.json", Verdict(Verdict::Unverified)),
    ("spruceid-ssi/openbadge_rdfc_credential.json", Verdict(Verdict::KeyNotBound)),
    // EDC: recognised, refused clearly.
    ("ec-elm/Sample-MC-Annex1-signed.jsonld", Refused("unsupported_format")),
    ("ec-elm/Sample-MC-Annex1-unsigned.jsonld", Refused("unsupported_format")),
    ("ec-elm/EDC_DiplomaSupplement_AA.xml", Refused("unsupported_format")),
    ("mynextid-credentials/edc-dc-signed.jsonld", Refused("unsupported_format")),
    // Legacy hosted badges: recognised, need the network.
    ("badgr-server/baked_image.png", Verdict(Verdict::Unverified)),
    ("badgr-server/2_0_assertion_embedded_badgeclass.json", Verdict(Verdict::Unverified)),
    ("badgr-server/0_5_basic_instance.json", Refused("unsupported_format")),
    ("badgr-server/bad_image.png", Refused("not_a_credential")),
    ("badgr-server/hacked-svg-with-embedded-script-tags.svg", Refused("image_unreadable")),
    ("mozilla-openbadges-backpack/valid-baked.png", Verdict(Verdict::Unverified)),
    ("mozilla-openbadges-bakery/baked.svg", Verdict(Verdict::Unverified)),
    ("mozilla-openbadges-bakery/bad-json.svg", Refused("malformed_json")),
    ("concentricsky-openbadges-bakery/baked_example.svg", Verdict(Verdict::Unverified)),
];

fn outcome(
    r: Result<backpack_credentials::Report, backpack_credentials::InputError>,
) -> (Expect, String) {
    match r {
        Ok(r) => (Verdict(r.verdict), summary(&r)),
        Err(e) => (Refused(e.code()), e.to_string()),
    }
}

#[test]
fn every_corpus_file_gets_its_offline_verdict() {
    let Some(shared) = shared() else { return };
    let corpus = shared.join("corpus");
    let mut wrong = Vec::new();
    for (file, expected) in OFFLINE {
        let bytes = read(&corpus.join(file));
        let (got, detail) = outcome(verify_offline(&bytes, corpus_day()));
        if got != *expected {
            wrong.push(format!(
                "{file}: expected {expected:?}, got {got:?}\n{detail}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n\n{}",
        wrong.len(),
        wrong.join("\n\n")
    );
}

#[test]
fn every_corpus_data_file_is_covered() {
    let Some(shared) = shared() else { return };
    let corpus = shared.join("corpus");
    let supporting = [
        "ob20/docs/",
        "dids/oidf-did.json",
        "MANIFEST.md",
        "SHA256SUMS",
    ];
    let mut missing = Vec::new();
    let mut stack = vec![corpus.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&corpus)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if supporting.iter().any(|s| rel.contains(s)) {
                continue;
            }
            if !OFFLINE.iter().any(|(f, _)| *f == rel) {
                missing.push(rel);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "corpus files without an expected verdict: {missing:?}"
    );
}

struct Pinned<'a> {
    file: &'a str,
    pins: &'a [(&'a str, &'a str, &'a str)], // (controller, vm, key)
    status_lists: &'a [&'a str],
    expected: Verdict,
}

#[test]
fn pinned_keys_give_the_manifest_verdicts() {
    let Some(shared) = shared() else { return };
    let corpus = shared.join("corpus");
    let ex = "https://example.com/issuers/876543";
    let ed = "https://1edtech.edu/issuers/565049";
    let cases = [
        Pinned { file: "1edtech-validator/ob30/simple.json", pins: &[(ex, "https://example.com/issuers/876543#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", K1)], status_lists: &[], expected: Verdict::Verified },
        Pinned { file: "1edtech-validator/ob30/simple-eddsa-2022.json", pins: &[(ex, "https://example.com/issuers/876543#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", K1)], status_lists: &[], expected: Verdict::Verified },
        Pinned { file: "1edtech-validator/ob30/simple-multiple-proofs.json", pins: &[(ex, "https://example.com/issuers/876543#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", K1)], status_lists: &[], expected: Verdict::Verified },
        Pinned { file: "1edtech-validator/ob30/simple-err-expired.json", pins: &[(ex, "https://example.com/issuers/876543#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", K1)], status_lists: &[], expected: Verdict::Expired },
        Pinned { file: "1edtech-validator/ob30/simple-err-proof-value.json", pins: &[(ex, "https://example.com/issuers/876543#z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", K2)], status_lists: &[], expected: Verdict::Invalid },
        Pinned { file: "1edtech-validator/ob30/simple-json.png", pins: &[(ex, "https://example.com/issuers/876543#z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", K2)], status_lists: &[], expected: Verdict::Verified },
        Pinned { file: "1edtech-validator/ob30/simple-json.svg", pins: &[(ex, "https://example.com/issuers/876543#z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", K2)], status_lists: &[], expected: Verdict::Verified },
        Pinned { file: "1edtech-validator/ob30/endorsement-valid.json", pins: &[("https://state.gov/issuers/565049", "https://state.gov/issuers/565049#z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN", K4)], status_lists: &[], expected: Verdict::Verified },
        Pinned { file: "1edtech-validator/ob30/bit-string-list/credential-status-revoked.json", pins: &[(ed, "https://1edtech.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", K1)], status_lists: &["1edtech-validator/ob30/bit-string-list/testlist.json"], expected: Verdict::Revoked },
        // The list says "revoked", but it is signed by another did:key than the
        // credential's issuer: a status list counts only when it is the issuer's.
        Pinned { file: "dcc-vc-test-fixtures/v2-dataIntegrityProof-didKey-noRegistry-revokedStatus-noExpiry.json", pins: &[], status_lists: &["dcc-vc-test-fixtures/status/e5WK8CbZ1GjycuPombrj.json"], expected: Verdict::Invalid },
        Pinned { file: "spruceid-ssi/openbadge_rdfc_credential.json", pins: &[("did:web:davis-index-precious-complimentary.trycloudflare.com:signer:test", "did:web:davis-index-precious-complimentary.trycloudflare.com:signer:test#e1c5161e-d7bf-4687-9436-7645b7ffe187", K8)], status_lists: &[], expected: Verdict::Verified },
        // A pinned key of someone else does not help.
        Pinned { file: "1edtech-validator/ob30/simple.json", pins: &[(ex, "https://example.com/issuers/876543#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", K3)], status_lists: &[], expected: Verdict::Invalid },
    ];
    let mut wrong = Vec::new();
    for case in cases {
        let mut resolver = OfflineResolver::new();
        for (controller, vm, key) in case.pins {
            resolver.add_document(pinned_document(controller, vm, key));
        }
        let docs: Vec<_> = case
            .status_lists
            .iter()
            .map(|f| read_json(&corpus.join(f)))
            .collect();
        let status = lists(&docs);
        let source: &dyn StatusListSource = if docs.is_empty() {
            &NoStatusLists
        } else {
            &status
        };
        let bytes = read(&corpus.join(case.file));
        match verify_with(&bytes, &resolver, source, corpus_day()) {
            Ok(r) if r.verdict == case.expected => {}
            Ok(r) => wrong.push(format!(
                "{}: expected {:?}, got {:?}\n{}",
                case.file,
                case.expected,
                r.verdict,
                summary(&r)
            )),
            Err(e) => wrong.push(format!("{}: refused: {e}", case.file)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn did_web_document_supplied_offline_binds_the_key() {
    let Some(shared) = shared() else { return };
    let corpus = shared.join("corpus/dcc-vc-test-fixtures");
    let mut resolver = OfflineResolver::new();
    resolver.add_document(read_json(&corpus.join("dids/oidf-did.json")));
    let bytes = read(&corpus.join("v2-dataIntegrityProof-didweb-oidf-noStatus-notExpired.json"));
    let r = verify_with(&bytes, &resolver, &NoStatusLists, corpus_day()).unwrap();
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
}

#[test]
fn ob2_signed_assertions_verify_with_their_documents() {
    let Some(shared) = shared() else { return };
    let ob20 = shared.join("corpus/1edtech-validator/ob20");
    let mut resolver = OfflineResolver::new();
    for e in std::fs::read_dir(ob20.join("docs")).unwrap() {
        resolver.add_document(read_json(&e.unwrap().path()));
    }
    let r = verify_with(
        &read(&ob20.join("simple.jwt")),
        &resolver,
        &NoStatusLists,
        corpus_day(),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
    let r = verify_with(
        &read(&ob20.join("simple-revoked.jwt")),
        &resolver,
        &NoStatusLists,
        corpus_day(),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Revoked, "{}", summary(&r));
    assert!(
        r.checks.iter().any(|c| c.message.contains("A good reason")),
        "{}",
        summary(&r)
    );
}

#[test]
fn expired_and_an_untrusted_status_list_are_both_reported() {
    let Some(shared) = shared() else { return };
    let corpus = shared.join("corpus/dcc-vc-test-fixtures");
    let status = lists(&[read_json(&corpus.join("status/e5WK8CbZ1GjycuPombrj.json"))]);
    let bytes =
        read(&corpus.join("v2-dataIntegrityProof-didKey-noRegistry-revokedStatus-noExpiry.json"));
    let r = verify_with(&bytes, &OfflineResolver::new(), &status, corpus_day()).unwrap();
    let failed: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .map(|c| (c.check, c.code.as_str()))
        .collect();
    assert!(
        failed.contains(&(CheckKind::Status, "status_list_untrusted")),
        "{failed:?}"
    );
    assert!(
        failed.contains(&(CheckKind::Validity, "expired")),
        "{failed:?}"
    );
}

#[test]
fn a_key_in_a_url_fragment_is_never_enough() {
    let Some(shared) = shared() else { return };
    let bytes = read(&shared.join("corpus/1edtech-validator/ob30/simple.json"));
    let r = verify_offline(&bytes, corpus_day()).unwrap();
    assert!(r
        .checks
        .iter()
        .any(|c| c.check == CheckKind::Proof && c.outcome == Outcome::Passed));
    assert!(r
        .checks
        .iter()
        .any(|c| c.check == CheckKind::KeyBinding && c.outcome == Outcome::Failed));
    assert_ne!(r.verdict, Verdict::Verified);
}
