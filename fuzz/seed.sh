#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with seed inputs, at run time:
#   - small seeds committed in fuzz/seeds/<target>/ (hand-written, or made
#     by the project's own sample code),
#   - every saved crash/regression input in fuzz/regressions/<target>/,
#   - real-world inputs from ../shared/corpus and ../shared/spec-data (never
#     committed here: they keep their own licences),
#   - the repository's test inputs (images, XSS vectors).
# Existing corpus files are kept (libFuzzer adds what it finds there), so
# running it again only adds. Usage: fuzz/seed.sh [target ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${BACKPACK_SHARED:-$repo/../shared}"
corpus="$here/corpus"

all_targets() { sed -n 's/^name = "\(.*\)"$/\1/p' "$here/Cargo.toml" | grep -v '^backpack-fuzz$'; }
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(all_targets); fi

# add TARGET FILE...: copy files into the target's corpus under their hash
# (libFuzzer's naming), so a file is never added twice.
add() {
  local t="$1"; shift
  mkdir -p "$corpus/$t"
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 4194304 ] || continue
    cp "$f" "$corpus/$t/$(sha1sum "$f" | cut -c1-40)"
  done
}
# add_text TARGET PREFIX: one seed per line of stdin, PREFIX (printf
# format, e.g. a selector byte) before it.
add_text() {
  local t="$1" prefix="$2" line tmp
  mkdir -p "$corpus/$t"
  tmp="$(mktemp)"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    { printf "$prefix"; printf '%s' "$line"; } >"$tmp"
    cp "$tmp" "$corpus/$t/$(sha1sum "$tmp" | cut -c1-40)"
  done
  rm -f "$tmp"
}
# files under the shared folders (and the repo) whose names end in one of $@
shared_files() {
  local args=() e
  for e in "$@"; do args+=(-o -name "*.$e"); done
  local dirs=()
  [ -d "$shared/corpus" ] && dirs+=("$shared/corpus")
  [ -d "$shared/spec-data" ] && dirs+=("$shared/spec-data")
  [ ${#dirs[@]} -gt 0 ] || return 0
  find "${dirs[@]}" -type f \( -false "${args[@]}" \) -print0
}
repo_files() {
  local args=() e
  for e in "$@"; do args+=(-o -name "*.$e"); done
  find "$repo/crates" "$repo/assets" -type f ! -path '*/target/*' \( -false "${args[@]}" \) -print0
}
grep_shared() { # PATTERN: unique matches of an extended regex in the shared json
  [ -d "$shared/corpus" ] || return 0
  grep -rhoE "$1" "$shared/corpus" "$shared/spec-data" 2>/dev/null | sort -u | head -200 || true
}

if [ ! -d "$shared/corpus" ]; then
  echo "seed.sh: $shared/corpus not found; using the committed seeds only" >&2
fi

for t in "${targets[@]}"; do
  [ -d "$here/seeds/$t" ] && add "$t" "$here/seeds/$t"/*
  [ -d "$here/regressions/$t" ] && add "$t" "$here/regressions/$t"/*
  case "$t" in
    credential)
      mapfile -d '' f < <(shared_files json jsonld jwt png svg); add "$t" "${f[@]}"
      add "$t" "$here/seeds/ob2"/* "$here/seeds/jws"/* "$here/seeds/unbake_png"/* "$here/seeds/unbake_svg"/* ;;
    jsonld_rdfc)
      mapfile -d '' f < <(shared_files json jsonld); add "$t" "${f[@]}"
      add "$t" "$here/seeds/credential"/* ;;
    jws)
      mapfile -d '' f < <(shared_files jwt); add "$t" "${f[@]}"
      grep_shared 'ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*' | add_text "$t" '' ;;
    multikey)
      grep_shared '"z[1-9A-HJ-NP-Za-km-z]{40,}"' | tr -d '"' | add_text "$t" '\001'
      grep_shared 'did:key:z[1-9A-HJ-NP-Za-km-z]{40,}' | add_text "$t" '\002'
      grep_shared 'did:key:z[1-9A-HJ-NP-Za-km-z]{40,}' | add_text "$t" '\003'
      grep_shared '"publicKeyBase58": *"[1-9A-HJ-NP-Za-km-z]+"' | sed 's/.*: *"//; s/"$//' | add_text "$t" '\006' ;;
    unbake_png|upload)
      mapfile -d '' f < <(shared_files png); add "$t" "${f[@]}"
      mapfile -d '' f < <(repo_files png jpg jpeg gif webp); add "$t" "${f[@]}" ;;&
    upload)
      add "$t" "$here/seeds/pdf_text"/* ;;
    unbake_svg)
      mapfile -d '' f < <(shared_files svg); add "$t" "${f[@]}"
      mapfile -d '' f < <(repo_files svg); add "$t" "${f[@]}" ;;
    status_list)
      grep_shared '"encodedList": *"[^"]+"' | sed 's/.*: *"//; s/"$//' | add_text "$t" '\000\000\000\000\001\000\000\000' ;;
    ob2)
      [ -d "$shared/corpus" ] && mapfile -d '' f < <(grep -rlZ 'openbadges/v2\|"badge"' "$shared/corpus" --include='*.json' || true) && add "$t" "${f[@]}" ;;
    did_web)
      grep_shared 'did:web:[^"#` …]*' | add_text "$t" '' ;;
    markdown)
      mapfile -d '' f < <(shared_files md); add "$t" "${f[@]}"
      add_text "$t" "" <"$repo/crates/backpack-web/tests/xss-vectors.txt" ;;
    pdf_text|pdf_preview)
      mapfile -d '' f < <(shared_files pdf); add "$t" "${f[@]}"
      add "$t" "$here/seeds/pdf_text"/* "$here/seeds/pdf_preview"/* ;;
    recognise)
      mapfile -d '' f < <(shared_files txt); add "$t" "${f[@]}" ;;
  esac
  echo "seed.sh: $t: $(find "$corpus/$t" -type f 2>/dev/null | wc -l) inputs"
done
