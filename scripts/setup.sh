#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks need.
# Idempotent: packages already present are skipped quickly.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev clang-16 libclang-rt-16-dev llvm
  # libraries
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libcli11-dev
  libargon2-dev libvectorscan-dev softhsm2 libsofthsm2 libpq-dev libhiredis-dev libcurl4-openssl-dev libp11-kit-dev libre2-dev
  # data read at build time: occupations for TITLE (scripts/gen_occupations.py), places for LOCATION
  # (scripts/gen_places.py)
  wordnet-base iso-codes tzdata wamerican
  # tests
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev python3 python3-pytest python3-yaml
  # test services and benchmark tools
  wrk nginx-light procps curl prometheus postgresql redis-server haproxy
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm for the npm-packaged test servers (s3rver), unless the
# machine already has them.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test servers from npm (tests/services/package.json, versions pinned by its
# package-lock.json), installed once into tests/services/node_modules.
services="$(dirname "$0")/../tests/services"
if [ ! -f "$services/node_modules/s3rver/bin/s3rver.js" ]; then
  echo "setup: installing the npm test servers (tests/services)"
  (cd "$services" && npm ci --no-audit --no-fund --loglevel=error)
fi
