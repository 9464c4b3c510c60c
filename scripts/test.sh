#!/usr/bin/env bash
# Installs what is missing, builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test (unit, conformance,
# end-to-end against a real vaultd) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VAULT_SANITIZE=1 scripts/build.sh build-asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build-asan
ctest --output-on-failure --timeout 900 -j2 "$@"
