#!/usr/bin/env bash
# Server benchmark: a logged-in page (/account) and /healthz at a steady
# 500 requests/s on loopback with oha; p50/p99 latency, idle and loaded RSS.
# Targets (issue 4): p99 under 10 ms, idle RSS under 50 MB.
#
#   scripts/bench-server.sh [seconds per run, default 20] [rate, default 500]
#
# Builds the release binary, installs oha into target/tools if missing,
# starts `backpack serve --demo` on a fresh data folder (SQLite), logs in as
# the demo learner with curl, then measures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-20}
rate=${2:-500}
oha="$root/target/tools/bin/oha"
if [ ! -x "$oha" ]; then
  cargo install oha --locked --root "$root/target/tools" >&2
fi
cargo build --release --locked -p backpack >&2
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
BACKPACK_LOG=warn "$root/target/release/backpack" serve --demo --listen 127.0.0.1:0 --data-dir "$work/data" > "$work/out.txt" &
pid=$!
for _ in $(seq 1 100); do grep -q "Press Ctrl-C" "$work/out.txt" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out.txt" | head -1)
email=$(awk '$1=="learner"{print $2}' "$work/out.txt")
password=$(awk '$1=="learner"{print $3}' "$work/out.txt")

rss() { awk '/^VmRSS/{printf "%.1f", $2/1024}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/{printf "%.1f", $2/1024}' "/proc/$pid/status"; }

# Log in like a browser: fetch the form (CSRF cookie), post it.
jar="$work/cookies"
curl -s -c "$jar" -o /dev/null "$url/login"
csrf=$(awk '$6=="__Host-csrf"{print $7}' "$jar")
curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $url" \
  --data-urlencode "_csrf=$csrf" --data-urlencode "email=$email" --data-urlencode "password=$password" "$url/login"
session=$(awk '$6=="__Host-session"{print $7}' "$jar")
[ -n "$session" ] || { echo "bench: login failed" >&2; exit 1; }
cookie="__Host-session=$session"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$url/account")
[ "$code" = 200 ] || { echo "bench: /account answered $code" >&2; exit 1; }

echo "server: $url (SQLite, release build), pid $pid"
echo "RSS right after start, demo seeding and one login: $(rss) MB (argon2id buffers, 19 MiB per hash, not yet returned)"
sleep 15
echo "idle RSS, 15 s later: $(rss) MB (target < 50 MB)"

run() {
  local name=$1 path=$2
  shift 2
  "$oha" -z "${secs}s" -q "$rate" --no-tui --output-format json "$@" "$url$path" > "$work/$name.json"
  python3 - "$work/$name.json" "$name" "$rate" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
codes = d.get("statusCodeDistribution", {})
ms = lambda v: f"{v * 1000:.2f} ms"
print(f"{sys.argv[2]:<10} {s['requestsPerSec']:.0f} req/s (asked {sys.argv[3]}), "
      f"p50 {ms(p['p50'])}, p99 {ms(p['p99'])}, max {ms(s['slowest'])}, statuses {codes}")
PY
}
run account /account -H "Cookie: $cookie"
echo "RSS after /account load: $(rss) MB (peak $(hwm) MB)"
run healthz /healthz
echo "RSS after /healthz load: $(rss) MB (peak $(hwm) MB)"
sleep 15
echo "idle RSS 15 s after the load: $(rss) MB"
