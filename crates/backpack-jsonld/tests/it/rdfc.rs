//! The W3C RDFC-1.0 test suite (all 86 entries).

use crate::common::*;
use oxrdf::Quad;
use std::time::Instant;

fn parse(text: &str) -> Vec<Quad> {
    oxttl::NQuadsParser::new()
        .for_slice(text.as_bytes())
        .map(|q| q.unwrap())
        .collect()
}

#[test]
fn every_rdfc10_test_passes() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("spec-data/rdf-canon");
    let manifest = read_json(&dir.join("manifest.jsonld"));
    let entries = manifest["entries"].as_array().unwrap();
    let mut ran = 0;
    let mut failures = Vec::new();
    for e in entries {
        let ty = e["type"].as_str().unwrap();
        let action = e["action"].as_str().unwrap();
        let input = std::fs::read_to_string(dir.join(action)).unwrap();
        let quads = parse(&input);
        let name = e["id"].as_str().unwrap_or(action);
        let sha384 = e["hashAlgorithm"].as_str() == Some("SHA384");
        if ty.contains("Negative") {
            let t = Instant::now();
            let r = backpack_jsonld::canonicalize(&quads);
            assert!(r.is_err(), "{name}: the poison graph must fail");
            assert!(t.elapsed().as_secs() < 10, "{name}: must fail fast");
            ran += 1;
            continue;
        }
        if ty.contains("Map") {
            // Issued-identifier maps: the canonical output fixes the same mapping.
            let map: serde_json::Value = read_json(&dir.join(e["result"].as_str().unwrap()));
            let issued = if sha384 {
                rdf_canon::issue_quads_with::<sha2::Sha384>(&quads, &Default::default()).unwrap()
            } else {
                rdf_canon::issue_quads_with::<sha2::Sha256>(&quads, &Default::default()).unwrap()
            };
            let expected: std::collections::HashMap<String, String> =
                serde_json::from_value(map).unwrap();
            if issued != expected {
                failures.push(format!("{name}: map {issued:?} != {expected:?}"));
            }
            ran += 1;
            continue;
        }
        let expected = std::fs::read_to_string(dir.join(e["result"].as_str().unwrap())).unwrap();
        let hash = if sha384 {
            backpack_jsonld::RdfcHash::Sha384
        } else {
            backpack_jsonld::RdfcHash::Sha256
        };
        match backpack_jsonld::canonicalize_with(&quads, hash) {
            Ok(got) if got == expected => {}
            Ok(got) => failures.push(format!("{name}: got\n{got}\nexpected\n{expected}")),
            Err(err) => failures.push(format!("{name}: {err}")),
        }
        ran += 1;
    }
    assert_eq!(ran, 86);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
