//! Helpers for tests only (every crate takes this as a dev-dependency).

use std::path::PathBuf;

/// `../shared` beside the repository (spec vectors, corpus, peer harness).
///
/// Under CI (`CI=true`) a missing folder is a failure: the tests that need
/// it must not pass silently. Elsewhere they skip, with a notice.
#[allow(clippy::panic)]
pub fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared is missing: CI must have the shared test data beside the repository");
    }
    eprintln!("skipped: ../shared is not beside the repository");
    None
}
