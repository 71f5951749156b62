#!/usr/bin/env bash
# CI's short fuzzing run (docs/fuzzing.md): install cargo-fuzz if missing,
# seed the corpora, build every target once, then run each saved
# regression input and fuzz each target briefly. Fails on any crash, hang
# (> FUZZ_TIMEOUT s per input) or out-of-memory (> 2 GiB).
#
#   FUZZ_SECONDS     seconds of fuzzing per target (default 15)
#   FUZZ_TIMEOUT     seconds one input may take before it counts as a hang
#                    (default 1; CI allows 3 so a busy machine cannot fail it)
#   FUZZ_SANITIZER   none (default: the code is safe Rust; we look for
#                    panics, hangs and memory blow-ups) or address
#   FUZZ_TARGETS     space-separated subset of targets (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
seconds="${FUZZ_SECONDS:-15}"
sanitizer="${FUZZ_SANITIZER:-none}"

# cargo-fuzz passes -Z flags to rustc; the stable toolchain accepts them
# with RUSTC_BOOTSTRAP=1 (no nightly needed).
export RUSTC_BOOTSTRAP=1
# The fuzz crate has its own target dir (fuzz/target), whatever the caller set.
unset CARGO_TARGET_DIR

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-ci: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

fuzz/seed.sh >/dev/null

build_flags=(--sanitizer "$sanitizer" --release --fuzz-dir fuzz)
echo "fuzz-ci: building every target (sanitizer: $sanitizer)"
cargo fuzz build "${build_flags[@]}"

if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
fi
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$repo/fuzz/target/$triple/release"
limits=(-timeout="${FUZZ_TIMEOUT:-1}" -rss_limit_mb=2048 -malloc_limit_mb=2048)
failed=()

for t in "${targets[@]}"; do
  bin="$bin_dir/$t"
  mkdir -p "fuzz/artifacts/$t" "fuzz/corpus/$t"
  log="fuzz/artifacts/$t/ci.log"
  # Every saved regression input, once each.
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    if ! "$bin" "${limits[@]}" fuzz/regressions/"$t"/* >"$log.regressions" 2>&1; then
      echo "fuzz-ci: $t: a saved regression input fails again:"
      tail -n 30 "$log.regressions"
      failed+=("$t (regression)")
      continue
    fi
  fi
  dict=()
  case "$t" in
    credential|jsonld_rdfc|ob2|xapi) dict=(-dict=fuzz/dicts/json.dict) ;;
    pdf_text|pdf_preview) dict=(-dict=fuzz/dicts/pdf.dict) ;;
    unbake_svg) dict=(-dict=fuzz/dicts/xml.dict) ;;
    unbake_png) dict=(-dict=fuzz/dicts/png.dict) ;;
  esac
  if "$bin" "${limits[@]}" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="fuzz/artifacts/$t/" "fuzz/corpus/$t" >"$log" 2>&1; then
    summary="$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -E 's/ +/ /g' | cut -d' ' -f1-7)"
    echo "fuzz-ci: $t: ok ($summary)"
  else
    echo "fuzz-ci: $t: FAILED; the input is in fuzz/artifacts/$t/ (see docs/fuzzing.md, triage)"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -n 20 || true
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-ci: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz-ci: ${#targets[@]} targets ok"
