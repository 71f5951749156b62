//! My e-Backpack, digital badges: import (file or pasted text), list, view
//! with a fresh verification, download the original, delete.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use backpack_credentials::report::Verdict;
use backpack_domain::badges::Imported;
use backpack_domain::entities::User;
use backpack_domain::recipient::RecipientMatch;
use backpack_domain::DomainError;

use super::{object_id, render, see_other};
use crate::ctx::Ctx;
use crate::errors::{code_for_status, status_of, PageError};
use crate::page::{FieldErrors, Page};
use crate::pages::auth::Notice;
use crate::state::AppState;

pub struct Row {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub verdict: String,
    pub colour: &'static str,
}

#[derive(Template)]
#[template(path = "badges.html")]
struct BadgesTemplate {
    p: Page,
    errors: FieldErrors,
    badges: Vec<Row>,
}

fn verdict_label(p: &Page, code: &str) -> (String, &'static str) {
    let colour = Verdict::parse(code).map_or("red", Verdict::colour);
    (p.t(&format!("verdict-{}", code.replace('_', "-"))), colour)
}

async fn list_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    errors: FieldErrors,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let p = Page::new(st, ctx, done);
    let badges = st
        .badges
        .list(user)
        .await?
        .into_iter()
        .map(|b| {
            let (verdict, colour) = verdict_label(&p, &b.verdict);
            Row {
                id: b.id.to_string(),
                issuer: b.issuer_name.or(b.issuer_id).unwrap_or_default(),
                name: b.name,
                verdict,
                colour,
            }
        })
        .collect();
    render(status, &BadgesTemplate { p, errors, badges })
}

pub async fn list(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    list_page(
        &st,
        &ctx,
        user,
        StatusCode::OK,
        FieldErrors::default(),
        q.done.as_deref(),
    )
    .await
}

/// Import from an uploaded file (`file`) or pasted text (`text`).
pub async fn import(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let mut file: Option<(String, bytes::Bytes)> = None;
    let mut text: Option<bytes::Bytes> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(PageError::Status(e.status(), code_for_status(e.status()))),
        };
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().unwrap_or("badge").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| PageError::Status(e.status(), code_for_status(e.status())))?;
        match name.as_str() {
            "file" if !bytes.is_empty() => file = Some((filename, bytes)),
            "text" if !bytes.iter().all(u8::is_ascii_whitespace) => text = Some(bytes),
            _ => {}
        }
    }
    let (filename, bytes) = match (file, text) {
        (Some(f), _) => f,
        (None, Some(t)) => ("pasted".to_owned(), t),
        (None, None) => (String::new(), bytes::Bytes::new()),
    };
    match st.badges.import(user, &filename, bytes).await {
        Ok(Imported::New(b)) => Ok(see_other(&format!(
            "/backpack/badges/{}?done=badge_imported",
            b.id
        ))),
        Ok(Imported::Existing(b)) => Ok(see_other(&format!(
            "/backpack/badges/{}?done=badge_already_here",
            b.id
        ))),
        Err(e @ (DomainError::Invalid(_) | DomainError::FileTooLarge { .. })) => {
            let errors = match &e {
                DomainError::Invalid(errs) => FieldErrors::new(&st, ctx.locale, errs),
                _ => FieldErrors::one(&st, ctx.locale, "file", e.code()),
            };
            list_page(&st, &ctx, user, status_of(&e), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "badge.html")]
struct BadgeTemplate {
    p: Page,
    id: String,
    name: String,
    issuer: String,
    description: Option<String>,
    criteria: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
    media_type: String,
    verdict: String,
    verdict_text: String,
    recipient: String,
    colour: &'static str,
    checks: Vec<(String, String, String)>,
}

fn snake(v: impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
        .unwrap_or_default()
}

pub async fn show(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let view = st.badges.view(user, object_id(&id)?).await?;
    let p = Page::new(&st, &ctx, q.done.as_deref());
    let code = view.report.verdict.code();
    let (verdict, colour) = verdict_label(&p, code);
    let criteria = view.document.as_ref().and_then(|d| {
        let subject = match d.get("credentialSubject") {
            Some(serde_json::Value::Array(a)) => a.first(),
            other => other,
        };
        subject
            .and_then(|s| s.get("achievement"))
            .or_else(|| d.get("badge"))
            .and_then(|a| a.get("criteria"))
            .and_then(|c| c.get("narrative").or_else(|| c.get("id")))
            .and_then(|n| n.as_str())
            .map(crate::markdown::render)
    });
    let checks = view
        .report
        .checks
        .iter()
        .map(|c| {
            (
                p.t(&format!("check-{}", snake(c.check))),
                p.t(&format!("outcome-{}", snake(c.outcome))),
                c.message.clone(),
            )
        })
        .collect();
    let recipient = match &view.recipient {
        RecipientMatch::Yours(identity) => p.t1("recipient-yours", "identity", identity),
        RecipientMatch::NotYours => p.t("recipient-not-yours"),
        RecipientMatch::NotNamed => p.t("recipient-not-named"),
    };
    let b = view.badge;
    let t = BadgeTemplate {
        verdict_text: p.t(&format!("verdict-{}-text", code.replace('_', "-"))),
        p,
        id: b.id.to_string(),
        name: b.name,
        issuer: b.issuer_name.or(b.issuer_id).unwrap_or_default(),
        // Rendered inert: raw HTML shown as text, only http(s)/mailto links.
        description: b.description.as_deref().map(crate::markdown::render),
        criteria,
        valid_from: b.valid_from,
        valid_until: b.valid_until,
        media_type: b.media_type,
        verdict,
        recipient,
        colour,
        checks,
    };
    render(StatusCode::OK, &t)
}

/// The original bytes, exactly as imported, as an attachment in a sandbox.
pub async fn original(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (badge, bytes) = st.badges.original(user, object_id(&id)?).await?;
    Ok(super::attachment(bytes, &badge.media_type, &badge.filename))
}

pub async fn delete(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    st.badges.delete(user, object_id(&id)?).await?;
    Ok(see_other("/backpack/badges?done=badge_deleted"))
}
