#!/usr/bin/env bash
# Envelope encryption throughput vs. the OpenSSL ceiling (openssl speed -evp aes-256-gcm).
# Usage: bench/crypto_bench.sh [BUILD_DIR] [SECONDS] [ROUNDS]
#   (build first: scripts/build.sh build crypto_bench)
# Each figure is the best of ROUNDS (default 3) interleaved runs, so that a
# shared, busy machine penalises both sides alike.
# Goal: envelope seal and open >= 0.8x openssl at 16 KB and up.
# The table compares the AEAD alone (DEK already unwrapped) with openssl; the
# lines after it are the server's path (EnvelopePayloadCodec: DEK cache hit,
# and cache miss = store lookup + KEK unwrap on every open), one run each.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-1}
rounds=${3:-3}
[[ $secs =~ ^[0-9]+$ ]] || { echo "crypto_bench.sh: SECONDS must be a whole number (openssl speed -seconds)" >&2; exit 1; }
bin="$build/bin/crypto_bench"
[ -x "$bin" ] || { echo "missing $bin: scripts/build.sh $build crypto_bench" >&2; exit 1; }
max() { awk -v a="$1" -v b="$2" 'BEGIN {print (a > b ? a : b)}'; }
printf '%-9s %12s %12s %14s %10s %10s\n' bytes seal_MB/s open_MB/s openssl_MB/s seal/ossl open/ossl
for size in 1024 16384 1048576; do
  best_seal=0 best_open=0 best_ossl=0
  for ((r = 0; r < rounds; r++)); do
    read -r seal open < <("$bin" --aead-only "$secs" "$size" | grep '^envelope' | sed -E 's/.*seal_MBps=([0-9.]+) open_MBps=([0-9.]+).*/\1 \2/')
    # openssl prints "AES-256-GCM  <N>k" (thousands of bytes per second) as its last line.
    k=$(openssl speed -evp aes-256-gcm -seconds "$secs" -bytes "$size" 2>/dev/null |
        awk 'tolower($1) == "aes-256-gcm" {v=$NF} END {sub(/k$/, "", v); print v + 0}')
    best_seal=$(max "$best_seal" "$seal")
    best_open=$(max "$best_open" "$open")
    best_ossl=$(max "$best_ossl" "$(awk -v k="$k" 'BEGIN {printf "%.1f", k / 1000}')")
  done
  awk -v b="$size" -v s="$best_seal" -v o="$best_open" -v x="$best_ossl" \
    'BEGIN {printf "%-9s %12.1f %12.1f %14.1f %10.2f %10.2f\n", b, s, o, x, s / x, o / x}'
done
echo "server codec path (EnvelopePayloadCodec, SQLite store, local keyring), one run:"
"$bin" "$secs" 1024 16384 1048576 | grep -E '^codec'
