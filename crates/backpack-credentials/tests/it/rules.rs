//! The VC Data Model 2.0 rules are one set, shared by signer and verifier:
//! for each, the signer refuses the credential with the code the verifier
//! reports when another signer signed it anyway. Also: VC 1.1 credentials
//! sign, the W3C examples context signs and verifies, and a nested inline
//! context is refused as JSON-LD 1.1 says.

use crate::common::*;
use crate::tamper::issuer;
use backpack_credentials::proof::{self, SignSuite};
use backpack_credentials::sign::{sign, IssuerKey, Secured, SignError, SignFormat};
use backpack_credentials::{CheckKind, Outcome, Processor, Report, Verdict};
use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;

const V2: &str = "https://www.w3.org/ns/credentials/v2";
const EXAMPLES: &str = "https://www.w3.org/ns/credentials/examples/v2";

/// A VC 2.0 credential in the shape of the W3C examples.
fn example(iss: &IssuerKey) -> Value {
    json!({
        "@context": [V2, EXAMPLES],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": iss.did,
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    })
}

const DI: SignFormat = SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022);

fn refused_code(doc: &Value, iss: &IssuerKey) -> String {
    match sign(Processor::shared(), doc, iss, DI, corpus_day()) {
        Err(e @ SignError::Invalid { .. }) => e.code().to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Signed by "another signer": the proof layer only, no structure rules.
fn signed_anyway(doc: &Value, iss: &IssuerKey) -> Value {
    proof::sign(
        Processor::shared(),
        doc,
        &iss.key,
        &iss.verification_method,
        SignSuite::EddsaRdfc2022,
        corpus_day(),
    )
    .unwrap_or_else(|e| panic!("{e}: {doc}"))
}

fn report(doc: &Value) -> Report {
    verify_offline(doc.to_string().as_bytes(), corpus_day()).unwrap()
}

fn failed_structure_codes(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.check == CheckKind::Structure && c.outcome == Outcome::Failed)
        .map(|c| c.code.clone())
        .collect()
}

/// The rule `code`: the signer refuses `doc` with it, and the verifier calls
/// the same document, signed regardless, invalid with it.
fn assert_rule(doc: Value, code: &str) {
    let iss = issuer(1);
    assert_eq!(refused_code(&doc, &iss), code, "signer: {doc}");
    let r = report(&signed_anyway(&doc, &iss));
    assert_eq!(r.verdict, Verdict::Invalid, "{code}\n{}", summary(&r));
    assert!(
        failed_structure_codes(&r).contains(&code.to_string()),
        "{code}\n{}",
        summary(&r)
    );
    // The proof itself is good: only the rule makes it invalid.
    assert!(r.checks.iter().any(|c| c.code == "signature_valid"));
}

fn with(member: &str, value: Value) -> Value {
    let mut doc = example(&issuer(1));
    doc[member] = value;
    doc
}

#[test]
fn the_w3c_examples_context_signs_and_verifies() {
    let iss = issuer(1);
    for format in [
        DI,
        SignFormat::DataIntegrity(SignSuite::EddsaJcs2022),
        SignFormat::Jwt,
    ] {
        let signed = sign(
            Processor::shared(),
            &example(&iss),
            &iss,
            format,
            corpus_day(),
        )
        .unwrap();
        let bytes = match signed {
            Secured::Json(v) => v.to_string().into_bytes(),
            Secured::Jwt(t) => t.into_bytes(),
        };
        let r = verify_offline(&bytes, corpus_day()).unwrap();
        assert_eq!(r.verdict, Verdict::Verified, "{format:?}\n{}", summary(&r));
    }
}

#[test]
fn status_terms_evidence_refresh_and_schema_objects_need_a_type() {
    for (member, code) in [
        ("credentialStatus", "credential_status_type_missing"),
        ("termsOfUse", "terms_of_use_type_missing"),
        ("evidence", "evidence_type_missing"),
        ("refreshService", "refresh_service_type_missing"),
        ("credentialSchema", "credential_schema_type_missing"),
    ] {
        assert_rule(with(member, json!({"id": "https://example.org/x/1"})), code);
    }
}

#[test]
fn typed_status_terms_evidence_refresh_and_schema_objects_sign() {
    let iss = issuer(1);
    let mut doc = example(&iss);
    doc["termsOfUse"] =
        json!({"type": "TrustFrameworkPolicy", "id": "https://example.org/policies/1"});
    doc["evidence"] = json!([{"type": ["Evidence"], "id": "https://example.org/evidence/1"}]);
    doc["refreshService"] =
        json!({"type": "ExampleRefreshService", "id": "https://example.org/refresh/1"});
    doc["credentialSchema"] = json!({"type": "JsonSchema", "id": "https://example.org/schema/1"});
    sign(Processor::shared(), &doc, &iss, DI, corpus_day()).unwrap();
}

#[test]
fn a_credential_schema_needs_a_url_id() {
    assert_rule(
        with("credentialSchema", json!({"type": "JsonSchema"})),
        "credential_schema_id_invalid",
    );
}

#[test]
fn an_empty_credential_subject_is_refused() {
    assert_rule(with("credentialSubject", json!({})), "subject_empty");
    assert_rule(
        with(
            "credentialSubject",
            json!([{"id": "did:example:abcdefgh"}, {}]),
        ),
        "subject_empty",
    );
    let mut doc = example(&issuer(1));
    doc.as_object_mut().unwrap().remove("credentialSubject");
    assert_rule(doc, "subject_missing");
}

#[test]
fn valid_until_before_valid_from_is_refused() {
    let mut doc = with("validUntil", json!("2022-12-31T23:59:59Z"));
    doc["validFrom"] = json!("2023-01-01T00:00:00Z");
    assert_rule(doc, "valid_until_before_valid_from");
}

#[test]
fn a_date_that_is_not_a_date_time_is_refused() {
    assert_rule(
        with("validFrom", json!("Sat 25 Feb 2023 07:16:31 PM CST")),
        "date_invalid",
    );
}

fn sri(alg: &str, bytes: &[u8]) -> String {
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    match alg {
        "sha256" => format!("sha256-{}", b64(&sha2::Sha256::digest(bytes))),
        _ => format!("sha384-{}", b64(&sha2::Sha384::digest(bytes))),
    }
}

fn multihash_sha256(bytes: &[u8]) -> String {
    let mh = [&[0x12, 0x20][..], &sha2::Sha256::digest(bytes)].concat();
    backpack_crypto::multibase::encode_base64url(&mh)
}

fn pinned(url: &str) -> &'static [u8] {
    backpack_jsonld::contexts::bundled(url).unwrap().bytes
}

#[test]
fn related_resources_that_match_their_pinned_contexts_sign_and_verify() {
    let iss = issuer(1);
    let mut doc = example(&iss);
    doc["relatedResource"] = json!([
        {"id": V2, "digestSRI": sri("sha384", pinned(V2)), "mediaType": "application/ld+json"},
        {"id": EXAMPLES, "digestMultibase": multihash_sha256(pinned(EXAMPLES))},
        {"id": "https://example.org/video.mp4", "digestSRI": sri("sha256", b"video")}
    ]);
    let Secured::Json(signed) = sign(Processor::shared(), &doc, &iss, DI, corpus_day()).unwrap()
    else {
        panic!()
    };
    let r = report(&signed);
    assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
    // The resource we do not hold: its digest is well-formed, not compared.
    let not_checked: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::NotChecked)
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(
        not_checked,
        ["related_resource_not_checked"],
        "{}",
        summary(&r)
    );
}

#[test]
fn related_resource_rules_are_refused_with_their_codes() {
    let good = sri("sha384", pinned(V2));
    for (related, code) in [
        (json!([V2]), "related_resource_invalid"),
        (json!([{"digestSRI": good}]), "related_resource_id_missing"),
        (
            json!([{"id": V2, "digestSRI": good}, {"id": V2, "digestMultibase": multihash_sha256(pinned(V2))}]),
            "related_resource_id_duplicate",
        ),
        (json!([{"id": V2}]), "related_resource_digest_missing"),
        (
            json!([{"id": V2, "digestSRI": "sha1-AAAA"}]),
            "related_resource_digest_malformed",
        ),
        // The W3C suite's "wrong digest" values.
        (
            json!([{"id": V2, "digestMultibase": "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"}]),
            "related_resource_digest_malformed",
        ),
        (
            json!([{"id": V2, "digestSRI": sri("sha384", b"another document")}]),
            "related_resource_digest_mismatch",
        ),
        (
            json!([{"id": EXAMPLES, "digestMultibase": multihash_sha256(b"another document")}]),
            "related_resource_digest_mismatch",
        ),
    ] {
        assert_rule(with("relatedResource", related), code);
    }
}

fn vc11(iss: &IssuerKey) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.w3.org/2018/credentials/examples/v1"],
        "id": "urn:uuid:0b9e2c3a-5ad5-4a0b-8a53-3d2b3fb1c7d9",
        "type": ["VerifiableCredential"],
        "issuer": iss.did,
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "name": "Alice"}
    })
}

#[test]
fn a_vc_1_1_credential_signs_with_eddsa_rdfc_2022_and_verifies() {
    let iss = issuer(1);
    let mut doc = vc11(&iss);
    // The examples v1 context is not bundled: VC 1.1 terms only.
    doc["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    doc["credentialSubject"] = json!({"id": "did:example:abcdefgh"});
    doc["expirationDate"] = json!("2030-01-01T00:00:00Z");
    for with_di_context in [false, true] {
        let mut doc = doc.clone();
        if with_di_context {
            doc["@context"] = json!([
                "https://www.w3.org/2018/credentials/v1",
                "https://w3id.org/security/data-integrity/v2"
            ]);
        }
        let Secured::Json(signed) =
            sign(Processor::shared(), &doc, &iss, DI, corpus_day()).unwrap()
        else {
            panic!()
        };
        assert!(
            signed.get("validFrom").is_none(),
            "no VC 2.0 member is added"
        );
        assert_eq!(signed["issuanceDate"], "2020-01-01T00:00:00Z");
        assert_eq!(signed["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        let r = report(&signed);
        assert_eq!(r.verdict, Verdict::Verified, "{}", summary(&r));
    }
}

#[test]
fn a_vc_1_1_credential_without_issuance_date_is_refused() {
    let iss = issuer(1);
    let mut doc = vc11(&iss);
    doc["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    doc["credentialSubject"] = json!({"id": "did:example:abcdefgh"});
    doc.as_object_mut().unwrap().remove("issuanceDate");
    assert_eq!(refused_code(&doc, &iss), "issuance_date_missing");
}

#[test]
fn a_credential_that_is_neither_vc_2_nor_vc_1_1_is_refused() {
    let iss = issuer(1);
    let mut doc = example(&iss);
    doc["@context"] = json!(["https://example.org/context"]);
    assert_eq!(refused_code(&doc, &iss), "context_not_vc");
}

#[test]
fn a_nested_inline_context_is_refused_as_json_ld_1_1_says() {
    // JSON-LD 1.1 API §4.1.2 step 5.13: `@context` inside a context
    // definition is a keyword redefinition (W3C test expand#ter56).
    let iss = issuer(1);
    let mut doc = example(&iss);
    doc["@context"] =
        json!([V2, EXAMPLES, {"@context": {"alumniOf": "https://example.org/alumniOf"}}]);
    let e = sign(Processor::shared(), &doc, &iss, DI, corpus_day()).unwrap_err();
    assert!(
        e.to_string().contains("keyword redefinition of @context"),
        "{e}"
    );
    let mut inline = doc.clone();
    inline["@context"] = json!([V2, EXAMPLES, {"alumniOf": "https://example.org/alumniOf"}]);
    let Secured::Json(signed) = sign(Processor::shared(), &inline, &iss, DI, corpus_day()).unwrap()
    else {
        panic!()
    };
    assert_eq!(report(&signed).verdict, Verdict::Verified);
    // Made by someone else with the nested form: invalid, for the context.
    let mut nested = signed.clone();
    nested["@context"] = doc["@context"].clone();
    let r = report(&nested);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", summary(&r));
    assert!(r
        .checks
        .iter()
        .any(|c| c.check == CheckKind::Context && c.outcome == Outcome::Failed));
}
