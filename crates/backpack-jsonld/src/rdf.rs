//! Deserialize expanded JSON-LD to RDF (§8.2), straight into quads.

use crate::error::JsonLdError;
use crate::expand::{Item, Literal, Node, ValueObject};
use crate::limits::MAX_QUADS;
use oxrdf::{BlankNode, GraphName, Literal as RdfLiteral, NamedNode, Quad, Subject, Term};
use std::collections::HashMap;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

pub(crate) struct Emitter {
    pub quads: Vec<Quad>,
    blank_ids: HashMap<String, String>,
    counter: usize,
    max_quads: usize,
}

fn iri(s: &str) -> Result<NamedNode, JsonLdError> {
    NamedNode::new(s).map_err(|e| JsonLdError::invalid(format!("invalid IRI {s:?}: {e}")))
}

/// jsonld.js's canonical xsd:double form: `1.5E0`, `5.0E-1`.
pub fn canonical_double(f: f64) -> String {
    let s = format!("{f:.15e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut m = mantissa.trim_end_matches('0').to_string();
    if m.ends_with('.') {
        m.push('0');
    }
    format!("{m}E{exp}")
}

impl Emitter {
    pub fn new() -> Self {
        Emitter {
            quads: Vec::new(),
            blank_ids: HashMap::new(),
            counter: 0,
            max_quads: MAX_QUADS,
        }
    }

    /// An emitter that stops at `max_quads` (at most [`MAX_QUADS`]).
    pub fn with_max_quads(max_quads: usize) -> Self {
        Emitter {
            max_quads: max_quads.min(MAX_QUADS),
            ..Emitter::new()
        }
    }

    fn fresh(&mut self) -> BlankNode {
        let id = format!("b{}", self.counter);
        self.counter += 1;
        BlankNode::new_unchecked(id)
    }

    fn blank(&mut self, label: &str) -> BlankNode {
        if let Some(id) = self.blank_ids.get(label) {
            return BlankNode::new_unchecked(id.clone());
        }
        let b = self.fresh();
        self.blank_ids
            .insert(label.to_string(), b.as_str().to_string());
        b
    }

    fn subject_of(&mut self, id: Option<&str>) -> Result<Subject, JsonLdError> {
        Ok(match id {
            Some(s) if s.starts_with("_:") => Subject::BlankNode(self.blank(s)),
            Some(s) => Subject::NamedNode(iri(s)?),
            None => Subject::BlankNode(self.fresh()),
        })
    }

    fn push(
        &mut self,
        s: Subject,
        p: NamedNode,
        o: Term,
        g: &GraphName,
    ) -> Result<(), JsonLdError> {
        if self.quads.len() >= self.max_quads {
            return Err(JsonLdError::TooManyQuads {
                limit: self.max_quads,
            });
        }
        self.quads.push(Quad::new(s, p, o, g.clone()));
        Ok(())
    }

    /// Emit the top-level items into the default graph.
    pub fn emit_top(&mut self, items: &[Item]) -> Result<(), JsonLdError> {
        for item in items {
            match item {
                Item::Node(n)
                    if n.graph.is_some()
                        && n.id.is_none()
                        && n.props.is_empty()
                        && n.types.is_empty() =>
                {
                    for i in n.graph.iter().flatten() {
                        self.emit_item(i, &GraphName::DefaultGraph)?;
                    }
                }
                Item::Node(_) => {
                    self.emit_item(item, &GraphName::DefaultGraph)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn emit_node(&mut self, n: &Node, g: &GraphName) -> Result<Subject, JsonLdError> {
        let subject = self.subject_of(n.id.as_deref())?;
        for t in &n.types {
            let o = if t.starts_with("_:") {
                Term::BlankNode(self.blank(t))
            } else {
                Term::NamedNode(iri(t)?)
            };
            self.push(subject.clone(), NamedNode::new_unchecked(RDF_TYPE), o, g)?;
        }
        for (p, items) in &n.props {
            if p.starts_with("_:") {
                continue; // no generalized RDF
            }
            let pred = iri(p)?;
            for i in items {
                if let Some(o) = self.emit_item(i, g)? {
                    self.push(subject.clone(), pred.clone(), o, g)?;
                }
            }
        }
        for (p, items) in &n.reverse {
            let pred = iri(p)?;
            let object: Term = subject.clone().into();
            for i in items {
                if let Some(Term::NamedNode(s)) = self.emit_item(i, g)? {
                    self.push(Subject::NamedNode(s), pred.clone(), object.clone(), g)?;
                } else if let Some(Term::BlankNode(s)) = self.emit_item(i, g)? {
                    self.push(Subject::BlankNode(s), pred.clone(), object.clone(), g)?;
                }
            }
        }
        if let Some(graph) = &n.graph {
            let name = match &subject {
                Subject::NamedNode(nn) => GraphName::NamedNode(nn.clone()),
                Subject::BlankNode(b) => GraphName::BlankNode(b.clone()),
                #[allow(unreachable_patterns)]
                _ => return Err(JsonLdError::invalid("unsupported graph name")),
            };
            for i in graph {
                self.emit_item(i, &name)?;
            }
        }
        for i in &n.included {
            self.emit_item(i, g)?;
        }
        Ok(subject)
    }

    fn emit_item(&mut self, item: &Item, g: &GraphName) -> Result<Option<Term>, JsonLdError> {
        match item {
            Item::Node(n) => {
                let s = self.emit_node(n, g)?;
                Ok(Some(s.into()))
            }
            Item::Value(v) => Ok(Some(Term::Literal(literal(v)?))),
            Item::List(items) => {
                if items.is_empty() {
                    return Ok(Some(Term::NamedNode(NamedNode::new_unchecked(RDF_NIL))));
                }
                let heads: Vec<BlankNode> = items.iter().map(|_| self.fresh()).collect();
                for (k, i) in items.iter().enumerate() {
                    let head = Subject::BlankNode(heads[k].clone());
                    if let Some(o) = self.emit_item(i, g)? {
                        self.push(head.clone(), NamedNode::new_unchecked(RDF_FIRST), o, g)?;
                    }
                    let rest = match heads.get(k + 1) {
                        Some(b) => Term::BlankNode(b.clone()),
                        None => Term::NamedNode(NamedNode::new_unchecked(RDF_NIL)),
                    };
                    self.push(head, NamedNode::new_unchecked(RDF_REST), rest, g)?;
                }
                Ok(Some(Term::BlankNode(heads[0].clone())))
            }
        }
    }
}

fn literal(v: &ValueObject) -> Result<RdfLiteral, JsonLdError> {
    let typed =
        |value: String, default: &str, dt: &Option<String>| -> Result<RdfLiteral, JsonLdError> {
            let dt = dt.clone().unwrap_or_else(|| default.to_string());
            Ok(RdfLiteral::new_typed_literal(value, iri(&dt)?))
        };
    match &v.value {
        Literal::Json(j) => {
            let text = serde_jcs::to_string(j)
                .map_err(|e| JsonLdError::invalid(format!("@json value: {e}")))?;
            Ok(RdfLiteral::new_typed_literal(
                text,
                NamedNode::new_unchecked(RDF_JSON),
            ))
        }
        Literal::Bool(b) => typed(b.to_string(), &format!("{XSD}boolean"), &v.datatype),
        Literal::Number(n) => {
            let double = format!("{XSD}double");
            let as_f = n.as_f64().unwrap_or(0.0);
            let integral = n.is_i64() || n.is_u64() || (as_f.fract() == 0.0 && as_f.abs() < 1e21);
            if !integral || v.datatype.as_deref() == Some(double.as_str()) {
                typed(canonical_double(as_f), &double, &v.datatype)
            } else if let Some(i) = n.as_i64() {
                typed(i.to_string(), &format!("{XSD}integer"), &v.datatype)
            } else if let Some(u) = n.as_u64() {
                typed(u.to_string(), &format!("{XSD}integer"), &v.datatype)
            } else {
                typed(format!("{as_f:.0}"), &format!("{XSD}integer"), &v.datatype)
            }
        }
        Literal::String(s) => {
            if let Some(dt) = &v.datatype {
                return Ok(RdfLiteral::new_typed_literal(s.clone(), iri(dt)?));
            }
            match &v.language {
                Some(lang) => RdfLiteral::new_language_tagged_literal(s.clone(), lang.clone())
                    .map_err(|e| {
                        JsonLdError::invalid(format!("invalid language tag {lang:?}: {e}"))
                    }),
                None => Ok(RdfLiteral::new_simple_literal(s.clone())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_double;

    #[test]
    fn doubles_take_the_jsonld_canonical_form() {
        assert_eq!(canonical_double(1.5), "1.5E0");
        assert_eq!(canonical_double(0.5), "5.0E-1");
        assert_eq!(canonical_double(123.456), "1.23456E2");
        assert_eq!(canonical_double(1.0), "1.0E0");
        assert_eq!(canonical_double(-2.25), "-2.25E0");
        assert_eq!(canonical_double(1e21), "1.0E21");
    }
}
