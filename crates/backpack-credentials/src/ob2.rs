//! Open Badges 2.0 (and older) assertions: signed ones (compact JWS) are
//! verified given the issuer's documents through the [`DidResolver`] (which
//! serves any document by URL: offline from files, online through the
//! caller's fetcher); hosted ones are recognised and reported as needing the
//! network. Formats older than 2.0, and containers such as EDC and CLR, are
//! recognised and named.
//!
//! **Key binding (the rule that keeps an attacker's signature from naming any
//! issuer):** the BadgeClass and the issuer Profile are always the documents
//! served at their own `id` URLs, never the copies embedded in the signed
//! payload (those are the signer's words, kept for display only); the
//! creator key document's `owner` must be the Profile's `id`; the Profile must
//! list the key in `publicKey`; and the key URL must be within the Profile's
//! verification scope (`verification.startsWith` / `allowedOrigins`, else the
//! host of the Profile's `id`).

use crate::did::DidResolver;
use crate::report::{Check, CheckKind, Format, Outcome, Report};
use crate::verify::{display_name, InputError, Verifier};
use crate::work::Session;
use backpack_crypto::jose::CompactJws;
use backpack_crypto::multikey::PublicKey;
use serde_json::Value;

const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";

fn context_mentions(doc: &Value, needle: &str) -> bool {
    match doc.get("@context") {
        Some(Value::String(s)) => s.contains(needle),
        Some(Value::Array(a)) => a
            .iter()
            .any(|c| c.as_str().is_some_and(|s| s.contains(needle))),
        _ => false,
    }
}

fn report(format: Format, doc: Option<&Value>, checks: Vec<Check>, signed: bool) -> Report {
    report_with_issuer(format, doc, checks, signed, None)
}

/// `bound_issuer`: the name (else id) of the fetched Profile the key was
/// bound to; it replaces anything the payload says about its issuer.
fn report_with_issuer(
    format: Format,
    doc: Option<&Value>,
    checks: Vec<Check>,
    signed: bool,
    bound_issuer: Option<String>,
) -> Report {
    Report {
        verdict: Report::derive_verdict(&checks, signed),
        format,
        id: doc
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        issuer: bound_issuer.or_else(|| doc.and_then(ob2_issuer_name)),
        name: doc.and_then(display_name),
        container: None,
        checks,
        eu_missing: Vec::new(),
    }
}

fn ob2_issuer_name(doc: &Value) -> Option<String> {
    let badge = doc.get("badge")?;
    match badge.get("issuer")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("id")
            .or_else(|| o.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

/// A bare URL found in a baked image or pasted: a hosted assertion.
pub fn hosted_url_report(url: &str) -> Report {
    let checks = vec![Check::new(
        CheckKind::Proof,
        Outcome::NotChecked,
        "hosted_needs_network",
        format!("hosted badge: the assertion at {url} must be fetched to verify it"),
    )];
    Report {
        verdict: Report::derive_verdict(&checks, false),
        format: Format::Ob2Hosted,
        id: Some(url.to_string()),
        issuer: None,
        name: None,
        container: None,
        checks,
        eu_missing: Vec::new(),
    }
}

/// A European Digital Credential: ELM context, or a JWS JSON serialisation
/// (JAdES seal) wrapping one.
pub fn is_edc(doc: &Value) -> bool {
    context_mentions(doc, "data.europa.eu/snb")
        || (doc.get("payload").is_some() && doc.get("signatures").is_some())
}

/// JSON that is not a VC: OB 2.0 / 1.x / 0.5 assertions, or nothing known.
pub fn classify_json(doc: &Value, _verifier: &Verifier<'_>) -> Result<Report, InputError> {
    if context_mentions(doc, OB2_CONTEXT)
        || doc.get("recipient").is_some() && doc.get("badge").is_some()
    {
        if doc.pointer("/badge/version").and_then(Value::as_str) == Some("0.5.0")
            || doc.get("issued_on").is_some()
                && doc.get("@context").is_none()
                && doc.get("uid").is_none()
        {
            return Err(InputError::Unsupported(
                "Open Badges 0.5 is not supported (unsigned, no verification method)".into(),
            ));
        }
        let url = doc
            .pointer("/verification/url")
            .or_else(|| doc.pointer("/verify/url"))
            .or_else(|| doc.get("id"))
            .and_then(Value::as_str)
            .unwrap_or("(no URL)");
        let version = if doc.get("uid").is_some() && doc.get("@context").is_none() {
            "1.0"
        } else {
            "2.0"
        };
        let mut checks = vec![Check::new(
            CheckKind::Proof,
            Outcome::NotChecked,
            "hosted_needs_network",
            format!("Open Badges {version} hosted assertion: it must be fetched from {url} to verify it"),
        )];
        if doc.get("verify").is_some() && doc.get("verification").is_none() && version == "2.0" {
            checks.push(Check::new(
                CheckKind::Structure,
                Outcome::Warning,
                "ob1_verify_key",
                "uses the 1.x key `verify` instead of `verification`",
            ));
        }
        return Ok(report(Format::Ob2Hosted, Some(doc), checks, false));
    }
    if doc.get("uid").is_some() && doc.get("verify").is_some() {
        let url = doc
            .pointer("/verify/url")
            .and_then(Value::as_str)
            .unwrap_or("(no URL)");
        let checks = vec![Check::new(
            CheckKind::Proof,
            Outcome::NotChecked,
            "hosted_needs_network",
            format!("Open Badges 1.0 hosted assertion: it must be fetched from {url} to verify it"),
        )];
        return Ok(report(Format::Ob2Hosted, Some(doc), checks, false));
    }
    if doc.get("verify").is_some() || doc.get("verification").is_some() {
        let url = doc
            .pointer("/verify/url")
            .or_else(|| doc.pointer("/verification/url"))
            .and_then(Value::as_str)
            .unwrap_or("(no URL)");
        return Ok(hosted_url_report(url));
    }
    Err(InputError::NotACredential(
        "the JSON is neither a Verifiable Credential (no VC @context) nor an Open Badge assertion"
            .into(),
    ))
}

fn fetch(resolver: &dyn DidResolver, url: &str) -> Result<Value, String> {
    resolver.resolve(url).map_err(|e| e.to_string())
}

/// The URL a reference names: a string, or the `id` of an embedded object
/// (whose other members are never trusted).
fn reference(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(url) => Some(url),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The document published at `url`, which must name itself `url`.
fn fetch_own(resolver: &dyn DidResolver, what: &str, url: &str) -> Result<Value, String> {
    let doc =
        fetch(resolver, url).map_err(|e| format!("the {what} {url} is not available ({e})"))?;
    match doc.get("id").and_then(Value::as_str) {
        Some(id) if id == url => Ok(doc),
        other => Err(format!(
            "the {what} fetched from {url} names itself {}",
            other.unwrap_or("nothing")
        )),
    }
}

/// Scheme-less host (with port) of an http(s) URL.
fn host_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(authority)
}

fn strings(v: Option<&Value>) -> Option<Vec<&str>> {
    match v? {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(a) => Some(a.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// The OB 2.0 verification scope of `profile` for the key URL `key_url`:
/// `verification.startsWith` (prefixes), `verification.allowedOrigins`
/// (hosts), else the host of the Profile's own `id`.
fn key_in_scope(profile: &Value, key_url: &str) -> Result<(), String> {
    let policy = profile.get("verification");
    let starts = strings(policy.and_then(|p| p.get("startsWith")));
    let origins = strings(policy.and_then(|p| p.get("allowedOrigins")));
    let key_host = host_of(key_url).map(|h| h.to_ascii_lowercase());
    if let Some(prefixes) = &starts {
        if !prefixes
            .iter()
            .any(|p| !p.is_empty() && key_url.starts_with(p))
        {
            return Err(format!(
                "the key {key_url} does not start with any of the issuer's verification.startsWith {prefixes:?}"
            ));
        }
    }
    if let Some(hosts) = &origins {
        let ok = key_host
            .as_deref()
            .is_some_and(|k| hosts.iter().any(|h| h.eq_ignore_ascii_case(k)));
        if !ok {
            return Err(format!(
                "the key {key_url} is not on any of the issuer's verification.allowedOrigins {hosts:?}"
            ));
        }
    }
    if starts.is_none() && origins.is_none() {
        let profile_id = profile.get("id").and_then(Value::as_str).unwrap_or("");
        let own = host_of(profile_id).map(|h| h.to_ascii_lowercase());
        if own.is_none() || own != key_host {
            return Err(format!(
                "the key {key_url} is not on the issuer's own host ({}), and the issuer allows no other origin",
                own.as_deref().unwrap_or("none")
            ));
        }
    }
    Ok(())
}

/// Bind the creator key to the issuer: the fetched BadgeClass names the
/// Profile, the fetched Profile lists the key, the key names the Profile as
/// its owner, and the key URL is within the Profile's scope. Returns the
/// Profile, or the code and reason of the first rule broken.
fn bind_ob2_key(
    resolver: &dyn DidResolver,
    assertion: &Value,
    creator: &str,
    key_doc: &Value,
) -> Result<Value, (&'static str, String)> {
    let unbound = |reason: String| ("key_not_bound", reason);
    let badge_url = reference(assertion.get("badge"))
        .ok_or_else(|| unbound("the assertion names no BadgeClass URL".into()))?;
    let badge = fetch_own(resolver, "BadgeClass", badge_url).map_err(unbound)?;
    let issuer_url = reference(badge.get("issuer")).ok_or_else(|| {
        unbound(format!(
            "the BadgeClass {badge_url} names no issuer Profile URL"
        ))
    })?;
    let profile = fetch_own(resolver, "issuer profile", issuer_url)
        .map_err(|e| unbound(format!("{e}, so the key cannot be tied to it")))?;
    let listed = match profile.get("publicKey") {
        Some(Value::String(s)) => s == creator,
        Some(Value::Array(a)) => a.iter().any(|k| {
            k.as_str() == Some(creator) || k.get("id").and_then(Value::as_str) == Some(creator)
        }),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str) == Some(creator),
        _ => false,
    };
    if !listed {
        return Err(unbound(format!(
            "the issuer profile {issuer_url} does not list the key {creator}"
        )));
    }
    match key_doc.get("id").and_then(Value::as_str) {
        Some(id) if id == creator => {}
        other => {
            return Err((
                "key_document_mismatch",
                format!(
                    "the key document fetched from {creator} names itself {}",
                    other.unwrap_or("nothing")
                ),
            ))
        }
    }
    let owner = key_doc.get("owner").and_then(Value::as_str);
    if owner != Some(issuer_url) {
        return Err((
            "key_owner_mismatch",
            format!(
                "the key {creator} is owned by {}, not by the issuer {issuer_url}",
                owner.unwrap_or("nobody")
            ),
        ));
    }
    key_in_scope(&profile, creator).map_err(|e| ("key_origin_not_allowed", e))?;
    Ok(profile)
}

/// An OB 2.0 signed assertion: the JWS payload is the assertion.
pub(crate) fn verify_signed(
    jws: &CompactJws,
    assertion: &Value,
    v: &Verifier<'_>,
    s: &Session<'_>,
) -> Result<Report, InputError> {
    if !context_mentions(assertion, OB2_CONTEXT) && assertion.get("badge").is_none() {
        return Err(InputError::NotACredential(
            "the JWS payload is neither a Verifiable Credential nor an Open Badges assertion"
                .into(),
        ));
    }
    let mut checks = Vec::new();
    let mut signed = false;
    let creator = assertion
        .pointer("/verification/creator")
        .and_then(Value::as_str);
    let Some(creator) = creator else {
        checks.push(Check::new(
            CheckKind::Proof,
            Outcome::Failed,
            "ob2_no_creator",
            "a signed assertion must name its key in verification.creator",
        ));
        return Ok(report(Format::Ob2Signed, Some(assertion), checks, false));
    };
    let mut bound_issuer = None;
    let key = s
        .check()
        .map_err(|stop| stop.message())
        .and_then(|()| fetch(v.resolver, creator))
        .and_then(|doc| {
            let pem = doc
                .get("publicKeyPem")
                .and_then(Value::as_str)
                .ok_or("the key document has no publicKeyPem")?;
            let key = PublicKey::from_pem(pem).map_err(|e| e.to_string())?;
            Ok((key, doc))
        });
    match key {
        Err(reason) => checks.push(Check::new(
            CheckKind::Proof,
            Outcome::NotChecked,
            "ob2_key_unavailable",
            format!("the key {creator} is not available ({reason})"),
        )),
        Ok((key, key_doc)) => match backpack_crypto::jose::verify_compact(jws, &key) {
            Err(e) => checks.push(Check::new(
                CheckKind::Proof,
                Outcome::Failed,
                e.code(),
                e.to_string(),
            )),
            Ok(alg) => {
                checks.push(Check::new(
                    CheckKind::Proof,
                    Outcome::Passed,
                    "signature_valid",
                    format!("OB 2.0 signature ({alg:?}) is valid"),
                ));
                // The key must be one the issuer publishes, read from the
                // issuer's own documents, never from the payload.
                match bind_ob2_key(v.resolver, assertion, creator, &key_doc) {
                    Err((code, reason)) => checks.push(Check::new(
                        CheckKind::KeyBinding,
                        Outcome::Failed,
                        code,
                        reason,
                    )),
                    Ok(profile) => {
                        signed = true;
                        let profile_id = profile.get("id").and_then(Value::as_str).unwrap_or("");
                        checks.push(Check::new(
                            CheckKind::KeyBinding,
                            Outcome::Passed,
                            "key_bound",
                            format!("the issuer profile {profile_id} lists this key and owns it"),
                        ));
                        bound_issuer = profile
                            .get("name")
                            .and_then(Value::as_str)
                            .or(Some(profile_id))
                            .map(str::to_string);
                        checks.push(revocation_check(v.resolver, &profile, assertion, s));
                    }
                }
            }
        },
    }
    if let Some(expires) = assertion.get("expires").and_then(Value::as_str) {
        match crate::model::parse_datetime(expires) {
            Ok(t) if t < v.now => checks.push(Check::new(
                CheckKind::Validity,
                Outcome::Failed,
                "expired",
                format!("expired on {expires}"),
            )),
            Ok(_) => checks.push(Check::new(
                CheckKind::Validity,
                Outcome::Passed,
                "valid_now",
                format!("valid until {expires}"),
            )),
            Err(_) => checks.push(Check::new(
                CheckKind::Structure,
                Outcome::Failed,
                "bad_date",
                "expires is not a valid date-time",
            )),
        }
    }
    Ok(report_with_issuer(
        Format::Ob2Signed,
        Some(assertion),
        checks,
        signed,
        bound_issuer,
    ))
}

fn revocation_check(
    resolver: &dyn DidResolver,
    issuer: &Value,
    assertion: &Value,
    s: &Session<'_>,
) -> Check {
    let Some(url) = issuer.get("revocationList").and_then(Value::as_str) else {
        return Check::new(
            CheckKind::Status,
            Outcome::Passed,
            "no_status",
            "the issuer publishes no revocation list",
        );
    };
    if let Err(stop) = s.spend(|w| w.status_list_fetches += 1) {
        return Check::new(
            CheckKind::Status,
            Outcome::NotChecked,
            stop.code(),
            stop.message(),
        );
    }
    let list = match fetch(resolver, url) {
        Ok(l) => l,
        Err(reason) => {
            return Check::new(
                CheckKind::Status,
                Outcome::NotChecked,
                "status_not_checked",
                format!(
                    "could not check revocation: the revocation list is not available ({reason})"
                ),
            )
        }
    };
    let id = assertion.get("id").and_then(Value::as_str).unwrap_or("");
    let uid = assertion.get("uid").and_then(Value::as_str).unwrap_or("");
    let entries = list
        .get("revokedAssertions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for e in entries {
        let (eid, reason) = match &e {
            Value::String(s) => (s.clone(), None),
            Value::Object(o) => (
                o.get("id")
                    .or_else(|| o.get("uid"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                o.get("revocationReason")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            _ => continue,
        };
        if !eid.is_empty() && (eid == id || eid == uid) {
            let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
            return Check::new(
                CheckKind::Status,
                Outcome::Failed,
                "revoked",
                format!("revoked by the issuer{why}"),
            );
        }
    }
    Check::new(
        CheckKind::Status,
        Outcome::Passed,
        "status_ok",
        "not revoked",
    )
}
