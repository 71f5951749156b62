//! The machine interfaces: the issuer JSON API (`/api/v1`, described by
//! `/api/openapi.json`) and the xAPI statements endpoint (`/xapi`). Both are
//! authenticated by per-issuer API tokens, never by session cookies, so they
//! sit outside the page router (no CSRF, no session) and are as thin as the
//! pages: authenticate, call one use case, map the answer.
//!
//! A token travels as `Authorization: Bearer bpk_…`, or as HTTP Basic with
//! the token as the password (what LRS forwarders send); the user name of
//! Basic is free.

pub mod v1;
pub mod xapi;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use backpack_domain::entities::TokenScope;
use backpack_domain::issuing::ApiCaller;
use backpack_domain::DomainError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::state::AppState;

/// Field codes that mean "conflicts with what exists" (409).
const CONFLICT_CODES: &[&str] = &[
    "taken",
    "state_change_refused",
    "key_current",
    "key_already_revoked",
];

/// An API error as JSON: `{"error": code, "message": …}`, plus the fields
/// (`[{field, code}]`) of a refused input or the problems of refused xAPI
/// statements.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Boxed: keeps `Result<_, ApiError>` small.
    pub extra: Option<Box<(&'static str, Value)>>,
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
        self.extra = Some(Box::new((key, value)));
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
                // A value refused only because of what exists already (a
                // taken activity or target, a state that cannot change so)
                // is a conflict, not bad input.
                let (status, code, what) =
                    if fields.iter().all(|f| CONFLICT_CODES.contains(&f.code)) {
                        (StatusCode::CONFLICT, "conflict", "conflict")
                    } else {
                        (status, "invalid_input", "invalid input")
                    };
                ApiError::new(status, code, format!("{what} ({})", names.join(", ")))
                    .with("fields", Value::Array(list))
            }
            DomainError::Internal(m) => {
                tracing::error!(error = %m, "internal error (API)");
                ApiError::new(status, "internal", "internal error")
            }
            DomainError::Unavailable(m) => {
                tracing::error!(error = %m, "unavailable (API)");
                ApiError::new(
                    status,
                    "unavailable",
                    "the service is briefly unavailable; try again",
                )
            }
            other => ApiError::new(status, other.code(), other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.code, "message": self.message});
        if let Some((k, v)) = self.extra.map(|e| *e) {
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
pub fn token_of(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
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

/// The caller the request's token authenticates, for `scope`.
pub async fn caller(
    headers: &axum::http::HeaderMap,
    st: &AppState,
    scope: TokenScope,
) -> Result<ApiCaller, ApiError> {
    let token = token_of(headers).ok_or_else(|| ApiError::unauthorized(scope))?;
    match st.issuing.tokens.authenticate(&token, scope).await {
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
        caller(&parts.headers, st, TokenScope::Api).await.map(Api)
    }
}

/// The OpenAPI 3.1 document of these routes.
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/openapi.json` (no token needed).
async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API route")
}

/// Every route of this module: the xAPI endpoint, the OpenAPI document and
/// [`v1::routes`]. The tests check this table against the document.
pub fn routes() -> Vec<v1::ApiRoute> {
    use axum::routing::{get, post};
    let mut all = vec![
        v1::ApiRoute {
            method: Method::POST,
            path: "/xapi/statements",
            handler: post(xapi::statements).layer(axum::extract::DefaultBodyLimit::max(
                backpack_domain::xapi::MAX_BODY_BYTES,
            )),
        },
        v1::ApiRoute {
            method: Method::GET,
            path: "/xapi/about",
            handler: get(xapi::about),
        },
        v1::ApiRoute {
            method: Method::GET,
            path: "/api/openapi.json",
            handler: get(openapi),
        },
    ];
    all.extend(v1::routes());
    all
}

/// The routes of this module (merged outside the page router). Unknown
/// paths under `/api` and a method a path does not take answer JSON too.
pub fn router() -> axum::Router<AppState> {
    let mut router = axum::Router::new();
    for route in routes() {
        router = router.route(route.path, route.handler);
    }
    router
        .route("/api/{*rest}", axum::routing::any(|| async { not_found() }))
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this path does not take this method",
            )
        })
}
