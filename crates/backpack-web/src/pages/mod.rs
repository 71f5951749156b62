//! Page handlers, one module per area. Each parses, calls the domain, renders.

pub mod account;
pub mod admin;
pub mod auth;
pub mod badges;
pub mod notes;
pub mod ops;

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::errors::PageError;

pub fn render(status: StatusCode, t: &impl Template) -> Result<Response, PageError> {
    Ok((status, Html(t.render()?)).into_response())
}

pub fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

/// Bytes as a download: an attachment, in a sandbox, never cached by others.
pub fn attachment(
    bytes: impl Into<axum::body::Body>,
    content_type: &str,
    filename: &str,
) -> Response {
    use axum::http::HeaderValue;
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut r = Response::new(bytes.into());
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition.as_str()),
        (header::CONTENT_SECURITY_POLICY, crate::security::FILE_CSP),
        (header::CACHE_CONTROL, "private, no-store"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    r
}

/// Parse an object id from the path; anything else is "not found".
pub fn object_id(raw: &str) -> Result<uuid::Uuid, PageError> {
    uuid::Uuid::parse_str(raw).map_err(|_| PageError::not_found())
}
