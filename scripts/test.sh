#!/usr/bin/env bash
# The test suite (the README's test command): every crate's unit and
# integration tests (spec vectors, corpus, limits), then interoperability
# with the JavaScript peer.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
scripts/interop.sh
