//! The issuer JSON API, `/api/v1`: everything the issuer workspace does
//! except managing members and tokens, for one issuer, the token's (no
//! issuer id in any path). Every handler authenticates with [`Api`], calls
//! the same use case as its page and maps the answer; an object loaded by id
//! goes through [`ApiCaller::scoped`], so another issuer's id is "not found"
//! even when the token's creator is a member of both.
//!
//! [`routes`] is the table: it builds the router, and the tests check it
//! against `/api/openapi.json` (nothing undocumented, nothing missing).
//!
//! Bodies are JSON (at most [`MAX_JSON_BYTES`]) read into structs that
//! refuse unknown fields; a batch is its CSV file as the body (`text/csv`,
//! at most the domain's [`MAX_BATCH_BYTES`]). Malformed input is 400,
//! refused values 422 with `fields`, a clash with what exists 409.

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Json;
use backpack_credentials::eu::{AchievementSpec, Participation, Skill, Translation};
use backpack_credentials::proof::SignSuite;
use backpack_credentials::sign::SignFormat;
use backpack_domain::entities::{
    Achievement, AuditEntry, Batch, CredentialState, IssuedCredential, IssuedQuery, Issuer,
    IssuerKeyRecord, XapiRule, XapiStatementRecord,
};
use backpack_domain::issuing::batches::MAX_BATCH_BYTES;
use backpack_domain::issuing::{ApiCaller, StackConsent, StackRuleView};
use backpack_domain::issuing::{AwardRequest, IssuerInput, Issuing, RecipientInput};
use backpack_domain::{DomainError, FieldError};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{Api, ApiError};
use crate::state::AppState;

/// Largest JSON body.
pub const MAX_JSON_BYTES: usize = 256 * 1024;
/// Issued credentials per page, by default and at most.
const PAGE_DEFAULT: i64 = 50;
const PAGE_MAX: i64 = 200;
/// Invalid rows listed in a batch preview, at most.
const PROBLEMS_SHOWN: usize = 1_000;

/// One route of the API.
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    pub(crate) handler: MethodRouter<AppState>,
}

fn r(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> ApiRoute {
    ApiRoute {
        method,
        path,
        handler,
    }
}

fn json_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_JSON_BYTES)
}

/// Every route of `/api/v1`. A route taking JSON has the JSON limit; the
/// batch upload has the CSV file's.
pub fn routes() -> Vec<ApiRoute> {
    let csv_limit = DefaultBodyLimit::max(MAX_BATCH_BYTES);
    vec![
        r(Method::GET, "/api/v1/issuer", get(get_issuer)),
        r(
            Method::PUT,
            "/api/v1/issuer",
            put(put_issuer).layer(json_limit()),
        ),
        r(Method::GET, "/api/v1/keys", get(list_keys)),
        r(Method::POST, "/api/v1/keys/rotate", post(rotate_key)),
        r(Method::POST, "/api/v1/keys/{id}/revoke", post(revoke_key)),
        r(Method::GET, "/api/v1/achievements", get(list_achievements)),
        r(
            Method::POST,
            "/api/v1/achievements",
            post(create_achievement).layer(json_limit()),
        ),
        r(
            Method::GET,
            "/api/v1/achievements/{id}",
            get(get_achievement),
        ),
        r(
            Method::PUT,
            "/api/v1/achievements/{id}",
            put(update_achievement).layer(json_limit()),
        ),
        r(
            Method::GET,
            "/api/v1/achievements/{id}/stacking-consents",
            get(list_stack_consents),
        ),
        r(
            Method::POST,
            "/api/v1/achievements/{id}/stacking-consents",
            post(allow_stacking).layer(json_limit()),
        ),
        r(
            Method::DELETE,
            "/api/v1/achievements/{id}/stacking-consents/{issuer}",
            delete(disallow_stacking),
        ),
        r(Method::GET, "/api/v1/credentials", get(list_credentials)),
        r(
            Method::POST,
            "/api/v1/credentials",
            post(award).layer(json_limit()),
        ),
        r(Method::GET, "/api/v1/credentials/{id}", get(get_credential)),
        r(
            Method::POST,
            "/api/v1/credentials/{id}/state",
            post(set_state).layer(json_limit()),
        ),
        r(
            Method::POST,
            "/api/v1/batches",
            post(upload_batch).layer(csv_limit),
        ),
        r(Method::GET, "/api/v1/batches/{id}", get(get_batch)),
        r(
            Method::POST,
            "/api/v1/batches/{id}/start",
            post(start_batch),
        ),
        r(
            Method::GET,
            "/api/v1/batches/{id}/report.csv",
            get(batch_report),
        ),
        r(Method::GET, "/api/v1/xapi-rules", get(list_xapi_rules)),
        r(
            Method::POST,
            "/api/v1/xapi-rules",
            post(create_xapi_rule).layer(json_limit()),
        ),
        r(
            Method::DELETE,
            "/api/v1/xapi-rules/{id}",
            delete(delete_xapi_rule),
        ),
        r(Method::GET, "/api/v1/xapi-statements", get(list_statements)),
        r(Method::GET, "/api/v1/stack-rules", get(list_stack_rules)),
        r(
            Method::POST,
            "/api/v1/stack-rules",
            post(create_stack_rule).layer(json_limit()),
        ),
        r(
            Method::DELETE,
            "/api/v1/stack-rules/{id}",
            delete(delete_stack_rule),
        ),
        r(Method::GET, "/api/v1/audit", get(audit)),
    ]
}

// ── extractors: every refusal is an `ApiError` ────────────────────────

/// A JSON body (`application/json`), refused as JSON errors: 415 for
/// another media type, 413 over the limit, 400 when it does not parse or
/// names an unknown field.
pub struct JsonBody<T>(pub T);

fn is_media(headers: &axum::http::HeaderMap, media: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case(media)
                || (media == "application/json"
                    && m.len() > 5
                    && m.to_ascii_lowercase().ends_with("+json"))
        })
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(body_error)
}

/// A body that could not be read (too large, cut) as a JSON error.
pub(super) fn body_error(e: axum::extract::rejection::BytesRejection) -> ApiError {
    let status = e.status();
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "payload_too_large"
    } else {
        "bad_request"
    };
    ApiError::new(status, code, e.body_text())
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_media(req.headers(), "application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = body_bytes(req, state).await?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("malformed JSON body: {e}"),
            )
        })
    }
}

/// Query parameters, refused as a JSON 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))
    }
}

/// The `{id}` of a path: not an id is "not found", as any absent object.
fn object_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| DomainError::NotFound.into())
}

fn invalid(field: &'static str, code: &'static str) -> ApiError {
    DomainError::field(field, code).into()
}

fn created(location: String, body: Value) -> Response {
    let mut r = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

// ── representations ───────────────────────────────────────────────────

/// RFC 3339 (UTC) for a Unix time.
fn ts(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn ts_opt(at: Option<i64>) -> Value {
    at.map_or(Value::Null, |a| Value::String(ts(a)))
}

fn issuer_json(st: &AppState, i: &Issuer) -> Value {
    let base = st.issuing.public_url();
    let p = &i.profile;
    json!({
        "id": i.id,
        "slug": i.slug,
        "did": i.did,
        "did_document_url": format!("{base}/issuers/{}/did.json", i.slug),
        "logo_url": i.logo_key.as_ref().map(|_| format!("{base}/issuers/{}/logo", i.slug)),
        "name": p.name,
        "url": p.url,
        "email": p.email,
        "phone": p.phone,
        "country_code": p.country_code,
        "region": p.region,
        "description": p.description,
        "kind": p.kind.map(|k| k.code()),
        "accreditation": p.accreditation,
        "created_at": ts(i.created_at),
        "updated_at": ts(i.updated_at),
    })
}

fn key_json(i: &Issuer, k: &IssuerKeyRecord) -> Value {
    json!({
        "id": format!("{}#{}", i.did, k.fragment),
        "fragment": k.fragment,
        "public_key_multibase": k.public_key,
        "created_at": ts(k.created_at),
        "retired_at": ts_opt(k.retired_at),
        "revoked_at": ts_opt(k.revoked_at),
    })
}

fn consent_json(c: &StackConsent) -> Value {
    json!({
        "issuer_id": c.issuer_id,
        "issuer_name": c.issuer_name,
        "issuer_did": c.issuer_did,
        "granted_at": ts(c.granted_at),
    })
}

fn achievement_json(st: &AppState, issuer: &Issuer, a: &Achievement) -> Value {
    let s = &a.spec;
    let missing: Vec<&str> = Issuing::missing(issuer, a)
        .into_iter()
        .map(|e| e.code())
        .collect();
    json!({
        "id": a.id,
        "url": s.id,
        "image_url": format!("{}/image", st.issuing.achievement_url(a.id)),
        "name": s.name,
        "description": s.description,
        "criteria": s.criteria,
        "achievement_type": s.achievement_type,
        "eu": s.eu,
        "learning_outcomes": s.learning_outcomes,
        "ects": s.ects,
        "hours": s.hours,
        "eqf_level": s.eqf_level,
        "eqf_not_applicable": s.eqf_not_applicable,
        "assessment": s.assessment,
        "participation": s.participation.map(|p| p.code()),
        "quality_assurance": s.quality_assurance,
        "prerequisites": s.prerequisites,
        "supervision": s.supervision,
        "grade_scheme": s.grade_scheme,
        "stackability": s.stackability,
        "further_information": s.further_information,
        "skills": s.skills.iter().map(|k| json!({"uri": k.uri, "name": k.name})).collect::<Vec<_>>(),
        "language": s.language,
        "translations": s.translations.iter()
            .map(|t| json!({"language": t.language, "name": t.name, "description": t.description}))
            .collect::<Vec<_>>(),
        "valid_months": s.valid_months,
        "suspendable": s.suspendable,
        "missing": missing,
        "ready": missing.is_empty(),
        "created_at": ts(a.created_at),
        "updated_at": ts(a.updated_at),
    })
}

/// An issued credential; with the signed credential itself (a JSON object,
/// or the compact JWT) when `full`.
fn credential_json(c: &IssuedCredential, full: bool) -> Value {
    let mut v = json!({
        "id": c.id,
        "achievement_id": c.achievement_id,
        "achievement_name": c.achievement_name,
        "recipient_kind": c.recipient_kind.code(),
        "recipient": c.recipient,
        "recipient_name": c.recipient_name,
        "delivered": c.user_id.is_some(),
        "format": c.format,
        "state": c.state.code(),
        "reason": c.reason,
        "state_changed_at": ts_opt(c.state_at),
        "issued_at": ts(c.issued_at),
        "issued_by": c.actor_name,
        "source": c.source,
        "batch_id": c.batch_id,
        "batch_row": c.batch_row,
        "suspendable": backpack_domain::issuing::is_suspendable(c),
    });
    if full {
        v["credential"] = if c.format == "json" {
            serde_json::from_str(&c.credential)
                .unwrap_or_else(|_| Value::String(c.credential.clone()))
        } else {
            Value::String(c.credential.clone())
        };
    }
    v
}

fn batch_json(b: &Batch) -> Value {
    json!({
        "id": b.id,
        "achievement_id": b.achievement_id,
        "filename": b.filename,
        "format": b.format,
        "state": b.state.code(),
        "total": b.total,
        "valid": b.valid,
        "invalid": b.total - b.valid,
        "issued": b.issued,
        "failed": b.failed,
        "created_by": b.actor_name,
        "created_at": ts(b.created_at),
        "finished_at": ts_opt(b.finished_at),
    })
}

fn xapi_rule_json(r: &XapiRule) -> Value {
    json!({
        "id": r.id,
        "activity": r.activity,
        "achievement_id": r.achievement_id,
        "min_score": r.min_score,
        "created_at": ts(r.created_at),
    })
}

fn statement_json(s: &XapiStatementRecord) -> Value {
    json!({
        "statement_id": s.statement_id,
        "received_at": ts(s.received_at),
        "verb": s.verb,
        "actor": s.actor,
        "activity": s.activity,
        "outcome": s.outcome,
        "credential_id": s.issued_id,
    })
}

fn stack_rule_json(v: &StackRuleView) -> Value {
    json!({
        "id": v.rule.id,
        "achievement_id": v.rule.achievement_id,
        "achievement_name": v.target_name,
        "components": v.components.iter()
            .map(|(id, name, issuer)| json!({
                "achievement_id": id,
                "name": name,
                "issuer_name": issuer,
                "allowed": !v.not_allowed.contains(id),
            }))
            .collect::<Vec<_>>(),
        "created_at": ts(v.rule.created_at),
    })
}

fn audit_json(a: &AuditEntry) -> Value {
    json!({
        "id": a.id,
        "at": ts(a.at),
        "actor_id": a.actor_id,
        "actor_name": a.actor_name,
        "action": a.action,
        "subject": a.subject,
        "detail": a.detail,
    })
}

fn items(list: Vec<Value>) -> Json<Value> {
    Json(json!({ "items": list }))
}

// ── issuer and keys ───────────────────────────────────────────────────

async fn my_issuer(st: &AppState, c: &ApiCaller) -> Result<Issuer, ApiError> {
    Ok(st.issuing.issuers.issuer(c.user(), c.issuer_id()).await?)
}

/// `GET /api/v1/issuer`.
async fn get_issuer(State(st): State<AppState>, Api(c): Api) -> Result<Json<Value>, ApiError> {
    let issuer = my_issuer(&st, &c).await?;
    Ok(Json(issuer_json(&st, &issuer)))
}

/// The profile, as the issuer page's form has it (absent or null: empty).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerBody {
    name: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    accreditation: Option<String>,
}

impl IssuerBody {
    fn input(self) -> IssuerInput {
        IssuerInput {
            name: self.name,
            url: self.url.unwrap_or_default(),
            email: self.email.unwrap_or_default(),
            phone: self.phone.unwrap_or_default(),
            country_code: self.country_code.unwrap_or_default(),
            region: self.region.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            kind: self.kind.unwrap_or_default(),
            accreditation: self.accreditation.unwrap_or_default(),
        }
    }
}

/// `PUT /api/v1/issuer`: replaces the profile.
async fn put_issuer(
    State(st): State<AppState>,
    Api(c): Api,
    JsonBody(body): JsonBody<IssuerBody>,
) -> Result<Json<Value>, ApiError> {
    let issuer = st
        .issuing
        .issuers
        .update_issuer(c.user(), c.issuer_id(), &body.input())
        .await?;
    Ok(Json(issuer_json(&st, &issuer)))
}

/// `GET /api/v1/keys`: oldest first, public parts only.
async fn list_keys(State(st): State<AppState>, Api(c): Api) -> Result<Json<Value>, ApiError> {
    let issuer = my_issuer(&st, &c).await?;
    let keys = st.issuing.issuers.keys(c.user(), issuer.id).await?;
    Ok(items(keys.iter().map(|k| key_json(&issuer, k)).collect()))
}

/// `POST /api/v1/keys/rotate`: a new current key (the old ones stay in the
/// DID document).
async fn rotate_key(State(st): State<AppState>, Api(c): Api) -> Result<Response, ApiError> {
    let issuer = my_issuer(&st, &c).await?;
    let key = st.issuing.issuers.rotate_key(c.user(), issuer.id).await?;
    Ok(created("/api/v1/keys".into(), key_json(&issuer, &key)))
}

/// `POST /api/v1/keys/{id}/revoke` (`{id}`: the fragment, `key-1`): a
/// retired key leaves the DID document's `assertionMethod`, so credentials
/// it signed no longer verify; the current key is refused (409: rotate
/// first).
async fn revoke_key(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let issuer = my_issuer(&st, &c).await?;
    let key = st
        .issuing
        .issuers
        .revoke_key(c.user(), issuer.id, &id, "")
        .await?;
    Ok(Json(key_json(&issuer, &key)))
}

// ── achievements ──────────────────────────────────────────────────────

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkillBody {
    uri: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TranslationBody {
    language: String,
    name: String,
    #[serde(default)]
    description: String,
}

/// An achievement with the EU standard elements, as the achievement form
/// has them (lists as arrays, numbers as numbers). `eu` is on unless said.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AchievementBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    criteria: String,
    #[serde(default)]
    achievement_type: Option<String>,
    #[serde(default = "yes")]
    eu: bool,
    #[serde(default)]
    learning_outcomes: Vec<String>,
    #[serde(default)]
    ects: Option<f64>,
    #[serde(default)]
    hours: Option<u32>,
    #[serde(default)]
    eqf_level: Option<u8>,
    #[serde(default)]
    eqf_not_applicable: bool,
    #[serde(default)]
    assessment: Option<String>,
    #[serde(default)]
    participation: Option<String>,
    #[serde(default)]
    quality_assurance: Option<String>,
    #[serde(default)]
    prerequisites: Option<String>,
    #[serde(default)]
    supervision: Option<String>,
    #[serde(default)]
    grade_scheme: Option<String>,
    #[serde(default)]
    stackability: Option<String>,
    #[serde(default)]
    further_information: Option<String>,
    #[serde(default)]
    skills: Vec<SkillBody>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    translations: Vec<TranslationBody>,
    #[serde(default)]
    valid_months: Option<u32>,
    #[serde(default)]
    suspendable: bool,
}

fn opt(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl AchievementBody {
    /// The spec (checked by the domain when saved), or the choices that are
    /// not among the form's.
    fn spec(self) -> Result<AchievementSpec, ApiError> {
        let mut errors = Vec::new();
        let achievement_type = opt(self.achievement_type);
        errors.extend(backpack_domain::issuing::check_achievement_type(
            achievement_type.as_deref(),
        ));
        let participation = match opt(self.participation) {
            None => None,
            Some(code) => match Participation::ALL.iter().find(|p| p.code() == code) {
                Some(p) => Some(*p),
                None => {
                    errors.push(FieldError::new("participation", "bad_choice"));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors).into());
        }
        let skills = self
            .skills
            .into_iter()
            .map(|s| {
                let uri = s.uri.trim().to_owned();
                let name = opt(s.name)
                    .unwrap_or_else(|| uri.rsplit('/').next().unwrap_or(&uri).to_owned());
                Skill { uri, name }
            })
            .collect();
        let translations = self
            .translations
            .into_iter()
            .map(|t| Translation {
                language: t.language.trim().to_owned(),
                name: t.name.trim().to_owned(),
                description: t.description.trim().to_owned(),
            })
            .collect();
        Ok(AchievementSpec {
            id: String::new(),
            name: self.name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            criteria: self.criteria.trim().to_owned(),
            achievement_type,
            eu: self.eu,
            learning_outcomes: self
                .learning_outcomes
                .iter()
                .map(|o| o.trim())
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
            ects: self.ects,
            hours: self.hours,
            eqf_level: self.eqf_level,
            eqf_not_applicable: self.eqf_not_applicable && self.eqf_level.is_none(),
            assessment: opt(self.assessment),
            participation,
            quality_assurance: opt(self.quality_assurance),
            prerequisites: opt(self.prerequisites),
            supervision: opt(self.supervision),
            grade_scheme: opt(self.grade_scheme),
            stackability: opt(self.stackability),
            further_information: opt(self.further_information),
            skills,
            image: None,
            language: opt(self.language).unwrap_or_else(|| "en".into()),
            translations,
            valid_months: self.valid_months,
            suspendable: self.suspendable,
        })
    }
}

/// The token's issuer's achievement with this id.
async fn my_achievement(st: &AppState, c: &ApiCaller, id: &str) -> Result<Achievement, ApiError> {
    let a = st
        .issuing
        .achievements
        .achievement(c.user(), object_id(id)?)
        .await?;
    Ok(c.scoped(a)?)
}

/// `GET /api/v1/achievements`.
async fn list_achievements(
    State(st): State<AppState>,
    Api(c): Api,
) -> Result<Json<Value>, ApiError> {
    let issuer = my_issuer(&st, &c).await?;
    let list = st
        .issuing
        .achievements
        .achievements(c.user(), issuer.id)
        .await?;
    Ok(items(
        list.iter()
            .map(|a| achievement_json(&st, &issuer, a))
            .collect(),
    ))
}

/// `POST /api/v1/achievements`: drafts are fine (`missing` says what an EU
/// micro-credential still lacks).
async fn create_achievement(
    State(st): State<AppState>,
    Api(c): Api,
    JsonBody(body): JsonBody<AchievementBody>,
) -> Result<Response, ApiError> {
    let issuer = my_issuer(&st, &c).await?;
    let a = st
        .issuing
        .achievements
        .save_achievement(c.user(), issuer.id, None, body.spec()?)
        .await?;
    Ok(created(
        format!("/api/v1/achievements/{}", a.id),
        achievement_json(&st, &issuer, &a),
    ))
}

/// `GET /api/v1/achievements/{id}`.
async fn get_achievement(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = my_achievement(&st, &c, &id).await?;
    let issuer = my_issuer(&st, &c).await?;
    Ok(Json(achievement_json(&st, &issuer, &a)))
}

/// `PUT /api/v1/achievements/{id}`: replaces the definition.
async fn update_achievement(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AchievementBody>,
) -> Result<Json<Value>, ApiError> {
    let a = my_achievement(&st, &c, &id).await?;
    let issuer = my_issuer(&st, &c).await?;
    let a = st
        .issuing
        .achievements
        .save_achievement(c.user(), issuer.id, Some(a.id), body.spec()?)
        .await?;
    Ok(Json(achievement_json(&st, &issuer, &a)))
}

// ── stacking consent ──────────────────────────────────────────────────

/// `GET /api/v1/achievements/{id}/stacking-consents`: the other issuers
/// allowed to use it as a stacking component.
async fn list_stack_consents(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = my_achievement(&st, &c, &id).await?;
    let list = st.issuing.stacking.stack_consents(c.user(), a.id).await?;
    Ok(items(list.iter().map(consent_json).collect()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentBody {
    /// The issuer's DID, the URL of its DID document, or its slug.
    issuer: String,
}

/// `POST /api/v1/achievements/{id}/stacking-consents`: allow an issuer.
async fn allow_stacking(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ConsentBody>,
) -> Result<Response, ApiError> {
    let a = my_achievement(&st, &c, &id).await?;
    let consent = st
        .issuing
        .stacking
        .allow_stacking(c.user(), a.id, &body.issuer)
        .await?;
    Ok(created(
        format!("/api/v1/achievements/{}/stacking-consents", a.id),
        consent_json(&consent),
    ))
}

/// `DELETE /api/v1/achievements/{id}/stacking-consents/{issuer}`.
async fn disallow_stacking(
    State(st): State<AppState>,
    Api(c): Api,
    Path((id, issuer)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let a = my_achievement(&st, &c, &id).await?;
    st.issuing
        .stacking
        .disallow_stacking(c.user(), a.id, object_id(&issuer)?)
        .await?;
    Ok(no_content())
}

// ── credentials ───────────────────────────────────────────────────────

/// Exactly one of `email`, `account` (an address an account confirmed) or
/// `did`.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum RecipientBody {
    Email(String),
    Account(String),
    Did(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardBody {
    achievement_id: Uuid,
    recipient: RecipientBody,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    grade: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

fn sign_format(code: Option<&str>) -> Result<SignFormat, ApiError> {
    match code.map(str::trim) {
        None | Some("") | Some("json") => Ok(SignFormat::DataIntegrity(SignSuite::EddsaRdfc2022)),
        Some("jwt") => Ok(SignFormat::Jwt),
        Some(_) => Err(invalid("format", "bad_choice")),
    }
}

/// `POST /api/v1/credentials`: award one credential.
async fn award(
    State(st): State<AppState>,
    Api(c): Api,
    JsonBody(body): JsonBody<AwardBody>,
) -> Result<Response, ApiError> {
    let request = AwardRequest {
        achievement_id: body.achievement_id,
        recipient: match body.recipient {
            RecipientBody::Email(a) => RecipientInput::Email(a),
            RecipientBody::Account(a) => RecipientInput::Account(a),
            RecipientBody::Did(d) => RecipientInput::Did(d),
        },
        recipient_name: opt(body.name),
        format: sign_format(body.format.as_deref())?,
        grade: opt(body.grade),
    };
    let issued = st
        .issuing
        .awards
        .award_from(c.user(), c.issuer_id(), &request, "api")
        .await?;
    Ok(created(
        format!("/api/v1/credentials/{}", issued.id),
        credential_json(&issued, true),
    ))
}

/// The issued list's filters: `q` (text in the recipient or achievement),
/// `achievement` (id), `state`, and the page.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CredentialFilter {
    q: Option<String>,
    achievement: Option<String>,
    state: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// `GET /api/v1/credentials`: newest first.
async fn list_credentials(
    State(st): State<AppState>,
    Api(c): Api,
    ApiQuery(f): ApiQuery<CredentialFilter>,
) -> Result<Json<Value>, ApiError> {
    let mut errors = Vec::new();
    let achievement_id = match opt(f.achievement) {
        None => None,
        Some(a) => match Uuid::parse_str(&a) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new("achievement", "bad_choice"));
                None
            }
        },
    };
    let state = match opt(f.state) {
        None => None,
        Some(s) => match CredentialState::parse(&s) {
            Some(s) => Some(s),
            None => {
                errors.push(FieldError::new("state", "bad_choice"));
                None
            }
        },
    };
    let page = f.page.unwrap_or(0);
    if !(0..=100_000).contains(&page) {
        errors.push(FieldError::new("page", "out_of_range"));
    }
    let per_page = f.per_page.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&per_page) {
        errors.push(FieldError::new("per_page", "out_of_range"));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors).into());
    }
    let query = IssuedQuery {
        text: opt(f.q).map(|t| t.chars().take(200).collect()),
        achievement_id,
        state,
        limit: per_page + 1,
        offset: page * per_page,
    };
    let mut list = st
        .issuing
        .awards
        .issued(c.user(), c.issuer_id(), &query)
        .await?;
    let has_next = list.len() as i64 > per_page;
    list.truncate(per_page as usize);
    Ok(Json(json!({
        "items": list.iter().map(|i| credential_json(i, false)).collect::<Vec<_>>(),
        "page": page,
        "per_page": per_page,
        "has_next": has_next,
    })))
}

async fn my_credential(
    st: &AppState,
    c: &ApiCaller,
    id: &str,
) -> Result<IssuedCredential, ApiError> {
    let issued = st
        .issuing
        .awards
        .issued_one(c.user(), object_id(id)?)
        .await?;
    Ok(c.scoped(issued)?)
}

/// `GET /api/v1/credentials/{id}`: with the signed credential.
async fn get_credential(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let issued = my_credential(&st, &c, &id).await?;
    Ok(Json(credential_json(&issued, true)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateBody {
    state: String,
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/credentials/{id}/state`: revoke (final), suspend, or
/// reinstate a suspended credential.
async fn set_state(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StateBody>,
) -> Result<Json<Value>, ApiError> {
    let issued = my_credential(&st, &c, &id).await?;
    let target =
        CredentialState::parse(body.state.trim()).ok_or_else(|| invalid("state", "bad_choice"))?;
    let issued = st
        .issuing
        .status
        .set_state(c.user(), issued.id, target, &body.reason)
        .await?;
    Ok(Json(credential_json(&issued, true)))
}

// ── batches ───────────────────────────────────────────────────────────

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct BatchQuery {
    achievement_id: String,
    format: Option<String>,
    filename: Option<String>,
}

/// `POST /api/v1/batches?achievement_id=…&format=json|jwt`: the CSV file is
/// the body (`text/csv`). Checked and kept in preview (201); the same file
/// for the same achievement is the same batch (200, `new: false`).
async fn upload_batch(
    State(st): State<AppState>,
    Api(c): Api,
    ApiQuery(q): ApiQuery<BatchQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let achievement_id = Uuid::parse_str(q.achievement_id.trim())
        .map_err(|_| invalid("achievement_id", "required"))?;
    let format = sign_format(q.format.as_deref())?;
    if !is_media(req.headers(), "text/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be the CSV file (Content-Type: text/csv)",
        ));
    }
    let bytes = body_bytes(req, &()).await?;
    if bytes.is_empty() {
        return Err(invalid("file", "file_empty"));
    }
    let filename = opt(q.filename).unwrap_or_else(|| "batch.csv".into());
    let uploaded = st
        .issuing
        .batches
        .upload_batch(
            c.user(),
            c.issuer_id(),
            achievement_id,
            format,
            &filename,
            bytes,
        )
        .await?;
    let b = c.scoped(uploaded.batch)?;
    // The rows refused at upload (recorded then), in order.
    let mut problems = Vec::new();
    let mut more = false;
    let mut after = 0;
    'scan: loop {
        let rows = st
            .issuing
            .batches
            .batch_report(c.user(), b.id, after, 5_000)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            after = row.row_number;
            if row.status != "issued" {
                if problems.len() == PROBLEMS_SHOWN {
                    more = true;
                    break 'scan;
                }
                problems.push(json!({
                    "row": row.row_number,
                    "recipient": row.recipient,
                    "code": row.code,
                }));
            }
        }
    }
    let mut body = batch_json(&b);
    body["new"] = Value::Bool(uploaded.new);
    body["problems"] = Value::Array(problems);
    body["more_problems"] = Value::Bool(more);
    if uploaded.new {
        Ok(created(format!("/api/v1/batches/{}", b.id), body))
    } else {
        let mut r = Json(body).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/batches/{}", b.id)) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        Ok(r)
    }
}

async fn my_batch(st: &AppState, c: &ApiCaller, id: &str) -> Result<Batch, ApiError> {
    let b = st.issuing.batches.batch(c.user(), object_id(id)?).await?;
    Ok(c.scoped(b)?)
}

/// `GET /api/v1/batches/{id}`: state and progress.
async fn get_batch(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let b = my_batch(&st, &c, &id).await?;
    let mut r = Json(batch_json(&b)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `POST /api/v1/batches/{id}/start`: issued in the background (202);
/// starting it again changes nothing.
async fn start_batch(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let b = my_batch(&st, &c, &id).await?;
    let b = st.issuing.batches.start_batch(c.user(), b.id).await?;
    Ok((StatusCode::ACCEPTED, Json(batch_json(&b))).into_response())
}

/// `GET /api/v1/batches/{id}/report.csv`: one line per data row, as the
/// batch page's report (spreadsheet formulas neutralised).
async fn batch_report(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let b = my_batch(&st, &c, &id).await?;
    let bytes = st.issuing.batches.batch_report_csv(c.user(), b.id).await?;
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(r)
}

// ── xAPI rules and statements ─────────────────────────────────────────

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct XapiRuleBody {
    activity: String,
    achievement_id: Uuid,
    #[serde(default)]
    min_score: Option<i64>,
}

/// `GET /api/v1/xapi-rules`.
async fn list_xapi_rules(State(st): State<AppState>, Api(c): Api) -> Result<Json<Value>, ApiError> {
    let rules = st.issuing.xapi.xapi_rules(c.user(), c.issuer_id()).await?;
    Ok(items(rules.iter().map(xapi_rule_json).collect()))
}

/// `POST /api/v1/xapi-rules`: statements about `activity` (with at least
/// `min_score` percent) award the achievement.
async fn create_xapi_rule(
    State(st): State<AppState>,
    Api(c): Api,
    JsonBody(body): JsonBody<XapiRuleBody>,
) -> Result<Response, ApiError> {
    let min_score = body.min_score.map(|m| m.to_string());
    let rule = st
        .issuing
        .xapi
        .save_xapi_rule(
            c.user(),
            c.issuer_id(),
            &body.activity,
            Some(body.achievement_id),
            min_score.as_deref(),
        )
        .await?;
    Ok(created(
        format!("/api/v1/xapi-rules/{}", rule.id),
        xapi_rule_json(&rule),
    ))
}

/// `DELETE /api/v1/xapi-rules/{id}`.
async fn delete_xapi_rule(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.issuing
        .xapi
        .delete_xapi_rule(c.user(), c.issuer_id(), object_id(&id)?)
        .await?;
    Ok(no_content())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct LimitQuery {
    limit: Option<i64>,
}

fn limit_of(q: &LimitQuery, default: i64) -> Result<i64, ApiError> {
    match q.limit {
        None => Ok(default),
        Some(l) if (1..=1000).contains(&l) => Ok(l),
        Some(_) => Err(invalid("limit", "out_of_range")),
    }
}

/// `GET /api/v1/xapi-statements?limit=…`: the newest statements received,
/// with what came of each.
async fn list_statements(
    State(st): State<AppState>,
    Api(c): Api,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = limit_of(&q, 50)?;
    let list = st
        .issuing
        .xapi
        .statements(c.user(), c.issuer_id(), limit)
        .await?;
    Ok(items(list.iter().map(statement_json).collect()))
}

// ── stacking rules ────────────────────────────────────────────────────

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StackRuleBody {
    achievement_id: Uuid,
    /// Achievement ids, or their URLs on this instance (other issuers' too).
    components: Vec<String>,
}

/// `GET /api/v1/stack-rules`.
async fn list_stack_rules(
    State(st): State<AppState>,
    Api(c): Api,
) -> Result<Json<Value>, ApiError> {
    let rules = st
        .issuing
        .stacking
        .stack_rules(c.user(), c.issuer_id())
        .await?;
    Ok(items(rules.iter().map(stack_rule_json).collect()))
}

/// `POST /api/v1/stack-rules`: holding every component earns the target.
async fn create_stack_rule(
    State(st): State<AppState>,
    Api(c): Api,
    JsonBody(body): JsonBody<StackRuleBody>,
) -> Result<Response, ApiError> {
    let rule = st
        .issuing
        .stacking
        .save_stack_rule(
            c.user(),
            c.issuer_id(),
            Some(body.achievement_id),
            &body.components,
        )
        .await?;
    let view = st
        .issuing
        .stacking
        .stack_rules(c.user(), c.issuer_id())
        .await?
        .into_iter()
        .find(|v| v.rule.id == rule.id)
        .ok_or(DomainError::NotFound)?;
    Ok(created(
        format!("/api/v1/stack-rules/{}", rule.id),
        stack_rule_json(&view),
    ))
}

/// `DELETE /api/v1/stack-rules/{id}`.
async fn delete_stack_rule(
    State(st): State<AppState>,
    Api(c): Api,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    st.issuing
        .stacking
        .delete_stack_rule(c.user(), c.issuer_id(), object_id(&id)?)
        .await?;
    Ok(no_content())
}

// ── audit ─────────────────────────────────────────────────────────────

/// `GET /api/v1/audit?limit=…`: newest first.
async fn audit(
    State(st): State<AppState>,
    Api(c): Api,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = limit_of(&q, 100)?;
    let list = st
        .issuing
        .issuers
        .audit_log(c.user(), c.issuer_id(), limit)
        .await?;
    Ok(items(list.iter().map(audit_json).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_unique_and_versioned() {
        let mut seen = std::collections::HashSet::new();
        for r in routes() {
            assert!(r.path.starts_with("/api/v1/"), "{}", r.path);
            assert!(
                seen.insert((r.method.clone(), r.path)),
                "{} {}",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn bodies_refuse_unknown_fields() {
        assert!(serde_json::from_str::<StateBody>(r#"{"state":"revoked","why":"x"}"#).is_err());
        assert!(serde_json::from_str::<AwardBody>(
            r#"{"achievement_id":"6690e6c9-3ef0-4ed3-8b37-7f3964730b01","recipient":{"email":"a@example.org","did":"did:web:x"}}"#
        )
        .is_err());
        let a: AchievementBody = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
        assert!(a.eu, "eu is on unless said");
    }
}
