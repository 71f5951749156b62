//! JOSE: compact JWS (RFC 7515) for VC-JWT and Open Badges 2.0, and the
//! detached unencoded form (RFC 7797) of `Ed25519Signature2018` proofs.
//!
//! The algorithm is decided by the key; the header's `alg` must name that
//! algorithm. `none` and the HMAC family are never accepted: with them, anyone
//! who knows the (public) key could forge a token.

use crate::ed25519::SigningKey;
use crate::multikey::PublicKey;
use crate::CryptoError;
use base64::Engine;
use serde_json::{Map, Value};

/// Largest compact JWS accepted, in bytes.
pub const MAX_JWS_BYTES: usize = 3 * 1024 * 1024;

/// The algorithms accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    EdDSA,
    ES256,
    ES384,
    RS256,
}

impl Algorithm {
    /// Parse a header `alg`; anything but these four is refused.
    pub fn parse(alg: &str) -> Result<Self, CryptoError> {
        match alg {
            "EdDSA" | "Ed25519" => Ok(Algorithm::EdDSA),
            "ES256" => Ok(Algorithm::ES256),
            "ES384" => Ok(Algorithm::ES384),
            "RS256" => Ok(Algorithm::RS256),
            other => Err(CryptoError::UnsupportedAlgorithm(other.to_string())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::RS256 => "RS256",
        }
    }
}

/// A parsed compact JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactJws {
    pub header: Value,
    pub payload: Vec<u8>,
    /// `BASE64URL(header) . BASE64URL(payload)`: the bytes signed.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

fn b64d(part: &str, what: &str) -> Result<Vec<u8>, CryptoError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| CryptoError::MalformedJws(format!("{what} is not base64url: {e}")))
}

fn b64e(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn parse_header(part: &str) -> Result<Value, CryptoError> {
    let header: Value = serde_json::from_slice(&b64d(part, "the header")?)
        .map_err(|e| CryptoError::MalformedJws(format!("the header is not JSON: {e}")))?;
    if !header.is_object() {
        return Err(CryptoError::MalformedJws(
            "the header is not a JSON object".into(),
        ));
    }
    Ok(header)
}

/// Parse `header.payload.signature`.
pub fn parse_compact(token: &str) -> Result<CompactJws, CryptoError> {
    let token = token.trim();
    if token.len() > MAX_JWS_BYTES {
        return Err(CryptoError::TooLarge {
            what: "JWS",
            size: token.len(),
            limit: MAX_JWS_BYTES,
        });
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts[..] else {
        return Err(CryptoError::MalformedJws(format!(
            "expected 3 parts, found {}",
            parts.len()
        )));
    };
    let header = parse_header(h)?;
    Ok(CompactJws {
        header,
        payload: b64d(p, "the payload")?,
        signing_input: format!("{h}.{p}"),
        signature: b64d(s, "the signature")?,
    })
}

fn check_alg(header: &Value, key: &PublicKey) -> Result<Algorithm, CryptoError> {
    let named = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| CryptoError::MalformedJws("the header has no alg".into()))?;
    let alg = Algorithm::parse(named)?;
    let expected = key.jose_algorithm();
    if alg != expected {
        return Err(CryptoError::AlgorithmMismatch {
            header: named.to_string(),
            key: expected.name(),
        });
    }
    Ok(alg)
}

fn check_crit(header: &Value, allowed: &[&str]) -> Result<(), CryptoError> {
    match header.get("crit") {
        None => Ok(()),
        Some(Value::Array(a))
            if a.iter()
                .all(|c| c.as_str().is_some_and(|c| allowed.contains(&c))) =>
        {
            Ok(())
        }
        Some(_) => Err(CryptoError::MalformedJws(
            "unsupported critical header parameters".into(),
        )),
    }
}

/// Verify a compact JWS with `key`; returns the algorithm used.
pub fn verify_compact(jws: &CompactJws, key: &PublicKey) -> Result<Algorithm, CryptoError> {
    let alg = check_alg(&jws.header, key)?;
    check_crit(&jws.header, &[])?;
    key.verify_message(jws.signing_input.as_bytes(), &jws.signature)?;
    Ok(alg)
}

/// Sign `payload` with EdDSA; `header_extra` adds members (kid, typ, …); `alg` is set here.
pub fn sign_compact_eddsa(
    header_extra: &Map<String, Value>,
    payload: &[u8],
    key: &SigningKey,
) -> String {
    let mut header = Map::new();
    header.insert("alg".into(), "EdDSA".into());
    for (k, v) in header_extra {
        if k != "alg" {
            header.insert(k.clone(), v.clone());
        }
    }
    let h = b64e(
        serde_json::to_string(&Value::Object(header))
            .unwrap_or_default()
            .as_bytes(),
    );
    let input = format!("{h}.{}", b64e(payload));
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64e(&sig))
}

/// Verify a detached JWS with unencoded payload (`header..signature`,
/// `b64: false`): the signed bytes are `BASE64URL(header) . payload`.
pub fn verify_detached_unencoded(
    jws: &str,
    payload: &[u8],
    key: &PublicKey,
) -> Result<(), CryptoError> {
    if jws.len() > 16 * 1024 {
        return Err(CryptoError::TooLarge {
            what: "detached JWS",
            size: jws.len(),
            limit: 16 * 1024,
        });
    }
    let parts: Vec<&str> = jws.split('.').collect();
    let [h, "", s] = parts[..] else {
        return Err(CryptoError::MalformedJws(
            "expected a detached JWS (header..signature)".into(),
        ));
    };
    let header = parse_header(h)?;
    check_alg(&header, key)?;
    if header.get("b64") != Some(&Value::Bool(false)) {
        return Err(CryptoError::MalformedJws(
            "expected an unencoded payload (b64: false)".into(),
        ));
    }
    check_crit(&header, &["b64"])?;
    let mut input = format!("{h}.").into_bytes();
    input.extend_from_slice(payload);
    key.verify_message(&input, &b64d(s, "the signature")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_seed(&[4; 32])
    }

    #[test]
    fn eddsa_round_trip() {
        let k = key();
        let mut extra = Map::new();
        extra.insert("kid".into(), "did:key:x#y".into());
        let t = sign_compact_eddsa(&extra, b"{\"a\":1}", &k);
        let jws = parse_compact(&t).unwrap();
        assert_eq!(jws.header["kid"], "did:key:x#y");
        assert_eq!(
            verify_compact(&jws, &PublicKey::Ed25519(k.verifying_key())).unwrap(),
            Algorithm::EdDSA
        );
    }

    #[test]
    fn none_hmac_and_mismatches_are_refused() {
        let k = key();
        let pk = PublicKey::Ed25519(k.verifying_key());
        for alg in ["none", "HS256", "HS512", "ES256", "RS256", "PS256"] {
            let h = b64e(format!("{{\"alg\":\"{alg}\"}}").as_bytes());
            let input = format!("{h}.{}", b64e(b"{}"));
            let t = format!("{input}.{}", b64e(&k.sign(input.as_bytes())));
            let e = verify_compact(&parse_compact(&t).unwrap(), &pk).unwrap_err();
            assert!(
                matches!(
                    e,
                    CryptoError::UnsupportedAlgorithm(_) | CryptoError::AlgorithmMismatch { .. }
                ),
                "{alg}: {e}"
            );
        }
    }

    #[test]
    fn malformed_tokens() {
        assert!(parse_compact("a.b").is_err());
        assert!(parse_compact("a.b.c.d").is_err());
        assert!(parse_compact("!!.e30.e30").is_err());
        assert!(parse_compact(&format!("{}.e30.", b64e(b"[1]"))).is_err());
        assert!(matches!(
            parse_compact(&"a".repeat(MAX_JWS_BYTES + 1)),
            Err(CryptoError::TooLarge { .. })
        ));
    }

    #[test]
    fn es256_and_rs256_verify_with_their_keys_only() {
        use p256::ecdsa::signature::Signer;
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pk = PublicKey::P256(*sk.verifying_key());
        let h = b64e(b"{\"alg\":\"ES256\"}");
        let input = format!("{h}.{}", b64e(b"{}"));
        let sig: p256::ecdsa::Signature = sk.sign(input.as_bytes());
        let t = format!("{input}.{}", b64e(&sig.to_bytes()));
        assert_eq!(
            verify_compact(&parse_compact(&t).unwrap(), &pk).unwrap(),
            Algorithm::ES256
        );
        let ed = PublicKey::Ed25519(key().verifying_key());
        assert!(verify_compact(&parse_compact(&t).unwrap(), &ed).is_err());
        // DER-encoded ES256 signatures are refused.
        let t = format!("{input}.{}", b64e(sig.to_der().as_bytes()));
        assert!(verify_compact(&parse_compact(&t).unwrap(), &pk).is_err());
    }

    #[test]
    fn es384_verifies_with_a_p384_key_only() {
        use p384::ecdsa::signature::Signer;
        let sk = p384::ecdsa::SigningKey::from_slice(&[8u8; 48]).unwrap();
        let pk = PublicKey::P384(*sk.verifying_key());
        let h = b64e(b"{\"alg\":\"ES384\"}");
        let input = format!("{h}.{}", b64e(b"{}"));
        let sig: p384::ecdsa::Signature = sk.sign(input.as_bytes());
        let t = format!("{input}.{}", b64e(&sig.to_bytes()));
        assert_eq!(
            verify_compact(&parse_compact(&t).unwrap(), &pk).unwrap(),
            Algorithm::ES384
        );
        // The same signature under "ES256" is an algorithm mismatch.
        let h = b64e(b"{\"alg\":\"ES256\"}");
        let t = format!("{h}.{}.{}", b64e(b"{}"), b64e(&sig.to_bytes()));
        assert!(matches!(
            verify_compact(&parse_compact(&t).unwrap(), &pk),
            Err(CryptoError::AlgorithmMismatch { .. })
        ));
    }

    #[test]
    fn detached_unencoded() {
        let k = key();
        let h = b64e(b"{\"alg\":\"EdDSA\",\"b64\":false,\"crit\":[\"b64\"]}");
        let mut input = format!("{h}.").into_bytes();
        input.extend_from_slice(b"payload");
        let jws = format!("{h}..{}", b64e(&k.sign(&input)));
        let pk = PublicKey::Ed25519(k.verifying_key());
        assert!(verify_detached_unencoded(&jws, b"payload", &pk).is_ok());
        assert!(verify_detached_unencoded(&jws, b"payloaD", &pk).is_err());
    }
}
