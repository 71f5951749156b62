//! Recognising a credential's recipient among an account's identities
//! (OB 3.0 `IdentityObject`: `identityHash` = `sha256$` + hex(SHA-256(identity + salt)),
//! or the plain identity when `hashed` is false).

use sha2::{Digest, Sha256};

use crate::tokens::{hex, secrets_equal};

/// The OB 3.0 hashed form of an identity (an e-mail address, lower-cased).
pub fn identity_hash(identity: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(identity.as_bytes());
    h.update(salt.as_bytes());
    format!("sha256${}", hex(&h.finalize()))
}

/// True when `identity_hash` (hashed or plain, as the credential says) names
/// `address`. E-mail addresses compare case-insensitively.
pub fn matches(address: &str, identity_hash_value: &str, hashed: bool, salt: Option<&str>) -> bool {
    let address = address.to_lowercase();
    if !hashed {
        return identity_hash_value.trim().eq_ignore_ascii_case(&address);
    }
    let Some(rest) = identity_hash_value.strip_prefix("sha256$") else {
        return false;
    };
    let expected = identity_hash(&address, salt.unwrap_or(""));
    secrets_equal(&format!("sha256${}", rest.to_ascii_lowercase()), &expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_identity_matches_only_its_address() {
        let h = identity_hash("ada@example.org", "pepper");
        assert!(matches("Ada@Example.org", &h, true, Some("pepper")));
        assert!(!matches("ada@example.org", &h, true, Some("salt")));
        assert!(!matches("bob@example.org", &h, true, Some("pepper")));
        assert!(matches("ada@example.org", "ADA@example.org", false, None));
        assert!(!matches("ada@example.org", "md5$abc", true, None));
    }
}

/// Whether a credential names the account as its recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientMatch {
    /// It names this confirmed address or DID of the account.
    Yours(String),
    /// It names someone, but none of the account's confirmed identifiers.
    NotYours,
    /// It names no recipient this can check.
    NotNamed,
}

/// Compare a credential's recipient (OB 3.0 `credentialSubject.id` and
/// `identifier` IdentityObjects; OB 2.0 `recipient`) with the account's
/// confirmed e-mail addresses and DIDs.
pub fn recipient_match(
    doc: &serde_json::Value,
    emails: &[String],
    dids: &[String],
) -> RecipientMatch {
    use serde_json::Value;
    let subject = match doc.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    let mut named = false;
    if let Some(id) = subject.and_then(|s| s.get("id")).and_then(Value::as_str) {
        named = true;
        if let Some(d) = dids.iter().find(|d| d.as_str() == id) {
            return RecipientMatch::Yours(d.clone());
        }
        if let Some(address) = id.strip_prefix("mailto:") {
            if let Some(e) = emails.iter().find(|e| e.eq_ignore_ascii_case(address)) {
                return RecipientMatch::Yours(e.clone());
            }
        }
    }
    // OB 3.0 identifiers, and the OB 2.0 recipient object (same fields).
    let mut identities: Vec<&Value> = subject
        .and_then(|s| s.get("identifier"))
        .map(|v| match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        })
        .unwrap_or_default();
    if let Some(r) = doc.get("recipient") {
        identities.push(r);
    }
    for identity in identities {
        let kind = identity
            .get("identityType")
            .or_else(|| identity.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let value = identity
            .get("identityHash")
            .or_else(|| identity.get("identity"))
            .and_then(Value::as_str);
        let Some(value) = value else { continue };
        named = true;
        let hashed = identity
            .get("hashed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let salt = identity.get("salt").and_then(Value::as_str);
        if kind.eq_ignore_ascii_case("emailAddress") || kind.eq_ignore_ascii_case("email") {
            if let Some(e) = emails.iter().find(|e| matches(e, value, hashed, salt)) {
                return RecipientMatch::Yours(e.clone());
            }
        } else if kind.eq_ignore_ascii_case("did") {
            if let Some(d) = dids.iter().find(|d| {
                if hashed {
                    matches(d, value, true, salt)
                } else {
                    d.as_str() == value
                }
            }) {
                return RecipientMatch::Yours(d.clone());
            }
        }
    }
    if named {
        RecipientMatch::NotYours
    } else {
        RecipientMatch::NotNamed
    }
}

#[cfg(test)]
mod match_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recipients_are_recognised_by_hashed_email_plain_email_did_and_ob2() {
        let emails = vec!["ada@example.org".to_owned()];
        let dids = vec!["did:key:z6MkAda".to_owned()];
        let hashed = json!({"credentialSubject": {"identifier": [{"type": "IdentityObject", "identityType": "emailAddress",
            "hashed": true, "salt": "s1", "identityHash": identity_hash("ada@example.org", "s1")}]}});
        assert_eq!(
            recipient_match(&hashed, &emails, &dids),
            RecipientMatch::Yours("ada@example.org".into())
        );
        assert_eq!(
            recipient_match(&hashed, &[], &dids),
            RecipientMatch::NotYours
        );
        let did = json!({"credentialSubject": {"id": "did:key:z6MkAda"}});
        assert_eq!(
            recipient_match(&did, &emails, &dids),
            RecipientMatch::Yours("did:key:z6MkAda".into())
        );
        let mailto = json!({"credentialSubject": [{"id": "mailto:ADA@example.org"}]});
        assert_eq!(
            recipient_match(&mailto, &emails, &dids),
            RecipientMatch::Yours("ada@example.org".into())
        );
        let ob2 = json!({"recipient": {"type": "email", "hashed": true, "salt": "x", "identity": identity_hash("ada@example.org", "x")}});
        assert_eq!(
            recipient_match(&ob2, &emails, &dids),
            RecipientMatch::Yours("ada@example.org".into())
        );
        let other = json!({"credentialSubject": {"id": "did:key:z6MkBob"}});
        assert_eq!(
            recipient_match(&other, &emails, &dids),
            RecipientMatch::NotYours
        );
        assert_eq!(
            recipient_match(&json!({"credentialSubject": {"name": "x"}}), &emails, &dids),
            RecipientMatch::NotNamed
        );
    }
}
