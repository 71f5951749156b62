#!/usr/bin/env bash
# The test suite (the README's test command): every crate's unit and
# integration tests (spec vectors, corpus, limits, the server over HTTP on
# SQLite and PostgreSQL, S3 against moto), then interoperability with the
# JavaScript peer, then the browser end-to-end tests with axe-core.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
scripts/interop.sh
scripts/e2e.sh
