//! Active contexts and JSON-LD 1.1 context processing (W3C JSON-LD 1.1
//! Processing Algorithms §4.1–4.2), for bundled contexts only.

use crate::error::JsonLdError;
use crate::limits::MAX_CONTEXT_DEPTH;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Container mappings of a term, as flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Container {
    pub set: bool,
    pub list: bool,
    pub language: bool,
    pub index: bool,
    pub graph: bool,
    pub id: bool,
    pub type_: bool,
}

/// A term definition.
#[derive(Debug, Clone, PartialEq)]
pub struct TermDef {
    /// The IRI or keyword the term maps to; `None` when explicitly unmapped (`null`).
    pub iri: Option<String>,
    pub reverse: bool,
    /// `@id`, `@vocab`, `@json`, `@none`, or a datatype IRI.
    pub type_mapping: Option<String>,
    pub container: Container,
    /// `Some(None)`: `@language: null` on the term.
    pub language: Option<Option<String>>,
    pub direction: Option<Option<String>>,
    /// A scoped context (kept raw; processed when used, then cached).
    pub context: Option<Arc<Value>>,
    pub protected: bool,
    pub prefix: bool,
    pub nest: Option<String>,
}

impl TermDef {
    fn same_except_protected(&self, other: &TermDef) -> bool {
        let mut a = self.clone();
        a.protected = other.protected;
        a == *other
    }
}

/// An active context.
#[derive(Debug, Clone, Default)]
pub struct ActiveContext {
    pub terms: HashMap<String, Arc<TermDef>>,
    pub vocab: Option<String>,
    pub base: Option<String>,
    pub language: Option<String>,
    pub direction: Option<String>,
    /// Set by a non-propagating (type-scoped) context: the context to return to.
    pub previous: Option<Arc<ActiveContext>>,
}

pub const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// `@` followed by ASCII letters only: reserved for future keywords, ignored.
pub fn looks_like_keyword(s: &str) -> bool {
    s.len() > 1 && s.starts_with('@') && s[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

/// An absolute IRI: a scheme followed by `:`.
pub fn is_absolute_iri(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i > 0 => {
            let scheme = &s[..i];
            scheme.as_bytes()[0].is_ascii_alphabetic()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        }
        _ => false,
    }
}

fn ends_with_gen_delim(s: &str) -> bool {
    matches!(
        s.as_bytes().last(),
        Some(b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
    )
}

impl ActiveContext {
    /// Expand an IRI (§5.2). `vocab`: relative to the vocabulary mapping;
    /// `doc_relative`: resolve against the base. A result that is neither a
    /// keyword nor absolute is returned as is; callers decide (safe mode).
    pub fn expand_iri(&self, value: &str, doc_relative: bool, vocab: bool) -> Option<String> {
        if is_keyword(value) {
            return Some(value.to_string());
        }
        if looks_like_keyword(value) {
            return None;
        }
        if vocab {
            if let Some(def) = self.terms.get(value) {
                return def.iri.clone();
            }
        }
        if let Some(i) = value.find(':') {
            let (prefix, suffix) = (&value[..i], &value[i + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Some(value.to_string());
            }
            if let Some(def) = self.terms.get(prefix) {
                if def.prefix {
                    if let Some(iri) = &def.iri {
                        return Some(format!("{iri}{suffix}"));
                    }
                }
            }
            if is_absolute_iri(value) {
                return Some(value.to_string());
            }
        }
        if vocab {
            if let Some(v) = &self.vocab {
                return Some(format!("{v}{value}"));
            }
        }
        if doc_relative {
            if let Some(base) = &self.base {
                return Some(resolve_relative(base, value));
            }
        }
        Some(value.to_string())
    }
}

/// Minimal RFC 3986 resolution for the cases contexts use (fragment and path).
fn resolve_relative(base: &str, rel: &str) -> String {
    if rel.is_empty() {
        return base.to_string();
    }
    if rel.starts_with('#') {
        let b = base.split('#').next().unwrap_or(base);
        return format!("{b}{rel}");
    }
    match base.rfind('/') {
        Some(i) => format!("{}{}", &base[..=i], rel),
        None => format!("{base}{rel}"),
    }
}

/// Where context documents come from: the bundled set, plus extras a caller
/// registers (tests).
pub trait ContextSource: Send + Sync {
    fn get(&self, url: &str) -> Option<Arc<Value>>;
}

/// Process `local` on top of `active` (§4.1).
pub fn process(
    source: &dyn ContextSource,
    active: &Arc<ActiveContext>,
    local: &Value,
    depth: usize,
    override_protected: bool,
    propagate_default: bool,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    if depth > MAX_CONTEXT_DEPTH {
        return Err(JsonLdError::LimitExceeded {
            what: "context nesting",
            limit: MAX_CONTEXT_DEPTH,
        });
    }
    let mut result: ActiveContext = (**active).clone();
    let items: Vec<&Value> = match local {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut propagate = propagate_default;
    if let Some(Value::Object(o)) = items.first() {
        if let Some(p) = o.get("@propagate") {
            propagate = p
                .as_bool()
                .ok_or_else(|| JsonLdError::invalid("@propagate must be true or false"))?;
        }
    }
    if !propagate && result.previous.is_none() {
        result.previous = Some(active.clone());
    }
    for item in items {
        match item {
            Value::Null => {
                if !override_protected && result.terms.values().any(|t| t.protected) {
                    return Err(JsonLdError::invalid(
                        "invalid context nullification: protected terms would be lost",
                    ));
                }
                let previous = if propagate {
                    None
                } else {
                    Some(active.clone())
                };
                result = ActiveContext {
                    previous,
                    ..Default::default()
                };
            }
            Value::String(url) => {
                let doc = source
                    .get(url)
                    .ok_or_else(|| JsonLdError::ContextNotBundled { url: url.clone() })?;
                let inner = doc
                    .get("@context")
                    .ok_or_else(|| JsonLdError::invalid(format!("{url} has no @context")))?;
                let mut processed = process(
                    source,
                    &Arc::new(result),
                    inner,
                    depth + 1,
                    override_protected,
                    true,
                )?;
                // A remote context cannot set a previous context for us.
                let r = Arc::make_mut(&mut processed);
                let mut r = r.clone();
                if propagate {
                    r.previous = active.previous.clone();
                }
                result = r;
            }
            Value::Object(map) => define_all(&mut result, map, depth, override_protected)?,
            _ => {
                return Err(JsonLdError::invalid(
                    "a local context must be an object, a string or null",
                ))
            }
        }
    }
    Ok(Arc::new(result))
}

fn define_all(
    result: &mut ActiveContext,
    map: &Map<String, Value>,
    depth: usize,
    override_protected: bool,
) -> Result<(), JsonLdError> {
    if let Some(v) = map.get("@version") {
        if v.as_f64() != Some(1.1) {
            return Err(JsonLdError::invalid("@version must be 1.1"));
        }
    }
    if map.contains_key("@import") {
        return Err(JsonLdError::Unsupported("@import in a context".into()));
    }
    if let Some(b) = map.get("@base") {
        result.base = match b {
            Value::Null => None,
            Value::String(s) if is_absolute_iri(s) => Some(s.clone()),
            _ => {
                return Err(JsonLdError::invalid(
                    "@base must be an absolute IRI or null",
                ))
            }
        };
    }
    if let Some(v) = map.get("@vocab") {
        result.vocab = match v {
            Value::Null => None,
            Value::String(s) => {
                let e = result.expand_iri(s, true, true).unwrap_or_default();
                if !is_absolute_iri(&e) && !e.starts_with("_:") {
                    return Err(JsonLdError::invalid(format!("@vocab {s:?} is not an IRI")));
                }
                Some(e)
            }
            _ => return Err(JsonLdError::invalid("@vocab must be a string or null")),
        };
    }
    if let Some(l) = map.get("@language") {
        result.language = match l {
            Value::Null => None,
            Value::String(s) => Some(s.to_lowercase()),
            _ => return Err(JsonLdError::invalid("@language must be a string or null")),
        };
    }
    if let Some(d) = map.get("@direction") {
        result.direction = match d {
            Value::Null => None,
            Value::String(s) if s == "ltr" || s == "rtl" => Some(s.clone()),
            _ => return Err(JsonLdError::invalid("@direction must be ltr, rtl or null")),
        };
    }
    let protected = match map.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(JsonLdError::invalid("@protected must be true or false")),
    };
    let mut defined: HashMap<String, bool> = HashMap::new();
    for key in map.keys() {
        if matches!(
            key.as_str(),
            "@base"
                | "@direction"
                | "@import"
                | "@language"
                | "@propagate"
                | "@protected"
                | "@version"
                | "@vocab"
        ) {
            continue;
        }
        create_term(
            result,
            map,
            key,
            &mut defined,
            protected,
            override_protected,
            depth,
        )?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn create_term(
    active: &mut ActiveContext,
    local: &Map<String, Value>,
    term: &str,
    defined: &mut HashMap<String, bool>,
    protected_default: bool,
    override_protected: bool,
    depth: usize,
) -> Result<(), JsonLdError> {
    match defined.get(term) {
        Some(true) => return Ok(()),
        Some(false) => {
            return Err(JsonLdError::invalid(format!(
                "cyclic IRI mapping for {term:?}"
            )))
        }
        None => {}
    }
    defined.insert(term.to_string(), false);
    let value = local.get(term).cloned().unwrap_or(Value::Null);
    if term == "@type" {
        // Only `{"@container": "@set", "@protected": …}` is allowed.
        let ok = value
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "@container" || k == "@protected"));
        if !ok {
            return Err(JsonLdError::invalid("keyword redefinition of @type"));
        }
        defined.insert(term.to_string(), true);
        return Ok(());
    }
    if term == "@context" {
        // JSON-LD 1.1 API §4.1.2 step 5.13 hands every other key of a context
        // definition to Create Term Definition, whose step 5 refuses keywords:
        // `{"@context": {"@context": {…}}}` is an error (W3C test expand#ter56),
        // not a context to unwrap (jsonld.js unwraps it; the spec does not).
        return Err(JsonLdError::invalid(
            "keyword redefinition of @context: a context definition cannot contain @context; put its terms directly in the @context array",
        ));
    }
    if is_keyword(term) {
        return Err(JsonLdError::invalid(format!(
            "keyword redefinition of {term}"
        )));
    }
    if looks_like_keyword(term) {
        defined.insert(term.to_string(), true);
        return Ok(());
    }
    let previous = active.terms.remove(term);
    let (map, simple) = match &value {
        Value::Null => {
            let mut m = Map::new();
            m.insert("@id".into(), Value::Null);
            (m, false)
        }
        Value::String(s) => {
            let mut m = Map::new();
            m.insert("@id".into(), Value::String(s.clone()));
            (m, true)
        }
        Value::Object(o) => (o.clone(), false),
        _ => {
            return Err(JsonLdError::invalid(format!(
                "invalid term definition for {term:?}"
            )))
        }
    };
    let mut def = TermDef {
        iri: None,
        reverse: false,
        type_mapping: None,
        container: Container::default(),
        language: None,
        direction: None,
        context: None,
        protected: match map.get("@protected") {
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(JsonLdError::invalid("@protected must be a boolean")),
            None => protected_default,
        },
        prefix: false,
        nest: None,
    };
    // Dependencies first: prefixes used by this definition.
    let ensure = |active: &mut ActiveContext,
                  defined: &mut HashMap<String, bool>,
                  s: &str|
     -> Result<(), JsonLdError> {
        if let Some(i) = s.find(':') {
            let prefix = &s[..i];
            if local.contains_key(prefix) && prefix != term {
                create_term(
                    active,
                    local,
                    prefix,
                    defined,
                    protected_default,
                    override_protected,
                    depth,
                )?;
            }
        } else if local.contains_key(s) && s != term {
            create_term(
                active,
                local,
                s,
                defined,
                protected_default,
                override_protected,
                depth,
            )?;
        }
        Ok(())
    };
    if let Some(t) = map.get("@type") {
        let t = t
            .as_str()
            .ok_or_else(|| JsonLdError::invalid("@type in a term definition must be a string"))?;
        ensure(active, defined, t)?;
        let expanded = match t {
            "@id" | "@vocab" | "@json" | "@none" => t.to_string(),
            _ => {
                let e = active.expand_iri(t, false, true).unwrap_or_default();
                if !is_absolute_iri(&e) {
                    return Err(JsonLdError::invalid(format!("invalid type mapping {t:?}")));
                }
                e
            }
        };
        def.type_mapping = Some(expanded);
    }
    if let Some(r) = map.get("@reverse") {
        let r = r
            .as_str()
            .ok_or_else(|| JsonLdError::invalid("@reverse must be a string"))?;
        ensure(active, defined, r)?;
        def.iri = active.expand_iri(r, false, true);
        def.reverse = true;
    } else if let Some(id) = map.get("@id") {
        match id {
            Value::Null => def.iri = None,
            Value::String(s) => {
                if !is_keyword(s) && looks_like_keyword(s) {
                    def.iri = None;
                } else {
                    ensure(active, defined, s)?;
                    let e = active.expand_iri(s, false, true).ok_or_else(|| {
                        JsonLdError::invalid(format!("invalid IRI mapping for {term:?}"))
                    })?;
                    if e == "@context" {
                        return Err(JsonLdError::invalid("a term cannot map to @context"));
                    }
                    if !is_keyword(&e) && !is_absolute_iri(&e) && !e.starts_with("_:") {
                        return Err(JsonLdError::invalid(format!(
                            "invalid IRI mapping for {term:?}: {e}"
                        )));
                    }
                    def.iri = Some(e.clone());
                    if !term.contains(':')
                        && !term.contains('/')
                        && simple
                        && ends_with_gen_delim(&e)
                    {
                        def.prefix = true;
                    }
                }
            }
            _ => {
                return Err(JsonLdError::invalid(format!(
                    "@id of {term:?} must be a string"
                )))
            }
        }
    } else if term.contains(':') {
        ensure(active, defined, term)?;
        def.iri = active.expand_iri(term, false, true);
    } else if let Some(v) = &active.vocab {
        def.iri = Some(format!("{v}{term}"));
    } else {
        return Err(JsonLdError::invalid(format!(
            "{term:?} has no IRI mapping and there is no @vocab"
        )));
    }
    if let Some(c) = map.get("@container") {
        let items: Vec<&Value> = match c {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for item in items {
            match item.as_str() {
                Some("@set") => def.container.set = true,
                Some("@list") => def.container.list = true,
                Some("@language") => def.container.language = true,
                Some("@index") => def.container.index = true,
                Some("@graph") => def.container.graph = true,
                Some("@id") => def.container.id = true,
                Some("@type") => def.container.type_ = true,
                _ => {
                    return Err(JsonLdError::invalid(format!(
                        "invalid container mapping for {term:?}"
                    )))
                }
            }
        }
    }
    if let Some(ctx) = map.get("@context") {
        def.context = Some(Arc::new(ctx.clone()));
    }
    if let Some(l) = map.get("@language") {
        def.language = Some(match l {
            Value::Null => None,
            Value::String(s) => Some(s.to_lowercase()),
            _ => return Err(JsonLdError::invalid("@language must be a string or null")),
        });
    }
    if let Some(d) = map.get("@direction") {
        def.direction = Some(match d {
            Value::Null => None,
            Value::String(s) if s == "ltr" || s == "rtl" => Some(s.clone()),
            _ => return Err(JsonLdError::invalid("@direction must be ltr, rtl or null")),
        });
    }
    if let Some(n) = map.get("@nest") {
        def.nest = Some(
            n.as_str()
                .ok_or_else(|| JsonLdError::invalid("@nest must be a string"))?
                .to_string(),
        );
    }
    if let Some(p) = map.get("@prefix") {
        def.prefix = p
            .as_bool()
            .ok_or_else(|| JsonLdError::invalid("@prefix must be a boolean"))?;
    }
    if let Some(prev) = previous {
        if prev.protected && !override_protected && !prev.same_except_protected(&def) {
            return Err(JsonLdError::ProtectedTermRedefinition {
                term: term.to_string(),
            });
        }
        if prev.protected && !override_protected {
            // Identical redefinition keeps the protection.
            def.protected = true;
        }
    }
    let _ = depth;
    active.terms.insert(term.to_string(), Arc::new(def));
    defined.insert(term.to_string(), true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct NoDocuments;
    impl ContextSource for NoDocuments {
        fn get(&self, _: &str) -> Option<Arc<Value>> {
            None
        }
    }

    fn processed(local: Value) -> Result<Arc<ActiveContext>, JsonLdError> {
        process(
            &NoDocuments,
            &Arc::new(ActiveContext::default()),
            &local,
            0,
            false,
            true,
        )
    }

    #[test]
    fn a_context_definition_containing_context_is_a_keyword_redefinition() {
        // JSON-LD 1.1 API §4.1.2 step 5.13 → Create Term Definition step 5.
        for local in [
            json!({"@context": {"p": "ex:p"}}),
            json!([{"@context": {"p": "ex:p"}}]),
            json!([{"q": "ex:q"}, {"@context": {"p": "ex:p"}}]),
        ] {
            let e = processed(local.clone()).unwrap_err();
            assert!(
                matches!(&e, JsonLdError::Invalid(m) if m.contains("keyword redefinition of @context")),
                "{local}: {e}"
            );
        }
    }

    #[test]
    fn the_same_terms_directly_in_the_context_are_defined() {
        let ctx = processed(json!([{"q": "ex:q"}, {"p": "ex:p"}])).unwrap();
        assert_eq!(ctx.terms["p"].iri.as_deref(), Some("ex:p"));
        assert_eq!(ctx.terms["q"].iri.as_deref(), Some("ex:q"));
    }
}
