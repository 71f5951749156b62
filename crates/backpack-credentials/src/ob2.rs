//! Open Badges 2.0 (and older) assertions: signed ones (compact JWS) are
//! verified given the issuer's documents through the [`DidResolver`] (which
//! serves any document by URL: offline from files, online through the
//! caller's fetcher); hosted ones are recognised and reported as needing the
//! network. Formats older than 2.0, and containers such as EDC and CLR, are
//! recognised and named.

use crate::did::DidResolver;
use crate::report::{Check, CheckKind, Format, Outcome, Report};
use crate::verify::{display_name, InputError, Verifier};
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
    Report {
        verdict: Report::derive_verdict(&checks, signed),
        format,
        id: doc
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        issuer: doc.and_then(ob2_issuer_name),
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

fn embedded_or_fetched(resolver: &dyn DidResolver, v: Option<&Value>) -> Result<Value, String> {
    match v {
        Some(Value::String(url)) => fetch(resolver, url),
        Some(obj @ Value::Object(_)) => Ok(obj.clone()),
        _ => Err("missing".into()),
    }
}

/// An OB 2.0 signed assertion: the JWS payload is the assertion.
pub fn verify_signed(
    jws: &CompactJws,
    assertion: &Value,
    v: &Verifier<'_>,
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
    let key = fetch(v.resolver, creator).and_then(|doc| {
        let pem = doc
            .get("publicKeyPem")
            .and_then(Value::as_str)
            .ok_or("the key document has no publicKeyPem")?;
        PublicKey::from_pem(pem).map_err(|e| e.to_string())
    });
    match key {
        Err(reason) => checks.push(Check::new(
            CheckKind::Proof,
            Outcome::NotChecked,
            "ob2_key_unavailable",
            format!("the key {creator} is not available ({reason})"),
        )),
        Ok(key) => match backpack_crypto::jose::verify_compact(jws, &key) {
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
                // The key must be one the issuer publishes.
                let issuer = embedded_or_fetched(v.resolver, assertion.get("badge"))
                    .and_then(|badge| embedded_or_fetched(v.resolver, badge.get("issuer")));
                match issuer {
                    Err(reason) => checks.push(Check::new(CheckKind::KeyBinding, Outcome::Failed, "key_not_bound", format!("the issuer profile is not available ({reason}), so the key cannot be tied to it"))),
                    Ok(issuer) => {
                        let listed = match issuer.get("publicKey") {
                            Some(Value::String(s)) => s == creator,
                            Some(Value::Array(a)) => a.iter().any(|k| k.as_str() == Some(creator) || k.get("id").and_then(Value::as_str) == Some(creator)),
                            Some(Value::Object(o)) => o.get("id").and_then(Value::as_str) == Some(creator),
                            _ => false,
                        };
                        if listed {
                            signed = true;
                            checks.push(Check::new(CheckKind::KeyBinding, Outcome::Passed, "key_bound", "the issuer profile lists this key"));
                        } else {
                            checks.push(Check::new(CheckKind::KeyBinding, Outcome::Failed, "key_not_bound", "the issuer profile does not list this key"));
                        }
                        checks.push(revocation_check(v.resolver, &issuer, assertion));
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
    Ok(report(Format::Ob2Signed, Some(assertion), checks, signed))
}

fn revocation_check(resolver: &dyn DidResolver, issuer: &Value, assertion: &Value) -> Check {
    let Some(url) = issuer.get("revocationList").and_then(Value::as_str) else {
        return Check::new(
            CheckKind::Status,
            Outcome::Passed,
            "no_status",
            "the issuer publishes no revocation list",
        );
    };
    let list = match fetch(resolver, url) {
        Ok(l) => l,
        Err(reason) => {
            return Check::new(
                CheckKind::Status,
                Outcome::NotChecked,
                "status_not_checked",
                format!("the revocation list is not available ({reason})"),
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
