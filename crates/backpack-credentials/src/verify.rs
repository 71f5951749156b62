//! The verifier: bytes in, a [`Report`] out.
//!
//! Input may be JSON (VC 2.0, VC 1.1, OB 3.0, OB 2.0), a compact JWT, or a
//! baked PNG/SVG. Every check is reported separately; the verdict follows
//! from them ([`Report::derive_verdict`]). The rules that keep a good
//! signature from proving the wrong thing live here and in [`crate::did`]:
//! a key counts only when the issuer's own document lists it under
//! `assertionMethod`; a key in a URL fragment or a JWT header proves nothing
//! (except a header key that is the issuer's own did:key).

use crate::did::{bind_header_key, bind_key, issuer_id, key_named_by, Binding, DidResolver};
use crate::json::{parse_limited, JsonError};
use crate::limits::{
    MAX_CREDENTIAL_BYTES, MAX_CREDENTIAL_QUADS, MAX_PROOFS, MAX_STATUS_ENTRIES, MAX_VERIFY_DEPTH,
};
use crate::model;
use crate::proof::{self, ProofError, Suite};
use crate::report::{Check, CheckKind, Format, Outcome, Report};
use crate::status::{Bitstring, StatusListSource, MIN_LIST_BITS};
use crate::work::{Deadline, Session, Work};
use backpack_jsonld::{JsonLdError, Processor};
use serde_json::Value;
use std::rc::Rc;
use time::OffsetDateTime;

/// What the verifier needs from its caller.
pub struct Verifier<'a> {
    pub processor: &'a Processor,
    pub resolver: &'a dyn DidResolver,
    pub status_lists: &'a dyn StatusListSource,
    /// The time to judge validity at.
    pub now: OffsetDateTime,
    /// Asked before each expensive step (look-ups, canonicalisation, list
    /// decoding); past it the rest is "not checked". The operation budget
    /// ([`crate::limits::MAX_VERIFY_OPERATIONS`]) applies in any case.
    pub deadline: &'a dyn Deadline,
}

/// What a status list URL gave, once per verification.
pub(crate) enum ListOutcome {
    /// Not usable: the check every entry naming it reports.
    Unusable(Check),
    Usable {
        issuer: Option<String>,
        purposes: Option<Value>,
        /// The decoded list, or the check to report.
        bits: Result<Bitstring, Check>,
        warning: Option<String>,
    },
}

/// A JSON-LD failure as a context check; the credential quad cap gets its own
/// code.
fn jsonld_check(e: &JsonLdError) -> Check {
    match e {
        JsonLdError::TooManyQuads { limit } => Check::new(
            CheckKind::Context,
            Outcome::Failed,
            "credential_too_complex",
            format!("the credential expands to more than {limit} RDF statements (a real badge has well under 1,000); it was not checked further"),
        ),
        other => Check::new(CheckKind::Context, Outcome::Failed, other.code(), other.to_string()),
    }
}

/// Input that is not a credential at all (exit code 2 in the CLI).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    #[error(transparent)]
    Json(#[from] JsonError),
    #[error("image: {0}")]
    Image(String),
    #[error("not a credential: {0}")]
    NotACredential(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl InputError {
    pub fn code(&self) -> &'static str {
        match self {
            InputError::Json(e) => e.code(),
            InputError::Image(_) => "image_unreadable",
            InputError::NotACredential(_) => "not_a_credential",
            InputError::Unsupported(_) => "unsupported_format",
        }
    }
}

const VC2: &str = "https://www.w3.org/ns/credentials/v2";
const VC1: &str = "https://www.w3.org/2018/credentials/v1";

fn first_context(doc: &Value) -> Option<&str> {
    match doc.get("@context")? {
        Value::String(s) => Some(s),
        Value::Array(a) => a.first().and_then(Value::as_str),
        _ => None,
    }
}

fn is_vc(doc: &Value) -> bool {
    matches!(first_context(doc), Some(VC2) | Some(VC1))
}

fn looks_like_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("ey")
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl Verifier<'_> {
    /// Verify one input of any supported kind.
    pub fn verify_bytes(&self, bytes: &[u8]) -> Result<Report, InputError> {
        self.verify_bytes_measured(bytes).map(|(report, _)| report)
    }

    /// [`Verifier::verify_bytes`], and the work it did.
    pub fn verify_bytes_measured(&self, bytes: &[u8]) -> Result<(Report, Work), InputError> {
        let session = Session::new(self.deadline);
        let report = self.bytes_in(bytes, &session)?;
        Ok((report, session.work()))
    }

    fn bytes_in(&self, bytes: &[u8], s: &Session<'_>) -> Result<Report, InputError> {
        if bytes.len() > MAX_CREDENTIAL_BYTES.max(backpack_bake::limits::MAX_IMAGE_BYTES) {
            return Err(JsonError::TooLarge {
                size: bytes.len(),
                limit: MAX_CREDENTIAL_BYTES.max(backpack_bake::limits::MAX_IMAGE_BYTES),
            }
            .into());
        }
        if let Some(kind) = backpack_bake::sniff(bytes) {
            let baked =
                backpack_bake::unbake(bytes).map_err(|e| InputError::Image(e.to_string()))?;
            let container = match (kind, baked.format) {
                (backpack_bake::ImageKind::Png, backpack_bake::BakedFormat::Ob3) => {
                    "png:openbadgecredential"
                }
                (backpack_bake::ImageKind::Png, backpack_bake::BakedFormat::Ob2) => {
                    "png:openbadges"
                }
                (backpack_bake::ImageKind::Svg, backpack_bake::BakedFormat::Ob3) => {
                    "svg:openbadges:credential"
                }
                (backpack_bake::ImageKind::Svg, backpack_bake::BakedFormat::Ob2) => {
                    "svg:openbadges:assertion"
                }
            };
            let mut report = self.text_in(baked.text.trim(), s)?;
            report.container = Some(container.to_string());
            return Ok(report);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| JsonError::NotUtf8)?;
        self.text_in(text.trim(), s)
    }

    /// Verify a JSON document, a compact JWS, or a URL (hosted badge).
    pub fn verify_text(&self, text: &str) -> Result<Report, InputError> {
        self.text_in(text, &Session::new(self.deadline))
    }

    fn text_in(&self, text: &str, s: &Session<'_>) -> Result<Report, InputError> {
        if text.starts_with('{') {
            let doc = parse_limited(text.as_bytes())?;
            return self.json_in(&doc, s);
        }
        if looks_like_jws(text) {
            if text.len() > MAX_CREDENTIAL_BYTES {
                return Err(JsonError::TooLarge {
                    size: text.len(),
                    limit: MAX_CREDENTIAL_BYTES,
                }
                .into());
            }
            return self.jws_in(text, s);
        }
        if text.starts_with("https://") || text.starts_with("http://") {
            return Ok(crate::ob2::hosted_url_report(text));
        }
        if text.starts_with('<') {
            let head: String = text.chars().take(4096).collect();
            if head.contains("europass")
                || head.contains("verifiablePresentation")
                || head.contains("data.europa.eu")
            {
                return Err(InputError::Unsupported(
                    "a European Digital Credential in ELM v2 XML with an XAdES signature; this format is superseded and not supported".into(),
                ));
            }
            return Err(InputError::NotACredential(
                "XML that is not a baked SVG badge".into(),
            ));
        }
        Err(InputError::NotACredential(
            "expected JSON, a compact JWT, or a baked PNG/SVG image".into(),
        ))
    }

    /// Verify a parsed JSON document.
    pub fn verify_json(&self, doc: &Value) -> Result<Report, InputError> {
        self.json_in(doc, &Session::new(self.deadline))
    }

    fn json_in(&self, doc: &Value, s: &Session<'_>) -> Result<Report, InputError> {
        if !doc.is_object() {
            return Err(InputError::NotACredential(
                "the JSON is not an object".into(),
            ));
        }
        if crate::ob2::is_edc(doc) {
            return Err(InputError::Unsupported(
                "a European Digital Credential (ELM) sealed with JAdES; EDC verification is not supported yet".into(),
            ));
        }
        if is_vc(doc) {
            return Ok(self.vc_in(doc, 0, s).0);
        }
        crate::ob2::classify_json(doc, self)
    }

    fn jws_in(&self, token: &str, s: &Session<'_>) -> Result<Report, InputError> {
        let jws = backpack_crypto::jose::parse_compact(token)
            .map_err(|e| InputError::NotACredential(format!("malformed JWT: {e}")))?;
        let payload = parse_limited(&jws.payload)?;
        if payload.get("vc").is_some() || is_vc(&payload) {
            return Ok(self.vc_jwt_in(&jws, &payload, s));
        }
        crate::ob2::verify_signed(&jws, &payload, self, s)
    }

    /// The VC checks shared by every proof format: structure, validity,
    /// status, and (informative) EU micro-credential completeness. Returns
    /// the codes of the missing EU elements.
    fn common_checks(
        &self,
        doc: &Value,
        depth: usize,
        checks: &mut Vec<Check>,
        s: &Session<'_>,
    ) -> Vec<String> {
        let issues = model::check_structure(doc);
        let mut any_error = false;
        for issue in &issues {
            let outcome = match issue.severity {
                model::Severity::Error => {
                    any_error = true;
                    Outcome::Failed
                }
                model::Severity::Warning => Outcome::Warning,
                model::Severity::NotChecked => Outcome::NotChecked,
            };
            checks.push(Check::new(
                CheckKind::Structure,
                outcome,
                &issue.code,
                format!("{} (at {})", issue.message, issue.path),
            ));
        }
        if !any_error {
            checks.push(Check::new(
                CheckKind::Structure,
                Outcome::Passed,
                "structure_ok",
                "the document has the shape of a verifiable credential",
            ));
        }
        checks.push(self.validity_check(doc));
        if depth < MAX_VERIFY_DEPTH {
            checks.extend(self.status_checks(doc, depth, s));
        }
        match crate::eu::completeness_check(doc) {
            Some((check, missing)) => {
                checks.push(check);
                missing.iter().map(|e| e.code().to_string()).collect()
            }
            None => Vec::new(),
        }
    }

    fn validity_check(&self, doc: &Value) -> Check {
        let (from, until) = model::validity_window(doc);
        let fmt = |t: OffsetDateTime| proof::format_datetime(t);
        match (from, until) {
            (Some(f), _) if self.now < f => Check::new(
                CheckKind::Validity,
                Outcome::Failed,
                "not_yet_valid",
                format!("not valid before {}", fmt(f)),
            ),
            (_, Some(u)) if self.now > u => Check::new(
                CheckKind::Validity,
                Outcome::Failed,
                "expired",
                format!("expired on {}", fmt(u)),
            ),
            (_, Some(u)) => Check::new(
                CheckKind::Validity,
                Outcome::Passed,
                "valid_now",
                format!("valid until {}", fmt(u)),
            ),
            _ => Check::new(
                CheckKind::Validity,
                Outcome::Passed,
                "valid_now",
                "valid, with no expiry date",
            ),
        }
    }

    fn status_checks(&self, doc: &Value, depth: usize, s: &Session<'_>) -> Vec<Check> {
        let entries: Vec<&Value> = match doc.get("credentialStatus") {
            None => {
                return vec![Check::new(
                    CheckKind::Status,
                    Outcome::Passed,
                    "no_status",
                    "the credential has no status entry (it cannot be revoked)",
                )]
            }
            Some(Value::Array(a)) => a.iter().collect(),
            Some(other) => vec![other],
        };
        if entries.len() > MAX_STATUS_ENTRIES {
            return vec![Check::new(
                CheckKind::Status,
                Outcome::Failed,
                "too_many_status_entries",
                format!(
                    "the credential has {} status entries; at most {MAX_STATUS_ENTRIES} are accepted",
                    entries.len()
                ),
            )];
        }
        let issuer = issuer_id(doc).unwrap_or("");
        entries
            .into_iter()
            .map(|e| self.status_entry(e, issuer, depth, s))
            .collect()
    }

    /// The status list at `url`: fetched, verified and decoded once per
    /// verification, however many entries name it.
    fn status_list_in(&self, url: &str, depth: usize, s: &Session<'_>) -> Rc<ListOutcome> {
        let hit = s.lists.borrow().get(url).cloned();
        if let Some(hit) = hit {
            return hit;
        }
        let outcome = Rc::new(self.load_status_list(url, depth, s));
        s.lists
            .borrow_mut()
            .insert(url.to_string(), outcome.clone());
        outcome
    }

    fn load_status_list(&self, url: &str, depth: usize, s: &Session<'_>) -> ListOutcome {
        let failed =
            |code: &str, msg: String| Check::new(CheckKind::Status, Outcome::Failed, code, msg);
        let not_checked =
            |code: &str, msg: String| Check::new(CheckKind::Status, Outcome::NotChecked, code, msg);
        if let Err(stop) = s.spend(|w| w.status_list_fetches += 1) {
            return ListOutcome::Unusable(not_checked(stop.code(), stop.message()));
        }
        let (list, warning) = match self.status_lists.status_list(url) {
            Ok(found) => found,
            Err(e) => {
                return ListOutcome::Unusable(not_checked(
                    "status_not_checked",
                    format!("could not check revocation: {e}; status not checked"),
                ))
            }
        };
        // The list must itself verify (its own status, one level further
        // down, may stay unknown).
        let (list_report, signed) = self.vc_in(&list, depth + 1, s);
        let judged: Vec<Check> = list_report
            .checks
            .iter()
            .filter(|c| !(c.check == CheckKind::Status && c.outcome == Outcome::NotChecked))
            .cloned()
            .collect();
        let verdict = Report::derive_verdict(&judged, signed);
        if verdict != crate::report::Verdict::Verified {
            if let Some(stop) = list_report.checks.iter().find(|c| {
                c.code == "verification_deadline" || c.code == "verification_budget_exceeded"
            }) {
                return ListOutcome::Unusable(not_checked(&stop.code, stop.message.clone()));
            }
            return ListOutcome::Unusable(failed(
                "status_list_untrusted",
                format!("the status list does not verify ({})", verdict.code()),
            ));
        }
        let subject = list
            .get("credentialSubject")
            .cloned()
            .unwrap_or(Value::Null);
        let bits = match subject.get("encodedList").and_then(Value::as_str) {
            None => Err(failed(
                "status_list_malformed",
                "the status list has no encodedList".into(),
            )),
            Some(encoded) => match s.spend(|w| w.status_list_decodes += 1) {
                Err(stop) => Err(not_checked(stop.code(), stop.message())),
                Ok(()) => Bitstring::decode(encoded).map_err(|e| failed(e.code(), e.to_string())),
            },
        };
        ListOutcome::Usable {
            issuer: issuer_id(&list).map(str::to_string),
            purposes: subject.get("statusPurpose").cloned(),
            bits,
            warning,
        }
    }

    fn status_entry(&self, entry: &Value, issuer: &str, depth: usize, s: &Session<'_>) -> Check {
        let failed =
            |code: &str, msg: String| Check::new(CheckKind::Status, Outcome::Failed, code, msg);
        let not_checked =
            |code: &str, msg: String| Check::new(CheckKind::Status, Outcome::NotChecked, code, msg);
        let ty = entry.get("type").and_then(Value::as_str).unwrap_or("");
        if ty != "BitstringStatusListEntry" && ty != "StatusList2021Entry" {
            return not_checked(
                "status_type_unsupported",
                format!("status type {ty:?} is not supported; status not checked"),
            );
        }
        let purpose = entry
            .get("statusPurpose")
            .and_then(Value::as_str)
            .unwrap_or("");
        let index = match entry.get("statusListIndex") {
            Some(Value::String(s)) => s.parse::<u64>().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        };
        let Some(index) = index else {
            return failed(
                "status_entry_malformed",
                "statusListIndex is not a whole number".into(),
            );
        };
        let size = entry
            .get("statusSize")
            .and_then(Value::as_u64)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(1);
        let Some(url) = entry.get("statusListCredential").and_then(Value::as_str) else {
            return failed(
                "status_entry_malformed",
                "statusListCredential is missing".into(),
            );
        };
        let list = self.status_list_in(url, depth, s);
        let (list_issuer, list_purpose, bits, warning) = match &*list {
            ListOutcome::Unusable(check) => return check.clone(),
            ListOutcome::Usable {
                issuer,
                purposes,
                bits,
                warning,
            } => (issuer, purposes.as_ref(), bits, warning.clone()),
        };
        // The list must be the same issuer's.
        if list_issuer.as_deref() != Some(issuer) {
            return failed(
                "status_list_untrusted",
                format!(
                    "the status list is issued by {}, not by the credential's issuer {issuer}",
                    list_issuer.as_deref().unwrap_or("nobody")
                ),
            );
        }
        let purpose_ok = match list_purpose {
            Some(Value::String(p)) => p == purpose,
            Some(Value::Array(a)) => a.iter().any(|p| p.as_str() == Some(purpose)),
            _ => true,
        };
        if !purpose_ok {
            return failed(
                "status_purpose_mismatch",
                format!("the list is for {list_purpose:?}, the entry for {purpose:?}"),
            );
        }
        let bits = match bits {
            Ok(b) => b,
            Err(check) => return check.clone(),
        };
        let value = match bits.entry(index, size) {
            Ok(v) => v,
            Err(e) => return failed(e.code(), e.to_string()),
        };
        let mut notes = Vec::new();
        if let Some(w) = warning {
            notes.push(w);
        }
        if bits.len_bits() < MIN_LIST_BITS {
            notes.push(format!(
                "the list has {} entries, fewer than the {MIN_LIST_BITS} the specification requires for privacy",
                bits.len_bits()
            ));
        }
        let note = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        match (purpose, value) {
            ("revocation", 0) | ("suspension", 0) => Check::new(
                CheckKind::Status,
                if notes.is_empty() {
                    Outcome::Passed
                } else {
                    Outcome::Warning
                },
                "status_ok",
                format!(
                    "not {}{note}",
                    if purpose == "revocation" {
                        "revoked"
                    } else {
                        "suspended"
                    }
                ),
            ),
            ("revocation", _) => failed("revoked", format!("revoked by the issuer{note}")),
            ("suspension", _) => failed("suspended", format!("suspended by the issuer{note}")),
            (other, v) => Check::new(
                CheckKind::Status,
                Outcome::Warning,
                "status_message",
                format!("status purpose {other:?} has value {v}{note}"),
            ),
        }
    }

    /// Verify a JSON-LD credential (embedded proofs) at nesting `depth`.
    pub fn verify_vc(&self, doc: &Value, depth: usize) -> Report {
        self.vc_in(doc, depth, &Session::new(self.deadline)).0
    }

    /// The report, and whether a proof verified with a bound key.
    fn vc_in(&self, doc: &Value, depth: usize, s: &Session<'_>) -> (Report, bool) {
        let mut checks = Vec::new();
        let proofs = proof::proofs_of(doc);
        let issuer = issuer_id(doc).unwrap_or("");
        let mut signed = false;
        if proofs.is_empty() {
            // No proof: still check every context and term.
            match self.processor.to_rdf_within(doc, MAX_CREDENTIAL_QUADS) {
                Ok(_) => checks.push(Check::new(
                    CheckKind::Context,
                    Outcome::Passed,
                    "contexts_ok",
                    "every context is pinned and every term is defined",
                )),
                Err(e) => checks.push(jsonld_check(&e)),
            }
            checks.push(Check::new(
                CheckKind::Proof,
                Outcome::NotChecked,
                "unsigned",
                "the credential carries no proof: nothing shows who issued it",
            ));
        } else if proofs.len() > MAX_PROOFS {
            checks.push(Check::new(
                CheckKind::Proof,
                Outcome::Failed,
                "too_many_proofs",
                format!("{} proofs; the limit is {MAX_PROOFS}", proofs.len()),
            ));
        } else {
            let mut any_verified = false;
            let mut any_supported = false;
            for p in &proofs {
                // A proof set stops as soon as the verification may not go on.
                if let Err(stop) = s.check() {
                    checks.push(Check::new(
                        CheckKind::Proof,
                        Outcome::NotChecked,
                        stop.code(),
                        stop.message(),
                    ));
                    break;
                }
                let suite = match Suite::of(p) {
                    Ok(s) => s,
                    Err(e) => {
                        checks.push(Check::new(
                            CheckKind::Proof,
                            Outcome::Warning,
                            e.code(),
                            format!("{e}; this proof was ignored"),
                        ));
                        continue;
                    }
                };
                any_supported = true;
                if suite == Suite::LegacyEddsa2022 {
                    checks.push(Check::new(CheckKind::Proof, Outcome::Warning, "legacy_cryptosuite", "the proof uses the pre-standard cryptosuite name eddsa-2022; verified as eddsa-rdfc-2022"));
                }
                let vm = p.get("verificationMethod").and_then(|v| match v {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(o) => o.get("id").and_then(Value::as_str),
                    _ => None,
                });
                let Some(vm) = vm else {
                    checks.push(Check::new(
                        CheckKind::Proof,
                        Outcome::Failed,
                        "proof_malformed",
                        "the proof names no verificationMethod",
                    ));
                    continue;
                };
                let (key, bound) = match bind_key(vm, issuer, self.resolver) {
                    Binding::Bound(b) => (Some(b.key), Ok(())),
                    Binding::NotBound { key, code, reason } => {
                        (key.or_else(|| key_named_by(vm)), Err((code, reason)))
                    }
                };
                let Some(key) = key else {
                    checks.push(Check::new(
                        CheckKind::Proof,
                        Outcome::NotChecked,
                        "key_unavailable",
                        format!(
                            "the key {vm} could not be obtained, so the signature was not checked"
                        ),
                    ));
                    if let Err((code, reason)) = bound {
                        checks.push(Check::new(
                            CheckKind::KeyBinding,
                            Outcome::Failed,
                            code,
                            reason,
                        ));
                    }
                    continue;
                };
                match proof::verify_in(self.processor, doc, p, &key, s) {
                    Ok(s) => {
                        checks.push(Check::new(
                            CheckKind::Proof,
                            Outcome::Passed,
                            "signature_valid",
                            format!("{} signature is valid", s.name()),
                        ));
                        match bound {
                            Ok(()) => {
                                any_verified = true;
                                checks.push(Check::new(
                                    CheckKind::KeyBinding,
                                    Outcome::Passed,
                                    "key_bound",
                                    format!("{vm} is an assertion key of the issuer"),
                                ));
                            }
                            Err((code, reason)) => checks.push(Check::new(
                                CheckKind::KeyBinding,
                                Outcome::Failed,
                                code,
                                format!("key not bound to issuer: {reason}"),
                            )),
                        }
                    }
                    Err(ProofError::JsonLd(msg)) => {
                        checks.push(Check::new(
                            CheckKind::Context,
                            Outcome::Failed,
                            "jsonld_error",
                            msg,
                        ));
                    }
                    // Every proof of a set covers the same document: the
                    // first one past a work limit stops them all.
                    Err(e @ (ProofError::TooComplex(_) | ProofError::WorkLimit(_))) => {
                        checks.push(Check::new(
                            CheckKind::Context,
                            Outcome::Failed,
                            e.code(),
                            format!("{e}; no further proof was checked"),
                        ));
                        break;
                    }
                    Err(ProofError::Stopped(stop)) => {
                        checks.push(Check::new(
                            CheckKind::Proof,
                            Outcome::NotChecked,
                            stop.code(),
                            stop.message(),
                        ));
                        break;
                    }
                    Err(e) => checks.push(Check::new(
                        CheckKind::Proof,
                        Outcome::Failed,
                        e.code(),
                        e.to_string(),
                    )),
                }
            }
            if !any_supported {
                checks.push(Check::new(
                    CheckKind::Proof,
                    Outcome::NotChecked,
                    "no_supported_proof",
                    "no proof of a supported type",
                ));
            }
            // JCS proofs and unsupported ones do not go through JSON-LD: the
            // contexts must still all be pinned and every term defined.
            let context_checked = checks.iter().any(|c| c.check == CheckKind::Context);
            let rdf_verified = proofs
                .iter()
                .any(|p| matches!(Suite::of(p), Ok(s) if s != Suite::EddsaJcs2022))
                && checks.iter().any(|c| {
                    c.check == CheckKind::Proof
                        && c.outcome != Outcome::NotChecked
                        && c.code != "proof_unsupported"
                });
            if !context_checked && !rdf_verified {
                if let Err(e) = self.processor.to_rdf_within(doc, MAX_CREDENTIAL_QUADS) {
                    checks.push(jsonld_check(&e));
                }
            }
            signed = any_verified;
        }
        let eu_missing = self.common_checks(doc, depth, &mut checks, s);
        let verdict = Report::derive_verdict(&checks, signed);
        let report = Report {
            verdict,
            format: if proofs.is_empty() {
                Format::Unsigned
            } else {
                Format::DataIntegrity
            },
            id: doc.get("id").and_then(Value::as_str).map(str::to_string),
            issuer: issuer_id(doc).map(str::to_string),
            name: display_name(doc),
            container: None,
            checks,
            eu_missing,
        };
        (report, signed)
    }

    fn vc_jwt_in(
        &self,
        jws: &backpack_crypto::jose::CompactJws,
        payload: &Value,
        s: &Session<'_>,
    ) -> Report {
        let credential = crate::jwt::credential_of(payload);
        let issuer = issuer_id(&credential).unwrap_or("").to_string();
        let mut checks = Vec::new();
        let kid = jws.header.get("kid").and_then(Value::as_str);
        let header_jwk = jws.header.get("jwk");
        let (key, bound) = match (kid, header_jwk) {
            (Some(kid), _) => {
                let vm = if kid.starts_with('#') {
                    format!("{issuer}{kid}")
                } else {
                    kid.to_string()
                };
                match bind_key(&vm, &issuer, self.resolver) {
                    Binding::Bound(b) => (Some(b.key), Ok(())),
                    Binding::NotBound { key, code, reason } => {
                        let key = key.or_else(|| {
                            header_jwk.and_then(|j| {
                                backpack_crypto::multikey::PublicKey::from_jwk(j).ok()
                            })
                        });
                        (key, Err((code, reason)))
                    }
                }
            }
            // A did:key issuer is its own key: a header jwk equal to it is
            // bound; any other header key proves nothing.
            (None, Some(jwk)) => match bind_header_key(&issuer, jwk) {
                Binding::Bound(b) => (Some(b.key), Ok(())),
                Binding::NotBound { key, code, reason } => (key, Err((code, reason))),
            },
            (None, None) => (
                None,
                Err((
                    "no_key_reference",
                    "the token names no key (no kid); the issuer's key must be looked up"
                        .to_string(),
                )),
            ),
        };
        let mut signed = false;
        match key {
            Some(key) => match backpack_crypto::jose::verify_compact(jws, &key) {
                Ok(alg) => {
                    checks.push(Check::new(
                        CheckKind::Proof,
                        Outcome::Passed,
                        "signature_valid",
                        format!("JWT signature ({alg:?}) is valid"),
                    ));
                    match &bound {
                        Ok(()) => {
                            signed = true;
                            checks.push(Check::new(
                                CheckKind::KeyBinding,
                                Outcome::Passed,
                                "key_bound",
                                "the token's key is an assertion key of the issuer",
                            ));
                        }
                        Err((code, reason)) => checks.push(Check::new(
                            CheckKind::KeyBinding,
                            Outcome::Failed,
                            code,
                            format!("key not bound to issuer: {reason}"),
                        )),
                    }
                }
                Err(e) => checks.push(Check::new(
                    CheckKind::Proof,
                    Outcome::Failed,
                    e.code(),
                    e.to_string(),
                )),
            },
            None => {
                checks.push(Check::new(
                    CheckKind::Proof,
                    Outcome::NotChecked,
                    "key_unavailable",
                    "the signing key could not be obtained, so the signature was not checked",
                ));
                if let Err((code, reason)) = &bound {
                    checks.push(Check::new(
                        CheckKind::KeyBinding,
                        Outcome::Failed,
                        code,
                        reason.clone(),
                    ));
                }
            }
        }
        for m in crate::jwt::claim_mismatches(payload, &credential) {
            checks.push(Check::new(
                CheckKind::Structure,
                Outcome::Failed,
                "jwt_claim_mismatch",
                m,
            ));
        }
        // The token's own window counts too, even where the credential has
        // none. NumericDate is a JSON number of seconds, possibly with a
        // fraction (RFC 7519 §2): compared as such, never truncated away.
        let now = self.now.unix_timestamp_nanos() as f64 / 1e9;
        for claim in ["exp", "nbf"] {
            let Some(value) = payload.get(claim) else {
                continue;
            };
            let Some(at) = value.as_f64().filter(|t| t.is_finite()) else {
                checks.push(Check::new(
                    CheckKind::Structure,
                    Outcome::Failed,
                    "jwt_claim_malformed",
                    format!("claim {claim} is {value}, not a NumericDate (a number of seconds)"),
                ));
                continue;
            };
            if claim == "exp" && now >= at {
                checks.push(Check::new(
                    CheckKind::Validity,
                    Outcome::Failed,
                    "expired",
                    format!("the token expired (exp {value})"),
                ));
            }
            if claim == "nbf" && now < at {
                checks.push(Check::new(
                    CheckKind::Validity,
                    Outcome::Failed,
                    "not_yet_valid",
                    format!("the token is not valid before nbf {value}"),
                ));
            }
        }
        // Terms must still be defined: a JWT carries JSON-LD too.
        if let Err(e) = self
            .processor
            .to_rdf_within(&credential, MAX_CREDENTIAL_QUADS)
        {
            checks.push(jsonld_check(&e));
        }
        let eu_missing = self.common_checks(&credential, 0, &mut checks, s);
        Report {
            verdict: Report::derive_verdict(&checks, signed),
            format: Format::VcJwt,
            id: credential
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_string),
            issuer: Some(issuer).filter(|s| !s.is_empty()),
            name: display_name(&credential),
            container: None,
            checks,
            eu_missing,
        }
    }
}

/// A human name for a credential: its own `name`, else the achievement's.
pub fn display_name(doc: &Value) -> Option<String> {
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("@value").and_then(Value::as_str).map(str::to_string),
            Value::Array(a) => a
                .first()
                .and_then(|x| x.get("@value").or(Some(x)))
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        }
    };
    doc.get("name")
        .and_then(text)
        .or_else(|| {
            let subject = match doc.get("credentialSubject")? {
                Value::Array(a) => a.first()?.clone(),
                other => other.clone(),
            };
            subject.get("achievement")?.get("name").and_then(text)
        })
        .or_else(|| doc.get("badge")?.get("name").and_then(text))
}
