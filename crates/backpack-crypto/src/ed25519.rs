//! Ed25519 (RFC 8032) with strict decoding and verification.

use crate::CryptoError;
use ed25519_dalek::Signer;

/// An Ed25519 secret key. Zeroised on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Self {
        SigningKey(ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng))
    }

    /// The key whose RFC 8032 seed is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The 32-byte seed (secret).
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    /// Deterministic Ed25519 signature of `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.0.sign(msg).to_bytes()
    }
}

/// An Ed25519 public key, decoded strictly.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl VerifyingKey {
    /// Strict decode: 32 bytes, a canonical encoding of a point on the curve,
    /// not of small order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| {
            CryptoError::MalformedKey(format!("Ed25519 keys are 32 bytes, not {}", bytes.len()))
        })?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&arr)
            .map_err(|_| CryptoError::InvalidPublicKey)?;
        if key.to_edwards().compress().to_bytes() != arr {
            return Err(CryptoError::InvalidPublicKey);
        }
        if key.is_weak() {
            return Err(CryptoError::WeakPublicKey);
        }
        Ok(VerifyingKey(key))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Strict verification: 64-byte signature, canonical S, R not of small
    /// order, cofactorless equation (ed25519-dalek `verify_strict`).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| {
            CryptoError::MalformedSignature(format!(
                "Ed25519 signatures are 64 bytes, not {}",
                sig.len()
            ))
        })?;
        self.0
            .verify_strict(msg, &sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_round_trip_and_tamper_fails() {
        let k = SigningKey::from_seed(&[3; 32]);
        let sig = k.sign(b"hello");
        let vk = k.verifying_key();
        assert!(vk.verify(b"hello", &sig).is_ok());
        assert_eq!(vk.verify(b"hellO", &sig), Err(CryptoError::BadSignature));
        assert!(matches!(
            vk.verify(b"hello", &sig[..63]),
            Err(CryptoError::MalformedSignature(_))
        ));
        assert_eq!(VerifyingKey::from_bytes(&vk.to_bytes()).unwrap(), vk);
    }

    #[test]
    fn small_order_keys_are_refused_at_decode() {
        // The identity point (y = 1) has order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            VerifyingKey::from_bytes(&identity),
            Err(CryptoError::WeakPublicKey)
        );
        assert!(VerifyingKey::from_bytes(&[0u8; 31]).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let k = SigningKey::from_seed(&[0xab; 32]);
        assert_eq!(format!("{k:?}"), "SigningKey([redacted])");
    }
}
