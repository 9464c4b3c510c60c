#!/usr/bin/env bash
# Builds every libFuzzer target (clang, build-fuzz/) and runs each for N
# seconds on its corpus. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# Targets default to every tests/fuzz/*_fuzz.cpp. The corpus of X_Y_fuzz is
# the first of tests/fuzz/corpus/X_Y, corpus/Xs, corpus/X that exists (so
# record_parse_fuzz -> corpus/records, pii_scan_fuzz -> corpus/pii_scan or
# corpus/pii). New inputs go to a scratch copy; the tree's corpus is not
# modified. Crashes are written to build-fuzz/crashes/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}; shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

corpus_of() {  # record_parse_fuzz -> records, pii_scan_fuzz -> pii
  local t=${1%_fuzz}
  for c in "tests/fuzz/corpus/$t" "tests/fuzz/corpus/${t%%_*}s" "tests/fuzz/corpus/${t%%_*}"; do
    [ -d "$c" ] && { echo "$c"; return; }
  done
  echo ""
}

VAULT_FUZZ=1 scripts/build.sh build-fuzz "${targets[@]}"

status=0
for t in "${targets[@]}"; do
  corpus=$(corpus_of "$t")
  work=$(mktemp -d)
  crashes=build-fuzz/crashes/$t
  mkdir -p "$crashes"
  [ -n "$corpus" ] && cp -r "$corpus"/. "$work"/
  echo "fuzz: $t for ${seconds}s on ${corpus:-an empty corpus}"
  if ! ./build-fuzz/bin/"$t" -max_total_time="$seconds" -print_final_stats=1 \
         -artifact_prefix="$crashes/" "$work" 2>&1 | tail -n 25; then  # pipefail: the fuzzer's status
    status=1
  fi
  rm -rf "$work"
done
[ $status -eq 0 ] && echo "fuzz: all targets clean" || echo "fuzz: FAILURES (see build-fuzz/crashes/)"
exit $status
