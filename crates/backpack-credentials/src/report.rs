//! What a verification says: one [`Check`] per question, and a [`Verdict`]
//! derived from them. A failed verification is a verdict with reasons, never
//! an `Err`; `Err` is kept for input that is not a credential at all.

use serde::Serialize;

/// The separate questions a verifier answers, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Shape of the document (VC / OB 3.0 rules).
    Structure,
    /// Every JSON-LD context is pinned and every term defined.
    Context,
    /// The cryptographic proof or signature.
    Proof,
    /// The signing key belongs to the issuer.
    KeyBinding,
    /// `validFrom` / `validUntil` (or VC 1.1 dates) against the time given.
    Validity,
    /// Revocation / suspension through a status list.
    Status,
    /// Whether an Open Badges 3.0 achievement credential carries every
    /// mandatory EU micro-credential element (Annex I). Informative: it
    /// never changes the verdict (see [`crate::eu`]).
    EuElements,
}

/// The result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Warning,
    Failed,
    /// Could not be decided here (for example: needs the network, or no
    /// status list was supplied).
    NotChecked,
}

/// One answered question, with a stable code and a plain-words message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: CheckKind,
    pub outcome: Outcome,
    /// Stable snake_case code (i18n key, API field).
    pub code: String,
    pub message: String,
}

impl Check {
    pub fn new(check: CheckKind, outcome: Outcome, code: &str, message: impl Into<String>) -> Self {
        Check {
            check,
            outcome,
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// The overall answer, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A proof, structure or context check failed.
    Invalid,
    /// The signature is good but nothing proves the key is the issuer's.
    KeyNotBound,
    Revoked,
    Suspended,
    Expired,
    NotYetValid,
    /// Nothing is wrong, but it could not be verified here: unsigned, hosted,
    /// an unsupported proof type, or a look-up that needs the network.
    Unverified,
    Verified,
}

impl Verdict {
    pub const ALL: [Verdict; 8] = [
        Verdict::Invalid,
        Verdict::KeyNotBound,
        Verdict::Revoked,
        Verdict::Suspended,
        Verdict::Expired,
        Verdict::NotYetValid,
        Verdict::Unverified,
        Verdict::Verified,
    ];

    /// The verdict a stable code names.
    pub fn parse(code: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.code() == code)
    }

    /// green / amber / red for a page.
    pub fn colour(self) -> &'static str {
        match self {
            Verdict::Verified => "green",
            Verdict::Expired | Verdict::NotYetValid | Verdict::Unverified | Verdict::Suspended => {
                "amber"
            }
            Verdict::Invalid | Verdict::KeyNotBound | Verdict::Revoked => "red",
        }
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Invalid => "invalid",
            Verdict::KeyNotBound => "key_not_bound",
            Verdict::Revoked => "revoked",
            Verdict::Suspended => "suspended",
            Verdict::Expired => "expired",
            Verdict::NotYetValid => "not_yet_valid",
            Verdict::Unverified => "unverified",
            Verdict::Verified => "verified",
        }
    }
}

/// How the credential reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// JSON-LD with embedded Data Integrity (or legacy Linked Data) proofs.
    DataIntegrity,
    /// A VC-JWT (compact JWS whose payload is the credential).
    VcJwt,
    /// JSON-LD without any proof.
    Unsigned,
    /// Open Badges 2.0 signed assertion (compact JWS).
    Ob2Signed,
    /// Open Badges 2.0 / 1.x hosted assertion (or a URL to one).
    Ob2Hosted,
}

/// A full verification report for one credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub format: Format,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the credential came from inside its container, e.g. `png:iTXt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub checks: Vec<Check>,
    /// The codes ([`crate::eu::Element::code`]) of the mandatory EU
    /// micro-credential elements an achievement credential lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eu_missing: Vec<String>,
}

impl Report {
    /// Derive the verdict from the checks (most severe wins).
    pub fn derive_verdict(checks: &[Check], signed: bool) -> Verdict {
        let mut verdict = if signed {
            Verdict::Verified
        } else {
            Verdict::Unverified
        };
        let mut worse = |v: Verdict| {
            if v < verdict {
                verdict = v;
            }
        };
        for c in checks {
            match (c.check, c.outcome) {
                // Completeness as an EU micro-credential is information
                // about the content, not about the credential's validity.
                (CheckKind::EuElements, _) => {}
                (CheckKind::Structure | CheckKind::Context | CheckKind::Proof, Outcome::Failed) => {
                    worse(Verdict::Invalid)
                }
                (CheckKind::KeyBinding, Outcome::Failed) => worse(Verdict::KeyNotBound),
                // A status the credential declares but that could not be
                // checked (list unreachable, not supplied offline, type
                // unsupported, out of time): nothing is wrong, but it may
                // be revoked, so never green.
                (
                    CheckKind::KeyBinding | CheckKind::Proof | CheckKind::Status,
                    Outcome::NotChecked,
                ) => worse(Verdict::Unverified),
                (CheckKind::Status, Outcome::Failed) => {
                    if c.code == "suspended" {
                        worse(Verdict::Suspended)
                    } else if c.code == "revoked" {
                        worse(Verdict::Revoked)
                    } else {
                        worse(Verdict::Invalid)
                    }
                }
                (CheckKind::Validity, Outcome::Failed) => {
                    if c.code == "not_yet_valid" {
                        worse(Verdict::NotYetValid)
                    } else if c.code == "expired" {
                        worse(Verdict::Expired)
                    } else {
                        worse(Verdict::Invalid)
                    }
                }
                _ => {}
            }
        }
        verdict
    }

    /// True only for a fully verified credential.
    pub fn is_verified(&self) -> bool {
        self.verdict == Verdict::Verified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(kind: CheckKind, outcome: Outcome, code: &str) -> Check {
        Check::new(kind, outcome, code, "")
    }

    #[test]
    fn all_passed_and_signed_is_verified() {
        let checks = [
            c(CheckKind::Proof, Outcome::Passed, "ok"),
            c(CheckKind::Status, Outcome::Passed, "no_status"),
        ];
        assert_eq!(Report::derive_verdict(&checks, true), Verdict::Verified);
        assert_eq!(Report::derive_verdict(&checks, false), Verdict::Unverified);
    }

    #[test]
    fn a_declared_status_not_checked_is_never_green() {
        let checks = [
            c(CheckKind::Proof, Outcome::Passed, "ok"),
            c(CheckKind::Status, Outcome::NotChecked, "status_not_checked"),
        ];
        assert_eq!(Report::derive_verdict(&checks, true), Verdict::Unverified);
        assert_eq!(Verdict::Unverified.colour(), "amber");
    }

    #[test]
    fn most_severe_wins() {
        let checks = [
            c(CheckKind::Validity, Outcome::Failed, "expired"),
            c(CheckKind::Status, Outcome::Failed, "revoked"),
        ];
        assert_eq!(Report::derive_verdict(&checks, true), Verdict::Revoked);
        let checks = [
            c(CheckKind::Status, Outcome::Failed, "revoked"),
            c(CheckKind::Proof, Outcome::Failed, "bad_signature"),
        ];
        assert_eq!(Report::derive_verdict(&checks, true), Verdict::Invalid);
    }

    #[test]
    fn key_binding_failure_is_never_verified() {
        let checks = [
            c(CheckKind::Proof, Outcome::Passed, "ok"),
            c(CheckKind::KeyBinding, Outcome::Failed, "key_not_bound"),
        ];
        assert_eq!(Report::derive_verdict(&checks, true), Verdict::KeyNotBound);
    }

    #[test]
    fn eu_completeness_never_changes_the_verdict() {
        for outcome in [
            Outcome::Passed,
            Outcome::Warning,
            Outcome::Failed,
            Outcome::NotChecked,
        ] {
            let checks = [
                c(CheckKind::Proof, Outcome::Passed, "ok"),
                c(
                    CheckKind::EuElements,
                    outcome,
                    "eu_microcredential_incomplete",
                ),
            ];
            assert_eq!(Report::derive_verdict(&checks, true), Verdict::Verified);
            assert_eq!(Report::derive_verdict(&checks, false), Verdict::Unverified);
        }
    }
}
