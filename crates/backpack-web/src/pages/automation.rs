//! Automation pages of the issuer workspace (issuer staff and
//! administrators, on their own issuers; anyone else gets "not found"):
//! - API tokens: list, create (the token is shown once, on the answer to the
//!   POST, never again), revoke;
//! - automatic awards: xAPI rules (activity → achievement, with a minimum
//!   score), stacking rules (holding every component earns the target), and
//!   the log of the xAPI statements received.
//!
//! The learner's progress towards stacked achievements is on the portal page
//! ([`super::badges::portal`]).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::entities::{Issuer, TokenScope, User};
use backpack_domain::xapi::{VERB_COMPLETED, VERB_PASSED};
use backpack_domain::FieldError;
use serde::Deserialize;
use uuid::Uuid;

use super::issuing::{date, invalid, require_staff};
use super::{form_pairs, object_id, render, see_other};
use crate::ctx::Ctx;
use crate::errors::PageError;
use crate::page::{FieldErrors, Page};
use crate::pages::auth::Notice;
use crate::state::AppState;

/// How many received statements the automation page shows.
const STATEMENTS_SHOWN: i64 = 50;

fn scope_key(s: TokenScope) -> &'static str {
    match s {
        TokenScope::Api => "token-scope-api",
        TokenScope::Xapi => "token-scope-xapi",
    }
}

fn xapi_url(st: &AppState) -> String {
    format!("{}/xapi/statements", st.issuing.public_url())
}

// ── API tokens ────────────────────────────────────────────────────────

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: &'static str,
    pub hint: String,
    pub created_by: String,
    pub created: String,
    pub last_used: String,
    pub revoked: String,
}

/// A token just created: shown on this answer only.
pub struct NewToken {
    pub name: String,
    pub secret: String,
    pub scope: &'static str,
    /// Scope `api`: the whole JSON API (and xAPI).
    pub full_api: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct TokenForm {
    name: String,
    scope: String,
}

#[derive(Template)]
#[template(path = "issuing_tokens.html")]
struct TokensTemplate {
    p: Page,
    errors: FieldErrors,
    issuer_id: String,
    issuer_name: String,
    rows: Vec<TokenRow>,
    f: TokenForm,
    new_token: Option<NewToken>,
    xapi_url: String,
    openapi_url: String,
}

#[allow(clippy::too_many_arguments)]
async fn tokens_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    issuer: &Issuer,
    status: StatusCode,
    errors: FieldErrors,
    f: TokenForm,
    new_token: Option<NewToken>,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let rows = st
        .issuing
        .tokens
        .tokens(user, issuer.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name,
            scope: scope_key(t.scope),
            hint: t.hint,
            created_by: t.created_by_name,
            created: date(t.created_at),
            last_used: t.last_used_at.map(date).unwrap_or_default(),
            revoked: t.revoked_at.map(date).unwrap_or_default(),
        })
        .collect();
    render(
        status,
        &TokensTemplate {
            p: Page::new(st, ctx, done),
            errors,
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name.clone(),
            rows,
            f,
            new_token,
            xapi_url: xapi_url(st),
            openapi_url: format!("{}/api/openapi.json", st.issuing.public_url()),
        },
    )
}

/// `GET /issuing/{id}/tokens`.
pub async fn tokens(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let f = TokenForm {
        scope: "xapi".into(),
        ..Default::default()
    };
    tokens_page(
        &st,
        &ctx,
        user,
        &issuer,
        StatusCode::OK,
        FieldErrors::default(),
        f,
        None,
        n.done.as_deref(),
    )
    .await
}

/// `POST /issuing/{id}/tokens`: answers with the page itself (200), which
/// shows the new token once; it is not kept anywhere it could be shown
/// again.
pub async fn create_token(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    match st
        .issuing
        .tokens
        .create_token(user, issuer.id, &f.name, &f.scope)
        .await
    {
        Ok((token, secret)) => {
            let new_token = NewToken {
                name: token.name,
                secret,
                scope: scope_key(token.scope),
                full_api: token.scope == TokenScope::Api,
            };
            let blank = TokenForm {
                scope: f.scope,
                ..Default::default()
            };
            // A secret on the page: like every page, never stored by a
            // cache (`Cache-Control: no-store`, set for all HTML).
            tokens_page(
                &st,
                &ctx,
                user,
                &issuer,
                StatusCode::OK,
                FieldErrors::default(),
                blank,
                Some(new_token),
                Some("token_created"),
            )
            .await
        }
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &errs);
            tokens_page(&st, &ctx, user, &issuer, status, errors, f, None, None).await
        }
    }
}

/// `POST /issuing/{id}/tokens/{token}/revoke`.
pub async fn revoke_token(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    st.issuing
        .tokens
        .revoke_token(user, id, object_id(&token)?)
        .await?;
    Ok(see_other(&format!(
        "/issuing/{id}/tokens?done=token_revoked"
    )))
}

// ── automatic awards: xAPI rules, stacking rules, statements ──────────

pub struct XapiRuleRow {
    pub id: String,
    pub activity: String,
    pub achievement_id: String,
    pub achievement: String,
    /// Empty when any score will do.
    pub min_score: String,
}

pub struct StackRuleRow {
    pub id: String,
    pub target_id: String,
    pub target: String,
    /// (name, issuer name, consent withdrawn: the rule awards nothing)
    pub components: Vec<(String, String, bool)>,
}

pub struct StatementRow {
    pub at: String,
    pub actor: String,
    /// A message key for the verbs Backpack reads, else empty.
    pub verb_key: &'static str,
    pub verb: String,
    pub activity: String,
    pub outcome_key: String,
    pub credential: String,
}

/// The xAPI rule form as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct XapiRuleForm {
    activity: String,
    achievement_id: String,
    min_score: String,
}

/// The stacking rule form as typed.
#[derive(Default, Clone)]
pub struct StackRuleForm {
    target: String,
    components: Vec<String>,
    other_components: String,
}

impl StackRuleForm {
    fn parse(body: &[u8]) -> Self {
        let mut f = StackRuleForm::default();
        for (k, v) in form_pairs(body) {
            match k.as_str() {
                "achievement_id" => f.target = v,
                "components" => f.components.push(v),
                "other_components" => f.other_components = v,
                _ => {}
            }
        }
        f
    }

    /// Every component named: the checked boxes, then the typed lines.
    fn all(&self) -> Vec<String> {
        self.components
            .iter()
            .map(|c| c.trim().to_owned())
            .chain(
                self.other_components
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned),
            )
            .filter(|c| !c.is_empty())
            .collect()
    }

    fn is_checked(&self, id: &str) -> bool {
        self.components.iter().any(|c| c.trim() == id)
    }
}

#[derive(Template)]
#[template(path = "issuing_automation.html")]
struct AutomationTemplate {
    p: Page,
    errors: FieldErrors,
    issuer_id: String,
    issuer_name: String,
    /// (id, name, ready: complete enough to be awarded)
    achievements: Vec<(String, String, bool)>,
    xapi_rules: Vec<XapiRuleRow>,
    stack_rules: Vec<StackRuleRow>,
    statements: Vec<StatementRow>,
    xf: XapiRuleForm,
    sf: StackRuleForm,
    xapi_url: String,
    public_url: String,
}

/// Which form of the page the errors are about.
enum Forms {
    None,
    Xapi(XapiRuleForm),
    Stack(StackRuleForm),
}

#[allow(clippy::too_many_arguments)]
async fn automation_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    issuer: &Issuer,
    status: StatusCode,
    errors: FieldErrors,
    forms: Forms,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let achievements = st
        .issuing
        .achievements
        .achievements(user, issuer.id)
        .await?;
    let names: HashMap<Uuid, String> = achievements
        .iter()
        .map(|a| (a.id, a.spec.name.clone()))
        .collect();
    let xapi_rules = st
        .issuing
        .xapi
        .xapi_rules(user, issuer.id)
        .await?
        .into_iter()
        .map(|r| XapiRuleRow {
            id: r.id.to_string(),
            activity: r.activity,
            achievement_id: r.achievement_id.to_string(),
            achievement: names.get(&r.achievement_id).cloned().unwrap_or_default(),
            min_score: r.min_score.map(|m| m.to_string()).unwrap_or_default(),
        })
        .collect();
    let stack_rules = st
        .issuing
        .stacking
        .stack_rules(user, issuer.id)
        .await?
        .into_iter()
        .map(|v| StackRuleRow {
            id: v.rule.id.to_string(),
            target_id: v.rule.achievement_id.to_string(),
            target: v.target_name,
            components: v
                .components
                .into_iter()
                .map(|(id, name, issuer)| (name, issuer, v.not_allowed.contains(&id)))
                .collect(),
        })
        .collect();
    let statements = st
        .issuing
        .xapi
        .statements(user, issuer.id, STATEMENTS_SHOWN)
        .await?
        .into_iter()
        .map(|s| StatementRow {
            at: date(s.received_at),
            actor: s.actor,
            verb_key: match s.verb.as_str() {
                VERB_COMPLETED => "xapi-verb-completed",
                VERB_PASSED => "xapi-verb-passed",
                _ => "",
            },
            verb: s.verb,
            activity: s.activity,
            outcome_key: format!("xapi-outcome-{}", s.outcome.replace('_', "-")),
            credential: s.issued_id.map(|i| i.to_string()).unwrap_or_default(),
        })
        .collect();
    let (xf, sf) = match forms {
        Forms::None => (XapiRuleForm::default(), StackRuleForm::default()),
        Forms::Xapi(x) => (x, StackRuleForm::default()),
        Forms::Stack(s) => (XapiRuleForm::default(), s),
    };
    render(
        status,
        &AutomationTemplate {
            p: Page::new(st, ctx, done),
            errors,
            issuer_id: issuer.id.to_string(),
            issuer_name: issuer.profile.name.clone(),
            achievements: super::issuing::achievement_choices(issuer, &achievements),
            xapi_rules,
            stack_rules,
            statements,
            xf,
            sf,
            xapi_url: xapi_url(st),
            public_url: st.issuing.public_url().to_owned(),
        },
    )
}

/// `GET /issuing/{id}/automation`.
pub async fn automation(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    automation_page(
        &st,
        &ctx,
        user,
        &issuer,
        StatusCode::OK,
        FieldErrors::default(),
        Forms::None,
        n.done.as_deref(),
    )
    .await
}

/// The page's own wording for some errors: a taken activity or target is
/// not a "taken name"; the stacking form's target is `f-target` (the xAPI
/// form's achievement is `f-achievement_id`, on the same page).
fn xapi_errors(errs: Vec<FieldError>) -> Vec<FieldError> {
    errs.into_iter()
        .map(|e| match (e.field, e.code) {
            ("activity", "taken") => FieldError::new("activity", "activity_taken"),
            _ => e,
        })
        .collect()
}

fn stack_errors(errs: Vec<FieldError>) -> Vec<FieldError> {
    errs.into_iter()
        .map(|e| match (e.field, e.code) {
            ("achievement_id", "taken") => FieldError::new("target", "stack_target_taken"),
            ("achievement_id", code) => FieldError::new("target", code),
            ("components", "required") => FieldError::new("components", "components_required"),
            _ => e,
        })
        .collect()
}

/// `POST /issuing/{id}/xapi-rules`.
pub async fn create_xapi_rule(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<XapiRuleForm>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let achievement = Uuid::parse_str(f.achievement_id.trim()).ok();
    match st
        .issuing
        .xapi
        .save_xapi_rule(
            user,
            issuer.id,
            &f.activity,
            achievement,
            Some(&f.min_score),
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/issuing/{}/automation?done=xapi_rule_saved",
            issuer.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &xapi_errors(errs));
            automation_page(
                &st,
                &ctx,
                user,
                &issuer,
                status,
                errors,
                Forms::Xapi(f),
                None,
            )
            .await
        }
    }
}

/// `POST /issuing/{id}/xapi-rules/{rule}/delete`.
pub async fn delete_xapi_rule(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, rule)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    st.issuing
        .xapi
        .delete_xapi_rule(user, id, object_id(&rule)?)
        .await?;
    Ok(see_other(&format!(
        "/issuing/{id}/automation?done=xapi_rule_deleted"
    )))
}

/// `POST /issuing/{id}/stack-rules`: `achievement_id` (the target),
/// `components` (repeated: this issuer's achievements) and
/// `other_components` (other issuers' achievements by URL, one per line).
pub async fn create_stack_rule(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let issuer = st.issuing.issuers.issuer(user, object_id(&id)?).await?;
    let f = StackRuleForm::parse(&body);
    let target = Uuid::parse_str(f.target.trim()).ok();
    match st
        .issuing
        .stacking
        .save_stack_rule(user, issuer.id, target, &f.all())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/issuing/{}/automation?done=stack_rule_saved",
            issuer.id
        ))),
        Err(e) => {
            let (status, errs) = invalid(e)?;
            let errors = FieldErrors::new(&st, ctx.locale, &stack_errors(errs));
            automation_page(
                &st,
                &ctx,
                user,
                &issuer,
                status,
                errors,
                Forms::Stack(f),
                None,
            )
            .await
        }
    }
}

/// `POST /issuing/{id}/stack-rules/{rule}/delete`.
pub async fn delete_stack_rule(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, rule)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = require_staff(&ctx)?;
    let id = object_id(&id)?;
    st.issuing
        .stacking
        .delete_stack_rule(user, id, object_id(&rule)?)
        .await?;
    Ok(see_other(&format!(
        "/issuing/{id}/automation?done=stack_rule_deleted"
    )))
}
