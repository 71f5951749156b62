//! My e-Backpack, digital badges: import (file or pasted text), list, view
//! with a fresh verification, download the original, delete.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use backpack_credentials::report::Verdict;
use backpack_domain::badges::Details;
use backpack_domain::badges::Imported;
use backpack_domain::entities::{BadgeSource, ItemRef, User};
use backpack_domain::recipient::RecipientMatch;
use backpack_domain::DomainError;

use super::backpack::{collection_box, notes_about, CollectionBox};
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
    /// Area 3 (credentials this instance issued) rather than area 2.
    portal: bool,
    /// Area 3: progress towards stacked achievements (may be empty).
    stacks: Vec<StackRow>,
}

/// A stacked achievement the learner is on the way to.
pub struct StackRow {
    pub target: String,
    pub issuer: String,
    /// "2 of 3", translated.
    pub progress: String,
    /// (name, held)
    pub components: Vec<(String, bool)>,
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
    source: BadgeSource,
) -> Result<Response, PageError> {
    let p = Page::new(st, ctx, done);
    let badges = st
        .badges
        .list(user, source)
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
    let stacks = if source == BadgeSource::Portal {
        st.issuing
            .stacking
            .stack_progress(user)
            .await?
            .into_iter()
            .map(|s| StackRow {
                progress: st.i18n.t(
                    ctx.locale,
                    "stack-progress-count",
                    &[
                        ("held", &s.held().to_string()),
                        ("total", &s.components.len().to_string()),
                    ],
                ),
                target: s.target_name,
                issuer: s.issuer_name,
                components: s.components.into_iter().map(|c| (c.1, c.2)).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    render(
        status,
        &BadgesTemplate {
            p,
            errors,
            badges,
            portal: source == BadgeSource::Portal,
            stacks,
        },
    )
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
        BadgeSource::Imported,
    )
    .await
}

/// Area 3: the credentials this instance issued to the learner.
pub async fn portal(
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
        BadgeSource::Portal,
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
            list_page(
                &st,
                &ctx,
                user,
                status_of(&e),
                errors,
                None,
                BadgeSource::Imported,
            )
            .await
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
    portal: bool,
    has_image: bool,
    details: Details,
    /// Evidence narratives and endorsement comments, rendered inert.
    evidence: Vec<(Option<String>, Option<String>, Option<String>)>,
    cbox: CollectionBox,
    about: Vec<(String, String)>,
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
    let details = view
        .document
        .as_ref()
        .map(backpack_domain::badges::details)
        .unwrap_or_default();
    let evidence = details
        .evidence
        .iter()
        .map(|e| {
            (
                e.name.clone(),
                e.narrative
                    .as_deref()
                    .or(e.description.as_deref())
                    .map(crate::markdown::render),
                e.url
                    .clone()
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            )
        })
        .collect();
    let b = view.badge;
    let item = ItemRef {
        area: b.source.area(),
        id: b.id,
    };
    let t = BadgeTemplate {
        has_image: b.media_type.starts_with("image/") || details.image.is_some(),
        portal: b.source == BadgeSource::Portal,
        details,
        evidence,
        cbox: collection_box(&st, user, item).await?,
        about: notes_about(&st, user, item).await?,
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

/// The badge's image, only ever as an image (SVG runs nothing there).
pub async fn image(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (media_type, bytes) = st.badges.image(user, object_id(&id)?).await?;
    Ok(super::inline_image(bytes, &media_type))
}

/// The credential as JSON.
pub async fn json(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (badge, bytes) = st.badges.document_json(user, object_id(&id)?).await?;
    let name = backpack_domain::files::clean_stem(&badge.filename, "credential", "json");
    Ok(super::attachment(bytes, "application/json", &name))
}

/// The credential baked into a PNG.
pub async fn baked(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (badge, bytes) = st.badges.baked_png(user, object_id(&id)?).await?;
    let name = backpack_domain::files::clean_stem(&badge.filename, "credential", "png");
    Ok(super::attachment(bytes, "image/png", &name))
}

pub async fn delete(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    let portal = st.badges.get(user, id).await?.source == BadgeSource::Portal;
    st.badges.delete(user, id).await?;
    Ok(see_other(if portal {
        "/backpack/portal?done=badge_deleted"
    } else {
        "/backpack/badges?done=badge_deleted"
    }))
}
