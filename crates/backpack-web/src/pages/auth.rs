//! Log in, register, log out, forgotten passwords, address confirmation and
//! the language switcher.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
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

pub async fn login(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(if f.next.is_empty() { "/" } else { &f.next });
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
            };
            let mut r = render(status_of(&e), &t)?;
            if matches!(e, DomainError::TooManyAttempts) {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("900"));
            }
            Ok(r)
        }
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

pub async fn register(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<RegisterForm>,
) -> Result<Response, PageError> {
    let input = RegisterInput {
        email: &f.email,
        password: &f.password,
        display_name: &f.display_name,
        locale: ctx.locale,
    };
    match st.accounts.register(input).await {
        Ok(user) => {
            let session = st.accounts.start_session(user.id).await?;
            Ok(signed_in(
                &st,
                "/?done=registered",
                &session,
                st.accounts.now(),
            ))
        }
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
    match st.accounts.request_password_reset(&f.email).await {
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
