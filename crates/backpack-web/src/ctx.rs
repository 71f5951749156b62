//! The request context middleware: who is signed in, which language, the
//! CSRF token; the CSRF and `Origin` checks on every state-changing request;
//! and the translated HTML error page for every error response.

use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use backpack_domain::entities::User;
use backpack_domain::tokens::{random_token, secrets_equal};
use backpack_domain::values::Locale;

use crate::errors::{code_for_status, ErrorCode};
use crate::page::{field_key, Page};
use crate::state::AppState;

/// What a handler knows about the request.
#[derive(Clone)]
pub struct Ctx {
    pub user: Option<User>,
    pub locale: Locale,
    pub csrf: String,
    /// The session cookie's token, when signed in.
    pub session: Option<String>,
    /// The path and query (for "come back here" links).
    pub path: String,
    /// The client's address (login throttling).
    pub client: String,
}

impl Ctx {
    pub fn require_user(&self) -> Result<&User, crate::errors::PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| crate::errors::PageError::Login(self.path.clone()))
    }
}

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-session"
    } else {
        "session"
    }
}

pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-csrf"
    } else {
        "csrf"
    }
}

pub const LANG_COOKIE: &str = "lang";

/// A `Set-Cookie` value: path `/`, HttpOnly, SameSite=Lax, Secure when configured.
pub fn cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// Read one cookie from the request headers.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn plausible_token(t: &str) -> bool {
    (16..=128).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Is the request's `Origin` (when sent) this site?
fn origin_ok(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Browsers send Origin on every POST; a missing one still needs the token.
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin.trim_end_matches('/') == public_url.trim_end_matches('/') {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
    !host.is_empty() && origin_host == host
}

pub async fn context(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let secure = st.settings.cookie_secure;

    // Who is signed in.
    let session = read_cookie(&parts.headers, session_cookie_name(secure))
        .filter(|t| plausible_token(t))
        .map(str::to_owned);
    let user = match &session {
        Some(token) => match st.accounts.session_user(token).await {
            Ok(u) => u,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                None
            }
        },
        None => None,
    };
    let session = if user.is_some() { session } else { None };

    // Which language: the account's choice, the switcher's cookie, the browser's.
    let locale = user
        .as_ref()
        .and_then(|u| u.locale)
        .or_else(|| read_cookie(&parts.headers, LANG_COOKIE).and_then(Locale::parse))
        .or_else(|| {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or(Locale::En);

    // The CSRF token: a random value in a cookie, echoed by every form.
    let existing = read_cookie(&parts.headers, csrf_cookie_name(secure))
        .filter(|t| plausible_token(t))
        .map(str::to_owned);
    let new_csrf = existing.is_none();
    let csrf = existing.unwrap_or_else(random_token);

    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let forwarded = st.settings.client_ip_header.as_deref().and_then(|h| {
        let value = parts.headers.get(h)?.to_str().ok()?;
        let last = value.rsplit(',').next()?.trim();
        last.parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| ip.to_string())
    });
    let client = forwarded.unwrap_or_else(|| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
    });
    let ctx = Ctx {
        user,
        locale,
        csrf: csrf.clone(),
        session,
        path,
        client,
    };

    // State-changing requests: same origin and the right token.
    let mut body = body;
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let refuse = |status: StatusCode, code: &'static str, body: Body| {
            let st = st.clone();
            let ctx = ctx.clone();
            async move {
                // Read (a little of) what the client sent before answering:
                // closing a socket with unread data resets the connection,
                // and the client would never see the answer.
                let _ = axum::body::to_bytes(body, 64 * 1024).await;
                error_page(&st, &ctx, status, code)
            }
        };
        if !origin_ok(&parts.headers, &st.settings.public_url) {
            return refuse(StatusCode::FORBIDDEN, "csrf_failed", body).await;
        }
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut sent = parts
            .uri
            .query()
            .and_then(|q| query_param(q, "_csrf"))
            .map(str::to_owned);
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let bytes = match axum::body::to_bytes(body, st.settings.max_form_bytes).await {
                Ok(b) => b,
                Err(_) => {
                    return error_page(
                        &st,
                        &ctx,
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                    )
                }
            };
            if sent.is_none() {
                sent = form_field(&bytes, "_csrf");
            }
            body = Body::from(bytes);
        } else if !content_type.starts_with("multipart/form-data") {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                body,
            )
            .await;
        }
        if new_csrf || !sent.is_some_and(|s| secrets_equal(&s, &csrf)) {
            return refuse(StatusCode::FORBIDDEN, "csrf_failed", body).await;
        }
    }

    parts.extensions.insert(ctx.clone());
    let mut response = next.run(Request::from_parts(parts, body)).await;

    // Error responses become a translated page.
    let status = response.status();
    let marked = response.extensions().get::<ErrorCode>().copied();
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let Some(ErrorCode(code)) = marked {
        response = error_page(&st, &ctx, status, code);
    } else if (status.is_client_error() || status.is_server_error()) && !is_html {
        response = error_page(&st, &ctx, status, code_for_status(status));
    }
    if new_csrf && !response.headers().contains_key(header::SET_COOKIE) {
        if let Ok(v) = HeaderValue::from_str(&cookie(csrf_cookie_name(secure), &csrf, None, secure))
        {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// First value of a field in an urlencoded body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.replace('+', " "))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    p: Page,
    title: String,
    text: String,
}

pub fn error_page(st: &AppState, ctx: &Ctx, status: StatusCode, code: &str) -> Response {
    let p = Page::new(st, ctx, None);
    let t = ErrorTemplate {
        title: p.t("error-title"),
        text: p.t(&field_key(code)),
        p,
    };
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            if status == StatusCode::TOO_MANY_REQUESTS {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("900"));
            }
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, "error").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_must_be_this_site() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(origin_ok(&h, "http://localhost"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(origin_ok(&h, "http://localhost"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!origin_ok(&h, "http://localhost"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://backpack.example.org"),
        );
        assert!(origin_ok(&h, "https://backpack.example.org/"));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!origin_ok(&h, "http://localhost"));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-session=xyz; lang=fr"),
        );
        assert_eq!(read_cookie(&h, "__Host-session"), Some("xyz"));
        assert_eq!(read_cookie(&h, "session"), None);
        assert_eq!(read_cookie(&h, "lang"), Some("fr"));
        assert!(cookie("__Host-csrf", "v", None, true).contains("Secure"));
    }
}
