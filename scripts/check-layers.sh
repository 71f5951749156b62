#!/usr/bin/env bash
# The pure crates (credential formats and cryptography) know nothing of HTTP,
# databases, async runtimes or the file system: prove it from the dependency tree.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(tokio|sqlx|axum|hyper|reqwest|ureq|rusqlite|postgres|object_store|askama|clap|tracing-subscriber) '
status=0
for crate in backpack-crypto backpack-jsonld backpack-bake backpack-credentials; do
  hits=$(cargo tree -p "$crate" -e normal --prefix none --no-dedupe 2>/dev/null | grep -E "$forbidden" | sort -u || true)
  if [ -n "$hits" ]; then
    echo "layers: $crate depends on a forbidden crate:"; echo "$hits"; status=1
  else
    echo "layers: $crate is pure"
  fi
done
exit $status
