//! Keys, signatures and key identifiers for Backpack.
//!
//! Pure: no I/O, no network, no clock. Everything here is strict on purpose:
//! a verifier that accepts a non-canonical signature, a small-order key or an
//! algorithm named only by an attacker-controlled header can be made to
//! "verify" what the issuer never signed.
//!
//! - [`ed25519`]: Ed25519 with strict decoding (weak and non-canonical keys
//!   refused) and strict verification (`verify_strict`: small-order R and
//!   non-canonical S refused).
//! - [`multibase`], [`multikey`]: the encodings Data Integrity uses.
//! - [`did_key`]: `did:key` for Ed25519, P-256 and P-384, resolved offline.
//! - [`jose`]: JWK and PEM public keys, compact JWS (EdDSA, ES256, ES384, RS256) with
//!   the algorithm decided by the key, and detached unencoded JWS.

pub mod did_key;
pub mod ed25519;
mod error;
pub mod jose;
pub mod multibase;
pub mod multikey;
pub mod secretbox;

pub use error::CryptoError;

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}
