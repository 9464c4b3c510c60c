#!/usr/bin/env bash
# Configures (once) and builds with ninja + ccache. Usage: scripts/build.sh [BUILD_DIR] [ninja targets...]
# Builds are serialised through a lock so that parallel sessions on a 2-core
# machine never compile at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}; shift || true
extra=()
[ "${VAULT_SANITIZE:-0}" = 1 ] && extra+=(-DVAULT_SANITIZE=ON)
# clang >= 16: older clang cannot use libstdc++ 12's std::expected.
fuzz_cxx=$(command -v clang++-16 || echo clang++)
[ "${VAULT_FUZZ:-0}" = 1 ] && extra+=(-DVAULT_FUZZ=ON -DCMAKE_CXX_COMPILER="$fuzz_cxx")
# Paths relative to the checkout in ccache keys: clones elsewhere reuse the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
exec 9>/tmp/vault-build.lock
flock 9
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${extra[@]}" >/dev/null
fi
cmake --build "$dir" -- "$@"
