//! The one outbound HTTP fetcher, and the look-ups built on it.
//!
//! Every network read in Backpack goes through [`Fetcher`]:
//! - `https` only (plain `http` only to loopback, and only when
//!   [`Policy::allow_local_http`] is set, for local testing);
//! - no user-info in URLs; at most [`Policy::max_redirects`] redirects, each
//!   checked like the first URL;
//! - **public addresses only, checked after DNS resolution** by the resolver
//!   the HTTP client connects with (so DNS rebinding cannot slip a private
//!   address in between the check and the connection);
//! - body capped at [`Policy::max_bytes`], whole request capped at
//!   [`Policy::timeout`]; successful JSON answers are cached for
//!   [`Policy::cache_for`].
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
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
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

/// Resolves names, then keeps only addresses the policy allows.
#[derive(Debug)]
struct GuardedResolver {
    inner: DefaultResolver,
    allow_loopback: bool,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let all = self.inner.resolve(uri, config, timeout)?;
        let mut allowed = self.empty();
        for a in all.iter() {
            if address_allowed(a, self.allow_loopback) && allowed.try_push(*a).is_err() {
                break;
            }
        }
        if allowed.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(allowed)
    }
}

fn address_allowed(a: &SocketAddr, allow_loopback: bool) -> bool {
    is_public(&a.ip()) || (allow_loopback && a.ip().is_loopback())
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

impl Fetcher {
    pub fn new(policy: Policy) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(policy.timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent("backpack")
            .build();
        let resolver = GuardedResolver {
            inner: DefaultResolver::default(),
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
        let Some(authority) = host_of(url) else {
            return Err(refuse("not an absolute http(s) URL"));
        };
        if authority.contains('@') {
            return Err(refuse("user information in URLs is not allowed"));
        }
        let host = if let Some(h) = authority.strip_prefix('[') {
            h.split(']').next().unwrap_or("")
        } else {
            authority.rsplit_once(':').map_or(authority, |(h, _)| h)
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(refuse("no host"));
        }
        let literal: Option<IpAddr> = host.parse().ok();
        let loopback_name = host == "localhost" || host.ends_with(".localhost");
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

    /// GET `url` and parse the body as JSON, within the policy.
    pub fn get_json(&self, url: &str) -> Result<Value, FetchError> {
        if let Ok(cache) = self.cache.lock() {
            if let Some((at, v)) = cache.get(url) {
                if at.elapsed() < self.policy.cache_for {
                    return Ok(v.clone());
                }
            }
        }
        let mut current = url.to_string();
        for _ in 0..=self.policy.max_redirects {
            self.check_url(&current)?;
            let failed = |reason: String| FetchError::Failed {
                url: current.clone(),
                reason,
            };
            let mut resp = self
                .agent
                .get(&current)
                .header(
                    "Accept",
                    "application/did+json, application/ld+json, application/json",
                )
                .call()
                .map_err(|e| {
                    failed(match e {
                        ureq::Error::HostNotFound => "the host has no public address".to_string(),
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
                current = if location.starts_with("https://") || location.starts_with("http://") {
                    location.to_string()
                } else {
                    let base = current
                        .split_once("://")
                        .map(|(s, r)| (s, r.split('/').next().unwrap_or("")))
                        .unwrap_or(("https", ""));
                    format!(
                        "{}://{}/{}",
                        base.0,
                        base.1,
                        location.trim_start_matches('/')
                    )
                };
                continue;
            }
            if status != 200 {
                return Err(FetchError::Status {
                    url: current,
                    status,
                });
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
