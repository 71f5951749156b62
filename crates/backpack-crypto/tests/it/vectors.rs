use backpack_crypto::ed25519::{SigningKey, VerifyingKey};
use backpack_crypto::multikey::{self, PublicKey};
use backpack_crypto::CryptoError;
use serde_json::Value;
use std::path::PathBuf;

use backpack_testkit::shared;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn read_json(p: PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// "Taming the many EdDSAs": a strict verifier (libsodium, dalek
/// verify_strict) accepts only case 3 (mixed-order A and R, cofactorless
/// equation holds). Small-order keys (0, 1, 10, 11) are refused when the key
/// is decoded; small-order R (0, 2), non-canonical R (8, 9), out-of-range S
/// (6, 7) and the cases that need the cofactored equation (4, 5) fail
/// verification.
#[test]
fn speccheck_vectors_get_a_strict_verifiers_verdicts() {
    let Some(shared) = shared() else { return };
    let cases = read_json(shared.join("spec-data/ed25519-speccheck/cases.json"));
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 12);
    let mut outcomes = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let msg = hex(c["message"].as_str().unwrap());
        let pk = hex(c["pub_key"].as_str().unwrap());
        let sig = hex(c["signature"].as_str().unwrap());
        let outcome = match VerifyingKey::from_bytes(&pk) {
            Err(e) => format!("key:{}", e.code()),
            Ok(k) => match k.verify(&msg, &sig) {
                Ok(()) => "valid".to_string(),
                Err(e) => format!("sig:{}", e.code()),
            },
        };
        outcomes.push((i, outcome));
    }
    for (i, outcome) in &outcomes {
        match i {
            3 => assert_eq!(outcome, "valid", "case {i}"),
            0 | 1 | 10 | 11 => assert!(
                outcome.starts_with("key:"),
                "case {i}: small-order key must be refused at decode, got {outcome}"
            ),
            _ => assert!(
                outcome.starts_with("sig:"),
                "case {i}: must fail verification, got {outcome}"
            ),
        }
    }
}

#[test]
fn the_w3c_example_key_pair_and_signature_reproduce() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("spec-data/vc-di-eddsa");
    let kp = read_json(dir.join("keyPair.json"));
    let seed = multikey::decode_secret_key(kp["privateKeyMultibase"].as_str().unwrap()).unwrap();
    let key = SigningKey::from_seed(&seed);
    let public = PublicKey::Ed25519(key.verifying_key());
    assert_eq!(
        public.to_multikey().unwrap(),
        kp["publicKeyMultibase"].as_str().unwrap()
    );
    assert_eq!(
        multikey::encode_secret_key(&seed),
        kp["privateKeyMultibase"].as_str().unwrap()
    );
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .unwrap()
            .trim()
            .to_string()
    };
    let combined = hex(&read("eddsa-rdfc-2022/combinedHashDataInt.txt"));
    let sig = key.sign(&combined);
    assert_eq!(
        sig.to_vec(),
        hex(&read("eddsa-rdfc-2022/sigHexDataInt.txt"))
    );
    assert_eq!(
        backpack_crypto::multibase::encode_base58btc(&sig),
        read("eddsa-rdfc-2022/sigBTC58DataInt.txt")
    );
    public.verify_message(&combined, &sig).unwrap();
}

#[test]
fn corpus_keys_decode() {
    for (k, p256) in [
        ("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", false),
        ("z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", false),
        ("z6Mknyb2Gb4NxzW3xSr9ChTtdQZ1zs77piQ3r9SaJ9vMzmrs", false),
        ("z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN", false),
        ("zDnaekGZTbQBerwcehBSXLqAg6s55hVEBms1zFy89VHXtJSa9", true),
        ("z6MkvREVgsHx7Ppae68vCoByy73ZD4aMSJiPML2cryVL8JAx", false),
        ("z6MkjXe1vZvPRqFuc9nRBtZ3e1Y9XKDFSbjFAfzLfW2bD6cZ", false),
        ("zDnaexKarbL5kCjrurZPcLYxpGHQU7mbW4EK99UUyr2DPX1G3", true),
    ] {
        let key = PublicKey::from_multikey(k).unwrap_or_else(|e| panic!("{k}: {e}"));
        assert_eq!(matches!(key, PublicKey::P256(_)), p256, "{k}");
        assert_eq!(key.to_multikey().unwrap(), k);
    }
    let k1 = PublicKey::from_multikey("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi").unwrap();
    let PublicKey::Ed25519(k1) = k1 else { panic!() };
    assert_eq!(
        k1.to_bytes().to_vec(),
        hex("4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
    );
}

#[test]
fn ob2_rsa_pem_keys_parse_and_verify_their_assertions() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/1edtech-validator/ob20");
    let key1 = read_json(dir.join("docs/key1.json"));
    let pk = PublicKey::from_pem(key1["publicKeyPem"].as_str().unwrap()).unwrap();
    assert!(matches!(pk, PublicKey::Rsa(_)));
    let token = std::fs::read_to_string(dir.join("simple.jwt")).unwrap();
    let jws = backpack_crypto::jose::parse_compact(&token).unwrap();
    assert_eq!(
        backpack_crypto::jose::verify_compact(&jws, &pk).unwrap(),
        backpack_crypto::jose::Algorithm::RS256
    );
    // The other issuer's key does not verify it.
    let key3 = read_json(dir.join("docs/key3.json"));
    let pk3 = PublicKey::from_pem(key3["publicKeyPem"].as_str().unwrap()).unwrap();
    assert_eq!(
        backpack_crypto::jose::verify_compact(&jws, &pk3),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn peer_key_file_format_matches() {
    let Some(shared) = shared() else { return };
    // The peer README documents secretKeyMultibase as z + base58btc(0x80 0x26 ‖ seed):
    // its keys start "z3u2", like ours.
    let readme = std::fs::read_to_string(shared.join("bench/peer-js/README.md")).unwrap();
    assert!(readme.contains("\"secretKeyMultibase\": \"z3u2"));
    assert!(multikey::encode_secret_key(&[0; 32]).starts_with("z3u2"));
}
