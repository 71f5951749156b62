//! VC-JWT as Open Badges 3.0 §8.2 describes it: the JWT payload is the
//! credential, with the registered claims `iss`, `jti`, `nbf`, `exp`, `sub`
//! mirrored from it. Signing uses EdDSA; verification accepts EdDSA, ES256
//! and RS256, with the algorithm decided by the key (see
//! [`backpack_crypto::jose::verify_compact`]). A VC 1.1 `vc` claim is read too.

use crate::model::parse_datetime;
use backpack_crypto::ed25519::SigningKey;
use serde_json::{Map, Value};

/// Why a VC-JWT could not be made.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("the credential is not a JSON object")]
    NotAnObject,
    #[error("{field} is not a valid date-time")]
    BadDate { field: &'static str },
}

fn epoch(doc: &Map<String, Value>, field: &'static str) -> Result<Option<i64>, JwtError> {
    match doc.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => parse_datetime(s)
            .map(|t| Some(t.unix_timestamp()))
            .map_err(|_| JwtError::BadDate { field }),
        Some(_) => Err(JwtError::BadDate { field }),
    }
}

/// The registered claims a credential implies (OB 3.0 §8.2.4.1).
pub fn claims_for(doc: &Map<String, Value>) -> Result<Map<String, Value>, JwtError> {
    let mut claims = Map::new();
    let issuer = match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    if let Some(iss) = issuer {
        claims.insert("iss".into(), iss.into());
    }
    if let Some(id) = doc.get("id").and_then(Value::as_str) {
        claims.insert("jti".into(), id.into());
    }
    let from = epoch(doc, "validFrom")?.or(epoch(doc, "issuanceDate")?);
    if let Some(nbf) = from {
        claims.insert("nbf".into(), nbf.into());
    }
    let until = epoch(doc, "validUntil")?.or(epoch(doc, "expirationDate")?);
    if let Some(exp) = until {
        claims.insert("exp".into(), exp.into());
    }
    let subject = match doc.get("credentialSubject") {
        Some(Value::Object(s)) => s.get("id").and_then(Value::as_str),
        Some(Value::Array(a)) => a.first().and_then(|s| s.get("id")).and_then(Value::as_str),
        _ => None,
    };
    if let Some(sub) = subject {
        claims.insert("sub".into(), sub.into());
    }
    Ok(claims)
}

/// Sign `credential` as a compact VC-JWT (EdDSA, `kid` = the verification method).
pub fn sign(
    credential: &Value,
    key: &SigningKey,
    verification_method: &str,
) -> Result<String, JwtError> {
    let Value::Object(doc) = credential else {
        return Err(JwtError::NotAnObject);
    };
    let mut payload = doc.clone();
    for (k, v) in claims_for(doc)? {
        payload.insert(k, v);
    }
    let mut header = Map::new();
    header.insert("kid".into(), verification_method.into());
    header.insert("typ".into(), "JWT".into());
    let bytes = serde_json::to_vec(&Value::Object(payload)).unwrap_or_default();
    Ok(backpack_crypto::jose::sign_compact_eddsa(
        &header, &bytes, key,
    ))
}

/// The credential inside a JWT payload: the `vc` claim (VC 1.1 style) or the
/// payload itself without the registered claims.
pub fn credential_of(payload: &Value) -> Value {
    if let Some(vc) = payload.get("vc").filter(|v| v.is_object()) {
        let mut vc = vc.clone();
        // VC-JWT 1.1: claims stand in for absent credential members.
        if let (Value::Object(m), Some(p)) = (&mut vc, payload.as_object()) {
            if !m.contains_key("issuer") {
                if let Some(iss) = p.get("iss") {
                    m.insert("issuer".into(), iss.clone());
                }
            }
            if !m.contains_key("id") {
                if let Some(jti) = p.get("jti") {
                    m.insert("id".into(), jti.clone());
                }
            }
        }
        return vc;
    }
    let mut doc = payload.clone();
    if let Value::Object(m) = &mut doc {
        for k in ["iss", "jti", "nbf", "exp", "sub", "iat", "aud"] {
            m.remove(k);
        }
    }
    doc
}

/// Registered claims that contradict the credential they carry.
pub fn claim_mismatches(payload: &Value, credential: &Value) -> Vec<String> {
    let (Some(p), Some(c)) = (payload.as_object(), credential.as_object()) else {
        return vec!["the payload is not a JSON object".into()];
    };
    let Ok(expected) = claims_for(c) else {
        return vec!["the credential's dates are not valid date-times".into()];
    };
    let mut out = Vec::new();
    for claim in ["iss", "jti", "nbf", "exp", "sub"] {
        if let (Some(have), Some(want)) = (p.get(claim), expected.get(claim)) {
            // NumericDate may carry a fraction of a second (RFC 7519 §2);
            // the credential's dates are whole seconds.
            let same = match (have.as_f64(), want.as_f64()) {
                (Some(h), Some(w)) => h.floor() == w,
                _ => have == want,
            };
            if !same {
                out.push(format!(
                    "claim {claim} is {have} but the credential says {want}"
                ));
            }
        }
    }
    out
}
