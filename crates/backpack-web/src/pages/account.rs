//! The account page: profile, photo, e-mail addresses, DIDs, password; and
//! downloads of the user's own files.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::entities::{DidEntry, EmailAddress, User};
use backpack_domain::DomainError;
use serde::Deserialize;

use super::{object_id, render, see_other};
use crate::ctx::{cookie, session_cookie_name, Ctx};
use crate::errors::{status_of, PageError};
use crate::page::{FieldErrors, Page};
use crate::pages::auth::Notice;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate {
    p: Page,
    errors: FieldErrors,
    display_name: String,
    user_locale: String,
    photo_id: Option<String>,
    max_upload: String,
    emails: Vec<EmailAddress>,
    dids: Vec<DidEntry>,
    new_email: String,
    new_did: String,
}

/// Values to show again after a refused form.
#[derive(Default)]
struct Refill {
    display_name: Option<String>,
    new_email: String,
    new_did: String,
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

async fn account_page(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    errors: FieldErrors,
    refill: Refill,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let view = st.accounts.view(user).await?;
    let t = AccountTemplate {
        p: Page::new(st, ctx, done),
        errors,
        display_name: refill
            .display_name
            .unwrap_or_else(|| view.user.display_name.clone()),
        user_locale: view.user.locale.map_or("", |l| l.code()).to_owned(),
        photo_id: view.user.photo_file_id.map(|id| id.to_string()),
        max_upload: human_size(st.accounts.policy().max_upload_bytes),
        emails: view.emails,
        dids: view.dids,
        new_email: refill.new_email,
        new_did: refill.new_did,
    };
    render(status, &t)
}

/// Show the form again with the domain's field errors, or fail as a page.
async fn refused(
    st: &AppState,
    ctx: &Ctx,
    user: &User,
    e: DomainError,
    refill: Refill,
) -> Result<Response, PageError> {
    let errors = match &e {
        DomainError::Invalid(errs) => FieldErrors::new(st, ctx.locale, errs),
        DomainError::FileTooLarge { .. } | DomainError::FileType => {
            FieldErrors::one(st, ctx.locale, "file", e.code())
        }
        _ => return Err(e.into()),
    };
    account_page(st, ctx, user, status_of(&e), errors, refill, None).await
}

pub async fn show(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    account_page(
        &st,
        &ctx,
        user,
        StatusCode::OK,
        FieldErrors::default(),
        Refill::default(),
        q.done.as_deref(),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileForm {
    display_name: String,
    locale: String,
}

pub async fn profile(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<ProfileForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st
        .accounts
        .update_profile(user, &f.display_name, Some(&f.locale))
        .await
    {
        Ok(()) => Ok(see_other("/account?done=profile_saved")),
        Err(e) => {
            let refill = Refill {
                display_name: Some(f.display_name.chars().take(200).collect()),
                ..Refill::default()
            };
            refused(&st, &ctx, user, e, refill).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// Change the password: every session ends; this browser gets a new one.
pub async fn password(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st
        .accounts
        .change_password(user, &f.current_password, &f.new_password)
        .await
    {
        Ok(session) => {
            let secure = st.settings.cookie_secure;
            let mut r = see_other("/account?done=password_changed");
            let max_age = (session.expires_at - st.accounts.now()).max(0);
            if let Ok(v) = HeaderValue::from_str(&cookie(
                session_cookie_name(secure),
                &session.token,
                Some(max_age),
                secure,
            )) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        Err(e) => refused(&st, &ctx, user, e, Refill::default()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

pub async fn add_email(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<EmailForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st.accounts.add_email(user, &f.email).await {
        Ok(_) => Ok(see_other("/account?done=email_added")),
        Err(e) => {
            refused(
                &st,
                &ctx,
                user,
                e,
                Refill {
                    new_email: f.email.chars().take(254).collect(),
                    ..Refill::default()
                },
            )
            .await
        }
    }
}

pub async fn delete_email(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st.accounts.delete_email(user, object_id(&id)?).await {
        Ok(()) => Ok(see_other("/account?done=email_removed")),
        Err(e) => refused(&st, &ctx, user, e, Refill::default()).await,
    }
}

pub async fn primary_email(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st.accounts.make_primary(user, object_id(&id)?).await {
        Ok(()) => Ok(see_other("/account?done=email_primary_set")),
        Err(e) => refused(&st, &ctx, user, e, Refill::default()).await,
    }
}

pub async fn resend_email(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    st.accounts
        .resend_confirmation(user, object_id(&id)?)
        .await?;
    Ok(see_other("/account?done=email_resent"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DidForm {
    did: String,
    proof: String,
}

pub async fn add_did(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<DidForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st.accounts.add_did(user, &f.did).await {
        Ok(_) => Ok(see_other("/account?done=did_added")),
        Err(e) => {
            refused(
                &st,
                &ctx,
                user,
                e,
                Refill {
                    new_did: f.did.chars().take(512).collect(),
                    ..Refill::default()
                },
            )
            .await
        }
    }
}

pub async fn confirm_did(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<DidForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st
        .accounts
        .confirm_did(user, object_id(&id)?, &f.proof)
        .await
    {
        Ok(()) => Ok(see_other("/account?done=did_confirmed")),
        Err(e) => refused(&st, &ctx, user, e, Refill::default()).await,
    }
}

pub async fn delete_did(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    st.accounts.delete_did(user, object_id(&id)?).await?;
    Ok(see_other("/account?done=did_removed"))
}

/// Upload a photo (multipart; `ctx::context` checked the `_csrf` field first).
pub async fn upload_photo(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let mut upload = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(PageError::Status(
                    e.status(),
                    crate::errors::code_for_status(e.status()),
                ))
            }
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("photo").to_owned();
            match field.bytes().await {
                Ok(bytes) => upload = Some((name, bytes)),
                Err(e) => {
                    return Err(PageError::Status(
                        e.status(),
                        crate::errors::code_for_status(e.status()),
                    ))
                }
            }
        }
    }
    let (name, bytes) = upload.unwrap_or_default();
    match st.accounts.set_photo(user, &name, bytes).await {
        Ok(_) => Ok(see_other("/account?done=photo_saved")),
        Err(e) => refused(&st, &ctx, user, e, Refill::default()).await,
    }
}

pub async fn delete_photo(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    st.accounts.remove_photo(user).await?;
    Ok(see_other("/account?done=photo_removed"))
}

/// A user's own file, as an attachment in a sandbox.
pub async fn download(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let (file, bytes) = st.accounts.download(user, object_id(&id)?).await?;
    Ok(super::attachment(bytes, &file.content_type, &file.filename))
}

/// Everything the account holds, as one archive (originals and an index).
pub async fn export(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    let archive = st.accounts.export(user).await?;
    Ok(super::attachment(
        archive,
        "application/x-tar",
        "backpack-export.tar",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteForm {
    delete_password: String,
}

/// Delete the account for good (the password confirms it).
pub async fn delete_account(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<DeleteForm>,
) -> Result<Response, PageError> {
    let user = ctx.require_user()?;
    match st.accounts.delete_account(user, &f.delete_password).await {
        Ok(()) => {
            let secure = st.settings.cookie_secure;
            let mut r = see_other("/?done=account_deleted");
            if let Ok(v) =
                HeaderValue::from_str(&cookie(session_cookie_name(secure), "", Some(0), secure))
            {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        Err(e) => refused(&st, &ctx, user, e, Refill::default()).await,
    }
}
