//! Public keys in the encodings credentials use: Multikey (`z6Mk…` Ed25519,
//! `zDn…` P-256, `z82L…` P-384), JWK, PEM, and legacy base58 Ed25519 keys.

use crate::ed25519::VerifyingKey;
use crate::multibase::{self, read_varint};
use crate::CryptoError;
use base64::Engine;
use serde_json::Value;

const ED25519_PUB: u64 = 0xed;
const P256_PUB: u64 = 0x1200;
const P384_PUB: u64 = 0x1201;
const ED25519_PRIV: u64 = 0x1300;

/// Smallest and largest RSA modulus accepted, in bits.
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// A public key of a kind a credential may be signed with.
#[derive(Clone, Debug, PartialEq)]
pub enum PublicKey {
    Ed25519(VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

fn b64url(s: &str) -> Result<Vec<u8>, CryptoError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|e| CryptoError::MalformedKey(format!("base64url: {e}")))
}

fn check_rsa(key: rsa::RsaPublicKey) -> Result<PublicKey, CryptoError> {
    use rsa::traits::PublicKeyParts;
    let bits = key.n().bits();
    if !RSA_BITS.contains(&bits) {
        return Err(CryptoError::MalformedKey(format!(
            "RSA keys must have {} to {} bits, not {bits}",
            RSA_BITS.start(),
            RSA_BITS.end()
        )));
    }
    Ok(PublicKey::Rsa(key))
}

impl PublicKey {
    /// Decode a Multikey `publicKeyMultibase` (Ed25519, or compressed P-256
    /// or P-384).
    pub fn from_multikey(s: &str) -> Result<Self, CryptoError> {
        let bytes = multibase::decode(s)?;
        let (codec, used) = read_varint(&bytes)?;
        let key = &bytes[used..];
        match codec {
            ED25519_PUB => Ok(PublicKey::Ed25519(VerifyingKey::from_bytes(key)?)),
            P256_PUB => p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                .map(PublicKey::P256)
                .map_err(|_| CryptoError::InvalidPublicKey),
            P384_PUB => p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
                .map(PublicKey::P384)
                .map_err(|_| CryptoError::InvalidPublicKey),
            other => Err(CryptoError::UnknownMulticodec(other)),
        }
    }

    /// Encode as a Multikey (`z…`). RSA keys have no Multikey form here.
    pub fn to_multikey(&self) -> Result<String, CryptoError> {
        match self {
            PublicKey::Ed25519(k) => {
                let mut b = vec![0xed, 0x01];
                b.extend_from_slice(&k.to_bytes());
                Ok(multibase::encode_base58btc(&b))
            }
            PublicKey::P256(k) => {
                let mut b = vec![0x80, 0x24];
                b.extend_from_slice(k.to_encoded_point(true).as_bytes());
                Ok(multibase::encode_base58btc(&b))
            }
            PublicKey::P384(k) => {
                let mut b = vec![0x81, 0x24];
                b.extend_from_slice(k.to_encoded_point(true).as_bytes());
                Ok(multibase::encode_base58btc(&b))
            }
            PublicKey::Rsa(_) => Err(CryptoError::MalformedKey(
                "RSA keys are not written as Multikey".into(),
            )),
        }
    }

    /// A public JWK: OKP/Ed25519, EC/P-256, EC/P-384, or RSA. Private members
    /// are ignored.
    pub fn from_jwk(jwk: &Value) -> Result<Self, CryptoError> {
        let field = |name: &str| -> Result<&str, CryptoError> {
            jwk.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| CryptoError::MalformedKey(format!("JWK without {name}")))
        };
        match (field("kty")?, jwk.get("crv").and_then(Value::as_str)) {
            ("OKP", Some("Ed25519")) => Ok(PublicKey::Ed25519(VerifyingKey::from_bytes(&b64url(
                field("x")?,
            )?)?)),
            ("EC", Some(crv @ ("P-256" | "P-384"))) => {
                let size = if crv == "P-256" { 32 } else { 48 };
                let x = b64url(field("x")?)?;
                let y = b64url(field("y")?)?;
                if x.len() != size || y.len() != size {
                    return Err(CryptoError::MalformedKey(format!(
                        "{crv} coordinates are {size} bytes"
                    )));
                }
                let mut sec1 = vec![0x04];
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                if crv == "P-256" {
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                        .map(PublicKey::P256)
                        .map_err(|_| CryptoError::InvalidPublicKey)
                } else {
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                        .map(PublicKey::P384)
                        .map_err(|_| CryptoError::InvalidPublicKey)
                }
            }
            ("RSA", _) => {
                let n = rsa::BigUint::from_bytes_be(&b64url(field("n")?)?);
                let e = rsa::BigUint::from_bytes_be(&b64url(field("e")?)?);
                let key = rsa::RsaPublicKey::new(n, e)
                    .map_err(|e| CryptoError::MalformedKey(e.to_string()))?;
                check_rsa(key)
            }
            (kty, crv) => Err(CryptoError::MalformedKey(format!(
                "unsupported JWK kty {kty:?} crv {crv:?}"
            ))),
        }
    }

    /// A PEM public key: SPKI (`PUBLIC KEY`: RSA, P-256, Ed25519) or PKCS#1
    /// (`RSA PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        use rsa::pkcs8::DecodePublicKey;
        let pem = pem.trim();
        if pem.len() > 64 * 1024 {
            return Err(CryptoError::TooLarge {
                what: "PEM key",
                size: pem.len(),
                limit: 64 * 1024,
            });
        }
        if pem.contains("BEGIN RSA PUBLIC KEY") {
            let key = rsa::RsaPublicKey::from_pkcs1_pem(pem)
                .map_err(|e| CryptoError::MalformedKey(e.to_string()))?;
            return check_rsa(key);
        }
        if let Ok(key) = rsa::RsaPublicKey::from_public_key_pem(pem) {
            return check_rsa(key);
        }
        if let Ok(key) = p256::PublicKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P256(key.into()));
        }
        // Ed25519 SPKI: 302a300506032b6570032100 ‖ key
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|e| CryptoError::MalformedKey(format!("PEM: {e}")))?;
        const ED_PREFIX: [u8; 12] = [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        if der.len() == 44 && der[..12] == ED_PREFIX {
            return Ok(PublicKey::Ed25519(VerifyingKey::from_bytes(&der[12..])?));
        }
        Err(CryptoError::MalformedKey(
            "not an RSA, P-256 or Ed25519 public key in PEM".into(),
        ))
    }

    /// Legacy `publicKeyBase58` (Ed25519VerificationKey2018).
    pub fn from_public_key_base58(s: &str) -> Result<Self, CryptoError> {
        if s.len() > 128 {
            return Err(CryptoError::TooLarge {
                what: "publicKeyBase58",
                size: s.len(),
                limit: 128,
            });
        }
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|e| CryptoError::MalformedKey(e.to_string()))?;
        Ok(PublicKey::Ed25519(VerifyingKey::from_bytes(&bytes)?))
    }

    /// The JOSE algorithm this key signs with.
    pub fn jose_algorithm(&self) -> crate::jose::Algorithm {
        match self {
            PublicKey::Ed25519(_) => crate::jose::Algorithm::EdDSA,
            PublicKey::P256(_) => crate::jose::Algorithm::ES256,
            PublicKey::P384(_) => crate::jose::Algorithm::ES384,
            PublicKey::Rsa(_) => crate::jose::Algorithm::RS256,
        }
    }

    /// Verify a raw signature over `msg` with this key's one algorithm:
    /// Ed25519 (strict), ECDSA P-256 with SHA-256 (r‖s, 64 bytes), ECDSA
    /// P-384 with SHA-384 (r‖s, 96 bytes), or RSASSA-PKCS1-v1_5 with SHA-256.
    pub fn verify_message(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        match self {
            PublicKey::Ed25519(k) => k.verify(msg, sig),
            PublicKey::P256(k) => {
                use p256::ecdsa::signature::Verifier;
                let sig = p256::ecdsa::Signature::from_slice(sig).map_err(|_| {
                    CryptoError::MalformedSignature("ES256 signatures are r‖s, 64 bytes".into())
                })?;
                k.verify(msg, &sig).map_err(|_| CryptoError::BadSignature)
            }
            PublicKey::P384(k) => {
                use p384::ecdsa::signature::Verifier;
                let sig = p384::ecdsa::Signature::from_slice(sig).map_err(|_| {
                    CryptoError::MalformedSignature("ES384 signatures are r‖s, 96 bytes".into())
                })?;
                k.verify(msg, &sig).map_err(|_| CryptoError::BadSignature)
            }
            PublicKey::Rsa(k) => {
                use rsa::signature::Verifier;
                let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(k.clone());
                let sig = rsa::pkcs1v15::Signature::try_from(sig)
                    .map_err(|_| CryptoError::MalformedSignature("bad RSA signature".into()))?;
                vk.verify(msg, &sig).map_err(|_| CryptoError::BadSignature)
            }
        }
    }
}

/// `secretKeyMultibase`: `z` + base58btc(varint 0x1300 ‖ seed).
pub fn encode_secret_key(seed: &[u8; 32]) -> String {
    let mut b = vec![0x80, 0x26];
    b.extend_from_slice(seed);
    multibase::encode_base58btc(&b)
}

/// Decode a `secretKeyMultibase` (Ed25519 seed).
pub fn decode_secret_key(s: &str) -> Result<[u8; 32], CryptoError> {
    let bytes = multibase::decode(s)?;
    let (codec, used) = read_varint(&bytes)?;
    if codec != ED25519_PRIV {
        return Err(CryptoError::UnknownMulticodec(codec));
    }
    bytes[used..]
        .try_into()
        .map_err(|_| CryptoError::MalformedKey("an Ed25519 secret key is 32 bytes".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ed25519::SigningKey;

    #[test]
    fn ed25519_multikey_round_trip_starts_with_z6mk() {
        let k = PublicKey::Ed25519(SigningKey::from_seed(&[1; 32]).verifying_key());
        let mk = k.to_multikey().unwrap();
        assert!(mk.starts_with("z6Mk"), "{mk}");
        assert_eq!(PublicKey::from_multikey(&mk).unwrap(), k);
    }

    #[test]
    fn secret_key_round_trip() {
        let s = encode_secret_key(&[9; 32]);
        assert!(s.starts_with("z3u2"), "{s}");
        assert_eq!(decode_secret_key(&s).unwrap(), [9; 32]);
        let public = PublicKey::Ed25519(SigningKey::from_seed(&[9; 32]).verifying_key())
            .to_multikey()
            .unwrap();
        assert!(decode_secret_key(&public).is_err());
    }

    /// The P-384 key of the W3C vc-di-ecdsa test vectors (p384KeyPair.json).
    const W3C_P384: &str =
        "z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ";

    #[test]
    fn p384_multikeys_decode_and_round_trip_as_z82l() {
        let k = PublicKey::from_multikey(W3C_P384).unwrap();
        assert!(matches!(k, PublicKey::P384(_)));
        assert_eq!(k.to_multikey().unwrap(), W3C_P384);
        let sk = p384::ecdsa::SigningKey::from_slice(&[3u8; 48]).unwrap();
        let mine = PublicKey::P384(*sk.verifying_key());
        let mk = mine.to_multikey().unwrap();
        assert!(mk.starts_with("z82L"), "{mk}");
        assert_eq!(PublicKey::from_multikey(&mk).unwrap(), mine);
        // A P-256 point under the P-384 codec is refused.
        let p256 = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
        let mut b = vec![0x81, 0x24];
        b.extend_from_slice(p256.verifying_key().to_encoded_point(true).as_bytes());
        assert!(PublicKey::from_multikey(&multibase::encode_base58btc(&b)).is_err());
    }

    #[test]
    fn p384_verifies_sha384_ecdsa_and_nothing_else() {
        use p384::ecdsa::signature::Signer;
        let sk = p384::ecdsa::SigningKey::from_slice(&[5u8; 48]).unwrap();
        let pk = PublicKey::P384(*sk.verifying_key());
        let sig: p384::ecdsa::Signature = sk.sign(b"message");
        pk.verify_message(b"message", &sig.to_bytes()).unwrap();
        assert_eq!(
            pk.verify_message(b"messagE", &sig.to_bytes()),
            Err(CryptoError::BadSignature)
        );
        assert!(matches!(
            pk.verify_message(b"message", &sig.to_bytes()[..64]),
            Err(CryptoError::MalformedSignature(_))
        ));
        assert_eq!(pk.jose_algorithm(), crate::jose::Algorithm::ES384);
    }

    #[test]
    fn jwk_forms() {
        let k = SigningKey::from_seed(&[2; 32]).verifying_key();
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k.to_bytes());
        let jwk = serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x});
        assert_eq!(PublicKey::from_jwk(&jwk).unwrap(), PublicKey::Ed25519(k));
        assert!(PublicKey::from_jwk(&serde_json::json!({"kty": "oct", "k": "AAAA"})).is_err());
        assert!(PublicKey::from_jwk(
            &serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})
        )
        .is_err());
        let p384 = p384::ecdsa::SigningKey::from_slice(&[6u8; 48]).unwrap();
        let point = p384.verifying_key().to_encoded_point(false);
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let jwk = serde_json::json!({
            "kty": "EC", "crv": "P-384",
            "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())
        });
        assert_eq!(
            PublicKey::from_jwk(&jwk).unwrap(),
            PublicKey::P384(*p384.verifying_key())
        );
        // P-256-sized coordinates under crv P-384 are refused.
        let p256 = p256::ecdsa::SigningKey::from_slice(&[6u8; 32]).unwrap();
        let point = p256.verifying_key().to_encoded_point(false);
        let jwk = serde_json::json!({
            "kty": "EC", "crv": "P-384",
            "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())
        });
        assert!(PublicKey::from_jwk(&jwk).is_err());
    }
}
