/// Why a document could not be turned into RDF or canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonLdError {
    #[error("context not bundled: {url} (contexts are never fetched; only pinned contexts are accepted)")]
    ContextNotBundled { url: String },
    #[error("{term} at {path} does not expand to an IRI: its data would be silently dropped")]
    DataLoss { term: String, path: String },
    #[error("protected term redefinition: {term:?}")]
    ProtectedTermRedefinition { term: String },
    #[error("invalid JSON-LD: {0}")]
    Invalid(String),
    #[error("unsupported JSON-LD feature: {0}")]
    Unsupported(String),
    #[error("{what} over the limit of {limit}")]
    LimitExceeded { what: &'static str, limit: usize },
    /// More RDF quads than the caller's cap (or [`crate::limits::MAX_QUADS`]).
    #[error("RDF quads over the limit of {limit}")]
    TooManyQuads { limit: usize },
    #[error("canonicalisation failed: {0}")]
    Canonicalization(String),
}

impl JsonLdError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        JsonLdError::Invalid(msg.into())
    }

    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            JsonLdError::ContextNotBundled { .. } => "context_not_bundled",
            JsonLdError::DataLoss { .. } => "jsonld_data_loss",
            JsonLdError::ProtectedTermRedefinition { .. } => "protected_term_redefinition",
            JsonLdError::Invalid(_) => "invalid_jsonld",
            JsonLdError::Unsupported(_) => "unsupported_jsonld",
            JsonLdError::LimitExceeded { .. } | JsonLdError::TooManyQuads { .. } => {
                "jsonld_limit_exceeded"
            }
            JsonLdError::Canonicalization(_) => "canonicalization_failed",
        }
    }
}
