//! DID resolution behind a trait, and the rule that binds a proof's key to
//! the credential's issuer.
//!
//! The crate never touches the network: `did:key` is resolved offline, other
//! methods (did:web, https controller documents) go through the
//! [`DidResolver`] the caller supplies. [`OfflineResolver`] is the default: it
//! knows did:key and any documents it was given (for tests and `--did-document`).

use backpack_crypto::multikey::PublicKey;
use serde_json::Value;
use std::collections::HashMap;

/// Why a DID (or controller document URL) could not be resolved.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("resolving {id} needs the network")]
    NeedsNetwork { id: String },
    #[error("{id} could not be resolved: {reason}")]
    NotFound { id: String, reason: String },
    #[error("the document for {id} is not usable: {reason}")]
    Invalid { id: String, reason: String },
    #[error("DID method of {id} is not supported")]
    Unsupported { id: String },
}

/// Resolves a DID, or the URL of a controller document, to its document.
pub trait DidResolver: Send + Sync {
    /// `id` has no fragment.
    fn resolve(&self, id: &str) -> Result<Value, ResolveError>;
}

/// did:key offline, plus documents given up front. Everything else "needs
/// the network".
#[derive(Debug, Default, Clone)]
pub struct OfflineResolver {
    documents: HashMap<String, Value>,
}

impl OfflineResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serve `document` for `id` (a did:web DID, or a controller document URL).
    pub fn with_document(mut self, id: impl Into<String>, document: Value) -> Self {
        self.documents.insert(id.into(), document);
        self
    }

    /// Add a document under its own `id` member; returns false if it has none.
    pub fn add_document(&mut self, document: Value) -> bool {
        match document.get("id").and_then(Value::as_str) {
            Some(id) => {
                self.documents.insert(id.to_string(), document);
                true
            }
            None => false,
        }
    }
}

impl DidResolver for OfflineResolver {
    fn resolve(&self, id: &str) -> Result<Value, ResolveError> {
        if let Some(doc) = self.documents.get(id) {
            return Ok(doc.clone());
        }
        if id.starts_with("did:key:") {
            return backpack_crypto::did_key::resolve(id).map_err(|e| ResolveError::Invalid {
                id: id.to_string(),
                reason: e.to_string(),
            });
        }
        if id.starts_with("did:web:") || id.starts_with("https://") || id.starts_with("http://") {
            return Err(ResolveError::NeedsNetwork { id: id.to_string() });
        }
        Err(ResolveError::Unsupported { id: id.to_string() })
    }
}

/// A key shown to belong to the issuer.
#[derive(Debug, Clone)]
pub struct BoundKey {
    pub key: PublicKey,
    pub verification_method: String,
}

/// The outcome of binding a verification method to an issuer.
#[derive(Debug, Clone)]
pub enum Binding {
    /// Listed under `assertionMethod` of the issuer's own DID document.
    Bound(BoundKey),
    /// Not shown to be the issuer's. `key` is the key the proof names, when it
    /// can be read without trusting anyone (a did:key, or a Multikey in the
    /// fragment), so the signature can still be checked and reported.
    NotBound {
        key: Option<PublicKey>,
        code: &'static str,
        reason: String,
    },
}

/// Split `did:x:y#frag` into (`did:x:y`, `Some("frag")`).
pub fn split_fragment(vm: &str) -> (&str, Option<&str>) {
    match vm.split_once('#') {
        Some((base, frag)) => (base, Some(frag)),
        None => (vm, None),
    }
}

/// The key a verification method names without any look-up: a did:key, or a
/// Multikey written in the URL fragment. Never proof of anything.
pub fn key_named_by(vm: &str) -> Option<PublicKey> {
    let (base, frag) = split_fragment(vm);
    if base.starts_with("did:key:") {
        if let Ok(k) = backpack_crypto::did_key::public_key(base) {
            return Some(k);
        }
    }
    frag.and_then(|f| PublicKey::from_multikey(f).ok())
}

/// The `id` of an issuer given as a string or a Profile object.
pub fn issuer_id(doc: &Value) -> Option<&str> {
    match doc.get("issuer")? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

fn same_ref(candidate: &str, vm: &str, doc_id: &str) -> bool {
    candidate == vm || (candidate.starts_with('#') && format!("{doc_id}{candidate}") == vm)
}

fn public_key_of(method: &Value) -> Result<PublicKey, String> {
    if let Some(mb) = method.get("publicKeyMultibase").and_then(Value::as_str) {
        return PublicKey::from_multikey(mb).map_err(|e| e.to_string());
    }
    if let Some(jwk) = method.get("publicKeyJwk") {
        return PublicKey::from_jwk(jwk).map_err(|e| e.to_string());
    }
    if let Some(b58) = method.get("publicKeyBase58").and_then(Value::as_str) {
        return PublicKey::from_public_key_base58(b58).map_err(|e| e.to_string());
    }
    Err("the verification method has no public key this verifier reads".into())
}

/// Bind a key carried in a JOSE header (`jwk`, with no `kid`) to `issuer`.
/// A header key proves nothing by itself, with one exception: an issuer that
/// is a `did:key` *is* its key, so a header key equal to it is the issuer's
/// own (openbadgeslib signs VC-JWTs this way). Any other header key, or any
/// other kind of issuer, is not bound.
pub fn bind_header_key(issuer: &str, jwk: &Value) -> Binding {
    let header_key = PublicKey::from_jwk(jwk).ok();
    if !issuer.starts_with("did:key:") {
        return Binding::NotBound {
            key: header_key,
            code: "key_in_header",
            reason:
                "the key came inside the token (header jwk), which proves nothing about the issuer"
                    .into(),
        };
    }
    let issuer_key = match backpack_crypto::did_key::public_key(issuer) {
        Ok(k) => k,
        Err(e) => {
            return Binding::NotBound {
                key: header_key,
                code: "issuer_unresolvable",
                reason: format!("{issuer}: {e}"),
            }
        }
    };
    match header_key {
        Some(k) if k == issuer_key => {
            let fragment = issuer.trim_start_matches("did:key:");
            Binding::Bound(BoundKey {
                key: k,
                verification_method: format!("{issuer}#{fragment}"),
            })
        }
        Some(k) => Binding::NotBound {
            key: Some(k),
            code: "issuer_mismatch",
            reason: format!("the header jwk is not the key of the issuer {issuer}"),
        },
        None => Binding::NotBound {
            key: None,
            code: "unreadable_key",
            reason: "the header jwk is not a public key this verifier reads".into(),
        },
    }
}

/// Bind the proof's verification method `vm` to `issuer` through the issuer's
/// DID (or controller) document: `vm` must be under the issuer's identifier,
/// listed in `verificationMethod` with the issuer as controller, and referenced
/// from `assertionMethod`.
pub fn bind_key(vm: &str, issuer: &str, resolver: &dyn DidResolver) -> Binding {
    // Decoding a key costs a point decompression: only when it is needed.
    let not_bound = |code: &'static str, reason: String| Binding::NotBound {
        key: key_named_by(vm),
        code,
        reason,
    };
    let (base, frag) = split_fragment(vm);
    if frag.is_none() {
        return not_bound(
            "verification_method_not_a_key_reference",
            format!("the verification method {vm} has no #fragment naming a key of the issuer"),
        );
    }
    if base != issuer {
        return not_bound(
            "issuer_mismatch",
            format!("the key belongs to {base}, but the issuer is {issuer}"),
        );
    }
    let doc = match resolver.resolve(base) {
        Ok(doc) => doc,
        Err(ResolveError::NeedsNetwork { id }) => {
            return not_bound(
                "key_not_bound",
                format!("the issuer's document ({id}) must be fetched to show the key is the issuer's; this check ran offline"),
            )
        }
        Err(e) => return not_bound("issuer_unresolvable", e.to_string()),
    };
    let doc_id = doc.get("id").and_then(Value::as_str).unwrap_or(base);
    if doc_id != base {
        return not_bound(
            "document_id_mismatch",
            format!("the document fetched for {base} names itself {doc_id}"),
        );
    }
    let methods = doc
        .get("verificationMethod")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(method) = methods.iter().find(|m| {
        m.get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| same_ref(id, vm, doc_id))
    }) else {
        return not_bound(
            "key_not_in_document",
            format!("{vm} is not a verification method of {doc_id}"),
        );
    };
    let controller = method.get("controller").and_then(Value::as_str);
    if controller != Some(doc_id) {
        return not_bound(
            "wrong_controller",
            format!(
                "the key's controller is {}, not the issuer {doc_id}",
                controller.unwrap_or("missing")
            ),
        );
    }
    let listed = doc
        .get("assertionMethod")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|r| match r {
                Value::String(s) => same_ref(s, vm, doc_id),
                Value::Object(o) => o
                    .get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| same_ref(id, vm, doc_id)),
                _ => false,
            })
        });
    if !listed {
        return not_bound(
            "not_an_assertion_method",
            format!("{vm} is not listed under assertionMethod of {doc_id}"),
        );
    }
    match public_key_of(method) {
        Ok(key) => Binding::Bound(BoundKey {
            key,
            verification_method: vm.to_string(),
        }),
        Err(reason) => not_bound("unreadable_key", reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backpack_crypto::ed25519::SigningKey;
    use base64::Engine;

    fn jwk(seed: u8) -> Value {
        let pk = SigningKey::from_seed(&[seed; 32])
            .verifying_key()
            .to_bytes();
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pk);
        serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x})
    }

    fn did(seed: u8) -> String {
        let k = PublicKey::Ed25519(SigningKey::from_seed(&[seed; 32]).verifying_key());
        backpack_crypto::did_key::did_for(&k).unwrap()
    }

    #[test]
    fn a_header_key_is_bound_only_when_it_is_the_issuers_did_key() {
        match bind_header_key(&did(1), &jwk(1)) {
            Binding::Bound(b) => assert!(b.verification_method.starts_with(&did(1))),
            other => panic!("{other:?}"),
        }
        let cases = [
            (did(1), jwk(2), "issuer_mismatch"),
            (
                "https://issuer.example".to_string(),
                jwk(1),
                "key_in_header",
            ),
            (
                "did:web:issuer.example".to_string(),
                jwk(1),
                "key_in_header",
            ),
            (did(1), serde_json::json!({"kty": "oct"}), "unreadable_key"),
            (
                "did:key:zNotAKey".to_string(),
                jwk(1),
                "issuer_unresolvable",
            ),
        ];
        for (issuer, key, code) in cases {
            match bind_header_key(&issuer, &key) {
                Binding::NotBound { code: c, .. } => assert_eq!(c, code, "{issuer}"),
                Binding::Bound(_) => panic!("{issuer} bound"),
            }
        }
    }
}
