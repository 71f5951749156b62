//! The one outbound HTTP fetcher, and the look-ups built on it.
//!
//! Every network read in Backpack goes through [`Fetcher`]:
//! - `https` only (plain `http` only to loopback, and only when
//!   [`Policy::allow_local_http`] is set, for local testing);
//! - no user-info in URLs; at most [`Policy::max_redirects`] redirects, each
//!   checked like the first URL;
//! - **public addresses only, checked after DNS resolution** by the resolver
//!   the HTTP client connects with (so DNS rebinding cannot slip a private
//!   address in between the check and the connection); `localhost` names are
//!   loopback without asking DNS, odd IPv4 notations (`127.1`, `0x7f000001`,
//!   `2130706433`, `0177.0.0.1`) are refused before any look-up, and proxies
//!   named in the environment are ignored (a proxy would resolve the target
//!   past the check);
//! - body capped at [`Policy::max_bytes`] (streamed, and refused at once
//!   when `Content-Length` says more), whole request capped at
//!   [`Policy::timeout`]; successful JSON answers are cached for
//!   [`Policy::cache_for`], errors are not cached.
//!
//! [`Fetcher::with_resolver`] replaces the system resolver for host names
//! (tests: names with private addresses, DNS rebinding); its answers are
//! checked like DNS answers.
//!
//! [`OnlineResolver`] resolves `did:web` DIDs and https controller documents
//! through it; [`OnlineStatusLists`] fetches status list credentials.

mod address;
mod did_web;

pub use address::is_public;
pub use did_web::did_web_url;

use backpack_credentials::did::{DidResolver, OfflineResolver, ResolveError};
use backpack_credentials::status::{LocalStatusLists, StatusFetchError, StatusListSource};
use serde_json::Value;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::DefaultConnector;

/// What the fetcher allows.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Allow `http://` to loopback addresses (tests only).
    pub allow_local_http: bool,
    pub max_bytes: u64,
    pub timeout: Duration,
    pub max_redirects: usize,
    pub cache_for: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_local_http: false,
            max_bytes: 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_redirects: 3,
            cache_for: Duration::from_secs(300),
        }
    }
}

/// Why a fetch was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("refused {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("fetching {url} failed: {reason}")]
    Failed { url: String, reason: String },
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url} is not JSON: {reason}")]
    NotJson { url: String, reason: String },
}

impl FetchError {
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::Refused { .. } => "fetch_refused",
            FetchError::Failed { .. } => "fetch_failed",
            FetchError::Status { .. } => "fetch_status",
            FetchError::NotJson { .. } => "fetch_not_json",
        }
    }
}

/// A name look-up: host name (lower case, no trailing dot, no brackets) to
/// addresses. See [`Fetcher::with_resolver`].
type ResolveFn = dyn Fn(&str) -> Vec<IpAddr> + Send + Sync;

/// The marker inside the I/O error the guarded resolver returns when every
/// address of a host was refused (so that the fetcher reports `Refused`).
#[derive(Debug)]
struct AddressRefused;

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the host has no public address")
    }
}

impl std::error::Error for AddressRefused {}

/// Resolves names, then keeps only addresses the policy allows. This is the
/// resolver the HTTP client connects with, so the addresses checked are the
/// addresses connected to.
struct GuardedResolver {
    inner: DefaultResolver,
    /// Replaces the system resolver for names (tests); literals and
    /// `localhost` names never reach it.
    lookup: Option<Arc<ResolveFn>>,
    allow_loopback: bool,
}

impl std::fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("custom_lookup", &self.lookup.is_some())
            .field("allow_loopback", &self.allow_loopback)
            .finish()
    }
}

fn refused_by_resolver() -> ureq::Error {
    ureq::Error::Io(std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        AddressRefused,
    ))
}

fn is_refused_by_resolver(e: &ureq::Error) -> bool {
    matches!(e, ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<AddressRefused>()))
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let plain_http = match uri.scheme_str() {
            Some("https") => false,
            Some("http") => true,
            _ => return Err(refused_by_resolver()),
        };
        let Some(authority) = uri.authority() else {
            return Err(ureq::Error::BadUri(format!("{uri} has no host")));
        };
        let port = authority
            .port_u16()
            .unwrap_or(if plain_http { 80 } else { 443 });
        let raw = authority.host();
        let host = raw
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(raw)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let found: Vec<SocketAddr> = if let Ok(ip) = host.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, port)]
        } else if is_localhost_name(&host) {
            // RFC 6761: `localhost` names are loopback; never ask DNS.
            vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
            ]
        } else if let Some(lookup) = &self.lookup {
            lookup(&host)
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect()
        } else {
            self.inner
                .resolve(uri, config, timeout)?
                .iter()
                .copied()
                .collect()
        };
        if found.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        let mut allowed = self.empty();
        for a in &found {
            if address_allowed(a, plain_http, self.allow_loopback) && allowed.try_push(*a).is_err()
            {
                break;
            }
        }
        if allowed.is_empty() {
            return Err(refused_by_resolver());
        }
        Ok(allowed)
    }
}

/// https: public addresses (and loopback with the test flag); plain http:
/// loopback only, and only with the test flag.
fn address_allowed(a: &SocketAddr, plain_http: bool, allow_loopback: bool) -> bool {
    let loopback = allow_loopback && a.ip().is_loopback();
    if plain_http {
        loopback
    } else {
        is_public(&a.ip()) || loopback
    }
}

fn is_localhost_name(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// The fetcher. Cheap to share (`Send + Sync`).
pub struct Fetcher {
    agent: ureq::Agent,
    policy: Policy,
    cache: Mutex<HashMap<String, (Instant, Value)>>,
}

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(authority)
}

/// A host whose last label is a number is an IPv4 address to URL parsers and
/// `getaddrinfo` (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`): only
/// the canonical dotted quad is accepted, so the address checked is the
/// address every parser sees.
fn looks_numeric(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit()))
}

/// Where a `Location` leads from `base` (RFC 3986 reference resolution,
/// enough for redirects: absolute, scheme-relative, absolute-path, query and
/// relative-path references). An absolute reference with another scheme is
/// returned as is, for [`Fetcher::check_url`] to refuse.
fn resolve_location(base: &str, location: &str) -> String {
    let location = location.trim();
    let has_scheme = location.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if has_scheme {
        return location.to_string();
    }
    let base = base.split('#').next().unwrap_or(base);
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if location.starts_with("//") {
        return format!("{scheme}:{location}");
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    let origin = format!("{scheme}://{authority}");
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = path_and_query.split('?').next().unwrap_or("");
    if location.is_empty() || location.starts_with('#') {
        return base.to_string();
    }
    if location.starts_with('?') {
        return format!("{origin}{path}{location}");
    }
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    format!("{origin}{dir}/{location}")
}

impl Fetcher {
    pub fn new(policy: Policy) -> Self {
        Self::build(policy, None)
    }

    /// A fetcher that looks host names up with `resolve` instead of the
    /// system resolver (tests: "a public-looking name with a private
    /// address", DNS rebinding). IP literals and `localhost` names never
    /// reach `resolve`, and every address it returns is checked exactly like
    /// a DNS answer.
    pub fn with_resolver(
        policy: Policy,
        resolve: impl Fn(&str) -> Vec<IpAddr> + Send + Sync + 'static,
    ) -> Self {
        Self::build(policy, Some(Arc::new(resolve)))
    }

    fn build(policy: Policy, lookup: Option<Arc<ResolveFn>>) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(policy.timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            // A proxy (ureq reads ALL_PROXY/HTTPS_PROXY/HTTP_PROXY by
            // default) would resolve the target itself, past the check.
            .proxy(None)
            .user_agent("backpack")
            .build();
        let resolver = GuardedResolver {
            inner: DefaultResolver::default(),
            lookup,
            allow_loopback: policy.allow_local_http,
        };
        Fetcher {
            agent: ureq::Agent::with_parts(config, DefaultConnector::new(), resolver),
            policy,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The checks on a URL before any connection.
    pub fn check_url(&self, url: &str) -> Result<(), FetchError> {
        let refuse = |reason: &str| FetchError::Refused {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        if url.chars().any(|c| !c.is_ascii_graphic() || c == '\\') {
            return Err(refuse(
                "spaces, control characters, backslashes and non-ASCII characters are not allowed",
            ));
        }
        let Some(authority) = host_of(url) else {
            return Err(refuse("not an absolute http(s) URL"));
        };
        if authority.contains('@') {
            return Err(refuse("user information in URLs is not allowed"));
        }
        let (host, port) = if let Some(h) = authority.strip_prefix('[') {
            let Some((inside, after)) = h.split_once(']') else {
                return Err(refuse("an unclosed IPv6 literal"));
            };
            let port = match after {
                "" => None,
                p => match p.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return Err(refuse("text after an IPv6 literal")),
                },
            };
            if inside.parse::<Ipv6Addr>().is_err() {
                return Err(refuse("not an IPv6 address"));
            }
            (inside, port)
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if let Some(p) = port {
            if !p.is_empty()
                && (!p.chars().all(|c| c.is_ascii_digit()) || p.parse::<u16>().is_err())
            {
                return Err(refuse("not a port"));
            }
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(refuse("no host"));
        }
        let literal: Option<IpAddr> = host.parse().ok();
        if literal.is_none() {
            if host.split('.').any(|label| {
                label.is_empty()
                    || !label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }) {
                return Err(refuse("not a host name"));
            }
            if looks_numeric(&host) {
                return Err(refuse(
                    "an IPv4 address must be written as four decimal numbers",
                ));
            }
        }
        let loopback_name = is_localhost_name(&host);
        if url.starts_with("https://") {
            if let Some(ip) = literal {
                if !(is_public(&ip) || (self.policy.allow_local_http && ip.is_loopback())) {
                    return Err(refuse("not a public address"));
                }
            }
            if loopback_name && !self.policy.allow_local_http {
                return Err(refuse("not a public address"));
            }
            return Ok(());
        }
        if url.starts_with("http://") && self.policy.allow_local_http {
            if literal.is_some_and(|ip| ip.is_loopback()) || loopback_name {
                return Ok(());
            }
            return Err(refuse(
                "plain http is allowed only to loopback, for local testing",
            ));
        }
        Err(refuse("only https URLs are fetched"))
    }

    /// GET `url` and parse the body as JSON, within the policy. Successful
    /// answers are cached for [`Policy::cache_for`]; errors are not cached.
    pub fn get_json(&self, url: &str) -> Result<Value, FetchError> {
        if let Ok(mut cache) = self.cache.lock() {
            match cache.get(url) {
                Some((at, v)) if at.elapsed() < self.policy.cache_for => return Ok(v.clone()),
                Some(_) => {
                    cache.remove(url);
                }
                None => {}
            }
        }
        let mut current = url.to_string();
        for _ in 0..=self.policy.max_redirects {
            self.check_url(&current)?;
            let failed = |reason: String| FetchError::Failed {
                url: current.clone(),
                reason,
            };
            // The fragment is never sent.
            let target = current.split('#').next().unwrap_or(&current);
            let mut resp = self
                .agent
                .get(target)
                .header(
                    "Accept",
                    "application/did+json, application/ld+json, application/json",
                )
                .call()
                .map_err(|e| {
                    if is_refused_by_resolver(&e) {
                        return FetchError::Refused {
                            url: current.clone(),
                            reason: "the host has no public address".into(),
                        };
                    }
                    failed(match e {
                        ureq::Error::HostNotFound => "the host was not found".to_string(),
                        other => other.to_string(),
                    })
                })?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| failed("a redirect without a Location".into()))?;
                current = resolve_location(&current, location);
                continue;
            }
            if status != 200 {
                return Err(FetchError::Status {
                    url: current,
                    status,
                });
            }
            let declared = resp
                .headers()
                .get("content-length")
                .and_then(|l| l.to_str().ok())
                .and_then(|l| l.trim().parse::<u64>().ok());
            if declared.is_some_and(|n| n > self.policy.max_bytes) {
                return Err(failed(format!(
                    "the body is larger than {} bytes",
                    self.policy.max_bytes
                )));
            }
            let body = resp
                .body_mut()
                .with_config()
                .limit(self.policy.max_bytes)
                .read_to_vec()
                .map_err(|e| failed(e.to_string()))?;
            let value: Value = backpack_credentials::json::parse_limited(&body).map_err(|e| {
                FetchError::NotJson {
                    url: current.clone(),
                    reason: e.to_string(),
                }
            })?;
            if let Ok(mut cache) = self.cache.lock() {
                if cache.len() > 1024 {
                    cache.clear();
                }
                cache.insert(url.to_string(), (Instant::now(), value.clone()));
            }
            return Ok(value);
        }
        Err(FetchError::Refused {
            url: url.to_string(),
            reason: "too many redirects".into(),
        })
    }
}

/// How long one verification may take in the server and the CLI: the
/// fetcher's own limit is per request ([`Policy::timeout`]), this one covers
/// a credential and everything it leads to (issuer documents, status lists).
pub const VERIFY_DEADLINE: Duration = Duration::from_secs(15);

/// A verification deadline on the monotonic clock (the pure crates cannot
/// read the clock): give one to each verification as
/// [`backpack_credentials::Verifier::deadline`].
#[derive(Debug, Clone, Copy)]
pub struct DeadlineAt(Instant);

impl DeadlineAt {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Self {
        DeadlineAt(Instant::now() + budget)
    }
}

impl backpack_credentials::Deadline for DeadlineAt {
    fn passed(&self) -> bool {
        Instant::now() >= self.0
    }
}

/// did:key and supplied documents offline; did:web and https documents online.
pub struct OnlineResolver<'a> {
    pub offline: OfflineResolver,
    pub fetcher: &'a Fetcher,
}

impl DidResolver for OnlineResolver<'_> {
    fn resolve(&self, id: &str) -> Result<Value, ResolveError> {
        match self.offline.resolve(id) {
            Err(ResolveError::NeedsNetwork { .. }) => {}
            other => return other,
        }
        let url = if id.starts_with("did:web:") {
            did_web_url(id, self.fetcher.policy.allow_local_http).map_err(|reason| {
                ResolveError::Invalid {
                    id: id.to_string(),
                    reason,
                }
            })?
        } else {
            id.to_string()
        };
        self.fetcher
            .get_json(&url)
            .map_err(|e| ResolveError::NotFound {
                id: id.to_string(),
                reason: e.to_string(),
            })
    }
}

/// Status lists given as files first, then fetched.
pub struct OnlineStatusLists<'a> {
    pub local: LocalStatusLists,
    pub fetcher: &'a Fetcher,
}

impl StatusListSource for OnlineStatusLists<'_> {
    fn status_list(&self, url: &str) -> Result<(Value, Option<String>), StatusFetchError> {
        if let Ok(found) = self.local.status_list(url) {
            return Ok(found);
        }
        self.fetcher
            .get_json(url)
            .map(|v| (v, None))
            .map_err(|e| StatusFetchError::Failed {
                url: url.to_string(),
                reason: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_passes_once_its_time_is_spent() {
        use backpack_credentials::Deadline;
        assert!(DeadlineAt::after(Duration::ZERO).passed());
        assert!(!DeadlineAt::after(Duration::from_secs(3600)).passed());
    }

    #[test]
    fn locations_resolve_like_rfc_3986() {
        let base = "https://a.example/dir/doc.json?q=1#f";
        for (location, want) in [
            ("https://b.example/x", "https://b.example/x"),
            ("file:///etc/passwd", "file:///etc/passwd"),
            ("data:application/json,{}", "data:application/json,{}"),
            ("//10.0.0.1/x", "https://10.0.0.1/x"),
            ("/root", "https://a.example/root"),
            ("sibling.json", "https://a.example/dir/sibling.json"),
            ("?q=2", "https://a.example/dir/doc.json?q=2"),
            ("", "https://a.example/dir/doc.json?q=1"),
        ] {
            assert_eq!(resolve_location(base, location), want, "{location}");
        }
        assert_eq!(
            resolve_location("http://127.0.0.1:8080", "next"),
            "http://127.0.0.1:8080/next"
        );
    }

    #[test]
    fn numeric_hosts() {
        for h in [
            "127.1",
            "0x7f000001",
            "2130706433",
            "0177.0.0.1",
            "0x7f.0.0.1",
            "a.0x",
        ] {
            assert!(looks_numeric(h), "{h}");
        }
        for h in ["example.org", "1.example.org", "0xdead.example"] {
            assert!(!looks_numeric(h), "{h}");
        }
    }
}
