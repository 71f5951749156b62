//! `ecdsa-rdfc-2019` with P-384 keys: `did:key:z82L…` resolves, and the suite
//! hashes with SHA-384 (inside RDFC-1.0 and over the canonical forms), as
//! W3C vc-di-ecdsa §2.2 and §3.3 say. The signatures here are made with the
//! RustCrypto `p384` crate (the W3C P-384 vectors are not in ../shared).

use crate::common::*;
use backpack_credentials::proof::{self, Hashing, Suite};
use backpack_credentials::{Processor, Verdict};
use backpack_crypto::multikey::PublicKey;
use p384::ecdsa::signature::Signer;
use serde_json::{json, Value};

fn p384_key() -> (p384::ecdsa::SigningKey, String) {
    let sk = p384::ecdsa::SigningKey::from_slice(&[0x42; 48]).unwrap();
    let mk = PublicKey::P384(*sk.verifying_key()).to_multikey().unwrap();
    assert!(mk.starts_with("z82L"), "{mk}");
    (sk, format!("did:key:{mk}"))
}

/// Sign `unsigned` with ecdsa-rdfc-2019, hashing with `hashing`.
fn sign_ecdsa(
    unsigned: &Value,
    sk: &p384::ecdsa::SigningKey,
    did: &str,
    hashing: Hashing,
) -> Value {
    let mk = did.trim_start_matches("did:key:");
    let mut proof = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": format!("{did}#{mk}"),
        "proofPurpose": "assertionMethod"
    });
    let mut config = proof.clone();
    config["@context"] = unsigned["@context"].clone();
    let hashes = proof::hash_data_with(
        Processor::shared(),
        Suite::EcdsaRdfc2019,
        hashing,
        unsigned,
        &config,
    )
    .unwrap();
    let sig: p384::ecdsa::Signature = sk.sign(&hashes.concat());
    proof["proofValue"] = backpack_crypto::multibase::encode_base58btc(&sig.to_bytes()).into();
    let mut signed = unsigned.clone();
    signed["proof"] = proof;
    signed
}

fn credential(did: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "issuer": did,
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    })
}

fn verdict(doc: &Value) -> (Verdict, String) {
    let r = verify_offline(doc.to_string().as_bytes(), corpus_day()).unwrap();
    let s = summary(&r);
    (r.verdict, s)
}

#[test]
fn a_p384_did_key_verifies_an_ecdsa_rdfc_2019_credential() {
    let (sk, did) = p384_key();
    let signed = sign_ecdsa(&credential(&did), &sk, &did, Hashing::Sha384);
    let (v, s) = verdict(&signed);
    assert_eq!(v, Verdict::Verified, "{s}");
    assert!(s.contains("ecdsa-rdfc-2019 signature is valid"), "{s}");
}

#[test]
fn a_p384_proof_hashed_with_sha256_does_not_verify() {
    let (sk, did) = p384_key();
    let signed = sign_ecdsa(&credential(&did), &sk, &did, Hashing::Sha256);
    let (v, s) = verdict(&signed);
    assert_eq!(v, Verdict::Invalid, "{s}");
    assert!(s.contains("bad_signature"), "{s}");
}

#[test]
fn a_changed_p384_credential_is_invalid() {
    let (sk, did) = p384_key();
    let mut signed = sign_ecdsa(&credential(&did), &sk, &did, Hashing::Sha384);
    signed["credentialSubject"]["alumniOf"] = "Another School".into();
    assert_eq!(verdict(&signed).0, Verdict::Invalid);
}
