//! The vc-di-eddsa canonical forms reproduce byte for byte.

use crate::common::*;
use backpack_jsonld::Processor;
use serde_json::json;

/// The W3C examples context (https://www.w3.org/ns/credentials/examples/v2)
/// the vectors use; it is not bundled in production.
pub fn processor() -> Processor {
    Processor::new().with_context(
        "https://www.w3.org/ns/credentials/examples/v2",
        json!({"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}),
    )
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
