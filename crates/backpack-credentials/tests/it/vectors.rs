//! The W3C vc-di-eddsa test vectors reproduce byte for byte.

use crate::common::*;
use backpack_credentials::did::OfflineResolver;
use backpack_credentials::proof::{self, SignSuite};
use backpack_credentials::status::NoStatusLists;
use backpack_credentials::{Processor, Verdict, Verifier};

/// The bundled contexts, which include the W3C examples context the vectors
/// use (https://www.w3.org/ns/credentials/examples/v2): the same processor
/// production uses.
fn processor() -> &'static Processor {
    Processor::shared()
}
use backpack_crypto::ed25519::SigningKey;
use backpack_crypto::multikey;
use serde_json::Value;

fn key_pair(dir: &std::path::Path) -> SigningKey {
    let kp = read_json(&dir.join("keyPair.json"));
    let secret = kp["privateKeyMultibase"].as_str().unwrap();
    let seed = multikey::decode_secret_key(secret).unwrap();
    let key = SigningKey::from_seed(&seed);
    let public = multikey::PublicKey::Ed25519(key.verifying_key())
        .to_multikey()
        .unwrap();
    assert_eq!(public, kp["publicKeyMultibase"].as_str().unwrap());
    key
}

fn created(config: &Value) -> time::OffsetDateTime {
    backpack_credentials::model::parse_datetime(config["created"].as_str().unwrap()).unwrap()
}

fn text(path: &std::path::Path) -> String {
    String::from_utf8(read(path)).unwrap().trim().to_string()
}

#[test]
fn eddsa_rdfc_2022_signs_the_vector_byte_for_byte() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("spec-data/vc-di-eddsa");
    let key = key_pair(&dir);
    let unsigned = read_json(&dir.join("unsigned.json"));
    let config = read_json(&dir.join("eddsa-rdfc-2022/proofConfigDataInt.json"));
    let vm = config["verificationMethod"].as_str().unwrap();
    let signed = proof::sign(
        processor(),
        &unsigned,
        &key,
        vm,
        SignSuite::EddsaRdfc2022,
        created(&config),
    )
    .unwrap();
    let expected = read_json(&dir.join("eddsa-rdfc-2022/signedDataInt.json"));
    assert_eq!(signed, expected);
    assert_eq!(
        serde_json::to_string_pretty(&signed).unwrap(),
        serde_json::to_string_pretty(&expected).unwrap()
    );
    // The intermediate values too.
    let mut proof_config = config.clone();
    proof_config["@context"] = unsigned["@context"].clone();
    let hashes = proof::hash_data(
        processor(),
        proof::Suite::EddsaRdfc2022,
        &unsigned,
        &proof_config,
    )
    .unwrap();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(
        hex(&hashes.doc_hash),
        text(&dir.join("eddsa-rdfc-2022/docHashDataInt.txt"))
    );
    assert_eq!(
        hex(&hashes.proof_hash),
        text(&dir.join("eddsa-rdfc-2022/proofHashDataInt.txt"))
    );
    assert_eq!(
        hex(&hashes.concat()),
        text(&dir.join("eddsa-rdfc-2022/combinedHashDataInt.txt"))
    );
    assert_eq!(
        hex(&key.sign(&hashes.concat())),
        text(&dir.join("eddsa-rdfc-2022/sigHexDataInt.txt"))
    );
}

#[test]
fn eddsa_jcs_2022_signs_the_vector_byte_for_byte() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("spec-data/vc-di-eddsa");
    let key = key_pair(&dir);
    let unsigned = read_json(&dir.join("unsigned.json"));
    let config = read_json(&dir.join("eddsa-jcs-2022/proofConfigJCS.json"));
    let vm = config["verificationMethod"].as_str().unwrap();
    let signed = proof::sign(
        processor(),
        &unsigned,
        &key,
        vm,
        SignSuite::EddsaJcs2022,
        created(&config),
    )
    .unwrap();
    assert_eq!(
        signed,
        read_json(&dir.join("eddsa-jcs-2022/signedJCS.json"))
    );
}

#[test]
fn signed_vectors_verify_including_ed25519_signature_2020() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("spec-data/vc-di-eddsa");
    for file in [
        "eddsa-rdfc-2022/signedDataInt.json",
        "eddsa-jcs-2022/signedJCS.json",
        "Ed25519Signature2020/signedEdSig.json",
    ] {
        let doc = read_json(&dir.join(file));
        let p = proof::proofs_of(&doc)[0].clone();
        let key =
            backpack_credentials::did::key_named_by(p["verificationMethod"].as_str().unwrap())
                .unwrap();
        proof::verify(processor(), &doc, &p, &key).unwrap_or_else(|e| panic!("{file}: {e}"));
        // Issued by an https URL: signature good, key not bound offline.
        let resolver = OfflineResolver::new();
        let v = Verifier {
            processor: processor(),
            resolver: &resolver,
            status_lists: &NoStatusLists,
            now: corpus_day(),
            deadline: &backpack_credentials::NoDeadline,
        };
        let r = v.verify_bytes(&read(&dir.join(file))).unwrap();
        assert_eq!(r.verdict, Verdict::KeyNotBound, "{file}\n{}", summary(&r));
    }
}
