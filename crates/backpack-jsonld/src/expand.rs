//! JSON-LD 1.1 expansion (§13) into a small tree, in safe mode: whatever
//! would be silently dropped is an error instead.

use crate::context::{is_absolute_iri, is_keyword, ActiveContext, TermDef};
use crate::error::JsonLdError;
use crate::limits::{MAX_DEPTH, MAX_ITEMS};
use crate::Processor;
use serde_json::{Map, Value};
use std::sync::Arc;

/// An expanded item.
#[derive(Debug, Clone)]
pub enum Item {
    Node(Node),
    Value(ValueObject),
    List(Vec<Item>),
}

/// A node object (or node reference).
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub id: Option<String>,
    pub types: Vec<String>,
    pub props: Vec<(String, Vec<Item>)>,
    pub reverse: Vec<(String, Vec<Item>)>,
    pub graph: Option<Vec<Item>>,
    pub included: Vec<Item>,
}

/// A literal.
#[derive(Debug, Clone)]
pub enum Literal {
    String(String),
    Number(serde_json::Number),
    Bool(bool),
    Json(Value),
}

#[derive(Debug, Clone)]
pub struct ValueObject {
    pub value: Literal,
    pub datatype: Option<String>,
    pub language: Option<String>,
    pub direction: Option<String>,
}

pub(crate) struct Expander<'p> {
    pub processor: &'p Processor,
    pub items: usize,
}

fn data_loss(what: impl Into<String>, path: &str) -> JsonLdError {
    JsonLdError::DataLoss {
        term: what.into(),
        path: if path.is_empty() {
            "/".into()
        } else {
            path.to_string()
        },
    }
}

fn as_array(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

impl Expander<'_> {
    fn count(&mut self) -> Result<(), JsonLdError> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(JsonLdError::LimitExceeded {
                what: "JSON-LD items",
                limit: MAX_ITEMS,
            });
        }
        Ok(())
    }

    /// Expand `element` under `active_property`.
    pub fn expand(
        &mut self,
        active: &Arc<ActiveContext>,
        active_property: Option<&str>,
        element: &Value,
        path: &str,
        depth: usize,
        from_map: bool,
    ) -> Result<Vec<Item>, JsonLdError> {
        if depth > MAX_DEPTH {
            return Err(JsonLdError::LimitExceeded {
                what: "JSON nesting depth",
                limit: MAX_DEPTH,
            });
        }
        self.count()?;
        let term = active_property.and_then(|p| active.terms.get(p).cloned());
        match element {
            Value::Null => Ok(Vec::new()),
            Value::Array(a) => {
                let mut out = Vec::new();
                for (i, v) in a.iter().enumerate() {
                    let p = format!("{path}/{i}");
                    let expanded =
                        self.expand(active, active_property, v, &p, depth + 1, from_map)?;
                    if term.as_ref().is_some_and(|t| t.container.list) && v.is_array() {
                        out.push(Item::List(expanded));
                    } else {
                        out.extend(expanded);
                    }
                }
                Ok(out)
            }
            Value::Object(map) => self.expand_object(
                active,
                active_property,
                term.as_deref(),
                map,
                path,
                depth,
                from_map,
            ),
            scalar => {
                if active_property.is_none() || active_property == Some("@graph") {
                    // A free-floating scalar is dropped by expansion.
                    return Err(data_loss("a value outside any property", path));
                }
                // Property-scoped contexts apply to scalar values too.
                let ctx = match term.as_ref().and_then(|t| t.context.clone()) {
                    Some(c) => self.processor.scoped(active, &c, true, true)?,
                    None => active.clone(),
                };
                let term = active_property.and_then(|p| ctx.terms.get(p).cloned());
                Ok(vec![self.expand_value(
                    &ctx,
                    term.as_deref(),
                    scalar,
                    path,
                )?])
            }
        }
    }

    /// Value expansion (§13.4) of a scalar.
    fn expand_value(
        &mut self,
        active: &ActiveContext,
        term: Option<&TermDef>,
        value: &Value,
        path: &str,
    ) -> Result<Item, JsonLdError> {
        let type_mapping = term.and_then(|t| t.type_mapping.as_deref());
        if let (Some(t @ ("@id" | "@vocab")), Value::String(s)) = (type_mapping, value) {
            let iri = active
                .expand_iri(s, true, t == "@vocab")
                .ok_or_else(|| data_loss(s.clone(), path))?;
            check_iri(&iri, path)?;
            return Ok(Item::Node(Node {
                id: Some(iri),
                ..Default::default()
            }));
        }
        let literal = match value {
            Value::String(s) => Literal::String(s.clone()),
            Value::Number(n) => Literal::Number(n.clone()),
            Value::Bool(b) => Literal::Bool(*b),
            _ => return Err(JsonLdError::invalid(format!("unexpected value at {path}"))),
        };
        let mut v = ValueObject {
            value: literal,
            datatype: None,
            language: None,
            direction: None,
        };
        match type_mapping {
            Some("@id" | "@vocab" | "@none") | None => {
                if matches!(v.value, Literal::String(_)) {
                    v.language = match term.and_then(|t| t.language.clone()) {
                        Some(l) => l,
                        None => active.language.clone(),
                    };
                    v.direction = match term.and_then(|t| t.direction.clone()) {
                        Some(d) => d,
                        None => active.direction.clone(),
                    };
                }
            }
            Some("@json") => {
                v.value = Literal::Json(value.clone());
            }
            Some(dt) => v.datatype = Some(dt.to_string()),
        }
        Ok(Item::Value(v))
    }

    #[allow(clippy::too_many_arguments)]
    fn expand_object(
        &mut self,
        active_in: &Arc<ActiveContext>,
        active_property: Option<&str>,
        term: Option<&TermDef>,
        map: &Map<String, Value>,
        path: &str,
        depth: usize,
        from_map: bool,
    ) -> Result<Vec<Item>, JsonLdError> {
        let mut active = active_in.clone();
        // Step 7: a non-propagated (type-scoped) context reverts.
        if active.previous.is_some() && !from_map {
            let is_value = map
                .keys()
                .any(|k| active.expand_iri(k, false, true).as_deref() == Some("@value"));
            let only_id = map.len() == 1
                && map
                    .keys()
                    .all(|k| active.expand_iri(k, false, true).as_deref() == Some("@id"));
            if !is_value && !only_id {
                if let Some(prev) = active.previous.clone() {
                    active = prev;
                }
            }
        }
        // Step 8: property-scoped context.
        if let Some(ctx) = term.and_then(|t| t.context.clone()) {
            active = self.processor.scoped(&active, &ctx, true, true)?;
        }
        // Step 9: embedded context.
        if let Some(ctx) = map.get("@context") {
            active = self.processor.embedded(&active, ctx)?;
        }
        // Step 11: type-scoped contexts, from the context before them.
        let type_scoped = active.clone();
        let mut type_keys: Vec<&String> = map
            .keys()
            .filter(|k| active.expand_iri(k, false, true).as_deref() == Some("@type"))
            .collect();
        type_keys.sort();
        for k in &type_keys {
            let mut values: Vec<&str> = as_array(&map[k.as_str()])
                .into_iter()
                .filter_map(Value::as_str)
                .collect();
            values.sort_unstable();
            for t in values {
                if let Some(ctx) = type_scoped.terms.get(t).and_then(|d| d.context.clone()) {
                    active = self.processor.scoped(&active, &ctx, false, false)?;
                }
            }
        }
        let mut node = Node::default();
        let mut value: Option<Literal> = None;
        let mut value_type: Option<String> = None;
        let mut language: Option<String> = None;
        let mut direction: Option<String> = None;
        let mut list: Option<Vec<Item>> = None;
        let mut set: Option<Vec<Item>> = None;
        let mut has_index = false;
        self.expand_entries(
            &active,
            &type_scoped,
            active_property,
            map,
            path,
            depth,
            &mut node,
            &mut value,
            &mut value_type,
            &mut language,
            &mut direction,
            &mut list,
            &mut set,
            &mut has_index,
        )?;
        if let Some(v) = value {
            if !node.props.is_empty() || node.id.is_some() || node.graph.is_some() {
                return Err(JsonLdError::invalid(format!(
                    "invalid value object at {path}"
                )));
            }
            if let Some(t) = &value_type {
                if t == "@json" {
                    return Ok(vec![Item::Value(ValueObject {
                        value: Literal::Json(match &v {
                            Literal::Json(j) => j.clone(),
                            Literal::String(s) => Value::String(s.clone()),
                            Literal::Number(n) => Value::Number(n.clone()),
                            Literal::Bool(b) => Value::Bool(*b),
                        }),
                        datatype: None,
                        language: None,
                        direction: None,
                    })]);
                }
                check_iri(t, path)?;
            }
            if let Literal::Json(Value::Null) = v {
                return Ok(Vec::new());
            }
            return Ok(vec![Item::Value(ValueObject {
                value: v,
                datatype: value_type,
                language,
                direction,
            })]);
        }
        if language.is_some() && value.is_none() {
            return Err(data_loss("@language without @value", path));
        }
        if let Some(l) = list {
            return Ok(vec![Item::List(l)]);
        }
        if let Some(s) = set {
            return Ok(s);
        }
        let _ = has_index;
        Ok(vec![Item::Node(node)])
    }

    #[allow(clippy::too_many_arguments)]
    fn expand_entries(
        &mut self,
        active: &Arc<ActiveContext>,
        type_scoped: &Arc<ActiveContext>,
        active_property: Option<&str>,
        map: &Map<String, Value>,
        path: &str,
        depth: usize,
        node: &mut Node,
        value: &mut Option<Literal>,
        value_type: &mut Option<String>,
        language: &mut Option<String>,
        direction: &mut Option<String>,
        list: &mut Option<Vec<Item>>,
        set: &mut Option<Vec<Item>>,
        has_index: &mut bool,
    ) -> Result<(), JsonLdError> {
        let mut nests: Vec<&String> = Vec::new();
        for (key, v) in map {
            if key == "@context" {
                continue;
            }
            let p = format!("{path}/{key}");
            let Some(prop) = active.expand_iri(key, false, true) else {
                return Err(data_loss(key.clone(), &p));
            };
            if !is_keyword(&prop) && !is_absolute_iri(&prop) && !prop.starts_with("_:") {
                return Err(data_loss(key.clone(), &p));
            }
            match prop.as_str() {
                "@id" => {
                    let s = v.as_str().ok_or_else(|| {
                        JsonLdError::invalid(format!("@id must be a string at {p}"))
                    })?;
                    let iri = active
                        .expand_iri(s, true, false)
                        .ok_or_else(|| data_loss(s, &p))?;
                    check_iri(&iri, &p)?;
                    node.id = Some(iri);
                }
                "@type" => {
                    for t in as_array(v) {
                        let s = t.as_str().ok_or_else(|| {
                            JsonLdError::invalid(format!("@type must be a string at {p}"))
                        })?;
                        let iri = type_scoped
                            .expand_iri(s, true, true)
                            .ok_or_else(|| data_loss(s, &p))?;
                        if value.is_none()
                            && !map.keys().any(|k| {
                                active.expand_iri(k, false, true).as_deref() == Some("@value")
                            })
                        {
                            check_iri(&iri, &p)?;
                        }
                        node.types.push(iri);
                    }
                    // In a value object, @type is the datatype.
                    if map
                        .keys()
                        .any(|k| active.expand_iri(k, false, true).as_deref() == Some("@value"))
                    {
                        *value_type = node.types.first().cloned();
                        node.types.clear();
                    }
                }
                "@graph" => {
                    let items = self.expand(active, Some("@graph"), v, &p, depth + 1, false)?;
                    node.graph = Some(items);
                }
                "@included" => {
                    let items = self.expand(active, None, v, &p, depth + 1, false)?;
                    node.included.extend(items);
                }
                "@value" => {
                    *value = Some(match v {
                        Value::String(s) => Literal::String(s.clone()),
                        Value::Number(n) => Literal::Number(n.clone()),
                        Value::Bool(b) => Literal::Bool(*b),
                        other => Literal::Json(other.clone()),
                    });
                }
                "@language" => {
                    let s = v.as_str().ok_or_else(|| {
                        JsonLdError::invalid(format!("@language must be a string at {p}"))
                    })?;
                    *language = Some(s.to_lowercase());
                }
                "@direction" => {
                    let s = v.as_str().unwrap_or("");
                    if s != "ltr" && s != "rtl" {
                        return Err(JsonLdError::invalid(format!(
                            "@direction must be ltr or rtl at {p}"
                        )));
                    }
                    *direction = Some(s.to_string());
                }
                "@index" => *has_index = true,
                "@list" => {
                    let items = self.expand(active, active_property, v, &p, depth + 1, false)?;
                    *list = Some(items);
                }
                "@set" => {
                    let items = self.expand(active, active_property, v, &p, depth + 1, false)?;
                    *set = Some(items);
                }
                "@reverse" => {
                    let Value::Object(rm) = v else {
                        return Err(JsonLdError::invalid(format!(
                            "@reverse must be an object at {p}"
                        )));
                    };
                    for (rk, rv) in rm {
                        let rp = active
                            .expand_iri(rk, false, true)
                            .filter(|i| is_absolute_iri(i))
                            .ok_or_else(|| data_loss(rk.clone(), &p))?;
                        let items = self.expand(
                            active,
                            Some(rk),
                            rv,
                            &format!("{p}/{rk}"),
                            depth + 1,
                            false,
                        )?;
                        node.reverse.push((rp, items));
                    }
                }
                "@nest" => nests.push(key),
                "@context" => {}
                kw if is_keyword(kw) => {
                    return Err(JsonLdError::Unsupported(format!("keyword {kw} at {p}")));
                }
                _ => {
                    let def = active.terms.get(key.as_str()).cloned();
                    let items = self.expand_property(active, key, def.as_deref(), v, &p, depth)?;
                    if def.as_ref().is_some_and(|d| d.reverse) {
                        node.reverse.push((prop, items));
                    } else {
                        node.props.push((prop, items));
                    }
                }
            }
        }
        for key in nests {
            for nested in as_array(&map[key.as_str()]) {
                let Value::Object(nm) = nested else {
                    return Err(JsonLdError::invalid(format!(
                        "@nest values must be objects at {path}/{key}"
                    )));
                };
                self.expand_entries(
                    active,
                    type_scoped,
                    active_property,
                    nm,
                    &format!("{path}/{key}"),
                    depth + 1,
                    node,
                    value,
                    value_type,
                    language,
                    direction,
                    list,
                    set,
                    has_index,
                )?;
            }
        }
        Ok(())
    }

    fn expand_property(
        &mut self,
        active: &Arc<ActiveContext>,
        key: &str,
        def: Option<&TermDef>,
        v: &Value,
        path: &str,
        depth: usize,
    ) -> Result<Vec<Item>, JsonLdError> {
        let container = def.map(|d| d.container).unwrap_or_default();
        if def.and_then(|d| d.type_mapping.as_deref()) == Some("@json") {
            return Ok(vec![Item::Value(ValueObject {
                value: Literal::Json(v.clone()),
                datatype: None,
                language: None,
                direction: None,
            })]);
        }
        let mut items = if container.language && v.is_object() {
            let mut out = Vec::new();
            if let Value::Object(lm) = v {
                for (lang, vals) in lm {
                    let l = active.expand_iri(lang, false, true);
                    for s in as_array(vals) {
                        match s {
                            Value::Null => {}
                            Value::String(text) => out.push(Item::Value(ValueObject {
                                value: Literal::String(text.clone()),
                                datatype: None,
                                language: if l.as_deref() == Some("@none") {
                                    None
                                } else {
                                    Some(lang.to_lowercase())
                                },
                                direction: def
                                    .and_then(|d| d.direction.clone())
                                    .unwrap_or_else(|| active.direction.clone()),
                            })),
                            _ => {
                                return Err(JsonLdError::invalid(format!(
                                    "language map values must be strings at {path}"
                                )))
                            }
                        }
                    }
                }
            }
            out
        } else if (container.index || container.id || container.type_) && v.is_object() {
            return Err(JsonLdError::Unsupported(format!(
                "index, id and type maps ({path})"
            )));
        } else {
            self.expand(active, Some(key), v, path, depth + 1, false)?
        };
        if container.list && !matches!(items.as_slice(), [Item::List(_)]) {
            items = vec![Item::List(items)];
        }
        if container.graph && !container.id && !container.index {
            items = items
                .into_iter()
                .map(|i| {
                    Item::Node(Node {
                        graph: Some(vec![i]),
                        ..Default::default()
                    })
                })
                .collect();
        }
        Ok(items)
    }
}

/// Safe mode: identifiers must be absolute IRIs or blank node labels.
fn check_iri(iri: &str, path: &str) -> Result<(), JsonLdError> {
    if iri.starts_with("_:")
        || (is_absolute_iri(iri)
            && !iri.contains([' ', '<', '>', '"', '{', '}', '|', '\\', '^', '`']))
    {
        Ok(())
    } else {
        Err(JsonLdError::DataLoss {
            term: format!("relative or invalid IRI {iri:?}"),
            path: path.to_string(),
        })
    }
}
