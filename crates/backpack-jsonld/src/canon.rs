//! RDFC-1.0 canonicalisation.
//!
//! Credentials are small graphs whose blank nodes almost always have
//! distinct first-degree hashes. For those, RDFC-1.0 reduces to: hash each
//! blank node's quads (itself as `_:a`, others as `_:z`), number the blank
//! nodes in hash order, relabel, sort. This module does exactly that on
//! pre-serialised quad templates (no dataset indexes, one allocation per
//! line). When two blank nodes share a first-degree hash, the full algorithm
//! (Hash N-Degree Quads, under the work budget) runs in the `rdf-canon` crate.
//! Both paths are checked by the W3C suite (most of its tests take the fast
//! path; the rest, and the poison graph, the full one).

use crate::error::JsonLdError;
use crate::limits::MAX_HNDQ_CALLS;
use oxrdf::{GraphName, Quad, Subject, Term};
use sha2::Digest;
use std::collections::{HashMap, HashSet};

/// The hash function of RDFC-1.0 (SHA-256 unless a suite says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfcHash {
    Sha256,
    Sha384,
}

enum Part {
    Text(String),
    Blank(usize),
}

/// One quad as N-Quads text with holes where blank nodes go.
struct Line(Vec<Part>);

impl Line {
    fn render(&self, out: &mut String, label: impl Fn(usize) -> String) {
        for p in &self.0 {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Blank(i) => {
                    out.push_str("_:");
                    out.push_str(&label(*i));
                }
            }
        }
        out.push_str(" .\n");
    }

    fn blanks(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().filter_map(|p| match p {
            Part::Blank(i) => Some(*i),
            Part::Text(_) => None,
        })
    }
}

struct Builder {
    ids: HashMap<String, usize>,
}

impl Builder {
    fn blank(&mut self, label: &str) -> usize {
        let n = self.ids.len();
        *self.ids.entry(label.to_string()).or_insert(n)
    }

    fn push_text(parts: &mut Vec<Part>, text: &str) {
        match parts.last_mut() {
            Some(Part::Text(t)) => t.push_str(text),
            _ => parts.push(Part::Text(text.to_string())),
        }
    }

    fn line(&mut self, q: &Quad) -> Line {
        let mut parts = Vec::with_capacity(5);
        match &q.subject {
            Subject::BlankNode(b) => parts.push(Part::Blank(self.blank(b.as_str()))),
            other => Self::push_text(&mut parts, &other.to_string()),
        }
        Self::push_text(&mut parts, " ");
        Self::push_text(&mut parts, &q.predicate.to_string());
        Self::push_text(&mut parts, " ");
        match &q.object {
            Term::BlankNode(b) => parts.push(Part::Blank(self.blank(b.as_str()))),
            other => Self::push_text(&mut parts, &other.to_string()),
        }
        match &q.graph_name {
            GraphName::DefaultGraph => {}
            GraphName::BlankNode(b) => {
                Self::push_text(&mut parts, " ");
                parts.push(Part::Blank(self.blank(b.as_str())));
            }
            GraphName::NamedNode(n) => {
                Self::push_text(&mut parts, " ");
                Self::push_text(&mut parts, &n.to_string());
            }
        }
        Line(parts)
    }
}

fn hex_digest(hash: RdfcHash, data: &[u8]) -> String {
    let bytes: Vec<u8> = match hash {
        RdfcHash::Sha256 => sha2::Sha256::digest(data).to_vec(),
        RdfcHash::Sha384 => sha2::Sha384::digest(data).to_vec(),
    };
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// The fast path; `None` when two blank nodes share a first-degree hash.
fn fast(quads: &[Quad], hash: RdfcHash) -> Option<String> {
    let mut b = Builder {
        ids: HashMap::new(),
    };
    let mut seen = HashSet::new();
    let mut lines = Vec::with_capacity(quads.len());
    for q in quads {
        let line = b.line(q);
        let mut key = String::new();
        line.render(&mut key, |i| i.to_string());
        if seen.insert(key) {
            lines.push(line);
        }
    }
    let n = b.ids.len();
    let mut by_blank: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (li, line) in lines.iter().enumerate() {
        for blank in line.blanks() {
            if by_blank[blank].last() != Some(&li) {
                by_blank[blank].push(li);
            }
        }
    }
    let mut hashes: Vec<(String, usize)> = Vec::with_capacity(n);
    for (blank, mentions) in by_blank.iter().enumerate() {
        let mut rendered: Vec<String> = mentions
            .iter()
            .map(|&li| {
                let mut s = String::new();
                lines[li].render(&mut s, |i| if i == blank { "a".into() } else { "z".into() });
                s
            })
            .collect();
        rendered.sort_unstable();
        hashes.push((hex_digest(hash, rendered.concat().as_bytes()), blank));
    }
    hashes.sort_unstable();
    if hashes.windows(2).any(|w| w[0].0 == w[1].0) {
        return None;
    }
    let mut canonical = vec![0usize; n];
    for (k, (_, blank)) in hashes.iter().enumerate() {
        canonical[*blank] = k;
    }
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut s = String::new();
            l.render(&mut s, |i| format!("c14n{}", canonical[i]));
            s
        })
        .collect();
    out.sort_unstable();
    Some(out.concat())
}

/// RDFC-1.0 with `hash`: canonical N-Quads, sorted, one per line.
pub fn canonicalize_with(quads: &[Quad], hash: RdfcHash) -> Result<String, JsonLdError> {
    if let Some(s) = fast(quads, hash) {
        return Ok(s);
    }
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(MAX_HNDQ_CALLS),
    };
    let result = match hash {
        RdfcHash::Sha256 => rdf_canon::canonicalize_quads_with::<sha2::Sha256>(quads, &options),
        RdfcHash::Sha384 => rdf_canon::canonicalize_quads_with::<sha2::Sha384>(quads, &options),
    };
    result.map_err(|e| match e {
        rdf_canon::CanonicalizationError::HndqCallLimitExceeded(_) => JsonLdError::LimitExceeded {
            what: "canonicalisation work (Hash N-Degree Quads calls)",
            limit: MAX_HNDQ_CALLS,
        },
        other => JsonLdError::Canonicalization(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::{BlankNode, Literal, NamedNode};

    fn q(s: Subject, p: &str, o: Term, g: GraphName) -> Quad {
        Quad::new(s, NamedNode::new_unchecked(p), o, g)
    }

    #[test]
    fn fast_path_agrees_with_the_full_algorithm() {
        let b = |s: &str| BlankNode::new_unchecked(s);
        let quads = vec![
            q(
                Subject::NamedNode(NamedNode::new_unchecked("urn:x")),
                "urn:p",
                Term::BlankNode(b("e0")),
                GraphName::DefaultGraph,
            ),
            q(
                Subject::BlankNode(b("e0")),
                "urn:name",
                Term::Literal(Literal::new_simple_literal("A \"q\"\n")),
                GraphName::DefaultGraph,
            ),
            q(
                Subject::BlankNode(b("e1")),
                "urn:created",
                Term::Literal(Literal::new_simple_literal("2020")),
                GraphName::BlankNode(b("g")),
            ),
            q(
                Subject::NamedNode(NamedNode::new_unchecked("urn:x")),
                "urn:proof",
                Term::BlankNode(b("g")),
                GraphName::DefaultGraph,
            ),
            q(
                Subject::BlankNode(b("e0")),
                "urn:name",
                Term::Literal(Literal::new_simple_literal("A \"q\"\n")),
                GraphName::DefaultGraph,
            ),
        ];
        let fast_out = fast(&quads, RdfcHash::Sha256).unwrap();
        let full = rdf_canon::canonicalize_quads_with::<sha2::Sha256>(&quads, &Default::default())
            .unwrap();
        assert_eq!(fast_out, full);
    }

    #[test]
    fn shared_first_degree_hashes_take_the_full_path() {
        let b = |s: &str| BlankNode::new_unchecked(s);
        let p = "urn:next";
        let quads = vec![
            q(
                Subject::BlankNode(b("x")),
                p,
                Term::BlankNode(b("y")),
                GraphName::DefaultGraph,
            ),
            q(
                Subject::BlankNode(b("y")),
                p,
                Term::BlankNode(b("x")),
                GraphName::DefaultGraph,
            ),
        ];
        assert!(fast(&quads, RdfcHash::Sha256).is_none());
        assert!(canonicalize_with(&quads, RdfcHash::Sha256).is_ok());
    }
}
