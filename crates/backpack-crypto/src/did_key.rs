//! `did:key` (Ed25519, P-256 and P-384 Multikeys), resolved offline into a DID
//! document in the Multikey form of the did:key specification.

use crate::multikey::PublicKey;
use crate::CryptoError;
use serde_json::{json, Value};

/// `did:key:z…` for `key`.
pub fn did_for(key: &PublicKey) -> Result<String, CryptoError> {
    Ok(format!("did:key:{}", key.to_multikey()?))
}

/// The public key a did:key (without fragment) encodes.
pub fn public_key(did: &str) -> Result<PublicKey, CryptoError> {
    let id = did
        .strip_prefix("did:key:")
        .ok_or_else(|| CryptoError::NotDidKey(did.to_string()))?;
    if id.contains(['#', '/', '?', ':']) {
        return Err(CryptoError::NotDidKey(did.to_string()));
    }
    PublicKey::from_multikey(id)
}

/// The DID document of a did:key: one Multikey verification method
/// `did#<multikey>`, controlled by the DID, listed under every relationship
/// a signing key has.
pub fn resolve(did: &str) -> Result<Value, CryptoError> {
    let key = public_key(did)?;
    let mk = key.to_multikey()?;
    let vm = format!("{did}#{mk}");
    Ok(json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{
            "id": vm,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": mk
        }],
        "authentication": [vm],
        "assertionMethod": [vm],
        "capabilityInvocation": [vm],
        "capabilityDelegation": [vm]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ed25519::SigningKey;

    #[test]
    fn resolves_the_vc_di_eddsa_example_key() {
        let did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let doc = resolve(did).unwrap();
        assert_eq!(
            doc["verificationMethod"][0]["id"],
            format!("{did}#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
        );
        assert_eq!(
            doc["assertionMethod"][0],
            doc["verificationMethod"][0]["id"]
        );
    }

    #[test]
    fn round_trip_and_refusals() {
        let k = PublicKey::Ed25519(SigningKey::from_seed(&[5; 32]).verifying_key());
        let did = did_for(&k).unwrap();
        assert_eq!(public_key(&did).unwrap(), k);
        assert!(public_key("did:web:example.org").is_err());
        assert!(public_key(&format!("{did}#x")).is_err());
        assert!(public_key("did:key:zQ3s").is_err());
    }

    #[test]
    fn p384_did_keys_resolve() {
        // The did:key of the W3C vc-di-ecdsa P-384 test vectors.
        let did = "did:key:z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ";
        assert!(matches!(public_key(did).unwrap(), PublicKey::P384(_)));
        let doc = resolve(did).unwrap();
        assert_eq!(
            doc["assertionMethod"][0],
            format!(
                "{did}#z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ"
            )
        );
    }
}
