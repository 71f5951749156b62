//! Log in, register, log out, forgotten passwords, address confirmation and
//! the language switcher.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};
use backpack_domain::accounts::{NewSession, RegisterInput};
use backpack_domain::values::Locale;
use backpack_domain::DomainError;
use serde::Deserialize;

use super::{render, see_other};
use crate::ctx::{cookie, csrf_cookie_name, session_cookie_name, Ctx, LANG_COOKIE};
use crate::errors::{status_of, PageError};
use crate::page::{field_key, safe_next, FieldErrors, Page};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Notice {
    pub done: Option<String>,
    pub next: Option<String>,
    pub token: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    p: Page,
}

pub async fn home(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    render(
        StatusCode::OK,
        &HomeTemplate {
            p: Page::new(&st, &ctx, q.done.as_deref()),
        },
    )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    p: Page,
    errors: FieldErrors,
    form_error: Option<String>,
    email: String,
    next: String,
    /// The right password of an account whose address awaits confirmation:
    /// offer to send the link again.
    unconfirmed: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

pub async fn login_page(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    if ctx.user.is_some() {
        return Ok(see_other(&safe_next(q.next.as_deref().unwrap_or("/"))));
    }
    let t = LoginTemplate {
        p: Page::new(&st, &ctx, q.done.as_deref()),
        errors: FieldErrors::default(),
        form_error: None,
        email: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/")),
        unconfirmed: false,
    };
    render(StatusCode::OK, &t)
}

/// Session and fresh CSRF cookies after a login: the token changes with the
/// privilege level.
fn signed_in(st: &AppState, location: &str, session: &NewSession, now: i64) -> Response {
    let secure = st.settings.cookie_secure;
    let mut r = see_other(location);
    let max_age = (session.expires_at - now).max(0);
    for c in [
        cookie(
            session_cookie_name(secure),
            &session.token,
            Some(max_age),
            secure,
        ),
        cookie(
            csrf_cookie_name(secure),
            &backpack_domain::tokens::random_token(),
            None,
            secure,
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// Behind a reverse proxy without `client_ip_header`, every request seems to
/// come from the proxy: say so once, at the first request that shows it.
fn warn_if_proxied(st: &AppState, headers: &HeaderMap) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if st.settings.client_ip_header.is_none()
        && headers.contains_key("x-forwarded-for")
        && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        tracing::warn!(
            "requests carry X-Forwarded-For but `client_ip_header` is not set: every client seems \
             to be the proxy, so login slow-downs and mail limits apply to all users together; \
             set `client_ip_header` (BACKPACK_CLIENT_IP_HEADER) to the header your proxy sets"
        );
    }
}

pub async fn login(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    warn_if_proxied(&st, &headers);
    let next = safe_next(if f.next.is_empty() { "/" } else { &f.next });
    // A client with many recent failures waits a little (capped); nobody is
    // refused for someone else's failures.
    let delay = st.accounts.login_delay_secs(&ctx.client).await?;
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_secs(delay)).await;
    }
    match st.accounts.login(&f.email, &f.password, &ctx.client).await {
        Ok((_, session)) => {
            st.metrics
                .logins
                .get_or_create(&crate::metrics::OutcomeLabels {
                    outcome: "ok".into(),
                })
                .inc();
            Ok(signed_in(&st, &next, &session, st.accounts.now()))
        }
        Err(e @ (DomainError::InvalidCredentials | DomainError::TooManyAttempts)) => {
            st.metrics
                .logins
                .get_or_create(&crate::metrics::OutcomeLabels {
                    outcome: e.code().into(),
                })
                .inc();
            let p = Page::new(&st, &ctx, None);
            let t = LoginTemplate {
                form_error: Some(p.t(&field_key(e.code()))),
                p,
                errors: FieldErrors::default(),
                email: f.email.chars().take(254).collect(),
                next,
                unconfirmed: false,
            };
            let mut r = render(status_of(&e), &t)?;
            if matches!(e, DomainError::TooManyAttempts) {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("900"));
            }
            Ok(r)
        }
        Err(DomainError::Invalid(errs)) if errs.iter().any(|e| e.code == "email_unconfirmed") => {
            let p = Page::new(&st, &ctx, None);
            let t = LoginTemplate {
                form_error: Some(p.t("login-email-unconfirmed")),
                p,
                errors: FieldErrors::default(),
                email: f.email.chars().take(254).collect(),
                next,
                unconfirmed: true,
            };
            render(StatusCode::FORBIDDEN, &t)
        }
        Err(e) => Err(e.into()),
    }
}

/// Send the confirmation link again (offered on the login page). The answer
/// is the same whatever the address.
pub async fn resend_confirmation(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<EmailForm>,
) -> Result<Response, PageError> {
    match st.accounts.resend_registration(&f.email, &ctx.client).await {
        Ok(()) | Err(DomainError::Invalid(_)) => Ok(see_other("/login?done=confirmation_sent")),
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, PageError> {
    if let Some(token) = &ctx.session {
        st.accounts.logout(token).await?;
    }
    let secure = st.settings.cookie_secure;
    let mut r = see_other("/login?done=logged_out");
    for c in [
        cookie(session_cookie_name(secure), "", Some(0), secure),
        cookie(
            csrf_cookie_name(secure),
            &backpack_domain::tokens::random_token(),
            None,
            secure,
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterTemplate {
    p: Page,
    errors: FieldErrors,
    email: String,
    display_name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    email: String,
    password: String,
    display_name: String,
}

pub async fn register_page(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, PageError> {
    if ctx.user.is_some() {
        return Ok(see_other("/"));
    }
    let t = RegisterTemplate {
        p: Page::new(&st, &ctx, None),
        errors: FieldErrors::default(),
        email: String::new(),
        display_name: String::new(),
    };
    render(StatusCode::OK, &t)
}

/// Register. The answer is the same whether or not the address already has
/// an account: "check your mail" (the mail says which case it is).
pub async fn register(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Form(f): Form<RegisterForm>,
) -> Result<Response, PageError> {
    warn_if_proxied(&st, &headers);
    let input = RegisterInput {
        email: &f.email,
        password: &f.password,
        display_name: &f.display_name,
        locale: ctx.locale,
        client: &ctx.client,
    };
    match st.accounts.register(input).await {
        Ok(()) => Ok(see_other("/login?done=check_mail")),
        Err(DomainError::Invalid(errs)) => {
            let t = RegisterTemplate {
                errors: FieldErrors::new(&st, ctx.locale, &errs),
                p: Page::new(&st, &ctx, None),
                email: f.email.chars().take(254).collect(),
                display_name: f.display_name.chars().take(100).collect(),
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &t)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotTemplate {
    p: Page,
    errors: FieldErrors,
    email: String,
    sent: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

pub async fn forgot_page(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, PageError> {
    render(
        StatusCode::OK,
        &ForgotTemplate {
            p: Page::new(&st, &ctx, None),
            errors: FieldErrors::default(),
            email: String::new(),
            sent: false,
        },
    )
}

pub async fn forgot(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<EmailForm>,
) -> Result<Response, PageError> {
    match st
        .accounts
        .request_password_reset(&f.email, &ctx.client)
        .await
    {
        Ok(()) => render(
            StatusCode::OK,
            &ForgotTemplate {
                p: Page::new(&st, &ctx, None),
                errors: FieldErrors::default(),
                email: String::new(),
                sent: true,
            },
        ),
        Err(DomainError::Invalid(errs)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotTemplate {
                errors: FieldErrors::new(&st, ctx.locale, &errs),
                p: Page::new(&st, &ctx, None),
                email: f.email.chars().take(254).collect(),
                sent: false,
            },
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetTemplate {
    p: Page,
    errors: FieldErrors,
    form_error: Option<String>,
    token: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    token: String,
    password: String,
}

fn clean_token(t: &str) -> String {
    t.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(128)
        .collect()
}

pub async fn reset_page(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let token = clean_token(q.token.as_deref().unwrap_or(""));
    render(
        StatusCode::OK,
        &ResetTemplate {
            p: Page::new(&st, &ctx, None),
            errors: FieldErrors::default(),
            form_error: None,
            token,
        },
    )
}

pub async fn reset(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    match st.accounts.reset_password(&f.token, &f.password).await {
        Ok(()) => Ok(see_other("/login?done=password_reset")),
        Err(DomainError::Invalid(errs)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetTemplate {
                errors: FieldErrors::new(&st, ctx.locale, &errs),
                p: Page::new(&st, &ctx, None),
                form_error: None,
                token: clean_token(&f.token),
            },
        ),
        Err(e @ DomainError::TokenInvalid) => {
            let p = Page::new(&st, &ctx, None);
            let t = ResetTemplate {
                form_error: Some(p.t(&field_key(e.code()))),
                p,
                errors: FieldErrors::default(),
                token: String::new(),
            };
            render(StatusCode::BAD_REQUEST, &t)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "confirm_email.html")]
struct ConfirmTemplate {
    p: Page,
    form_error: Option<String>,
    token: String,
}

/// The link in the mail shows a button: a GET never changes anything.
pub async fn confirm_page(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let token = clean_token(q.token.as_deref().unwrap_or(""));
    render(
        StatusCode::OK,
        &ConfirmTemplate {
            p: Page::new(&st, &ctx, None),
            form_error: None,
            token,
        },
    )
}

pub async fn confirm(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    match st.accounts.confirm_email(&f.token).await {
        Ok(()) if ctx.user.is_some() => Ok(see_other("/account?done=email_confirmed")),
        Ok(()) => Ok(see_other("/login?done=email_confirmed")),
        Err(e @ DomainError::TokenInvalid) => {
            let p = Page::new(&st, &ctx, None);
            let t = ConfirmTemplate {
                form_error: Some(p.t(&field_key(e.code()))),
                p,
                token: String::new(),
            };
            render(StatusCode::BAD_REQUEST, &t)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LanguageForm {
    lang: String,
    next: String,
}

/// Remember the language: on the account when signed in, in a cookie always.
pub async fn language(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<LanguageForm>,
) -> Result<Response, PageError> {
    let locale = Locale::parse(&f.lang).ok_or(PageError::Status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    ))?;
    if let Some(user) = &ctx.user {
        st.accounts.set_locale(user, locale).await?;
    }
    let secure = st.settings.cookie_secure;
    let mut r = see_other(&safe_next(&f.next));
    if let Ok(v) = HeaderValue::from_str(&cookie(
        LANG_COOKIE,
        locale.code(),
        Some(365 * 24 * 3600),
        secure,
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}
