//! The machine interfaces: the issuer JSON API (`/api/v1`, described by
//! `/api/openapi.json`) and the xAPI statements endpoint (`/xapi`). Both are
//! authenticated by per-issuer API tokens, never by session cookies, so they
//! sit outside the page router (no CSRF, no session) and are as thin as the
//! pages: authenticate, call one use case, map the answer.
//!
//! A token travels as `Authorization: Bearer bpk_…`, or as HTTP Basic with
//! the token as the password (what LRS forwarders send); the user name of
//! Basic is free.

pub mod xapi;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use backpack_domain::automation::ApiCaller;
use backpack_domain::entities::TokenScope;
use backpack_domain::DomainError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::state::AppState;

/// An API error as JSON: `{"error": code, "message": …}`, plus the fields
/// (`[{field, code}]`) of a refused input or the problems of refused xAPI
/// statements.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub extra: Option<(&'static str, Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: None,
        }
    }

    pub fn with(mut self, key: &'static str, value: Value) -> Self {
        self.extra = Some((key, value));
        self
    }

    fn unauthorized(scope: TokenScope) -> Self {
        let _ = scope;
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a live API token of this issuer is required: Authorization: Bearer <token> \
             (or HTTP Basic with the token as password)",
        )
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let status = crate::errors::status_of(&e);
        match e {
            DomainError::Invalid(fields) => {
                let list: Vec<Value> = fields
                    .iter()
                    .map(|f| json!({"field": f.field, "code": f.code}))
                    .collect();
                let names: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.code))
                    .collect();
                ApiError::new(
                    status,
                    "invalid_input",
                    format!("invalid input ({})", names.join(", ")),
                )
                .with("fields", Value::Array(list))
            }
            DomainError::Internal(m) => {
                tracing::error!(error = %m, "internal error (API)");
                ApiError::new(status, "internal", "internal error")
            }
            other => ApiError::new(status, other.code(), other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.code, "message": self.message});
        if let Some((k, v)) = self.extra {
            body[k] = v;
        }
        let mut res = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"backpack\", Basic realm=\"backpack\""),
            );
        }
        res
    }
}

/// The token in an `Authorization` header (Bearer, or Basic's password —
/// or its user name when the password is empty).
pub fn token_of(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") && rest.len() <= 1024 {
        let decoded = String::from_utf8(STANDARD.decode(rest).ok()?).ok()?;
        let (user, pass) = decoded.split_once(':')?;
        return Some(if pass.is_empty() { user } else { pass }.to_owned());
    }
    None
}

async fn caller(parts: &Parts, st: &AppState, scope: TokenScope) -> Result<ApiCaller, ApiError> {
    let token = token_of(parts).ok_or_else(|| ApiError::unauthorized(scope))?;
    match st.issuing.authenticate(&token, scope).await {
        Ok(c) => Ok(c),
        Err(DomainError::InvalidCredentials) => Err(ApiError::unauthorized(scope)),
        Err(e) => Err(e.into()),
    }
}

/// A caller of the JSON API (a token of scope `api`).
pub struct Api(pub ApiCaller);

impl FromRequestParts<AppState> for Api {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        caller(parts, st, TokenScope::Api).await.map(Api)
    }
}

/// A caller of the xAPI endpoint (a token of scope `xapi` or `api`).
pub struct Xapi(pub ApiCaller);

impl FromRequestParts<AppState> for Xapi {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        caller(parts, st, TokenScope::Xapi).await.map(Xapi)
    }
}

/// The routes of this module (merged outside the page router).
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/xapi/statements",
            post(xapi::statements).layer(axum::extract::DefaultBodyLimit::max(
                backpack_domain::xapi::MAX_BODY_BYTES,
            )),
        )
        .route("/xapi/about", get(xapi::about))
}
