//! `relatedResource` (VC 2.0 §5.3 "Integrity of Related Resources"): each
//! entry is an object with a unique `id` and at least one digest, `digestSRI`
//! (an SRI `hash-expression`: `sha256-`, `sha384-` or `sha512-` and base64) or
//! `digestMultibase` (a multibase-encoded multihash, VC Data Integrity §2.6).
//! A digest is compared with the resource when it is one this engine holds:
//! the pinned JSON-LD contexts, by URL, byte for byte. Anything else is never
//! fetched, so its digest is checked for form only and reported as not
//! checked.

use super::structure::Issues;
use base64::Engine;
use serde_json::Value;
use sha2::Digest;
use std::collections::HashSet;

/// A digest algorithm of the SHA-2 family, the ones SRI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    fn len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            DigestAlgorithm::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            DigestAlgorithm::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            DigestAlgorithm::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }
}

/// What one digest value says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedDigest {
    /// An algorithm and the digest bytes.
    Digest(DigestAlgorithm, Vec<u8>),
    /// Well-formed as far as can be told, but in a multibase or multihash
    /// this engine does not compute (for example SHA-3): not checkable.
    Unsupported(String),
}

/// Parse an SRI `hash-expression` (W3C SRI §3.5): `sha256`, `sha384` or
/// `sha512`, `-`, then standard base64 of exactly that digest's length.
pub fn parse_sri(s: &str) -> Result<ParsedDigest, String> {
    let (algo, b64) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?} is not an SRI hash-expression (algorithm-base64)"))?;
    let alg = match algo {
        "sha256" => DigestAlgorithm::Sha256,
        "sha384" => DigestAlgorithm::Sha384,
        "sha512" => DigestAlgorithm::Sha512,
        other => {
            return Err(format!(
                "{other:?} is not an SRI hash algorithm (sha256, sha384 or sha512)"
            ))
        }
    };
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine
        .decode(b64)
        .map_err(|e| format!("the {algo} digest is not base64: {e}"))?;
    if bytes.len() != alg.len() {
        return Err(format!(
            "a {algo} digest is {} bytes, not {}",
            alg.len(),
            bytes.len()
        ));
    }
    Ok(ParsedDigest::Digest(alg, bytes))
}

/// Parse a `digestMultibase`: multibase (`z` base58btc or `u` base64url) of
/// a multihash (varint code, varint length, digest).
pub fn parse_multibase(s: &str) -> Result<ParsedDigest, String> {
    if !s.starts_with(['z', 'u']) {
        return Ok(ParsedDigest::Unsupported(format!(
            "the multibase prefix of {s:?} is not one this verifier reads (z or u)"
        )));
    }
    let bytes = backpack_crypto::multibase::decode(s).map_err(|e| e.to_string())?;
    let read = backpack_crypto::multibase::read_varint;
    let (code, a) = read(&bytes).map_err(|_| "not a multihash".to_string())?;
    let (len, b) = read(bytes.get(a..).unwrap_or_default())
        .map_err(|_| "not a multihash: no digest length".to_string())?;
    let digest = bytes.get(a + b..).unwrap_or_default();
    if u64::try_from(digest.len()).ok() != Some(len) {
        return Err(format!(
            "not a multihash: it announces {len} digest bytes and has {}",
            digest.len()
        ));
    }
    let alg = match code {
        0x12 => DigestAlgorithm::Sha256,
        0x20 => DigestAlgorithm::Sha384,
        0x13 => DigestAlgorithm::Sha512,
        other => {
            return Ok(ParsedDigest::Unsupported(format!(
                "multihash function {other:#x} is not one this verifier computes (SHA-256, SHA-384, SHA-512)"
            )))
        }
    };
    if digest.len() != alg.len() {
        return Err(format!(
            "a multihash of code {code:#x} carries {} bytes, not {}",
            alg.len(),
            digest.len()
        ));
    }
    Ok(ParsedDigest::Digest(alg, digest.to_vec()))
}

/// The bytes of a resource this engine holds: a pinned JSON-LD context.
pub fn held_resource(id: &str) -> Option<&'static [u8]> {
    backpack_jsonld::contexts::bundled(id).map(|c| c.bytes)
}

fn strings(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(a) if !a.is_empty() => a.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// The `relatedResource` rules (VC 2.0 §5.3).
pub(super) fn check(doc: &Value, out: &mut Issues) {
    let Some(value) = doc.get("relatedResource") else {
        return;
    };
    let entries: Vec<(String, &Value)> = match value {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("/relatedResource/{i}"), e))
            .collect(),
        other => vec![("/relatedResource".to_string(), other)],
    };
    if entries.is_empty() {
        out.error(
            "related_resource_invalid",
            "/relatedResource",
            "relatedResource must be one or more objects",
        );
    }
    let mut seen = HashSet::new();
    for (path, entry) in entries {
        let Value::Object(o) = entry else {
            out.error(
                "related_resource_invalid",
                &path,
                "each relatedResource must be an object with an id and a digest",
            );
            continue;
        };
        let id = o
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| super::structure::is_iri(s));
        let Some(id) = id else {
            out.error(
                "related_resource_id_missing",
                &format!("{path}/id"),
                "a relatedResource must have an id (an IRI)",
            );
            continue;
        };
        if !seen.insert(id) {
            out.error(
                "related_resource_id_duplicate",
                &format!("{path}/id"),
                format!("{id} is listed twice under relatedResource"),
            );
        }
        let mut digests = Vec::new();
        let mut malformed = false;
        for (key, parse) in [
            (
                "digestSRI",
                parse_sri as fn(&str) -> Result<ParsedDigest, String>,
            ),
            ("digestMultibase", parse_multibase),
        ] {
            let Some(v) = o.get(key) else { continue };
            let Some(values) = strings(v) else {
                out.error(
                    "related_resource_digest_malformed",
                    &format!("{path}/{key}"),
                    format!("{key} must be a string or a list of strings"),
                );
                malformed = true;
                continue;
            };
            for s in values {
                match parse(s) {
                    Ok(d) => digests.push((key, d)),
                    Err(reason) => {
                        out.error(
                            "related_resource_digest_malformed",
                            &format!("{path}/{key}"),
                            format!("the {key} of {id} is malformed: {reason}"),
                        );
                        malformed = true;
                    }
                }
            }
        }
        if digests.is_empty() && !malformed {
            out.error(
                "related_resource_digest_missing",
                &path,
                format!("the relatedResource {id} has neither digestSRI nor digestMultibase"),
            );
            continue;
        }
        let Some(bytes) = held_resource(id) else {
            if !digests.is_empty() {
                out.not_checked(
                    "related_resource_not_checked",
                    &path,
                    format!("the digest of {id} was not compared: only pinned contexts are held, nothing is fetched"),
                );
            }
            continue;
        };
        for (key, d) in digests {
            match d {
                ParsedDigest::Digest(alg, expected) => {
                    if alg.digest(bytes) != expected {
                        out.error(
                            "related_resource_digest_mismatch",
                            &format!("{path}/{key}"),
                            format!(
                                "the {key} of {id} does not match the pinned copy of that resource"
                            ),
                        );
                    }
                }
                ParsedDigest::Unsupported(reason) => out.not_checked(
                    "related_resource_not_checked",
                    &format!("{path}/{key}"),
                    format!("the {key} of {id} was not compared: {reason}"),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2: &str = "https://www.w3.org/ns/credentials/v2";

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn held() -> &'static [u8] {
        held_resource(V2).unwrap()
    }

    #[test]
    fn sri_expressions_parse_by_algorithm_and_length() {
        let d = sha2::Sha384::digest(b"x").to_vec();
        assert_eq!(
            parse_sri(&format!("sha384-{}", b64(&d))),
            Ok(ParsedDigest::Digest(DigestAlgorithm::Sha384, d.clone()))
        );
        // Padding may be left out (SRI's base64-value has *2"=").
        let unpadded = format!("sha384-{}", b64(&d).trim_end_matches('='));
        assert!(parse_sri(&unpadded).is_ok());
        for bad in [
            format!("sha1-{}", b64(&d)),
            format!("sha256-{}", b64(&d)),
            "sha384-!!!!".to_string(),
            "sha384".to_string(),
            b64(&d),
        ] {
            assert!(parse_sri(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn multibase_multihashes_parse_and_other_hashes_are_unsupported() {
        let d = sha2::Sha256::digest(b"x").to_vec();
        let mh = [&[0x12, 0x20][..], &d].concat();
        let z = backpack_crypto::multibase::encode_base58btc(&mh);
        let u = backpack_crypto::multibase::encode_base64url(&mh);
        for s in [&z, &u] {
            assert_eq!(
                parse_multibase(s),
                Ok(ParsedDigest::Digest(DigestAlgorithm::Sha256, d.clone()))
            );
        }
        // A raw digest without the multihash header is not a multihash.
        assert!(parse_multibase(&backpack_crypto::multibase::encode_base64url(&d)).is_err());
        // Wrong announced length.
        let short = [&[0x12, 0x20][..], &d[..31]].concat();
        assert!(parse_multibase(&backpack_crypto::multibase::encode_base58btc(&short)).is_err());
        // SHA3-256 (0x16) is well-formed but not computed here.
        let sha3 = [&[0x16, 0x20][..], &d].concat();
        assert!(matches!(
            parse_multibase(&backpack_crypto::multibase::encode_base58btc(&sha3)),
            Ok(ParsedDigest::Unsupported(_))
        ));
        assert!(matches!(
            parse_multibase("bafybeigdyrzt"),
            Ok(ParsedDigest::Unsupported(_))
        ));
    }

    fn codes(related: Value) -> Vec<(String, super::super::Severity)> {
        let doc = serde_json::json!({ "relatedResource": related });
        let mut out = Issues(Vec::new());
        check(&doc, &mut out);
        out.0.into_iter().map(|i| (i.code, i.severity)).collect()
    }

    fn errors(related: Value) -> Vec<String> {
        codes(related)
            .into_iter()
            .filter(|(_, s)| *s == super::super::Severity::Error)
            .map(|(c, _)| c)
            .collect()
    }

    #[test]
    fn a_held_resource_must_match_its_digest() {
        let sri = format!("sha384-{}", b64(&sha2::Sha384::digest(held())));
        let mh = [&[0x12, 0x20][..], &sha2::Sha256::digest(held())].concat();
        let multibase = backpack_crypto::multibase::encode_base64url(&mh);
        assert!(codes(serde_json::json!({"id": V2, "digestSRI": sri})).is_empty());
        assert!(codes(serde_json::json!([{"id": V2, "digestMultibase": multibase}])).is_empty());
        let wrong = format!("sha384-{}", b64(&sha2::Sha384::digest(b"other")));
        assert_eq!(
            errors(serde_json::json!({"id": V2, "digestSRI": [sri, wrong]})),
            ["related_resource_digest_mismatch"]
        );
    }

    #[test]
    fn structure_is_checked_and_unheld_digests_are_not_checked() {
        let sri = format!("sha256-{}", b64(&sha2::Sha256::digest(b"video")));
        assert_eq!(
            errors(serde_json::json!([V2])),
            ["related_resource_invalid"]
        );
        assert_eq!(errors(serde_json::json!([])), ["related_resource_invalid"]);
        assert_eq!(
            errors(serde_json::json!([{"digestSRI": sri}])),
            ["related_resource_id_missing"]
        );
        assert_eq!(
            errors(serde_json::json!([{"id": "https://x.example/v"}])),
            ["related_resource_digest_missing"]
        );
        assert_eq!(
            errors(serde_json::json!([
                {"id": "https://x.example/v", "digestSRI": sri},
                {"id": "https://x.example/v", "digestSRI": sri}
            ])),
            ["related_resource_id_duplicate"]
        );
        assert_eq!(
            errors(serde_json::json!([{"id": "https://x.example/v", "digestSRI": "md5-AAAA"}])),
            ["related_resource_digest_malformed"]
        );
        assert_eq!(
            codes(serde_json::json!({"id": "https://x.example/v", "digestSRI": sri})),
            [(
                "related_resource_not_checked".to_string(),
                super::super::Severity::NotChecked
            )]
        );
    }
}
