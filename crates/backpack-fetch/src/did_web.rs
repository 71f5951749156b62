//! did:web DID to URL (W3C did:web method, "Read (Resolve)").

/// `did:web:example.com` → `https://example.com/.well-known/did.json`;
/// `did:web:example.com:u:alice` → `https://example.com/u/alice/did.json`;
/// a port is percent-encoded (`example.com%3A8443`). With `allow_local_http`,
/// a loopback host is reached over plain http (testing only).
pub fn did_web_url(did: &str, allow_local_http: bool) -> Result<String, String> {
    let rest = did.strip_prefix("did:web:").ok_or("not a did:web")?;
    let rest = rest.split(['#', '?']).next().unwrap_or(rest);
    let mut parts = rest.split(':');
    let host = parts.next().filter(|h| !h.is_empty()).ok_or("no host")?;
    let host = host.replace("%3A", ":").replace("%3a", ":");
    if host.contains(['/', '@', '%', '\\']) {
        return Err(format!("invalid did:web host {host:?}"));
    }
    let path: Vec<&str> = parts.collect();
    if path
        .iter()
        .any(|p| p.is_empty() || p.contains(['/', '%', '\\']) || *p == "." || *p == "..")
    {
        return Err("invalid did:web path".into());
    }
    let bare = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    let loopback = bare == "localhost" || bare == "127.0.0.1" || bare == "[::1]";
    let scheme = if allow_local_http && loopback {
        "http"
    } else {
        "https"
    };
    Ok(if path.is_empty() {
        format!("{scheme}://{host}/.well-known/did.json")
    } else {
        format!("{scheme}://{host}/{}/did.json", path.join("/"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            did_web_url("did:web:example.com", false).unwrap(),
            "https://example.com/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com:u:alice", false).unwrap(),
            "https://example.com/u/alice/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com%3A8443", false).unwrap(),
            "https://example.com:8443/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:127.0.0.1%3A8080", true).unwrap(),
            "http://127.0.0.1:8080/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:127.0.0.1%3A8080", false).unwrap(),
            "https://127.0.0.1:8080/.well-known/did.json"
        );
        assert!(did_web_url("did:web:a.com:..:x", false).is_err());
        assert!(did_web_url("did:web:user@evil.com", false).is_err());
        assert!(did_web_url("did:key:z6Mk", false).is_err());
    }
}
