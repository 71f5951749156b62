//! Page handlers, one module per area. Each parses, calls the domain, renders.

pub mod account;
pub mod admin;
pub mod auth;
pub mod badges;
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

/// Parse an object id from the path; anything else is "not found".
pub fn object_id(raw: &str) -> Result<uuid::Uuid, PageError> {
    uuid::Uuid::parse_str(raw).map_err(|_| PageError::not_found())
}
