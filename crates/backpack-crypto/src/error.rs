/// Why a key, signature or token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the public key is a weak (small-order) Ed25519 point")]
    WeakPublicKey,
    #[error("the public key is not a canonical encoding of a curve point")]
    InvalidPublicKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the signature is malformed: {0}")]
    MalformedSignature(String),
    #[error("unsupported algorithm {0:?}: only EdDSA, ES256, ES384 and RS256 are accepted")]
    UnsupportedAlgorithm(String),
    #[error("the token says {header:?} but the key is for {key}")]
    AlgorithmMismatch { header: String, key: &'static str },
    #[error("malformed JWS: {0}")]
    MalformedJws(String),
    #[error("multibase: {0}")]
    Multibase(String),
    #[error("unknown or unsupported multicodec key type {0:#x}")]
    UnknownMulticodec(u64),
    #[error("malformed key: {0}")]
    MalformedKey(String),
    #[error("not a did:key: {0}")]
    NotDidKey(String),
    #[error("{what} is {size} bytes; the limit is {limit}")]
    TooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },
}

impl CryptoError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            CryptoError::WeakPublicKey => "weak_public_key",
            CryptoError::InvalidPublicKey => "invalid_public_key",
            CryptoError::BadSignature => "bad_signature",
            CryptoError::MalformedSignature(_) => "malformed_signature",
            CryptoError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            CryptoError::AlgorithmMismatch { .. } => "algorithm_mismatch",
            CryptoError::MalformedJws(_) => "malformed_jws",
            CryptoError::Multibase(_) => "malformed_multibase",
            CryptoError::UnknownMulticodec(_) => "unknown_multicodec",
            CryptoError::MalformedKey(_) => "malformed_key",
            CryptoError::NotDidKey(_) => "not_did_key",
            CryptoError::TooLarge { .. } => "too_large",
        }
    }
}
