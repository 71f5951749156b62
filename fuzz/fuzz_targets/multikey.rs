//! Multibase, Multikey, did:key, JWK, PEM, publicKeyBase58 and secret key
//! decoding. The first byte picks the decoder; the rest is the input.
#![no_main]
use backpack_crypto::multikey::PublicKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (selector, rest) = backpack_fuzz::split_selector(data);
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 8 {
        0 => {
            if let Ok(bytes) = backpack_crypto::multibase::decode(text) {
                let _ = backpack_crypto::multibase::read_varint(&bytes);
            }
        }
        1 => {
            if let Ok(key) = PublicKey::from_multikey(text) {
                // What decodes must encode back to the same key.
                if let Ok(again) = key.to_multikey() {
                    assert!(
                        PublicKey::from_multikey(&again).is_ok(),
                        "round trip of {text:?}"
                    );
                }
                let _ = key.verify_message(b"m", &[0; 64]);
            }
        }
        2 => {
            let _ = backpack_crypto::did_key::public_key(text);
        }
        3 => {
            let _ = backpack_crypto::did_key::resolve(text);
        }
        4 => {
            if let Ok(jwk) = serde_json::from_str(text) {
                let _ = PublicKey::from_jwk(&jwk);
            }
        }
        5 => {
            let _ = PublicKey::from_pem(text);
        }
        6 => {
            let _ = PublicKey::from_public_key_base58(text);
        }
        _ => {
            let _ = backpack_crypto::multikey::decode_secret_key(text);
        }
    }
});
