//! Compact JWS / VC-JWT: parsing, verification against Ed25519, P-256 and
//! RSA keys (algorithm from the key, header checks), and the VC-JWT claim
//! mapping of `backpack_credentials::jwt`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jws) = backpack_crypto::jose::parse_compact(text) else {
        return;
    };
    for key in backpack_fuzz::public_keys() {
        let _ = backpack_crypto::jose::verify_compact(&jws, key);
    }
    let _ = backpack_crypto::jose::verify_detached_unencoded(
        text,
        &jws.payload,
        &backpack_fuzz::public_keys()[0],
    );
    if let Ok(payload) = backpack_credentials::json::parse_limited(&jws.payload) {
        let credential = backpack_credentials::jwt::credential_of(&payload);
        let _ = backpack_credentials::jwt::claim_mismatches(&payload, &credential);
        if let Value::Object(map) = &credential {
            let _ = backpack_credentials::jwt::claims_for(map);
        }
    }
});
