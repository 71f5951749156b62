//! Page handlers, one module per area. Each parses, calls the domain, renders.

pub mod account;
pub mod admin;
pub mod auth;
pub mod automation;
pub mod backpack;
pub mod badges;
pub mod certificates;
pub mod issuing;
pub mod notes;
pub mod ops;
pub mod portfolio;

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
pub fn object_id<T: std::str::FromStr>(raw: &str) -> Result<T, PageError> {
    raw.parse().map_err(|_| PageError::not_found())
}

/// An image shown inside a page (`<img>`): inline, in a sandbox, so an SVG
/// opened on its own runs nothing.
pub fn inline_image(bytes: impl Into<axum::body::Body>, content_type: &str) -> Response {
    use axum::http::HeaderValue;
    let mut r = Response::new(bytes.into());
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, "inline"),
        (header::CONTENT_SECURITY_POLICY, crate::security::FILE_CSP),
        (header::CACHE_CONTROL, "private, max-age=300"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    r
}

/// A multipart form: its text fields and at most one file (`file`).
#[derive(Default)]
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub file: Option<(String, bytes::Bytes)>,
}

impl Upload {
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Read a multipart form (the body limit of the route bounds it). Text
/// fields are capped at 64 KiB each; an empty file input counts as none.
pub async fn read_upload(mut form: axum::extract::Multipart) -> Result<Upload, PageError> {
    use crate::errors::code_for_status;
    let mut out = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(PageError::Status(e.status(), code_for_status(e.status()))),
        };
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| PageError::Status(e.status(), code_for_status(e.status())))?;
        match filename {
            Some(f) if name == "file" => {
                if !bytes.is_empty() {
                    out.file = Some((f, bytes));
                }
            }
            _ => {
                if bytes.len() > 64 * 1024 {
                    return Err(PageError::Status(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        code_for_status(StatusCode::PAYLOAD_TOO_LARGE),
                    ));
                }
                out.fields
                    .insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok(out)
}

/// A urlencoded form with repeated keys (check boxes), as pairs.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
