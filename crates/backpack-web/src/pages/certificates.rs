//! My e-Backpack, external certificates: upload (PDF, PNG, JPEG) with the
//! metadata pre-filled from the PDF, list, view with a preview, edit,
//! download, delete.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::certificates::{platform_label, CertificateInput, PLATFORMS};
use backpack_domain::entities::{Area, Certificate, ItemRef, User};
use backpack_domain::DomainError;
use serde::Deserialize;

use super::backpack::{collection_box, notes_about, CollectionBox, Notice};
use super::{attachment, inline_image, object_id, read_upload, render, see_other};
use crate::ctx::Ctx;
use crate::errors::{status_of, PageError};
use crate::page::{FieldErrors, Page};
use crate::state::AppState;

pub struct Row {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub date: String,
}

fn issuer_of(c: &Certificate) -> String {
    c.issuer_name
        .clone()
        .unwrap_or_else(|| platform_label(&c.platform).to_owned())
}

#[derive(Template)]
#[template(path = "certificates.html")]
struct ListTemplate {
    p: Page,
    errors: FieldErrors,
    platforms: Vec<(&'static str, &'static str)>,
    title: String,
    platform: String,
    certificates: Vec<Row>,
}

async fn list_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    errors: FieldErrors,
    form: (String, String),
    done: Option<&str>,
) -> Result<Response, PageError> {
    let certificates = st
        .certificates
        .list(user)
        .await?
        .into_iter()
        .map(|c| Row {
            id: c.id.to_string(),
            issuer: issuer_of(&c),
            date: c.issued_on.clone().unwrap_or_default(),
            title: c.title,
        })
        .collect();
    render(
        status,
        &ListTemplate {
            p: Page::new(st, ctx, done),
            errors,
            platforms: PLATFORMS.to_vec(),
            title: form.0,
            platform: form.1,
            certificates,
        },
    )
}

pub async fn list(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    list_page(
        &st,
        &ctx,
        user,
        StatusCode::OK,
        FieldErrors::default(),
        Default::default(),
        n_done(&n),
    )
    .await
}

fn n_done(n: &Notice) -> Option<&str> {
    n.done.as_deref()
}

/// Upload: the file and, optionally, a title and platform. Then the learner
/// checks what was recognised on the edit form.
pub async fn upload(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    form: Multipart,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let up = read_upload(form).await?;
    let given = CertificateInput {
        title: up.text("title"),
        platform: up.text("platform"),
        ..Default::default()
    };
    let (filename, bytes) = up.file.clone().unwrap_or_default();
    match st.certificates.upload(user, &filename, bytes, given).await {
        Ok(c) => Ok(see_other(&format!(
            "/backpack/certificates/{}/edit?done=certificate_uploaded",
            c.id
        ))),
        Err(
            e
            @ (DomainError::Invalid(_) | DomainError::FileTooLarge { .. } | DomainError::FileType),
        ) => {
            let errors = match &e {
                DomainError::Invalid(errs) => FieldErrors::new(&st, ctx.locale, errs),
                DomainError::FileType => {
                    FieldErrors::one(&st, ctx.locale, "file", "certificate_type")
                }
                _ => FieldErrors::one(&st, ctx.locale, "file", e.code()),
            };
            list_page(
                &st,
                &ctx,
                user,
                status_of(&e),
                errors,
                (up.text("title"), up.text("platform")),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct ShowTemplate {
    p: Page,
    c: Certificate,
    issuer: String,
    platform: String,
    description: Option<String>,
    has_preview: bool,
    cbox: CollectionBox,
    about: Vec<(String, String)>,
}

pub async fn show(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let c = st.certificates.get(user, object_id(&id)?).await?;
    let item = ItemRef {
        area: Area::Certificate,
        id: c.id,
    };
    let t = ShowTemplate {
        p: Page::new(&st, &ctx, n.done.as_deref()),
        issuer: issuer_of(&c),
        platform: platform_label(&c.platform).to_owned(),
        description: c.description.as_deref().map(crate::markdown::render),
        has_preview: c.preview_key.is_some(),
        cbox: collection_box(&st, user, item).await?,
        about: notes_about(&st, user, item).await?,
        c,
    };
    render(StatusCode::OK, &t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    title: String,
    platform: String,
    issuer_name: String,
    issued_on: String,
    credential_id: String,
    verification_url: String,
    description: String,
    tags: String,
}

impl From<&EditForm> for CertificateInput {
    fn from(f: &EditForm) -> Self {
        CertificateInput {
            title: f.title.clone(),
            platform: f.platform.clone(),
            issuer_name: f.issuer_name.clone(),
            issued_on: f.issued_on.clone(),
            credential_id: f.credential_id.clone(),
            verification_url: f.verification_url.clone(),
            description: f.description.clone(),
            tags: f.tags.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "certificate_form.html")]
struct EditTemplate {
    p: Page,
    errors: FieldErrors,
    id: String,
    has_preview: bool,
    platforms: Vec<(&'static str, &'static str)>,
    f: EditForm,
}

fn edit_page(
    st: &AppState,
    ctx: &Ctx,
    c: &Certificate,
    status: StatusCode,
    errors: FieldErrors,
    f: EditForm,
    done: Option<&str>,
) -> Result<Response, PageError> {
    render(
        status,
        &EditTemplate {
            p: Page::new(st, ctx, done),
            errors,
            id: c.id.to_string(),
            has_preview: c.preview_key.is_some(),
            platforms: PLATFORMS.to_vec(),
            f,
        },
    )
}

pub async fn edit_form(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let c = st.certificates.get(user, object_id(&id)?).await?;
    let f = EditForm {
        title: c.title.clone(),
        platform: c.platform.clone(),
        issuer_name: c.issuer_name.clone().unwrap_or_default(),
        issued_on: c.issued_on.clone().unwrap_or_default(),
        credential_id: c.credential_id.clone().unwrap_or_default(),
        verification_url: c.verification_url.clone().unwrap_or_default(),
        description: c.description.clone().unwrap_or_default(),
        tags: c.tags.join(", "),
    };
    edit_page(
        &st,
        &ctx,
        &c,
        StatusCode::OK,
        FieldErrors::default(),
        f,
        n.done.as_deref(),
    )
}

pub async fn update(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let id = object_id(&id)?;
    match st
        .certificates
        .update(user, id, &CertificateInput::from(&f))
        .await
    {
        Ok(c) => Ok(see_other(&format!(
            "/backpack/certificates/{}?done=certificate_saved",
            c.id
        ))),
        Err(e @ DomainError::Invalid(_)) => {
            let DomainError::Invalid(errs) = &e else {
                return Err(e.into());
            };
            let errors = FieldErrors::new(&st, ctx.locale, errs);
            let c = st.certificates.get(user, id).await?;
            edit_page(&st, &ctx, &c, status_of(&e), errors, f, None)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn file(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (c, bytes) = st.certificates.file(user, object_id(&id)?).await?;
    Ok(attachment(bytes, &c.media_type, &c.filename))
}

pub async fn preview(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let png = st.certificates.preview(user, object_id(&id)?).await?;
    Ok(inline_image(png, "image/png"))
}

pub async fn delete(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    st.certificates.delete(user, object_id(&id)?).await?;
    Ok(see_other("/backpack/certificates?done=certificate_deleted"))
}
