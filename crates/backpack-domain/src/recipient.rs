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
