//! The vc-di-eddsa canonical forms reproduce byte for byte.

use crate::common::*;
use backpack_jsonld::Processor;
use serde_json::json;

/// The bundled contexts: they include the W3C examples context
/// (https://www.w3.org/ns/credentials/examples/v2) the vectors use.
pub fn processor() -> Processor {
    Processor::new()
}

#[test]
fn document_and_proof_configuration_canonicalise_as_the_vectors_say() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("spec-data/vc-di-eddsa");
    let p = processor();
    let unsigned = read_json(&dir.join("unsigned.json"));
    for (suite, doc_file, proof_cfg, proof_file) in [
        (
            "eddsa-rdfc-2022",
            "canonDocDataInt.txt",
            "proofConfigDataInt.json",
            "proofCanonDataInt.txt",
        ),
        (
            "Ed25519Signature2020",
            "canonDocEdSig.txt",
            "proofConfigEdSig.json",
            "proofCanonEdSig.txt",
        ),
    ] {
        let mut doc = unsigned.clone();
        let cfg = read_json(&dir.join(suite).join(proof_cfg));
        doc["@context"] = cfg["@context"].clone();
        let expected = std::fs::read_to_string(dir.join(suite).join(doc_file)).unwrap();
        assert_eq!(
            p.canonicalize_document(&doc).unwrap().trim_end(),
            expected.trim_end(),
            "{suite} document"
        );
        let expected = std::fs::read_to_string(dir.join(suite).join(proof_file)).unwrap();
        assert_eq!(
            p.canonicalize_document(&cfg).unwrap().trim_end(),
            expected.trim_end(),
            "{suite} proof"
        );
    }
}

#[test]
fn open_badges_contexts_match_1edtech_published_files() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("spec-data/ob-v3p0/context");
    for name in [
        "context.json",
        "context-3.0.1.json",
        "context-3.0.2.json",
        "context-3.0.3.json",
    ] {
        let url = format!("https://purl.imsglobal.org/spec/ob/v3p0/{name}");
        let ours = backpack_jsonld::contexts::bundled(&url).unwrap();
        let published = std::fs::read(dir.join(name)).unwrap();
        if name.contains("3.0.2") || name.contains("3.0.3") {
            assert_eq!(
                ours.bytes,
                published.as_slice(),
                "{name} must be byte-identical"
            );
        }
        let a: serde_json::Value = serde_json::from_slice(ours.bytes).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&published).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

fn vocab_processor() -> Processor {
    Processor::new().with_context("urn:test:vocab", json!({"@context": {"@vocab": "urn:v#"}}))
}

#[test]
fn nesting_past_the_limit_fails_fast_and_within_it_works() {
    use backpack_jsonld::limits::MAX_DEPTH;
    let p = vocab_processor();
    let nest = |levels: usize| {
        let mut v = json!("leaf");
        for _ in 0..levels {
            v = json!({ "a": v });
        }
        v["@context"] = json!("urn:test:vocab");
        v
    };
    assert!(p.to_rdf(&nest(MAX_DEPTH - 1)).is_ok());
    assert_eq!(
        p.to_rdf(&nest(MAX_DEPTH + 1)).err().map(|e| e.code()),
        Some("jsonld_limit_exceeded")
    );
}

#[test]
fn quads_past_the_limit_are_refused() {
    use backpack_jsonld::limits::MAX_QUADS;
    let p = vocab_processor();
    let doc = |n: usize| json!({"@context": "urn:test:vocab", "@id": "urn:x", "v": (0..n).collect::<Vec<_>>()});
    assert_eq!(p.to_rdf(&doc(MAX_QUADS)).unwrap().len(), MAX_QUADS);
    assert_eq!(
        p.to_rdf(&doc(MAX_QUADS + 1)).err().map(|e| e.code()),
        Some("jsonld_limit_exceeded")
    );
}

#[test]
fn undefined_terms_unknown_contexts_and_protected_terms_fail_closed() {
    let p = Processor::shared();
    let base = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
        "issuer": "did:example:1", "credentialSubject": {"id": "did:example:2"}});
    assert!(p.to_rdf(&base).is_ok());
    let mut d = base.clone();
    d["credentialSubject"]["favouriteColour"] = json!("blue");
    assert_eq!(
        p.to_rdf(&d).err().map(|e| e.code()),
        Some("jsonld_data_loss")
    );
    let mut d = base.clone();
    d["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://example.org/mine.json"
    ]);
    assert_eq!(
        p.to_rdf(&d).err().map(|e| e.code()),
        Some("context_not_bundled")
    );
    let mut d = base.clone();
    d["@context"] = json!(["https://www.w3.org/ns/credentials/v2", {"name": "urn:evil#name"}]);
    assert_eq!(
        p.to_rdf(&d).err().map(|e| e.code()),
        Some("protected_term_redefinition")
    );
    let mut d = base.clone();
    d["id"] = json!("relative/id");
    assert_eq!(
        p.to_rdf(&d).err().map(|e| e.code()),
        Some("jsonld_data_loss")
    );
}

#[test]
fn numbers_take_their_canonical_rdf_forms_and_nfd_text_is_kept() {
    let p = vocab_processor();
    let doc = json!({"@context": "urn:test:vocab", "@id": "urn:x", "i": 3.0, "d": 1.5, "b": true, "s": "comple\u{301}te\u{301}e"});
    let nq = p.canonicalize_document(&doc).unwrap();
    assert!(
        nq.contains("\"3\"^^<http://www.w3.org/2001/XMLSchema#integer>"),
        "{nq}"
    );
    assert!(
        nq.contains("\"1.5E0\"^^<http://www.w3.org/2001/XMLSchema#double>"),
        "{nq}"
    );
    assert!(
        nq.contains("\"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>"),
        "{nq}"
    );
    assert!(
        nq.contains("comple\u{301}te\u{301}e"),
        "NFD must be kept: {nq}"
    );
}
