#!/usr/bin/env bash
# End-to-end tests in a real headless browser: installs the harness
# (playwright-core, axe-core; pinned by e2e/package-lock.json) and runs it
# against the debug binary. Needs Debian's chromium (.ci/run installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "e2e: chromium is missing (apt-get install chromium)" >&2
  exit 3
fi
if ! cmp -s e2e/package-lock.json e2e/node_modules/.package-lock.json 2>/dev/null; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
cargo build --locked -p backpack
node e2e/run.mjs "$root/target/debug/backpack"
