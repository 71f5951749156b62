//! Errors of the domain and of its storage port.

use std::fmt;

/// What a storage backend reports.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// A unique constraint refused the write (for example an e-mail address
    /// that another account already holds).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backend failed (connection, I/O, bad row). Logged, never shown.
    #[error("storage backend: {0}")]
    Backend(String),
    /// The row a write depends on is absent or not the caller's.
    #[error("not found")]
    NotFound,
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
        if e == StoreError::NotFound {
            return DomainError::NotFound;
        }
        DomainError::Internal(e.to_string())
    }
}
