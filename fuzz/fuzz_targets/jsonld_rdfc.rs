//! JSON-LD 1.1 expansion to RDF over the bundled contexts, then RDFC-1.0
//! canonicalisation (the work-limited step behind every `*-rdfc-*` proof).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The verifier's own JSON reader (size and depth limits) first.
    let Ok(doc) = backpack_credentials::json::parse_limited(data) else {
        return;
    };
    let processor = backpack_credentials::Processor::shared();
    if let Ok(quads) = processor.to_rdf(&doc) {
        let _ = backpack_jsonld::canonicalize(&quads);
    }
});
