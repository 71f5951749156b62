//! Shared helpers for the integration tests.

use backpack_credentials::did::OfflineResolver;
use backpack_credentials::status::{LocalStatusLists, NoStatusLists, StatusListSource};
use backpack_credentials::{InputError, Processor, Report, Verifier};
use serde_json::{json, Value};

pub use backpack_testkit::shared;

pub fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// 2026-11-23T00:00:00Z: the date the corpus verdicts are judged at.
pub fn corpus_day() -> time::OffsetDateTime {
    backpack_credentials::model::parse_datetime("2026-11-23T00:00:00Z").unwrap()
}

/// A controller document that pins `key` (a Multikey) as an assertion key of `controller`.
pub fn pinned_document(controller: &str, vm: &str, key: &str) -> Value {
    json!({
        "id": controller,
        "verificationMethod": [{
            "id": vm, "type": "Multikey", "controller": controller, "publicKeyMultibase": key
        }],
        "assertionMethod": [vm]
    })
}

pub fn verify_with(
    bytes: &[u8],
    resolver: &OfflineResolver,
    lists: &dyn StatusListSource,
    now: time::OffsetDateTime,
) -> Result<Report, InputError> {
    Verifier {
        processor: Processor::shared(),
        resolver,
        status_lists: lists,
        now,
        deadline: &backpack_credentials::NoDeadline,
    }
    .verify_bytes(bytes)
}

pub fn verify_offline(bytes: &[u8], now: time::OffsetDateTime) -> Result<Report, InputError> {
    verify_with(bytes, &OfflineResolver::new(), &NoStatusLists, now)
}

pub fn lists(docs: &[Value]) -> LocalStatusLists {
    let mut l = LocalStatusLists::new();
    for d in docs {
        l.add(d.clone());
    }
    l
}

/// The failed/not-checked codes of a report, for assertion messages.
pub fn summary(r: &Report) -> String {
    r.checks
        .iter()
        .map(|c| format!("{:?}/{:?}/{}: {}", c.check, c.outcome, c.code, c.message))
        .collect::<Vec<_>>()
        .join("\n")
}
