//! What every page template receives: language, direction, CSRF token, the
//! signed-in user, and translated strings.

use std::collections::BTreeMap;

use backpack_domain::values::{Locale, Role};
use backpack_domain::FieldError;

use crate::ctx::Ctx;
use crate::state::AppState;

pub struct UserBrief {
    pub name: String,
    pub is_admin: bool,
    pub is_staff: bool,
}

pub struct LocaleOption {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

/// The page context every template's `p` is.
pub struct Page {
    pub lang: &'static str,
    pub dir: &'static str,
    pub csrf: String,
    pub path: String,
    pub user: Option<UserBrief>,
    pub locales: Vec<LocaleOption>,
    pub notice: Option<String>,
    /// The header shows no account links (a page answered while who is
    /// signed in could not be read, such as the 503 page).
    pub neutral: bool,
    locale: Locale,
    st: AppState,
}

impl Page {
    pub fn new(st: &AppState, ctx: &Ctx, notice: Option<&str>) -> Page {
        let notice = notice
            .filter(|c| DONE_CODES.contains(c))
            .map(|c| st.i18n.t(ctx.locale, &done_key(c), &[]));
        Page {
            lang: ctx.locale.code(),
            dir: ctx.locale.dir(),
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            neutral: false,
            user: ctx.user.as_ref().map(|u| UserBrief {
                name: u.display_name.clone(),
                is_admin: u.role == Role::Admin,
                is_staff: matches!(u.role, Role::Admin | Role::IssuerStaff),
            }),
            locales: Locale::ALL
                .into_iter()
                .map(|l| LocaleOption {
                    code: l.code(),
                    name: l.native_name(),
                    selected: l == ctx.locale,
                })
                .collect(),
            notice,
            locale: ctx.locale,
            st: st.clone(),
        }
    }

    /// A translated message.
    pub fn t(&self, key: &str) -> String {
        self.st.i18n.t(self.locale, key, &[])
    }

    /// A value percent-encoded for a URL query.
    pub fn url(&self, value: &str) -> String {
        url_encode(value)
    }

    /// A translated message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.st
            .i18n
            .t(self.locale, key, &[(name, &value.to_string())])
    }
}

/// Field errors, translated, by field name.
#[derive(Default)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn new(st: &AppState, locale: Locale, errors: &[FieldError]) -> Self {
        let mut map = BTreeMap::new();
        for e in errors {
            map.entry(e.field)
                .or_insert_with(|| st.i18n.t(locale, &field_key(e.code), &[]));
        }
        FieldErrors(map)
    }
    pub fn one(st: &AppState, locale: Locale, field: &'static str, code: &str) -> Self {
        let mut map = BTreeMap::new();
        map.insert(field, st.i18n.t(locale, &field_key(code), &[]));
        FieldErrors(map)
    }
    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    /// (field, message) pairs, for the error summary's links to each field.
    pub fn entries(&self) -> Vec<(&'static str, &String)> {
        self.0.iter().map(|(k, v)| (*k, v)).collect()
    }
}

pub fn field_key(code: &str) -> String {
    format!("err-{}", code.replace('_', "-"))
}

pub fn done_key(code: &str) -> String {
    format!("done-{}", code.replace('_', "-"))
}

/// The notices a page may show after a redirect (`?done=…`).
pub const DONE_CODES: &[&str] = &[
    "profile_saved",
    "password_changed",
    "email_added",
    "email_confirmed",
    "email_removed",
    "email_primary_set",
    "email_resent",
    "did_added",
    "did_confirmed",
    "did_removed",
    "photo_saved",
    "photo_removed",
    "user_updated",
    "password_reset",
    "registered",
    "check_mail",
    "confirmation_sent",
    "logged_out",
    "badge_imported",
    "badge_already_here",
    "badge_deleted",
    "certificate_uploaded",
    "certificate_saved",
    "certificate_deleted",
    "collection_saved",
    "collection_deleted",
    "collection_item_added",
    "collection_item_removed",
    "portfolio_saved",
    "portfolio_entry_deleted",
    "note_file_added",
    "note_file_deleted",
    "note_links_saved",
    "account_deleted",
    "note_saved",
    "note_deleted",
    "issuer_created",
    "issuer_saved",
    "key_rotated",
    "key_revoked",
    "stack_consent_granted",
    "stack_consent_withdrawn",
    "member_added",
    "achievement_saved",
    "credential_issued",
    "credential_revoked",
    "credential_suspended",
    "credential_active",
    "credential_claimed",
    "claim_resent",
    "job_retried",
    "batch_uploaded",
    "batch_known",
    "batch_started",
    "token_created",
    "token_revoked",
    "xapi_rule_saved",
    "xapi_rule_deleted",
    "stack_rule_saved",
    "stack_rule_deleted",
];

/// Percent-encode a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to go back to after a form: must start with one `/`
/// (never `//host` or a scheme), else the home page.
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 512
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/account"), "/account");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "javascript:x",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn every_verdict_check_and_outcome_has_a_message() {
        use backpack_credentials::report::{CheckKind, Outcome, Verdict};
        let snake = |v: serde_json::Value| v.as_str().unwrap().replace('_', "-");
        for (_, source) in crate::i18n::SOURCES {
            let ids = crate::i18n::I18n::ids(source);
            for v in Verdict::ALL {
                let k = v.code().replace('_', "-");
                assert!(
                    ids.contains(&format!("verdict-{k}"))
                        && ids.contains(&format!("verdict-{k}-text")),
                    "{k}"
                );
            }
            for c in [
                CheckKind::Structure,
                CheckKind::Context,
                CheckKind::Proof,
                CheckKind::KeyBinding,
                CheckKind::Validity,
                CheckKind::Status,
                CheckKind::EuElements,
            ] {
                assert!(ids.contains(&format!(
                    "check-{}",
                    snake(serde_json::to_value(c).unwrap())
                )));
            }
            for o in [
                Outcome::Passed,
                Outcome::Warning,
                Outcome::Failed,
                Outcome::NotChecked,
            ] {
                assert!(ids.contains(&format!(
                    "outcome-{}",
                    snake(serde_json::to_value(o).unwrap())
                )));
            }
        }
    }

    #[test]
    fn every_code_has_a_message_in_every_language() {
        use crate::errors::{ERROR_CODES, FIELD_CODES};
        for (_, source) in crate::i18n::SOURCES {
            let ids = crate::i18n::I18n::ids(source);
            for code in ERROR_CODES.iter().chain(FIELD_CODES) {
                assert!(ids.contains(&field_key(code)), "{code}");
            }
            for code in DONE_CODES {
                assert!(ids.contains(&done_key(code)), "{code}");
            }
        }
    }
}
