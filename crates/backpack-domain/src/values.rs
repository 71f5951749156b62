//! Checked values: parse, don't validate. Each `parse` returns the field
//! error code the form shows.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A lower-cased, syntactically plausible e-mail address (at most 254 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        let valid = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            })
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if valid {
            Ok(Email(s))
        } else {
            Err(FieldError::new(field, "email_invalid"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10 to 1024 characters. (Length beats composition rules:
/// NIST SP 800-63B.)
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 1024;
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n == 0 {
            Err(FieldError::new(field, "required"))
        } else if n < Self::MIN_CHARS {
            Err(FieldError::new(field, "password_too_short"))
        } else if n > Self::MAX_CHARS {
            Err(FieldError::new(field, "too_long"))
        } else {
            Ok(NewPassword(raw.to_owned()))
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            Err(FieldError::new(field, "required"))
        } else if s.chars().count() > 100 {
            Err(FieldError::new(field, "too_long"))
        } else if s.chars().any(char::is_control) {
            Err(FieldError::new(field, "invalid"))
        } else {
            Ok(DisplayName(s.to_owned()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Learner,
    IssuerStaff,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Learner, Role::IssuerStaff, Role::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::IssuerStaff => "issuer_staff",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An interface language. English and French first; the text direction is a
/// property of the language so right-to-left ones slot in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Fr,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }
    /// The language's own name for itself (shown in the switcher).
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
        }
    }
    /// `ltr` or `rtl`, for the `dir` attribute.
    pub fn dir(self) -> &'static str {
        "ltr"
    }
    pub fn parse(s: &str) -> Option<Locale> {
        let primary = s
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.code() == primary)
    }
    /// The best supported language for an `Accept-Language` header value
    /// (RFC 9110 §12.5.4 weights), if any.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(Locale, f32)> = None;
        for (i, part) in header.split(',').take(32).enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            // Earlier entries win ties.
            let q = q - (i as f32) * 1e-4;
            if q <= 0.0 {
                continue;
            }
            if let Some(l) = Locale::parse(tag) {
                if best.is_none_or(|(_, bq)| q > bq) {
                    best = Some((l, q));
                }
            }
        }
        best.map(|(l, _)| l)
    }
}

/// A decentralised identifier an account claims (`did:key:…`, `did:web:…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Did(String);

impl Did {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        let mut parts = s.splitn(3, ':');
        let ok = parts.next() == Some("did")
            && parts.next().is_some_and(|m| {
                !m.is_empty()
                    && m.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts.next().is_some_and(|id| {
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-_:%".contains(&b))
            })
            && s.len() <= 512;
        if ok {
            Ok(Did(s.to_owned()))
        } else {
            Err(FieldError::new(field, "did_invalid"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lowercased_and_checked() {
        assert_eq!(
            Email::parse("e", " Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.org",
            "ada@x",
            "a b@x.org",
            "ada@x.org.",
            "a@b@c.org",
        ] {
            assert!(Email::parse("e", bad).is_err(), "{bad}");
        }
        assert_eq!(Email::parse("e", "").unwrap_err().code, "required");
    }

    #[test]
    fn password_length_bounds() {
        assert_eq!(
            NewPassword::parse("p", "short").unwrap_err().code,
            "password_too_short"
        );
        assert!(NewPassword::parse("p", "long enough pass").is_ok());
        assert_eq!(
            NewPassword::parse("p", &"x".repeat(1025)).unwrap_err().code,
            "too_long"
        );
        assert!(
            !format!("{:?}", NewPassword::parse("p", "secret secret").unwrap()).contains("secret")
        );
    }

    #[test]
    fn accept_language_weights() {
        assert_eq!(
            Locale::from_accept_language("fr-CH, fr;q=0.9, en;q=0.8"),
            Some(Locale::Fr)
        );
        assert_eq!(
            Locale::from_accept_language("de, en;q=0.5, fr;q=0.4"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0.1, fr;q=0.9"),
            Some(Locale::Fr)
        );
        assert_eq!(Locale::from_accept_language("de"), None);
        assert_eq!(Locale::from_accept_language("fr;q=0"), None);
    }

    #[test]
    fn did_syntax() {
        assert!(Did::parse(
            "d",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        )
        .is_ok());
        assert!(Did::parse("d", "did:web:example.org:users:ada").is_ok());
        for bad in [
            "",
            "did:",
            "did:key:",
            "DID:key:z",
            "did:Key:z",
            "mailto:x",
            "did:web:exa mple",
        ] {
            assert!(Did::parse("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_name_and_roles() {
        assert!(DisplayName::parse("n", "  ").is_err());
        assert!(DisplayName::parse("n", "a\u{7}").is_err());
        assert_eq!(DisplayName::parse("n", " Ada ").unwrap().as_str(), "Ada");
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
