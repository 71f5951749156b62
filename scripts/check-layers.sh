#!/usr/bin/env bash
# The layering rules, proved from the dependency tree:
# - the pure crates (credential formats and cryptography) know nothing of
#   HTTP, databases, async runtimes or the file system;
# - the domain knows no SQL driver, HTTP stack, template engine or object store;
# - the web layer knows no SQL driver or object store;
# - storage and blob crates know no HTTP server or templates;
# - every outbound request goes through `backpack-fetch`: no other crate has an
#   HTTP client as a normal (or build) dependency or names one in its sources
#   (test-only uses, in `tests/` or as dev-dependencies, are fine).
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

# The one outbound fetcher. Direct dependencies, from `cargo metadata`
# (workspace inheritance and renames resolved): an HTTP client crate, or
# hyper / hyper-util with a client feature, outside backpack-fetch.
client_deps=$(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
clients = {"ureq", "reqwest", "isahc", "curl", "curl-sys", "attohttpc", "surf",
           "hyper-tls", "hyper-rustls", "minreq", "awc", "http_req"}
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "backpack-fetch":
        continue
    for d in p["dependencies"]:
        if d["kind"] == "dev":
            continue
        hyper_client = d["name"] in ("hyper", "hyper-util") and any(
            f.startswith("client") or f == "full" for f in d["features"])
        if d["name"] in clients or hyper_client:
            print("  %s: %s (%s dependency)" % (p["name"], d["name"], d["kind"] or "normal"))
')
if [ -n "$client_deps" ]; then
  echo "layers: only backpack-fetch may depend on an HTTP client:"; echo "$client_deps"; status=1
else
  echo "layers: no crate but backpack-fetch depends on an HTTP client"
fi
# ...and sources: an HTTP client named in crates/*/src outside backpack-fetch
# (comments and test-only files — `tests.rs`, `tests/` — left out).
client_uses=$(grep -rnE '\b(ureq|reqwest|isahc|attohttpc|surf|curl|minreq|awc)::|\bhyper(_util)?::client|^\s*(pub\s+)?(use|extern crate)\s+(ureq|reqwest|isahc|attohttpc|surf|curl|minreq|awc)\b' \
    crates/*/src --include='*.rs' 2>/dev/null \
  | grep -v '^crates/backpack-fetch/' \
  | grep -vE '^[^:]*/tests(\.rs|/[^:]*):' \
  | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$client_uses" ]; then
  echo "layers: only backpack-fetch may call an HTTP client:"; echo "$client_uses"; status=1
else
  echo "layers: no source outside backpack-fetch calls an HTTP client"
fi
exit $status
