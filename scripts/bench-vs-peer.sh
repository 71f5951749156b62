#!/usr/bin/env bash
# Side-by-side speed: the JavaScript peer (../shared/bench/peer-js) and Backpack
# sign and verify the same kind of OB 3.0 credentials (eddsa-rdfc-2022) on this
# machine, in one run; prints both rates and the ratio. Then `backpack bench`.
#   N      credentials the peer signs/verifies (default 1000)
#   REPEAT how many times Backpack verifies the peer's file (default 20), so its
#          run lasts long enough to time
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
REPEAT=${REPEAT:-20}
peer=$("$root/scripts/peer-setup.sh")
cargo build -q --release -p backpack --manifest-path "$root/Cargo.toml"
bp="$root/target/release/backpack"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rate_of() { sed -n 's/.* rate=\([0-9.]*\)\/s.*/\1/p' "$1" | tail -1; }
secs() { date +%s.%N; }

node "$peer/keygen.mjs" "$work/js-key.json" >/dev/null
node "$peer/issue.mjs" --key "$work/js-key.json" "$N" "$work/js.jsonl" 2>"$work/js-issue.txt"
node "$peer/verify.mjs" "$work/js.jsonl" >/dev/null 2>"$work/js-verify.txt"
js_issue=$(rate_of "$work/js-issue.txt")
js_verify=$(rate_of "$work/js-verify.txt")

for _ in $(seq "$REPEAT"); do cat "$work/js.jsonl"; done >"$work/many.jsonl"
total=$((N * REPEAT))
t0=$(secs); "$bp" verify --json "$work/many.jsonl" >"$work/rust-verify.jsonl"; t1=$(secs)
ok=$(grep -c '"verdict":"verified"' "$work/rust-verify.jsonl" || true)
[ "$ok" = "$total" ] || { echo "only $ok of $total verified" >&2; exit 1; }
rs_verify=$(python3 -c "print(f'{$total/($t1-$t0):.1f}')")

js_did=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["did"])' "$work/js-key.json")
"$bp" example -n "$total" --issuer "$js_did" >"$work/unsigned.jsonl"
t0=$(secs); "$bp" sign --key "$work/js-key.json" "$work/unsigned.jsonl" >/dev/null; t1=$(secs)
rs_sign=$(python3 -c "print(f'{$total/($t1-$t0):.1f}')")

echo "Side by side on $(nproc) cores, eddsa-rdfc-2022 OpenBadgeCredentials (whole processes, files in and out):"
printf "  %-22s %12s %12s %8s\n" "" "peer (JS)" "Backpack" "ratio"
printf "  %-22s %12s %12s %8s\n" "verify cred/s" "$js_verify" "$rs_verify" "$(python3 -c "print(f'{$rs_verify/$js_verify:.1f}x')")"
printf "  %-22s %12s %12s %8s\n" "sign cred/s" "$js_issue" "$rs_sign" "$(python3 -c "print(f'{$rs_sign/$js_issue:.1f}x')")"
echo "  (peer: N=$N, its own rate line; Backpack: $total credentials, wall time of the CLI)"
echo
"$bp" bench -n "${BENCH_N:-10000}" --stream "${STREAM:-100000}"
