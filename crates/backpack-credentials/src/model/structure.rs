//! Structure rules: what a verifier reports under "structure".

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Which VC data model a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcVersion {
    V1_1,
    V2_0,
}

/// How serious a structure issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One structure problem, located by JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureIssue {
    pub code: String,
    pub message: String,
    pub path: String,
    pub severity: Severity,
}

const VC2: &str = "https://www.w3.org/ns/credentials/v2";
const VC1: &str = "https://www.w3.org/2018/credentials/v1";

/// Parse an XML Schema dateTime as credentials write it (RFC 3339; a missing
/// offset is read as UTC).
pub fn parse_datetime(s: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(s, &Rfc3339).or_else(|e| {
        // `get`: byte 19 may fall inside a multi-byte character.
        let no_offset = s.get(19..).is_some_and(|rest| !rest.contains(['+', '-']));
        if no_offset && !s.ends_with('Z') {
            OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339)
        } else {
            Err(e)
        }
    })
}

fn version(doc: &Value) -> Option<VcVersion> {
    let first = match doc.get("@context")? {
        Value::String(s) => s.as_str(),
        Value::Array(a) => a.first()?.as_str()?,
        _ => return None,
    };
    match first {
        VC2 => Some(VcVersion::V2_0),
        VC1 => Some(VcVersion::V1_1),
        _ => None,
    }
}

/// `validFrom`/`validUntil` (VC 2.0) or `issuanceDate`/`expirationDate` (VC 1.1).
pub fn validity_window(doc: &Value) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
    let date = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .and_then(|s| parse_datetime(s).ok())
    };
    (
        date("validFrom").or_else(|| date("issuanceDate")),
        date("validUntil").or_else(|| date("expirationDate")),
    )
}

fn types(v: &Value) -> Vec<&str> {
    match v.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

struct Issues(Vec<StructureIssue>);

impl Issues {
    fn push(&mut self, severity: Severity, code: &str, path: &str, message: impl Into<String>) {
        self.0.push(StructureIssue {
            code: code.into(),
            message: message.into(),
            path: path.into(),
            severity,
        });
    }
    fn error(&mut self, code: &str, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, code, path, message);
    }
    fn warn(&mut self, code: &str, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, code, path, message);
    }
}

fn is_iri(s: &str) -> bool {
    s.contains(':') && !s.contains(char::is_whitespace)
}

fn has_text(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Object(o)) => o.get("@value").is_some_and(Value::is_string),
        Some(Value::Array(a)) => !a.is_empty(),
        _ => false,
    }
}

/// The structure rules of VC 2.0 / 1.1 and Open Badges 3.0.
pub fn check_structure(doc: &Value) -> Vec<StructureIssue> {
    let mut out = Issues(Vec::new());
    let Some(v) = version(doc) else {
        out.error(
            "context_not_vc",
            "/@context",
            "the first @context must be the VC 2.0 (or VC 1.1) context",
        );
        return out.0;
    };
    let ty = types(doc);
    if !ty.contains(&"VerifiableCredential") {
        out.error(
            "type_missing",
            "/type",
            "type must include VerifiableCredential",
        );
    }
    match doc.get("issuer") {
        None => out.error(
            "issuer_missing",
            "/issuer",
            "the credential names no issuer",
        ),
        Some(Value::String(s)) if is_iri(s) => {}
        Some(Value::Object(o)) if o.get("id").and_then(Value::as_str).is_some_and(is_iri) => {}
        Some(_) => out.error(
            "issuer_invalid",
            "/issuer",
            "the issuer must be an IRI or an object with an IRI id",
        ),
    }
    let (from_key, until_key) = match v {
        VcVersion::V2_0 => ("validFrom", "validUntil"),
        VcVersion::V1_1 => ("issuanceDate", "expirationDate"),
    };
    for key in [from_key, until_key] {
        if let Some(d) = doc.get(key) {
            if d.as_str().is_none_or(|s| parse_datetime(s).is_err()) {
                out.error(
                    "date_invalid",
                    &format!("/{key}"),
                    format!("{key} is not a valid date-time"),
                );
            }
        }
    }
    if v == VcVersion::V1_1 && doc.get("issuanceDate").is_none() {
        out.error(
            "issuance_date_missing",
            "/issuanceDate",
            "a VC 1.1 credential must have issuanceDate",
        );
    }
    let subjects: Vec<&Value> = match doc.get("credentialSubject") {
        None => {
            out.error(
                "subject_missing",
                "/credentialSubject",
                "the credential has no credentialSubject",
            );
            Vec::new()
        }
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s) => vec![s],
    };
    let is_ob = ty
        .iter()
        .any(|t| *t == "OpenBadgeCredential" || *t == "AchievementCredential");
    if is_ob {
        if v == VcVersion::V2_0 && doc.get("validFrom").is_none() {
            out.error(
                "valid_from_missing",
                "/validFrom",
                "an Open Badges 3.0 credential must have validFrom",
            );
        }
        if doc.get("id").is_none() {
            out.warn(
                "id_missing",
                "/id",
                "Open Badges 3.0 credentials should have an id",
            );
        }
        for (i, s) in subjects.iter().enumerate() {
            let p = if subjects.len() > 1 {
                format!("/credentialSubject/{i}")
            } else {
                "/credentialSubject".to_string()
            };
            if s.get("id").is_none() && s.get("identifier").is_none() {
                out.warn(
                    "subject_unidentified",
                    &p,
                    "the learner is identified neither by id nor by identifier (Open Badges 3.0 requires one)",
                );
            }
            match s.get("achievement") {
                None => out.error(
                    "achievement_missing",
                    &format!("{p}/achievement"),
                    "an Open Badges 3.0 subject must have an achievement",
                ),
                Some(a) => {
                    let ap = format!("{p}/achievement");
                    if a.get("id").is_none() {
                        out.error(
                            "achievement_id_missing",
                            &format!("{ap}/id"),
                            "the achievement has no id",
                        );
                    }
                    if !has_text(a.get("name")) {
                        out.error(
                            "achievement_name_missing",
                            &format!("{ap}/name"),
                            "the achievement has no name",
                        );
                    }
                    if !has_text(a.get("description")) {
                        out.warn(
                            "achievement_description_missing",
                            &format!("{ap}/description"),
                            "the achievement has no description",
                        );
                    }
                    if a.get("criteria").is_none() {
                        out.warn(
                            "achievement_criteria_missing",
                            &format!("{ap}/criteria"),
                            "the achievement has no criteria",
                        );
                    }
                }
            }
        }
    }
    if let Err(e) = super::Credential::from_value(doc) {
        out.warn(
            "model_mismatch",
            "/",
            format!("a member has an unexpected shape: {e}"),
        );
    }
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates() {
        assert!(parse_datetime("2024-01-01T00:00:00Z").is_ok());
        assert!(parse_datetime("2024-01-01T00:00:00.123+02:00").is_ok());
        assert!(parse_datetime("2024-01-01T00:00:00").is_ok());
        assert!(parse_datetime("yesterday").is_err());
        assert!(parse_datetime("2024-13-01T00:00:00Z").is_err());
        // Never a panic: a multi-byte character across byte 19.
        assert!(parse_datetime("aaaaaaaaaaaaaaaaaa\u{e9}").is_err());
        assert!(parse_datetime("2024-01-01T00:00:0\u{e9}").is_err());
    }

    #[test]
    fn missing_parts_are_reported() {
        let doc = json!({"@context": [VC2], "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": "not an iri"});
        let codes: Vec<String> = check_structure(&doc).into_iter().map(|i| i.code).collect();
        for c in ["issuer_invalid", "subject_missing", "valid_from_missing"] {
            assert!(codes.contains(&c.to_string()), "{c} in {codes:?}");
        }
        let doc = json!({"@context": ["https://example.org"]});
        assert_eq!(check_structure(&doc)[0].code, "context_not_vc");
    }
}
