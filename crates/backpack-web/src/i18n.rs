//! Every UI string goes through Fluent. One `.ftl` file per language in
//! `locales/`, embedded in the binary; a test checks that every language has
//! every message and that every key the templates and code use exists.

use std::collections::BTreeSet;

use backpack_domain::values::Locale;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The source of each language, in [`Locale::ALL`] order.
pub const SOURCES: &[(Locale, &str)] = &[
    (Locale::En, include_str!("../locales/en.ftl")),
    (Locale::Fr, include_str!("../locales/fr.ftl")),
];

pub struct I18n {
    bundles: Vec<(Locale, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n")
            .field("languages", &self.bundles.len())
            .finish()
    }
}

impl I18n {
    /// Load the embedded languages. Fails (at start, never later) if a file
    /// does not parse.
    pub fn load() -> Result<Self, String> {
        let mut bundles = Vec::new();
        for (locale, source) in SOURCES {
            let res = FluentResource::try_new((*source).to_owned())
                .map_err(|(_, errs)| format!("locales/{}.ftl: {errs:?}", locale.code()))?;
            let langid: unic_langid::LanguageIdentifier = locale
                .code()
                .parse()
                .map_err(|e| format!("bad language id {}: {e}", locale.code()))?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Text goes into HTML that the template engine escapes; the
            // document's `dir` attribute handles direction.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(res)
                .map_err(|e| format!("locales/{}.ftl: {e:?}", locale.code()))?;
            bundles.push((*locale, bundle));
        }
        Ok(I18n { bundles })
    }

    fn bundle(&self, locale: Locale) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, b)| b)
    }

    /// The message `key` in `locale` (falling back to English, then to the
    /// key itself, which the completeness test makes impossible).
    pub fn t(&self, locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
        for l in [locale, Locale::En] {
            if let Some(s) = self.format(l, key, args) {
                return s;
            }
        }
        key.to_owned()
    }

    fn format(&self, locale: Locale, key: &str, args: &[(&str, &str)]) -> Option<String> {
        let bundle = self.bundle(locale)?;
        let pattern = bundle.get_message(key)?.value()?;
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            // Numbers stay numbers, so plural forms are chosen by them.
            match v.parse::<i64>() {
                Ok(n) => fargs.set(*k, FluentValue::from(n)),
                Err(_) => fargs.set(*k, FluentValue::from(*v)),
            }
        }
        let mut errors = Vec::new();
        let out = bundle.format_pattern(pattern, (!args.is_empty()).then_some(&fargs), &mut errors);
        Some(out.into_owned())
    }

    /// Message ids of one language.
    pub fn ids(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message() {
        let en = I18n::ids(SOURCES[0].1);
        assert!(en.len() > 50);
        for (locale, source) in SOURCES {
            let ids = I18n::ids(source);
            let missing: Vec<_> = en.difference(&ids).collect();
            let extra: Vec<_> = ids.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                locale.code()
            );
        }
        assert_eq!(SOURCES.len(), Locale::ALL.len());
        I18n::load().unwrap();
    }

    #[test]
    fn every_key_used_exists() {
        let en = I18n::ids(SOURCES[0].1);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = BTreeSet::new();
        let mut files = Vec::new();
        for dir in ["templates", "src", "src/pages"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = e.unwrap().path();
                if path.is_file() {
                    files.push(path);
                }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in [".t(\"", ".t1(\""] {
                for (i, _) in text.match_indices(marker) {
                    let rest = &text[i + marker.len()..];
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        if !key.is_empty()
                            && key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
                        {
                            used.insert((key.to_owned(), path.display().to_string()));
                        }
                    }
                }
            }
        }
        assert!(
            used.len() > 40,
            "the scan found too few keys: {}",
            used.len()
        );
        let missing: Vec<_> = used.iter().filter(|(k, _)| !en.contains(k)).collect();
        assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
    }

    #[test]
    fn french_is_french_and_arguments_fill_in() {
        let i = I18n::load().unwrap();
        assert_eq!(i.t(Locale::Fr, "nav-login", &[]), "Se connecter");
        assert_eq!(
            i.t(Locale::En, "home-welcome-user", &[("name", "Ada")]),
            "Welcome, Ada."
        );
    }
}
