//! The administrator's user management. Non-administrators get "not found".

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::entities::EmailAddress;
use backpack_domain::values::Role;
use backpack_domain::{DomainError, UserId};
use serde::Deserialize;

use super::{object_id, render, see_other};
use crate::ctx::Ctx;
use crate::errors::PageError;
use crate::page::{FieldErrors, Page};
use crate::state::AppState;

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::Learner => "role-learner",
        Role::IssuerStaff => "role-issuer-staff",
        Role::Admin => "role-admin",
    }
}

pub struct Row {
    pub id: String,
    pub display_name: String,
    pub primary_email: String,
    pub role_key: &'static str,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersTemplate {
    p: Page,
    users: Vec<Row>,
    page: i64,
    has_next: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: i64,
    done: Option<String>,
}

pub async fn users(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let admin = ctx.require_user()?;
    let page = q.page.clamp(0, 1_000_000);
    let list = st.accounts.list_users(admin, page).await?;
    let has_next = list.len() == 50;
    let users = list
        .into_iter()
        .map(|u| Row {
            id: u.id.to_string(),
            display_name: u.display_name,
            primary_email: u.primary_email,
            role_key: role_key(u.role),
            disabled: u.disabled,
        })
        .collect();
    render(
        StatusCode::OK,
        &UsersTemplate {
            p: Page::new(&st, &ctx, q.done.as_deref()),
            users,
            page,
            has_next,
        },
    )
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserTemplate {
    p: Page,
    errors: FieldErrors,
    id: String,
    name: String,
    role: &'static str,
    disabled: bool,
    emails: Vec<EmailAddress>,
    roles: Vec<(&'static str, &'static str)>,
}

async fn user_page(
    st: &AppState,
    ctx: &Ctx,
    id: UserId,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let admin = ctx.require_user()?;
    let view = st.accounts.find_user_as_admin(admin, id).await?;
    let t = UserTemplate {
        p: Page::new(st, ctx, None),
        errors,
        id: view.user.id.to_string(),
        name: view.user.display_name.clone(),
        role: view.user.role.as_str(),
        disabled: view.user.disabled,
        emails: view.emails,
        roles: Role::ALL
            .into_iter()
            .map(|r| (r.as_str(), role_key(r)))
            .collect(),
    };
    render(status, &t)
}

pub async fn user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    user_page(
        &st,
        &ctx,
        object_id(&id)?,
        StatusCode::OK,
        FieldErrors::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    role: String,
    disabled: Option<String>,
}

pub async fn update_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    let admin = ctx.require_user()?;
    let id = object_id(&id)?;
    match st
        .accounts
        .update_user(admin, id, &f.role, f.disabled.as_deref() == Some("on"))
        .await
    {
        Ok(()) => Ok(see_other("/admin/users?done=user_updated")),
        Err(DomainError::Invalid(errs)) => {
            user_page(
                &st,
                &ctx,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors::new(&st, ctx.locale, &errs),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// One job whose last attempt failed, as the administrator reads it (never its payload: a
/// mail job holds a link token).
pub struct FailedJobRow {
    pub id: String,
    /// The i18n key of what the job does.
    pub kind_key: String,
    /// Whom or what it concerns (a mail's address, a batch's id).
    pub about: String,
    pub attempts: i64,
    /// Gave up (waits for "Try again"), or else tried again at `when`.
    pub stopped: bool,
    /// When it stopped, or when its next attempt is.
    pub when: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsTemplate {
    p: Page,
    queued: i64,
    running: i64,
    stopped: usize,
    failed: Vec<FailedJobRow>,
}

fn about(job: &backpack_domain::entities::JobRecord) -> String {
    use backpack_domain::jobs::Job;
    use backpack_domain::ports::Notification;
    match Job::decode(&job.kind, &job.payload) {
        Some(Job::SendMail(
            Notification::ConfirmEmail { to, .. }
            | Notification::PasswordReset { to, .. }
            | Notification::RegisterAttempt { to, .. }
            | Notification::CredentialIssued { to, .. },
        )) => to,
        Some(Job::DeliverCredential { credential_id, .. }) => format!("urn:uuid:{credential_id}"),
        Some(Job::CheckStacks { user_id, .. }) => format!("urn:uuid:{user_id}"),
        Some(Job::ApplyStackRule { rule_id }) => format!("urn:uuid:{rule_id}"),
        Some(Job::RunBatch { batch_id }) => format!("urn:uuid:{batch_id}"),
        None => String::new(),
    }
}

/// Background jobs: how many wait and run, and the ones that gave up.
pub async fn jobs(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let admin = ctx.require_user()?;
    let (counts, failed) = st.accounts.job_overview(admin).await?;
    let failed = failed
        .iter()
        .map(|j| FailedJobRow {
            id: j.id.to_string(),
            kind_key: format!("job-{}", j.kind.replace('_', "-")),
            about: about(j),
            attempts: j.attempts,
            stopped: j.failed_at.is_some(),
            when: super::issuing::date(j.failed_at.unwrap_or(j.run_at)),
            error: j.last_error.clone().unwrap_or_default(),
        })
        .collect();
    render(
        StatusCode::OK,
        &JobsTemplate {
            p: Page::new(&st, &ctx, q.done.as_deref()),
            queued: counts.queued,
            running: counts.running,
            stopped: usize::try_from(counts.failed).unwrap_or_default(),
            failed,
        },
    )
}

/// Queue a failed job again.
pub async fn retry_job(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let admin = ctx.require_user()?;
    st.accounts.retry_job(admin, object_id(&id)?).await?;
    Ok(see_other("/admin/jobs?done=job_retried"))
}
