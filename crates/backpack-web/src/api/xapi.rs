//! `POST /xapi/statements`: the statements an LRS forwards (one object or
//! an array, at most 100, 1 MiB). The answer is what an LRS answers, the
//! statement ids in order, and the header `X-Backpack-Outcomes` says what
//! each led to (`awarded`, `already_awarded`, `duplicate_statement`,
//! `score_too_low`, `not_successful`). A malformed statement, or one about
//! an activity no rule names, refuses the whole request (400, every
//! problem listed) and nothing is issued.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use super::ApiError;
use crate::state::AppState;
use backpack_domain::entities::TokenScope;
use backpack_domain::xapi::{self, Problem};

const VERSION_HEADER: &str = "x-experience-api-version";

fn problems(list: Vec<Problem>) -> ApiError {
    let detail: Vec<String> = list
        .iter()
        .map(|p| format!("statement {}: {}", p.index, p.detail))
        .collect();
    let items: Vec<Value> = list
        .iter()
        .map(|p| json!({"index": p.index, "code": p.code, "message": p.detail}))
        .collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "statements_refused",
        format!("nothing was recorded: {}", detail.join("; ")),
    )
    .with("problems", Value::Array(items))
}

pub async fn statements(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    // Too large (or cut): JSON like every other answer, not axum's text.
    let body = body.map_err(super::v1::body_error)?;
    // Authenticated after the body is read, so a refused client's
    // connection stays usable.
    let caller = super::caller(&headers, &st, TokenScope::Xapi).await?;
    if let Some(v) = headers.get(VERSION_HEADER) {
        let v = v.to_str().unwrap_or_default();
        if !(v.starts_with("1.0") || v.starts_with("2.0")) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "xapi_version",
                format!("X-Experience-API-Version {v:?} is not supported (1.0.x or 2.0.x)"),
            ));
        }
    }
    let parsed = xapi::parse(&body).map_err(problems)?;
    let outcomes = st
        .issuing
        .xapi
        .receive_statements(&caller, parsed)
        .await?
        .map_err(problems)?;
    let ids: Vec<String> = outcomes
        .iter()
        .map(|o| o.statement_id.to_string())
        .collect();
    let summary: Vec<&str> = outcomes.iter().map(|o| o.outcome).collect();
    let mut res = (StatusCode::OK, Json(ids)).into_response();
    if let Ok(v) = HeaderValue::from_str(&summary.join(", ")) {
        res.headers_mut().insert("x-backpack-outcomes", v);
    }
    res.headers_mut()
        .insert(VERSION_HEADER, HeaderValue::from_static("2.0.0"));
    Ok(res)
}

/// `GET /xapi/about`: the versions this endpoint speaks (no token needed).
pub async fn about() -> Response {
    let mut res = Json(json!({"version": ["1.0.3", "2.0.0"]})).into_response();
    res.headers_mut()
        .insert(VERSION_HEADER, HeaderValue::from_static("2.0.0"));
    res
}
