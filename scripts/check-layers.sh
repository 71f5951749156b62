#!/usr/bin/env bash
# The layering rules, proved from the dependency tree:
# - the pure crates (credential formats and cryptography) know nothing of
#   HTTP, databases, async runtimes or the file system;
# - the domain knows no SQL driver, HTTP stack, template engine or object store;
# - the web layer knows no SQL driver or object store;
# - storage and blob crates know no HTTP server or templates.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {
  local crate=$1 forbidden=$2 what=$3
  hits=$(cargo tree -p "$crate" -e normal --prefix none --no-dedupe 2>/dev/null | grep -E "$forbidden" | sort -u || true)
  if [ -n "$hits" ]; then
    echo "layers: $crate depends on a forbidden crate:"; echo "$hits"; status=1
  else
    echo "layers: $crate $what"
  fi
}
pure='^(tokio|sqlx|axum|hyper|reqwest|ureq|rusqlite|postgres|object_store|askama|clap|tracing-subscriber) '
for crate in backpack-crypto backpack-jsonld backpack-bake backpack-credentials backpack-documents; do
  check "$crate" "$pure" "is pure"
done
check backpack-domain '^(sqlx|sqlx-core|axum|hyper|reqwest|ureq|object_store|askama|clap|lettre|toml) ' "names no SQL, HTTP, template or config crate"
check backpack-web '^(sqlx|sqlx-core|object_store|lettre|clap|toml) ' "names no SQL driver, object store, mailer or config crate"
check backpack-store '^(axum|hyper|askama|object_store|lettre|clap) ' "names no HTTP server, templates or object store"
check backpack-blobs '^(axum|askama|sqlx|sqlx-core|lettre|clap) ' "names no HTTP server, templates or SQL driver"
exit $status
