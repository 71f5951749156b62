//! Which error type to use where in the web layer:
//! - [`PageError`] is what a page handler returns. It becomes an HTML page in
//!   the user's language: the handler marks the response with an
//!   [`ErrorCode`] and the context middleware (which knows the language)
//!   renders it. Redirects to the login page travel the same way.
//! - JSON endpoints (`/healthz`) answer with their own small bodies; the
//!   problem-details type for the JSON API arrives with the API.
//!
//! The mapping from domain errors to HTTP statuses is here and nowhere else.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use backpack_domain::DomainError;

/// The stable code of an error page (its i18n key is `err-` + code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

#[derive(Debug)]
pub enum PageError {
    Status(StatusCode, &'static str),
    /// Not signed in: go to the login page, then come back.
    Login(String),
}

impl PageError {
    pub fn not_found() -> Self {
        PageError::Status(StatusCode::NOT_FOUND, "not_found")
    }
}

pub fn status_of(e: &DomainError) -> StatusCode {
    match e {
        DomainError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DomainError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        DomainError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        DomainError::NotFound => StatusCode::NOT_FOUND,
        DomainError::Forbidden => StatusCode::FORBIDDEN,
        DomainError::TokenInvalid => StatusCode::BAD_REQUEST,
        DomainError::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        DomainError::FileType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        DomainError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        DomainError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl From<DomainError> for PageError {
    fn from(e: DomainError) -> Self {
        match &e {
            DomainError::Internal(msg) => tracing::error!(error = %msg, "internal error"),
            DomainError::Unavailable(msg) => tracing::error!(error = %msg, "unavailable"),
            _ => {}
        }
        PageError::Status(status_of(&e), e.code())
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        PageError::Status(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Status(status, code) => {
                let mut r = status.into_response();
                r.extensions_mut().insert(ErrorCode(code));
                r
            }
            PageError::Login(next) => {
                let location = format!("/login?next={}", crate::page::url_encode(&next));
                (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
            }
        }
    }
}

/// The error code for a bare error status (framework rejections: body too
/// large, wrong content type, unknown route).
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::TOO_MANY_REQUESTS => "too_many_attempts",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// Every code an error page can show (a test checks each has a message).
pub const ERROR_CODES: &[&str] = &[
    "invalid_input",
    "invalid_credentials",
    "too_many_attempts",
    "not_found",
    "forbidden",
    "token_invalid",
    "file_too_large",
    "file_type_not_allowed",
    "internal",
    "unavailable",
    "payload_too_large",
    "unsupported_media_type",
    "bad_request",
    "method_not_allowed",
    "csrf_failed",
];

/// Every field error code the domain can return.
pub const FIELD_CODES: &[&str] = &[
    "required",
    "email_invalid",
    "password_too_short",
    "too_long",
    "invalid",
    "did_invalid",
    "email_taken",
    "password_wrong",
    "email_primary",
    "email_unconfirmed",
    "too_many",
    "did_taken",
    "did_method_unsupported",
    "proof_malformed",
    "proof_invalid",
    "file_empty",
    "last_admin",
    "badge_too_large",
    "badge_malformed",
    "badge_image_unreadable",
    "badge_unsupported",
    "badge_not_a_credential",
    "tag_invalid",
    "choose_one",
    "date_invalid",
    "url_invalid",
    "month_invalid",
    "before_start",
    "certificate_encrypted",
    "certificate_type",
    "certificate_corrupt",
    "certificate_too_large",
    "certificate_too_complex",
    "image_too_large",
    "taken",
    "bad_country",
    "bad_choice",
    "out_of_range",
    "bad_skill",
    "bad_translation",
    "no_such_account",
    "not_issuer_staff",
    "eu_incomplete",
    "state_change_refused",
    "not_suspendable",
    "not_a_number",
    "image_type",
    "csv_not_utf8",
    "csv_unreadable",
    "csv_unknown_column",
    "csv_duplicate_column",
    "csv_no_recipient_column",
    "csv_empty",
    "csv_too_many_rows",
    "csv_row_width",
    "csv_two_recipients",
    "csv_no_recipient",
    "csv_duplicate_recipient",
    "invalid_iri",
    "activity_taken",
    "stack_target_taken",
    "includes_target",
    "unknown_achievement",
    "components_required",
];
