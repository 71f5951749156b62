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

/// The origin of an absolute `http`/`https` URL: (scheme, host, port), the
/// scheme and host in lower case, the default port made explicit. `None`
/// for anything else (`null`, a relative or another scheme's URL).
fn origin_of(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return None;
    }
    let port_of = |p: &str| -> Option<u16> {
        if p.is_empty() {
            Some(default_port)
        } else {
            p.parse().ok()
        }
    };
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            let port = match after {
                "" => default_port,
                p => port_of(p.strip_prefix(':')?)?,
            };
            (format!("[{host}]"), port)
        }
        None => match authority.split_once(':') {
            Some((host, p)) => (host.to_owned(), port_of(p)?),
            None => (authority.to_owned(), default_port),
        },
    };
    if host.is_empty() || host == "[]" {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port))
}

/// Does the request come from this site? Its `Origin` (or, without one, its
/// `Referer`'s origin) must be `public_url`'s: same scheme, host and port.
/// A request with neither is refused: browsers send `Origin` on every POST,
/// and the `Host` header says nothing about the page that sent the form.
fn origin_ok(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(site) = origin_of(public_url) else {
        return false;
    };
    let claimed = match headers.get(header::ORIGIN) {
        Some(origin) => origin.to_str().ok().and_then(origin_of),
        None => headers
            .get(header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(origin_of),
    };
    claimed == Some(site)
}

/// How much of a multipart body is read, at most, to find the `_csrf` field
/// that must come first.
const MULTIPART_TOKEN_PEEK: usize = 8 * 1024;

/// The boundary of a `multipart/form-data` content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.trim().split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim().trim_matches('"');
        (!v.is_empty() && v.len() <= 70).then(|| v.to_owned())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The value of the first part of a multipart body when that part is the
/// text field `_csrf`; `None` for anything else (another field or a file
/// first, a part not complete within the bytes given).
fn leading_csrf_field(buf: &[u8], boundary: &str) -> Option<String> {
    let delimiter = format!("--{boundary}");
    let start = find(buf, delimiter.as_bytes())? + delimiter.len();
    let part = buf.get(start..)?.strip_prefix(b"\r\n")?;
    let head_end = find(part, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&part[..head_end]).ok()?;
    let value = &part[head_end + 4..];
    let end = find(value, format!("\r\n{delimiter}").as_bytes())?;
    let disposition = head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    let mut params = disposition.split(';').map(str::trim);
    if !params.next()?.eq_ignore_ascii_case("form-data") {
        return None;
    }
    let mut name = None;
    for p in params {
        let (k, v) = p.split_once('=')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v.trim().trim_matches('"')),
            // A file, not the token field.
            "filename" | "filename*" => return None,
            _ => {}
        }
    }
    if name != Some("_csrf") {
        return None;
    }
    std::str::from_utf8(&value[..end]).ok().map(str::to_owned)
}

/// Read the start of a multipart body, only as far as its first part: the
/// `_csrf` field that every multipart form sends first (before any file), so
/// a forged upload is refused before its file is read. Returns that token and
/// a body that gives back every byte (what was read, then the rest).
async fn multipart_token(body: Body, content_type: &str) -> (Option<String>, Body) {
    use futures_util::StreamExt;
    let Some(boundary) = multipart_boundary(content_type) else {
        return (None, body);
    };
    let mut stream = body.into_data_stream();
    let mut read: Vec<bytes::Bytes> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut token = None;
    while token.is_none() && buf.len() < MULTIPART_TOKEN_PEEK {
        let Some(Ok(chunk)) = stream.next().await else {
            break;
        };
        let room = MULTIPART_TOKEN_PEEK - buf.len();
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        read.push(chunk);
        token = leading_csrf_field(&buf, &boundary);
    }
    let replay = futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
    (token, Body::from_stream(replay.chain(stream)))
}

pub async fn context(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let secure = st.settings.cookie_secure;

    // Who is signed in.
    let session = read_cookie(&parts.headers, session_cookie_name(secure))
        .filter(|t| plausible_token(t))
        .map(str::to_owned);
    let mut lookup_failed = None;
    let user = match &session {
        Some(token) => match st.accounts.session_user(token).await {
            Ok(u) => u,
            Err(e) => {
                // Not "signed out": a page that cannot tell who is asking
                // answers 503 (or 500), so that alerts fire and the user is
                // not sent to the login page for nothing.
                tracing::error!(error = %e, "session lookup failed");
                lookup_failed = Some(e);
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

    if let Some(e) = lookup_failed {
        let _ = axum::body::to_bytes(body, 64 * 1024).await;
        return error_page(&st, &ctx, crate::errors::status_of(&e), e.code());
    }

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
        // The token travels in the body, never in the URL (where it would
        // reach logs, history and the address bar).
        let sent;
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
            sent = form_field(&bytes, "_csrf");
            body = Body::from(bytes);
        } else if content_type.starts_with("multipart/form-data") {
            let (token, replay) = multipart_token(body, &content_type).await;
            sent = token;
            body = replay;
        } else {
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
    /// The one action is to load the page again (it answered 503).
    retry: bool,
}

pub fn error_page(st: &AppState, ctx: &Ctx, status: StatusCode, code: &str) -> Response {
    let mut p = Page::new(st, ctx, None);
    let retry = status == StatusCode::SERVICE_UNAVAILABLE;
    // Who is signed in could not be read: offer no account links, neither
    // "Log in" to a signed-in person nor pages that answer 503 too.
    p.neutral = retry;
    let t = ErrorTemplate {
        title: p.t("error-title"),
        text: p.t(&field_key(code)),
        retry,
        p,
    };
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            if status == StatusCode::TOO_MANY_REQUESTS {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("900"));
            }
            if status == StatusCode::SERVICE_UNAVAILABLE {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
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

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_must_be_this_site() {
        let site = "https://backpack.example.org/";
        let ok = |pairs: &[(header::HeaderName, &'static str)]| origin_ok(&headers(pairs), site);
        assert!(ok(&[(header::ORIGIN, "https://backpack.example.org")]));
        assert!(ok(&[(header::ORIGIN, "HTTPS://Backpack.Example.org:443")]));
        assert!(!ok(&[(header::ORIGIN, "https://evil.example")]));
        assert!(!ok(&[(header::ORIGIN, "null")]));
        // The scheme and the port count.
        assert!(!ok(&[(header::ORIGIN, "http://backpack.example.org")]));
        assert!(!ok(&[(
            header::ORIGIN,
            "https://backpack.example.org:8443"
        )]));
        // The Host header is no witness: an Origin that matches it, or none.
        assert!(!ok(&[
            (header::HOST, "evil.example"),
            (header::ORIGIN, "https://evil.example"),
        ]));
        assert!(!ok(&[(header::HOST, "evil.example")]));
        assert!(!ok(&[(header::HOST, "backpack.example.org")]));
        // Without Origin, the Referer's origin.
        assert!(ok(&[(
            header::REFERER,
            "https://backpack.example.org/account?x=1"
        )]));
        assert!(!ok(&[(
            header::REFERER,
            "http://backpack.example.org/account"
        )]));
        assert!(!ok(&[(
            header::REFERER,
            "https://backpack.example.org.evil.example/"
        )]));
        // An Origin, when sent, decides (not a Referer beside it).
        assert!(!ok(&[
            (header::ORIGIN, "https://evil.example"),
            (header::REFERER, "https://backpack.example.org/"),
        ]));
        // Plain HTTP on a port; IPv6.
        let h = headers(&[(header::ORIGIN, "http://127.0.0.1:8080")]);
        assert!(origin_ok(&h, "http://127.0.0.1:8080"));
        assert!(!origin_ok(&h, "http://localhost:8080"));
        assert!(!origin_ok(&h, "http://127.0.0.1"));
        let h = headers(&[(header::ORIGIN, "http://[::1]:8080")]);
        assert!(origin_ok(&h, "http://[::1]:8080/"));
        assert!(!origin_ok(&h, "http://[::1]"));
    }

    fn part(name: &str, filename: Option<&str>, value: &str) -> String {
        let file = filename.map_or(String::new(), |f| format!("; filename=\"{f}\""));
        format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{value}\r\n")
    }

    #[test]
    fn the_multipart_token_is_the_first_field() {
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"XyZ\""),
            Some("XyZ".to_owned())
        );
        assert_eq!(multipart_boundary("multipart/form-data"), None);
        let first = format!(
            "{}{}--XyZ--\r\n",
            part("_csrf", None, "tok"),
            part("file", Some("a.png"), "PNG")
        );
        assert_eq!(
            leading_csrf_field(first.as_bytes(), "XyZ"),
            Some("tok".to_owned())
        );
        // Only the first part counts: a token after the file is not read.
        let after = format!(
            "{}{}--XyZ--\r\n",
            part("file", Some("a.png"), "PNG"),
            part("_csrf", None, "tok")
        );
        assert_eq!(leading_csrf_field(after.as_bytes(), "XyZ"), None);
        // A file named `_csrf` is not the field.
        let file = format!("{}--XyZ--\r\n", part("_csrf", Some("t.txt"), "tok"));
        assert_eq!(leading_csrf_field(file.as_bytes(), "XyZ"), None);
        // Cut before the part ends: not (yet) a token.
        let cut = part("_csrf", None, "tok");
        assert_eq!(
            leading_csrf_field(&cut.as_bytes()[..cut.len() - 2], "XyZ"),
            None
        );
    }

    #[tokio::test]
    async fn the_body_is_given_back_whole_after_the_token() {
        let text = format!(
            "{}{}--XyZ--\r\n",
            part("_csrf", None, "tok"),
            part("file", Some("big.bin"), &"x".repeat(100_000))
        );
        let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = text
            .as_bytes()
            .chunks(7)
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect();
        let body = Body::from_stream(futures_util::stream::iter(chunks));
        let (token, replay) = multipart_token(body, "multipart/form-data; boundary=XyZ").await;
        assert_eq!(token.as_deref(), Some("tok"));
        let back = axum::body::to_bytes(replay, usize::MAX).await.unwrap();
        assert_eq!(back, text.as_bytes());
        // No token within the first bytes: refused without reading the rest.
        let late = format!(
            "{}{}",
            part("file", Some("big.bin"), &"x".repeat(100_000)),
            part("_csrf", None, "tok")
        );
        let (token, _) =
            multipart_token(Body::from(late), "multipart/form-data; boundary=XyZ").await;
        assert_eq!(token, None);
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
