//! Context processing as JSON-LD 1.1 says, on whole documents, and the W3C
//! examples context is bundled.

use backpack_jsonld::{JsonLdError, Processor};
use serde_json::json;

/// W3C JSON-LD 1.1 test suite, expand#ter56 "Invalid redefinition of
/// @context keyword": a `@context` entry inside a context definition is a
/// keyword redefinition error (API §4.1.2 step 5.13 and §4.2.2 step 5).
#[test]
fn a_nested_context_inside_a_context_definition_is_refused_like_w3c_ter56() {
    let ter56 = json!({
        "@context": {"@context": {"p": "ex:p"}},
        "@id": "ex:1",
        "p": "value"
    });
    let e = Processor::new().to_rdf(&ter56).unwrap_err();
    assert!(
        matches!(&e, JsonLdError::Invalid(m) if m.contains("keyword redefinition")),
        "{e}"
    );
    assert_eq!(e.code(), "invalid_jsonld");
    // The same nesting as an element of a credential's @context array.
    let nested = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"@context": {"p": "https://example.org/p"}}
        ],
        "type": "VerifiableCredential",
        "credentialSubject": {"p": "value"}
    });
    let e = Processor::new().to_rdf(&nested).unwrap_err();
    assert!(
        e.to_string().contains("keyword redefinition of @context"),
        "{e}"
    );
}

#[test]
fn the_same_terms_as_an_inline_context_in_the_array_expand() {
    let inline = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"p": "https://example.org/p"}
        ],
        "type": "VerifiableCredential",
        "credentialSubject": {"p": "value"}
    });
    let quads = Processor::new().to_rdf(&inline).unwrap();
    assert!(quads
        .iter()
        .any(|q| q.predicate.as_str() == "https://example.org/p"));
}

#[test]
fn the_w3c_examples_context_is_bundled() {
    let doc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "credentialSubject": {"degree": {"type": "ExampleBachelorDegree", "name": "BSc"}}
    });
    let quads = Processor::new().to_rdf(&doc).unwrap();
    assert!(quads.iter().any(|q| q.object.to_string()
        == "<https://www.w3.org/ns/credentials/examples#ExampleDegreeCredential>"));
}
