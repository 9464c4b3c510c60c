#!/usr/bin/env bash
# Installs what is missing, builds (release with debug info) and runs vaultd
# with the embedded defaults: data in ./vault-data, listening on 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scripts/build.sh build vaultd vault
exec build/bin/vaultd "$@"
