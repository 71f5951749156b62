#!/usr/bin/env bash
# e-Backpack benchmark (issue 5): a learner with 10,000 items (4,000 PDF
# certificates, 3,000 signed badges, 3,000 notes, made through the real use
# cases by `backpack fill`), then, at a steady rate on loopback with oha:
# the backpack page (overview + timeline), an item page (a certificate; a
# badge, which is re-verified on every view) and a search; p50/p99 latency
# and server RSS. Target: p99 under 50 ms at 200 requests/s, RSS under 100 MB.
#
#   scripts/bench-backpack.sh [items, default 10000] [seconds per run, default 20] [rate, default 200]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
items=${1:-10000}
secs=${2:-20}
rate=${3:-200}
oha="$root/target/tools/bin/oha"
if [ ! -x "$oha" ]; then
  cargo install oha --locked --root "$root/target/tools" >&2
fi
cargo build --release --locked -p backpack >&2
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
echo "filling the demo learner's e-Backpack with $items items…"
BACKPACK_LOG=warn "$root/target/release/backpack" fill --items "$items" --data-dir "$work/data" | tee "$work/fill.txt"
email=$(awk '$1=="learner"{print $2}' "$work/fill.txt")
password=$(awk '$1=="learner"{print $3}' "$work/fill.txt")
echo "database: $(du -h "$work/data/backpack.db" | cut -f1), files: $(du -sh "$work/data/files" | cut -f1)"

BACKPACK_LOG=warn "$root/target/release/backpack" serve --listen 127.0.0.1:0 --data-dir "$work/data" > "$work/out.txt" &
pid=$!
for _ in $(seq 1 100); do grep -q "Press Ctrl-C" "$work/out.txt" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out.txt" | head -1)
rss() { awk '/^VmRSS/{printf "%.1f", $2/1024}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/{printf "%.1f", $2/1024}' "/proc/$pid/status"; }

jar="$work/cookies"
curl -s -c "$jar" -o /dev/null "$url/login"
csrf=$(awk '$6=="__Host-csrf"{print $7}' "$jar")
curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $url" \
  --data-urlencode "_csrf=$csrf" --data-urlencode "email=$email" --data-urlencode "password=$password" "$url/login"
session=$(awk '$6=="__Host-session"{print $7}' "$jar")
[ -n "$session" ] || { echo "bench: login failed" >&2; exit 1; }
cookie="__Host-session=$session"
page=$(curl -s -H "Cookie: $cookie" "$url/backpack?area=certificate")
cert=$(grep -o '/backpack/certificates/[0-9a-f-]\{36\}' <<<"$page" | head -1)
page=$(curl -s -H "Cookie: $cookie" "$url/backpack?area=badge")
badge=$(grep -o '/backpack/badges/[0-9a-f-]\{36\}' <<<"$page" | head -1)
[ -n "$cert" ] && [ -n "$badge" ] || { echo "bench: no items found" >&2; exit 1; }
sleep 5
echo "server: $url (SQLite, release build), pid $pid; idle RSS $(rss) MB"

run() {
  local name=$1 path=$2
  "$oha" -z "${secs}s" -q "$rate" --no-tui --output-format json -H "Cookie: $cookie" "$url$path" > "$work/$name.json"
  python3 - "$work/$name.json" "$name" "$rate" "$path" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
codes = d.get("statusCodeDistribution", {})
ms = lambda v: f"{v * 1000:.2f} ms"
print(f"{sys.argv[2]:<12} {s['requestsPerSec']:.0f} req/s (asked {sys.argv[3]}), "
      f"p50 {ms(p['p50'])}, p99 {ms(p['p99'])}, max {ms(s['slowest'])}, statuses {codes}  {sys.argv[4]}")
PY
}
run backpack /backpack
run certificate "$cert"
run badge "$badge"
run search "/backpack?q=machine+learning"
run search-rare "/backpack?q=no+such+words+anywhere"
run filtered "/backpack?area=badge&tag=statistics&from=2024-01-01"
echo "RSS after the runs: $(rss) MB (peak $(hwm) MB; target < 100 MB)"
