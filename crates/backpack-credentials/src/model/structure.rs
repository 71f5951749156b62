//! Structure rules: what a verifier reports under "structure", and what the
//! signer refuses (`crate::sign::prepare` runs the same function, so the same
//! codes come out). The VC Data Model 2.0 MUSTs checked here, by section:
//! §4.5 `type` on `credentialStatus`, `termsOfUse`, `evidence`,
//! `refreshService` and `credentialSchema` objects (and the schema's URL
//! `id`, §4.11); §4.8 `credentialSubject` objects that are not empty; §4.9
//! `validUntil` not before `validFrom`; §5.3 `relatedResource` (see
//! `related`). VC 1.1 credentials get the same object rules, and
//! `issuanceDate` instead of `validFrom`.

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
    /// Could not be decided without something this crate never does (a
    /// fetch): reported as "not checked", never changes the verdict.
    NotChecked,
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

/// Which data model `doc` follows, by its first `@context`.
pub fn vc_version(doc: &Value) -> Option<VcVersion> {
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

pub(super) struct Issues(pub(super) Vec<StructureIssue>);

impl Issues {
    fn push(&mut self, severity: Severity, code: &str, path: &str, message: impl Into<String>) {
        self.0.push(StructureIssue {
            code: code.into(),
            message: message.into(),
            path: path.into(),
            severity,
        });
    }
    pub(super) fn error(&mut self, code: &str, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, code, path, message);
    }
    fn warn(&mut self, code: &str, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, code, path, message);
    }
    pub(super) fn not_checked(&mut self, code: &str, path: &str, message: impl Into<String>) {
        self.push(Severity::NotChecked, code, path, message);
    }
}

pub(super) fn is_iri(s: &str) -> bool {
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

/// Properties whose values are objects that MUST name their `type` (VC 2.0
/// §4.5; VC 1.1 §4.9–4.12 and §5.4–5.6 say the same), with the code prefix.
const TYPED_OBJECTS: [(&str, &str); 5] = [
    ("credentialStatus", "credential_status"),
    ("termsOfUse", "terms_of_use"),
    ("evidence", "evidence"),
    ("refreshService", "refresh_service"),
    ("credentialSchema", "credential_schema"),
];

fn has_type(o: &serde_json::Map<String, Value>) -> bool {
    match o.get("type") {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => {
            !a.is_empty() && a.iter().all(|t| t.as_str().is_some_and(|t| !t.is_empty()))
        }
        _ => false,
    }
}

/// `credentialStatus`, `termsOfUse`, `evidence`, `refreshService`,
/// `credentialSchema`: one object or a list of them, each with a `type`;
/// a schema also has a URL `id` (VC 2.0 §4.11).
fn typed_objects(doc: &Value, out: &mut Issues) {
    for (key, prefix) in TYPED_OBJECTS {
        let Some(value) = doc.get(key) else { continue };
        let items: Vec<(String, &Value)> = match value {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (format!("/{key}/{i}"), x))
                .collect(),
            other => vec![(format!("/{key}"), other)],
        };
        if items.is_empty() {
            out.error(
                &format!("{prefix}_invalid"),
                &format!("/{key}"),
                format!("{key} must be one or more objects"),
            );
        }
        for (path, item) in items {
            let Value::Object(o) = item else {
                out.error(
                    &format!("{prefix}_invalid"),
                    &path,
                    format!("each {key} must be an object"),
                );
                continue;
            };
            if !has_type(o) {
                out.error(
                    &format!("{prefix}_type_missing"),
                    &format!("{path}/type"),
                    format!("each {key} must specify its type"),
                );
            }
            if key == "credentialSchema" && !o.get("id").and_then(Value::as_str).is_some_and(is_iri)
            {
                out.error(
                    "credential_schema_id_invalid",
                    &format!("{path}/id"),
                    "each credentialSchema must have an id that is a URL",
                );
            }
        }
    }
}

/// The structure rules of VC 2.0 / 1.1 and Open Badges 3.0.
pub fn check_structure(doc: &Value) -> Vec<StructureIssue> {
    let mut out = Issues(Vec::new());
    let Some(v) = vc_version(doc) else {
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
    if v == VcVersion::V2_0 {
        let (from, until) = (
            doc.get("validFrom")
                .and_then(Value::as_str)
                .map(parse_datetime),
            doc.get("validUntil")
                .and_then(Value::as_str)
                .map(parse_datetime),
        );
        if let (Some(Ok(from)), Some(Ok(until))) = (from, until) {
            if until < from {
                out.error(
                    "valid_until_before_valid_from",
                    "/validUntil",
                    "validUntil must not be earlier than validFrom",
                );
            }
        }
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
        Some(Value::Array(a)) => {
            if a.is_empty() {
                out.error(
                    "subject_empty",
                    "/credentialSubject",
                    "credentialSubject is an empty list: a credential makes claims about at least one subject",
                );
            }
            a.iter().collect()
        }
        Some(s) => vec![s],
    };
    for (i, s) in subjects.iter().enumerate() {
        let p = if matches!(doc.get("credentialSubject"), Some(Value::Array(_))) {
            format!("/credentialSubject/{i}")
        } else {
            "/credentialSubject".to_string()
        };
        match s {
            Value::Object(o) if !o.is_empty() => {}
            Value::Object(_) => out.error(
                "subject_empty",
                &p,
                "a credentialSubject must hold at least one claim (or an id)",
            ),
            _ => out.error(
                "subject_invalid",
                &p,
                "a credentialSubject must be an object",
            ),
        }
    }
    typed_objects(doc, &mut out);
    super::related::check(doc, &mut out);
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
    coalesce(out.0)
}

/// One issue per code: the first, with how many more there were (a list of
/// 40,000 untyped evidence objects is one finding, not 40,000).
fn coalesce(issues: Vec<StructureIssue>) -> Vec<StructureIssue> {
    let mut out: Vec<(StructureIssue, usize)> = Vec::new();
    for issue in issues {
        match out.iter_mut().find(|(i, _)| i.code == issue.code) {
            Some((_, more)) => *more += 1,
            None => out.push((issue, 0)),
        }
    }
    out.into_iter()
        .map(|(mut i, more)| {
            if more > 0 {
                i.message = format!("{} (and {more} more like it)", i.message);
            }
            i
        })
        .collect()
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

    fn minimal() -> Value {
        json!({
            "@context": [VC2],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:subject"}
        })
    }

    fn errors(doc: &Value) -> Vec<String> {
        check_structure(doc)
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .map(|i| i.code)
            .collect()
    }

    #[test]
    fn a_minimal_credential_breaks_no_rule() {
        assert_eq!(errors(&minimal()), Vec::<String>::new());
        let mut v11 = minimal();
        v11["@context"] = json!([VC1]);
        v11["issuanceDate"] = json!("2020-01-01T00:00:00Z");
        assert_eq!(errors(&v11), Vec::<String>::new());
        v11.as_object_mut().unwrap().remove("issuanceDate");
        assert_eq!(errors(&v11), ["issuance_date_missing"]);
    }

    #[test]
    fn objects_that_must_name_their_type() {
        for (key, code) in [
            ("credentialStatus", "credential_status_type_missing"),
            ("termsOfUse", "terms_of_use_type_missing"),
            ("evidence", "evidence_type_missing"),
            ("refreshService", "refresh_service_type_missing"),
            ("credentialSchema", "credential_schema_type_missing"),
        ] {
            let mut doc = minimal();
            doc[key] = json!({"id": "https://example.org/x"});
            assert_eq!(errors(&doc), [code], "{key}");
            // The same inside a list, and with an empty type.
            doc[key] = json!([{"id": "https://example.org/x", "type": "T"}, {"id": "https://example.org/y", "type": []}]);
            assert_eq!(errors(&doc), [code], "{key} in a list");
            doc[key] = json!({"id": "https://example.org/x", "type": ["T"]});
            assert_eq!(errors(&doc), Vec::<String>::new(), "{key} typed");
            doc[key] = json!("https://example.org/x");
            assert_eq!(
                errors(&doc),
                [code.replace("_type_missing", "_invalid")],
                "{key} as a string"
            );
        }
    }

    #[test]
    fn a_credential_schema_needs_a_url_id() {
        let mut doc = minimal();
        doc["credentialSchema"] = json!({"type": "JsonSchema"});
        assert_eq!(errors(&doc), ["credential_schema_id_invalid"]);
        doc["credentialSchema"] = json!({"type": "JsonSchema", "id": "not a url"});
        assert_eq!(errors(&doc), ["credential_schema_id_invalid"]);
    }

    #[test]
    fn subjects_must_be_objects_with_a_claim() {
        let mut doc = minimal();
        doc["credentialSubject"] = json!({});
        assert_eq!(errors(&doc), ["subject_empty"]);
        doc["credentialSubject"] = json!([{"id": "did:example:subject"}, {}]);
        assert_eq!(errors(&doc), ["subject_empty"]);
        doc["credentialSubject"] = json!([]);
        assert_eq!(errors(&doc), ["subject_empty"]);
        doc["credentialSubject"] = json!("did:example:subject");
        assert_eq!(errors(&doc), ["subject_invalid"]);
        doc["credentialSubject"] = json!({"name": "Alice"});
        assert_eq!(errors(&doc), Vec::<String>::new());
    }

    #[test]
    fn valid_until_must_not_precede_valid_from() {
        let mut doc = minimal();
        doc["validFrom"] = json!("2025-01-01T00:00:00Z");
        doc["validUntil"] = json!("2024-12-31T23:59:59Z");
        assert_eq!(errors(&doc), ["valid_until_before_valid_from"]);
        doc["validUntil"] = json!("2025-01-01T00:00:00Z");
        assert_eq!(errors(&doc), Vec::<String>::new());
        doc["validFrom"] = json!("Sat 25 Feb 2023 07:16:31 PM CST");
        assert_eq!(errors(&doc), ["date_invalid"]);
    }
}
