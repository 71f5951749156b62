//! Signing: prepare an unsigned credential for an issuer key and secure it as
//! Data Integrity (`eddsa-rdfc-2022` by default, or `eddsa-jcs-2022`) or as a
//! VC-JWT. VC 2.0 and VC 1.1 credentials are signed; each must pass the
//! verifier's structure rules first ([`SignError::Invalid`] carries the
//! verifier's code). Also the issuer key file format, shared with the JavaScript peer
//! (`{did, verificationMethod, publicKeyMultibase, secretKeyMultibase}`).

use crate::did::issuer_id;
use crate::model::{self, VcVersion};
use crate::proof::{self, ProofError, SignSuite};
use backpack_crypto::ed25519::SigningKey;
use backpack_crypto::multikey::{self, PublicKey};
use backpack_jsonld::Processor;
use serde_json::{json, Map, Value};

/// Why a credential could not be signed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("the credential is not a JSON object")]
    NotAnObject,
    #[error("the credential names issuer {found}, but the key is {ours}")]
    ForeignIssuer { found: String, ours: String },
    #[error("the credential already has a proof")]
    AlreadySigned,
    /// The credential breaks a structure rule the verifier would report as
    /// failed ([`crate::model::check_structure`]); `code` is the verifier's.
    #[error("the credential is not valid: {message}")]
    Invalid { code: String, message: String },
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(transparent)]
    Jwt(#[from] crate::jwt::JwtError),
}

impl SignError {
    /// Stable snake_case code; for [`SignError::Invalid`], the code the
    /// verifier's structure check reports for the same credential.
    pub fn code(&self) -> &str {
        match self {
            SignError::NotAnObject => "not_an_object",
            SignError::ForeignIssuer { .. } => "foreign_issuer",
            SignError::AlreadySigned => "already_signed",
            SignError::Invalid { code, .. } => code,
            SignError::Proof(e) => e.code(),
            SignError::Jwt(_) => "jwt_error",
        }
    }
}

/// An issuer's signing identity: a key and the DID and verification method
/// it signs as.
pub struct IssuerKey {
    pub key: SigningKey,
    pub did: String,
    pub verification_method: String,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("did", &self.did)
            .field("verification_method", &self.verification_method)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Why a key file could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KeyFileError {
    #[error("the key file is not JSON: {0}")]
    Json(String),
    #[error("the key file has no {0}")]
    Missing(&'static str),
    #[error("the key file's {field} is unusable: {reason}")]
    Bad { field: &'static str, reason: String },
    #[error("the key file's did ({0}) does not match its secret key")]
    Mismatch(String),
}

impl IssuerKey {
    /// A did:key identity for `key`.
    pub fn did_key(key: SigningKey) -> Self {
        let public = PublicKey::Ed25519(key.verifying_key());
        let mk = public.to_multikey().unwrap_or_default();
        let did = format!("did:key:{mk}");
        IssuerKey {
            verification_method: format!("{did}#{mk}"),
            did,
            key,
        }
    }

    /// The key file JSON (holds the secret: write it with mode 0600).
    pub fn to_key_file(&self) -> Value {
        let public = PublicKey::Ed25519(self.key.verifying_key());
        json!({
            "did": self.did,
            "verificationMethod": self.verification_method,
            "publicKeyMultibase": public.to_multikey().unwrap_or_default(),
            "secretKeyMultibase": multikey::encode_secret_key(&self.key.seed()),
        })
    }

    /// Read a key file (ours or the JavaScript peer's).
    pub fn from_key_file(bytes: &[u8]) -> Result<Self, KeyFileError> {
        let v: Value =
            crate::json::parse_limited(bytes).map_err(|e| KeyFileError::Json(e.to_string()))?;
        let secret = v
            .get("secretKeyMultibase")
            .and_then(Value::as_str)
            .ok_or(KeyFileError::Missing("secretKeyMultibase"))?;
        let seed = multikey::decode_secret_key(secret).map_err(|e| KeyFileError::Bad {
            field: "secretKeyMultibase",
            reason: e.to_string(),
        })?;
        let derived = IssuerKey::did_key(SigningKey::from_seed(&seed));
        match v.get("did").and_then(Value::as_str) {
            None => Ok(derived),
            Some(did) if did == derived.did => {
                let vm = v
                    .get("verificationMethod")
                    .and_then(Value::as_str)
                    .unwrap_or(&derived.verification_method)
                    .to_string();
                Ok(IssuerKey {
                    verification_method: vm,
                    ..derived
                })
            }
            // A did:web (or other) identity: trust the file's names.
            Some(did) if !did.starts_with("did:key:") => {
                let vm = v
                    .get("verificationMethod")
                    .and_then(Value::as_str)
                    .ok_or(KeyFileError::Missing("verificationMethod"))?
                    .to_string();
                Ok(IssuerKey {
                    did: did.to_string(),
                    verification_method: vm,
                    key: derived.key,
                })
            }
            Some(did) => Err(KeyFileError::Mismatch(did.to_string())),
        }
    }
}

/// Fill what signing needs: `issuer` (the key's DID) when absent, and for a
/// VC 2.0 credential `validFrom` (`now`) when absent. Refuses a credential
/// whose issuer is someone else, and one that breaks a structure rule
/// ([`crate::model::check_structure`], the verifier's own: the signer never
/// signs what the verifier would call invalid). A VC 1.1 credential is
/// accepted when it is valid under VC 1.1 (`issuanceDate` given; it is not
/// made up here, and no VC 2.0 member is added).
pub fn prepare(doc: &Value, did: &str, now: time::OffsetDateTime) -> Result<Value, SignError> {
    let Value::Object(map) = doc else {
        return Err(SignError::NotAnObject);
    };
    if map.contains_key("proof") {
        return Err(SignError::AlreadySigned);
    }
    let mut out: Map<String, Value> = map.clone();
    match out.get_mut("issuer") {
        None => {
            out.insert("issuer".into(), did.into());
        }
        Some(Value::Object(profile)) if !profile.contains_key("id") => {
            profile.insert("id".into(), did.into());
        }
        Some(_) => {
            let found = issuer_id(doc).unwrap_or("(unreadable)");
            if found != did {
                return Err(SignError::ForeignIssuer {
                    found: found.to_string(),
                    ours: did.to_string(),
                });
            }
        }
    }
    let mut prepared = Value::Object(out);
    if model::vc_version(&prepared) == Some(VcVersion::V2_0) {
        if let Value::Object(out) = &mut prepared {
            if !out.contains_key("validFrom") {
                out.insert("validFrom".into(), proof::format_datetime(now).into());
            }
        }
    }
    let errors: Vec<model::StructureIssue> = model::check_structure(&prepared)
        .into_iter()
        .filter(|i| i.severity == model::Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        let more = match errors.len() - 1 {
            0 => String::new(),
            n => format!("; {n} more problem(s): {}", codes(&errors[1..])),
        };
        return Err(SignError::Invalid {
            code: first.code.clone(),
            message: format!("{} (at {}){more}", first.message, first.path),
        });
    }
    Ok(prepared)
}

fn codes(issues: &[model::StructureIssue]) -> String {
    issues
        .iter()
        .map(|i| i.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A VC 1.1 credential secured with a Data Integrity proof needs the
/// Data Integrity context for the proof's terms (`DataIntegrityProof`,
/// `cryptosuite`): it is added at the end of `@context` when absent, as
/// jsonld-signatures does. VC 2.0's context already defines them.
fn with_data_integrity_context(doc: Value) -> Value {
    const DI: &str = "https://w3id.org/security/data-integrity/v2";
    const DI1: &str = "https://w3id.org/security/data-integrity/v1";
    if model::vc_version(&doc) != Some(VcVersion::V1_1) {
        return doc;
    }
    let Value::Object(mut map) = doc else {
        return doc;
    };
    let mut contexts = match map.remove("@context") {
        Some(Value::Array(a)) => a,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    if !contexts
        .iter()
        .any(|c| c.as_str() == Some(DI) || c.as_str() == Some(DI1))
    {
        contexts.push(DI.into());
    }
    let mut out = Map::new();
    out.insert("@context".into(), Value::Array(contexts));
    out.extend(map);
    Value::Object(out)
}

fn is_open_badge(doc: &Value) -> bool {
    let ob = [
        "OpenBadgeCredential",
        "AchievementCredential",
        "EndorsementCredential",
    ];
    match doc.get("type") {
        Some(Value::String(t)) => ob.contains(&t.as_str()),
        Some(Value::Array(a)) => a
            .iter()
            .any(|t| t.as_str().is_some_and(|t| ob.contains(&t))),
        _ => false,
    }
}

/// How to secure a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignFormat {
    DataIntegrity(SignSuite),
    Jwt,
}

/// A secured credential: JSON with an embedded proof, or a compact JWT.
#[derive(Debug, Clone, PartialEq)]
pub enum Secured {
    Json(Value),
    Jwt(String),
}

/// Prepare and sign one credential.
pub fn sign(
    processor: &Processor,
    doc: &Value,
    issuer: &IssuerKey,
    format: SignFormat,
    now: time::OffsetDateTime,
) -> Result<Secured, SignError> {
    let prepared = prepare(doc, &issuer.did, now)?;
    match format {
        SignFormat::DataIntegrity(suite) => {
            let prepared = with_data_integrity_context(prepared);
            let mut signed = proof::sign(
                processor,
                &prepared,
                &issuer.key,
                &issuer.verification_method,
                suite,
                now,
            )?;
            // The 1EdTech OB 3.0 schema wants `proof` as an array; VC 2.0
            // allows both and the signature does not cover the proof.
            if is_open_badge(&prepared) {
                if let Some(p) = signed.get_mut("proof") {
                    if p.is_object() {
                        *p = Value::Array(vec![p.take()]);
                    }
                }
            }
            Ok(Secured::Json(signed))
        }
        SignFormat::Jwt => {
            // The terms must be defined even though JWT signs bytes.
            processor
                .to_rdf(&prepared)
                .map_err(|e| SignError::Proof(ProofError::JsonLd(e.to_string())))?;
            Ok(Secured::Jwt(crate::jwt::sign(
                &prepared,
                &issuer.key,
                &issuer.verification_method,
            )?))
        }
    }
}
