//! Errors of the domain and of its storage port.

use std::fmt;

/// What a storage backend reports.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The write conflicts with what is stored; the kind says how, so that
    /// callers branch on it and never on a message.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// The backend failed (a bad row, a query error). Logged, never shown.
    #[error("storage backend: {0}")]
    Backend(String),
    /// The database cannot be reached (connection refused or lost, no
    /// connection free in time, shutting down): try again later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The row a write depends on is absent or not the caller's.
    #[error("not found")]
    NotFound,
}

/// How a write conflicts with what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A unique constraint refused it: an e-mail address another account
    /// holds, a slug, an automatic award already made, a job's dedupe key.
    Taken,
    /// The row it was computed from changed since it was read (a status
    /// list's version, a batch's progress): read again, or leave it to the
    /// writer that moved it.
    Moved,
    /// A stacking rule names a component its issuer may no longer use
    /// (consent withdrawn between the check and the write).
    ComponentNotAllowed,
    /// An import needs an empty database.
    NotEmpty,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Taken => "already taken",
            Self::Moved => "the row moved since it was read",
            Self::ComponentNotAllowed => "stacking component not allowed",
            Self::NotEmpty => "the database is not empty",
        })
    }
}

/// One form field's problem, as a stable code (an i18n key suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str) -> Self {
        Self { field, code }
    }
}

/// What a use case reports to its caller.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("e-mail address or password is incorrect")]
    InvalidCredentials,
    #[error("too many attempts")]
    TooManyAttempts,
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("link expired or already used")]
    TokenInvalid,
    #[error("file too large (limit {max} bytes)")]
    FileTooLarge { max: u64 },
    #[error("file type not allowed")]
    FileType,
    #[error("internal error: {0}")]
    Internal(String),
    /// A service it needs (the database) cannot be reached just now.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl DomainError {
    /// Stable snake_case code: the i18n key of the message and the API code.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid(_) => "invalid_input",
            DomainError::InvalidCredentials => "invalid_credentials",
            DomainError::TooManyAttempts => "too_many_attempts",
            DomainError::NotFound => "not_found",
            DomainError::Forbidden => "forbidden",
            DomainError::TokenInvalid => "token_invalid",
            DomainError::FileTooLarge { .. } => "file_too_large",
            DomainError::FileType => "file_type_not_allowed",
            DomainError::Internal(_) => "internal",
            DomainError::Unavailable(_) => "unavailable",
        }
    }

    pub fn field(field: &'static str, code: &'static str) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code)])
    }

    pub fn internal(e: impl fmt::Display) -> Self {
        DomainError::Internal(e.to_string())
    }
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => DomainError::NotFound,
            StoreError::Unavailable(m) => DomainError::Unavailable(m),
            e => DomainError::Internal(e.to_string()),
        }
    }
}
