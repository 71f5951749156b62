//! What the store keeps. Times are Unix seconds (UTC).

use uuid::Uuid;

use crate::values::{Locale, Role};

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    /// The interface language the person chose; `None` follows the browser.
    pub locale: Option<Locale>,
    /// PHC string (argon2id). Never leaves the domain.
    pub password_hash: String,
    pub photo_file_id: Option<Uuid>,
    pub disabled: bool,
    pub created_at: i64,
}

/// One line of the administrator's user list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    pub primary_email: String,
    pub disabled: bool,
    pub created_at: i64,
}

/// An e-mail address an account claims. Credentials issued to a confirmed
/// address (or to its salted hash) are the account holder's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    pub id: Uuid,
    pub user_id: Uuid,
    pub address: String,
    pub confirmed_at: Option<i64>,
    pub is_primary: bool,
    pub created_at: i64,
}

/// A DID an account claims; confirmed when the holder signs the challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidEntry {
    pub id: Uuid,
    pub user_id: Uuid,
    pub did: String,
    pub challenge: String,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
}

/// A signed-in browser. The store keeps only the SHA-256 of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: Uuid,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a one-time token (sent by mail) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    PasswordReset,
    EmailConfirmation,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::EmailConfirmation => "email_confirmation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "password_reset" => Some(TokenPurpose::PasswordReset),
            "email_confirmation" => Some(TokenPurpose::EmailConfirmation),
            _ => None,
        }
    }
}

/// A one-time token: its hash, what it is for and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    pub token_hash: String,
    pub purpose: TokenPurpose,
    pub user_id: Uuid,
    /// The object the token acts on (the e-mail address row for a confirmation).
    pub subject_id: Option<Uuid>,
    pub expires_at: i64,
}

/// A file a user stored (the bytes are in the blob store under `blob_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: Uuid,
    pub user_id: Uuid,
    pub purpose: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub created_at: i64,
}

/// A digital badge a learner imported. The original bytes are in the blob
/// store, exactly as received; the row keeps what lists and search need and
/// the verification made at import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub id: Uuid,
    pub user_id: Uuid,
    pub blob_key: String,
    pub sha256: String,
    /// SHA-256 of the credential document inside (JSON as parsed), so the
    /// same credential in another container is recognised.
    pub content_sha256: String,
    /// `application/json`, `application/jwt`, `image/png` or `image/svg+xml`.
    pub media_type: String,
    pub filename: String,
    pub credential_id: Option<String>,
    pub name: String,
    pub issuer_name: Option<String>,
    pub issuer_id: Option<String>,
    pub description: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// The engine's verdict at import (`verified`, `revoked`, …).
    pub verdict: String,
    /// The engine's report at import, as JSON.
    pub report: String,
    pub checked_at: i64,
    pub imported_at: i64,
}

/// A personal note (Markdown) with tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub body: String,
    /// Normalised tags (lower-case, trimmed, unique, in order).
    pub tags: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}
