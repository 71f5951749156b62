#!/usr/bin/env bash
# Installs the JavaScript peer of ../shared/bench/peer-js into target/peer-js
# (a copy: shared/ stays untouched) and prints that folder. Reinstalls only
# when the peer's package-lock.json changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/../shared/bench/peer-js"
dst="$root/target/peer-js"
if [ ! -d "$src" ]; then
  echo "peer-setup: $src is missing" >&2
  exit 3
fi
mkdir -p "$dst"
if ! cmp -s "$src/package-lock.json" "$dst/package-lock.json" || [ ! -d "$dst/node_modules" ]; then
  rm -rf "$dst"
  mkdir -p "$dst"
  (cd "$src" && tar cf - --exclude=node_modules --exclude=out .) | (cd "$dst" && tar xf -)
  (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >&2)
else
  (cd "$src" && tar cf - --exclude=node_modules --exclude=out --exclude=package-lock.json .) | (cd "$dst" && tar xf -)
fi
echo "$dst"
