//! Data Integrity proofs: `eddsa-rdfc-2022` and `eddsa-jcs-2022` (sign and
//! verify), and for verification only the suites wallets still carry:
//! `Ed25519Signature2020`, `Ed25519Signature2018` (detached JWS), the
//! pre-standard alias `eddsa-2022`, and `ecdsa-rdfc-2019` (P-256 and P-384).
//!
//! All RDF suites hash the canonical N-Quads of the proof configuration and of
//! the document (without proofs) with SHA-256 and sign `proofHash ‖ docHash`
//! (W3C vc-di-eddsa §3). The JCS suite does the same over RFC 8785 JSON.
//! `ecdsa-rdfc-2019` with a P-384 key uses SHA-384 instead, both inside
//! RDFC-1.0 and for the two hashes (W3C vc-di-ecdsa §2.2 and §3.3).

use backpack_crypto::ed25519::SigningKey;
use backpack_crypto::multikey::PublicKey;
use backpack_jsonld::Processor;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Why a proof could not be made or did not verify.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    #[error("the proof is malformed: {0}")]
    Malformed(String),
    #[error("unsupported proof: {0}")]
    Unsupported(String),
    #[error("JSON-LD: {0}")]
    JsonLd(String),
    /// The document expands to more RDF than a credential may (see
    /// [`crate::limits::MAX_CREDENTIAL_QUADS`]).
    #[error("the document is too complex: {0}")]
    TooComplex(String),
    /// A JSON-LD work limit (nesting, values visited, canonicalisation work).
    #[error("JSON-LD: {0}")]
    WorkLimit(String),
    /// The verification's deadline or operation budget ran out.
    #[error("{}", .0.message())]
    Stopped(crate::work::Stop),
    #[error("the proof's @context is not a prefix of the document's @context")]
    ContextMismatch,
    #[error("proofPurpose is {0:?}; a credential needs assertionMethod")]
    WrongPurpose(String),
    #[error("the signature does not match the document")]
    BadSignature,
    #[error("the key type does not fit the cryptosuite")]
    WrongKeyType,
    #[error("the document is not a JSON object")]
    NotAnObject,
    #[error("the document already has a proof")]
    AlreadySigned,
}

impl ProofError {
    pub fn code(&self) -> &'static str {
        match self {
            ProofError::Malformed(_) => "proof_malformed",
            ProofError::Unsupported(_) => "proof_unsupported",
            ProofError::JsonLd(_) => "jsonld_error",
            ProofError::TooComplex(_) => "credential_too_complex",
            ProofError::WorkLimit(_) => "jsonld_limit_exceeded",
            ProofError::Stopped(stop) => stop.code(),
            ProofError::ContextMismatch => "proof_context_mismatch",
            ProofError::WrongPurpose(_) => "wrong_proof_purpose",
            ProofError::BadSignature => "bad_signature",
            ProofError::WrongKeyType => "wrong_key_type",
            ProofError::NotAnObject => "not_an_object",
            ProofError::AlreadySigned => "already_signed",
        }
    }
}

impl From<backpack_jsonld::JsonLdError> for ProofError {
    fn from(e: backpack_jsonld::JsonLdError) -> Self {
        use backpack_jsonld::JsonLdError as E;
        match e {
            E::TooManyQuads { limit } => ProofError::TooComplex(format!(
                "it expands to more than {limit} RDF statements (a real badge has well under 1,000)"
            )),
            E::LimitExceeded { .. } => ProofError::WorkLimit(e.to_string()),
            other => ProofError::JsonLd(other.to_string()),
        }
    }
}

/// The suites this engine signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignSuite {
    /// `eddsa-rdfc-2022`, the Open Badges 3.0 default.
    EddsaRdfc2022,
    /// `eddsa-jcs-2022`.
    EddsaJcs2022,
}

impl SignSuite {
    pub fn name(self) -> &'static str {
        match self {
            SignSuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            SignSuite::EddsaJcs2022 => "eddsa-jcs-2022",
        }
    }
}

/// A proof type this engine recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    EddsaRdfc2022,
    /// `eddsa-2022`: the pre-standard name of eddsa-rdfc-2022 (same math).
    LegacyEddsa2022,
    EddsaJcs2022,
    EcdsaRdfc2019,
    Ed25519Signature2020,
    Ed25519Signature2018,
}

impl Suite {
    /// Identify the suite of a proof object, or say why not.
    pub fn of(proof: &Map<String, Value>) -> Result<Suite, ProofError> {
        let ty = proof.get("type").and_then(Value::as_str).unwrap_or("");
        match ty {
            "DataIntegrityProof" => {
                match proof
                    .get("cryptosuite")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                {
                    "eddsa-rdfc-2022" => Ok(Suite::EddsaRdfc2022),
                    "eddsa-2022" => Ok(Suite::LegacyEddsa2022),
                    "eddsa-jcs-2022" => Ok(Suite::EddsaJcs2022),
                    "ecdsa-rdfc-2019" => Ok(Suite::EcdsaRdfc2019),
                    other => Err(ProofError::Unsupported(format!(
                        "cryptosuite {other:?} is not supported"
                    ))),
                }
            }
            "Ed25519Signature2020" => Ok(Suite::Ed25519Signature2020),
            "Ed25519Signature2018" => Ok(Suite::Ed25519Signature2018),
            other => Err(ProofError::Unsupported(format!(
                "proof type {other:?} is not supported"
            ))),
        }
    }

    /// A name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Suite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Suite::LegacyEddsa2022 => "eddsa-2022 (pre-standard name of eddsa-rdfc-2022)",
            Suite::EddsaJcs2022 => "eddsa-jcs-2022",
            Suite::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Suite::Ed25519Signature2020 => "Ed25519Signature2020",
            Suite::Ed25519Signature2018 => "Ed25519Signature2018",
        }
    }
}

/// The hashes a proof signs: `proofHash ‖ docHash` (SHA-256, or SHA-384 for
/// ecdsa-rdfc-2019 with P-384).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashData {
    pub proof_hash: Vec<u8>,
    pub doc_hash: Vec<u8>,
}

impl HashData {
    pub fn concat(&self) -> Vec<u8> {
        [self.proof_hash.as_slice(), self.doc_hash.as_slice()].concat()
    }
}

/// The hash function of a proof: RDFC-1.0's and the one over the canonical
/// forms are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hashing {
    Sha256,
    /// `ecdsa-rdfc-2019` with a P-384 key (vc-di-ecdsa §2.2).
    Sha384,
}

impl Hashing {
    /// What `suite` hashes with when verified with `key`.
    pub fn of(suite: Suite, key: &PublicKey) -> Hashing {
        match (suite, key) {
            (Suite::EcdsaRdfc2019, PublicKey::P384(_)) => Hashing::Sha384,
            _ => Hashing::Sha256,
        }
    }

    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Hashing::Sha256 => Sha256::digest(bytes).to_vec(),
            Hashing::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
        }
    }

    fn rdfc(self) -> backpack_jsonld::RdfcHash {
        match self {
            Hashing::Sha256 => backpack_jsonld::RdfcHash::Sha256,
            Hashing::Sha384 => backpack_jsonld::RdfcHash::Sha384,
        }
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn jcs(value: &Value) -> Result<String, ProofError> {
    serde_jcs::to_string(value).map_err(|e| ProofError::Malformed(format!("JCS: {e}")))
}

/// Hash a document and its proof configuration per `suite`.
/// `proof_config` is the proof without `proofValue`/`jws`, with `@context` set.
pub fn hash_data(
    processor: &Processor,
    suite: Suite,
    unsecured: &Value,
    proof_config: &Value,
) -> Result<HashData, ProofError> {
    hash_data_with(processor, suite, Hashing::Sha256, unsecured, proof_config)
}

/// [`hash_data`] with the hash function `hashing` (see [`Hashing::of`]).
pub fn hash_data_with(
    processor: &Processor,
    suite: Suite,
    hashing: Hashing,
    unsecured: &Value,
    proof_config: &Value,
) -> Result<HashData, ProofError> {
    match suite {
        Suite::EddsaJcs2022 => Ok(HashData {
            proof_hash: hashing.digest(jcs(proof_config)?.as_bytes()),
            doc_hash: hashing.digest(jcs(unsecured)?.as_bytes()),
        }),
        _ => {
            let canon = |doc: &Value| -> Result<String, ProofError> {
                let quads = processor.to_rdf(doc)?;
                Ok(backpack_jsonld::canonicalize_with(&quads, hashing.rdfc())?)
            };
            Ok(HashData {
                proof_hash: hashing.digest(canon(proof_config)?.as_bytes()),
                doc_hash: hashing.digest(canon(unsecured)?.as_bytes()),
            })
        }
    }
}

/// [`hash_data`] for verification: the quads of a credential are capped at
/// [`crate::limits::MAX_CREDENTIAL_QUADS`], each canonicalisation is an
/// operation of the session, and the document's canonical hash is computed
/// once per verification for every proof over the same document.
pub(crate) fn hash_data_in(
    processor: &Processor,
    suite: Suite,
    hashing: Hashing,
    unsecured: &Value,
    proof_config: &Value,
    session: &crate::work::Session<'_>,
) -> Result<HashData, ProofError> {
    if suite == Suite::EddsaJcs2022 {
        return hash_data_with(processor, suite, hashing, unsecured, proof_config);
    }
    let canonical_hash = |doc: &Value| -> Result<Vec<u8>, ProofError> {
        let quads = processor.to_rdf_within(doc, crate::limits::MAX_CREDENTIAL_QUADS)?;
        let canon = backpack_jsonld::canonicalize_with(&quads, hashing.rdfc())?;
        Ok(hashing.digest(canon.as_bytes()))
    };
    // The document first: a proof set shares it, and when it is too complex
    // every proof of the set fails the same way without more work.
    let key = (
        sha256(&serde_json::to_vec(unsecured).unwrap_or_default()),
        hashing,
    );
    let cached = session.canonical.borrow().get(&key).cloned();
    let doc_hash = match cached {
        Some(hit) => hit?,
        None => {
            session
                .spend(|w| w.document_canonicalisations += 1)
                .map_err(ProofError::Stopped)?;
            let result = canonical_hash(unsecured);
            session.canonical.borrow_mut().insert(key, result.clone());
            result?
        }
    };
    session.spend(|_| {}).map_err(ProofError::Stopped)?;
    let proof_hash = canonical_hash(proof_config)?;
    Ok(HashData {
        proof_hash,
        doc_hash,
    })
}

/// RFC 3339 with seconds precision and `Z`, as proofs write `created`.
pub fn format_datetime(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Add a Data Integrity proof to `unsigned` with `key`, naming `verification_method`.
pub fn sign(
    processor: &Processor,
    unsigned: &Value,
    key: &SigningKey,
    verification_method: &str,
    suite: SignSuite,
    created: time::OffsetDateTime,
) -> Result<Value, ProofError> {
    let Value::Object(doc) = unsigned else {
        return Err(ProofError::NotAnObject);
    };
    if doc.contains_key("proof") {
        return Err(ProofError::AlreadySigned);
    }
    let context = doc
        .get("@context")
        .cloned()
        .ok_or_else(|| ProofError::Malformed("the document has no @context".into()))?;
    let mut proof = Map::new();
    proof.insert("type".into(), "DataIntegrityProof".into());
    proof.insert("cryptosuite".into(), suite.name().into());
    proof.insert("created".into(), format_datetime(created).into());
    proof.insert("verificationMethod".into(), verification_method.into());
    proof.insert("proofPurpose".into(), "assertionMethod".into());
    let mut config = proof.clone();
    config.insert("@context".into(), context.clone());
    let internal = match suite {
        SignSuite::EddsaRdfc2022 => Suite::EddsaRdfc2022,
        SignSuite::EddsaJcs2022 => Suite::EddsaJcs2022,
    };
    let hashes = hash_data(processor, internal, unsigned, &Value::Object(config))?;
    let signature = key.sign(&hashes.concat());
    if suite == SignSuite::EddsaJcs2022 {
        proof.insert("@context".into(), context);
    }
    proof.insert(
        "proofValue".into(),
        backpack_crypto::multibase::encode_base58btc(&signature).into(),
    );
    let mut signed = doc.clone();
    signed.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(signed))
}

/// The proofs of a secured document, as objects (a proof set is an array).
pub fn proofs_of(doc: &Value) -> Vec<&Map<String, Value>> {
    match doc.get("proof") {
        Some(Value::Object(p)) => vec![p],
        Some(Value::Array(ps)) => ps.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

fn context_is_prefix(proof_ctx: &Value, doc_ctx: &Value) -> bool {
    let as_list = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        }
    };
    let p = as_list(proof_ctx);
    let d = as_list(doc_ctx);
    p.len() <= d.len() && p.iter().zip(d.iter()).all(|(a, b)| a == b)
}

/// The document as the proof covers it: no `proof`, except the earlier proofs
/// a chained proof names in `previousProof`.
fn unsecured_for(doc: &Map<String, Value>, proof: &Map<String, Value>) -> Map<String, Value> {
    let mut unsecured = doc.clone();
    unsecured.remove("proof");
    let previous: Vec<&str> = match proof.get("previousProof") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !previous.is_empty() {
        let all = proofs_of(&Value::Object(doc.clone()))
            .into_iter()
            .filter(|p| {
                p.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| previous.contains(&id))
            })
            .map(|p| Value::Object(p.clone()))
            .collect::<Vec<_>>();
        let value = if all.len() == 1 {
            all.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(all)
        };
        unsecured.insert("proof".into(), value);
    }
    unsecured
}

/// Verify one proof of `doc` with `key`. The caller has already decided
/// whether `key` belongs to the issuer.
pub fn verify(
    processor: &Processor,
    doc: &Value,
    proof: &Map<String, Value>,
    key: &PublicKey,
) -> Result<Suite, ProofError> {
    let deadline = crate::work::NoDeadline;
    verify_in(
        processor,
        doc,
        proof,
        key,
        &crate::work::Session::new(&deadline),
    )
}

/// [`verify`] within a verification session (shared canonical forms, the
/// credential quad cap, the operation budget).
pub(crate) fn verify_in(
    processor: &Processor,
    doc: &Value,
    proof: &Map<String, Value>,
    key: &PublicKey,
    session: &crate::work::Session<'_>,
) -> Result<Suite, ProofError> {
    let Value::Object(doc_map) = doc else {
        return Err(ProofError::NotAnObject);
    };
    let suite = Suite::of(proof)?;
    let purpose = proof
        .get("proofPurpose")
        .and_then(Value::as_str)
        .unwrap_or("");
    if purpose != "assertionMethod" {
        return Err(ProofError::WrongPurpose(purpose.to_string()));
    }
    let mut unsecured = unsecured_for(doc_map, proof);
    let doc_context = doc_map
        .get("@context")
        .cloned()
        .ok_or_else(|| ProofError::Malformed("the document has no @context".into()))?;
    let mut config = proof.clone();
    config.remove("proofValue");
    config.remove("jws");
    if suite == Suite::Ed25519Signature2018 {
        config.insert(
            "@context".into(),
            Value::String("https://w3id.org/security/v2".into()),
        );
    } else {
        if let Some(proof_ctx) = config.get("@context") {
            if !context_is_prefix(proof_ctx, &doc_context) {
                return Err(ProofError::ContextMismatch);
            }
            unsecured.insert("@context".into(), proof_ctx.clone());
        }
        let ctx = unsecured.get("@context").cloned().unwrap_or(doc_context);
        config.insert("@context".into(), ctx);
    }
    if let Some(created) = config.get("created") {
        let ok = created
            .as_str()
            .is_some_and(|s| crate::model::parse_datetime(s).is_ok());
        if !ok {
            return Err(ProofError::Malformed(
                "created is not a valid date-time".into(),
            ));
        }
    }
    let hashes = hash_data_in(
        processor,
        suite,
        Hashing::of(suite, key),
        &Value::Object(unsecured),
        &Value::Object(config),
        session,
    )?;
    let message = hashes.concat();
    if suite == Suite::Ed25519Signature2018 {
        let jws = proof.get("jws").and_then(Value::as_str).ok_or_else(|| {
            ProofError::Malformed("Ed25519Signature2018 proof without jws".into())
        })?;
        return backpack_crypto::jose::verify_detached_unencoded(jws, &message, key)
            .map(|_| suite)
            .map_err(|_| ProofError::BadSignature);
    }
    let value = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or_else(|| ProofError::Malformed("proofValue is missing".into()))?;
    if !value.starts_with('z') {
        return Err(ProofError::Malformed(
            "proofValue must be multibase base58btc (z…)".into(),
        ));
    }
    let signature = backpack_crypto::multibase::decode(value)
        .map_err(|e| ProofError::Malformed(format!("proofValue: {e}")))?;
    match (suite, key) {
        (Suite::EcdsaRdfc2019, PublicKey::P256(_) | PublicKey::P384(_)) => key
            .verify_message(&message, &signature)
            .map(|_| suite)
            .map_err(|_| ProofError::BadSignature),
        (Suite::EcdsaRdfc2019, _) => Err(ProofError::WrongKeyType),
        (_, PublicKey::Ed25519(k)) => k
            .verify(&message, &signature)
            .map(|_| suite)
            .map_err(|_| ProofError::BadSignature),
        _ => Err(ProofError::WrongKeyType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ecdsa_with_p384_hashes_with_sha384() {
        let p384 = p384_key();
        let p256 =
            PublicKey::from_multikey("zDnaekGZTbQBerwcehBSXLqAg6s55hVEBms1zFy89VHXtJSa9").unwrap();
        assert_eq!(Hashing::of(Suite::EcdsaRdfc2019, &p384), Hashing::Sha384);
        assert_eq!(Hashing::of(Suite::EcdsaRdfc2019, &p256), Hashing::Sha256);
        assert_eq!(Hashing::of(Suite::EddsaRdfc2022, &p384), Hashing::Sha256);
        assert_eq!(Hashing::Sha384.digest(b"").len(), 48);
        assert_eq!(Hashing::Sha256.digest(b"").len(), 32);
    }

    fn p384_key() -> PublicKey {
        PublicKey::from_multikey(
            "z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ",
        )
        .unwrap()
    }
}
