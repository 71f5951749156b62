//! Secrets at rest: XChaCha20-Poly1305 authenticated encryption with a
//! 256-bit key from the operator's configuration. Used for issuers' private
//! keys in the database, so a leaked database (or backup) holds no usable
//! signing key.
//!
//! Sealed form: `v1.` + base64url(nonce ‖ ciphertext ‖ tag). The caller
//! supplies the random nonce (this crate reads no randomness source of its
//! own) and the associated data that binds the secret to its row, so a
//! sealed key copied to another issuer's row does not open.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// Why a sealed secret could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the sealed secret is malformed")]
    Malformed,
    #[error("the sealed secret does not open with this key (wrong key, or tampered)")]
    WrongKey,
    #[error("the encryption key must be 32 bytes, as 64 hexadecimal digits")]
    BadKey,
}

/// A 256-bit key that seals and opens secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

const PREFIX: &str = "v1.";

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        SecretBox {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// A key written as 64 hexadecimal digits (the configuration form).
    pub fn from_hex(hex: &str) -> Result<Self, SealError> {
        let hex = hex.trim();
        if hex.len() != 64 {
            return Err(SealError::BadKey);
        }
        let mut key = [0u8; 32];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let s = std::str::from_utf8(chunk).map_err(|_| SealError::BadKey)?;
            key[i] = u8::from_str_radix(s, 16).map_err(|_| SealError::BadKey)?;
        }
        Ok(SecretBox::new(&key))
    }

    /// Seal `secret`, bound to `aad`, with a fresh random `nonce`.
    pub fn seal(&self, nonce: &[u8; 24], aad: &[u8], secret: &[u8]) -> String {
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(*nonce), Payload { msg: secret, aad })
            // Encryption fails only for messages beyond 256 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(24 + sealed.len());
        out.extend_from_slice(nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Open what [`SecretBox::seal`] produced with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &str) -> Result<Vec<u8>, SealError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(SealError::Malformed)?;
        if body.len() > 4096 {
            return Err(SealError::Malformed);
        }
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        if raw.len() < 24 + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = raw.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| SealError::Malformed)?;
        self.cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
            .map_err(|_| SealError::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(b: u8) -> SecretBox {
        SecretBox::new(&[b; 32])
    }

    #[test]
    fn seals_and_opens_with_the_same_key_and_binding() {
        let b = boxed(7);
        let sealed = b.seal(&[1; 24], b"issuer-1/key-1", b"seed bytes");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("seed"));
        assert_eq!(b.open(b"issuer-1/key-1", &sealed).unwrap(), b"seed bytes");
    }

    #[test]
    fn refuses_another_key_another_binding_and_tampering() {
        let sealed = boxed(7).seal(&[1; 24], b"a", b"secret");
        assert_eq!(boxed(8).open(b"a", &sealed), Err(SealError::WrongKey));
        assert_eq!(boxed(7).open(b"b", &sealed), Err(SealError::WrongKey));
        let mut chars: Vec<char> = sealed.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert!(boxed(7).open(b"a", &tampered).is_err());
        assert_eq!(boxed(7).open(b"a", "v2.xyz"), Err(SealError::Malformed));
        assert_eq!(boxed(7).open(b"a", "v1.!!"), Err(SealError::Malformed));
        assert_eq!(boxed(7).open(b"a", "v1.AAAA"), Err(SealError::Malformed));
    }

    #[test]
    fn keys_from_configuration() {
        let hex = "00".repeat(31) + "ff";
        assert!(SecretBox::from_hex(&hex).is_ok());
        assert_eq!(SecretBox::from_hex("abc").err(), Some(SealError::BadKey));
        assert_eq!(
            SecretBox::from_hex(&"zz".repeat(32)).err(),
            Some(SealError::BadKey)
        );
        assert_eq!(format!("{:?}", boxed(1)), "SecretBox([redacted])");
    }
}
