#!/usr/bin/env bash
# Throughput of `vault encrypt` / `vault decrypt` on a 1 GB file (random
# bytes, generated in a temp dir under /tmp and deleted afterwards), and
# `openssl speed -evp aes-256-gcm` as the single-core AES-GCM ceiling.
#
# Prints MB/s (10^6 bytes/s) for:
#   encrypt  FILE -> FILE   (includes the fsync + rename of the output)
#   decrypt  FILE -> FILE   (same)
#   encrypt  FILE -> stdout (> /dev/null: the read + crypto path alone)
#   decrypt  FILE -> stdout (> /dev/null: same)
# and checks that the round trip is byte-identical.
#
# Usage: bench/file_encrypt_bench.sh
# Env:   VAULT (default build/bin/vault), SIZE_MB (1000), CHUNK (64KiB),
#        SPEED_SECONDS (seconds per openssl speed block size, 2), KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

VAULT=${VAULT:-build/bin/vault}
SIZE_MB=${SIZE_MB:-1000}
CHUNK=${CHUNK:-64KiB}
SPEED_SECONDS=${SPEED_SECONDS:-2}
[ -x "$VAULT" ] || { echo "file_encrypt_bench: $VAULT not found (scripts/build.sh build vault)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "file_encrypt_bench: openssl not found" >&2; exit 1; }

tmp=$(mktemp -d /tmp/vault-file-bench.XXXXXX)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "file_encrypt_bench: kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

bytes=$((SIZE_MB * 1000 * 1000))
echo "generating ${SIZE_MB} MB of random data in $tmp ..."
openssl rand -out "$tmp/plain" "$bytes"
"$VAULT" keygen -o "$tmp/key"

now() { date +%s.%N; }
mbps() { awk -v b="$bytes" -v s="$1" -v e="$2" 'BEGIN { printf "%8.1f MB/s  (%.2f s)", b / (e - s) / 1e6, e - s }'; }

# Warm the page cache so the first run does not pay for the disk read.
cat "$tmp/plain" >/dev/null

t0=$(now)
"$VAULT" encrypt "$tmp/plain" -o "$tmp/enc" --key-file "$tmp/key" --chunk-size "$CHUNK" -q
t1=$(now)
"$VAULT" decrypt "$tmp/enc" -o "$tmp/dec" --key-file "$tmp/key" -q
t2=$(now)
"$VAULT" decrypt "$tmp/enc" -o - --key-file "$tmp/key" -q >/dev/null
t3=$(now)
"$VAULT" encrypt "$tmp/plain" -o - --key-file "$tmp/key" --chunk-size "$CHUNK" -q >/dev/null
t4=$(now)

cmp -s "$tmp/plain" "$tmp/dec" || { echo "file_encrypt_bench: round trip MISMATCH" >&2; exit 1; }
overhead=$(( $(stat -c %s "$tmp/enc") - bytes ))

echo
echo "vault file encryption, ${SIZE_MB} MB, chunk ${CHUNK} (ciphertext overhead ${overhead} bytes), round trip identical"
echo "  encrypt file -> file     $(mbps "$t0" "$t1")"
echo "  decrypt file -> file     $(mbps "$t1" "$t2")"
echo "  encrypt file -> /dev/null $(mbps "$t3" "$t4")"
echo "  decrypt file -> /dev/null $(mbps "$t2" "$t3")"
echo
echo "openssl speed -evp aes-256-gcm (single core, ${SPEED_SECONDS}s per size; ceiling):"
openssl speed -seconds "$SPEED_SECONDS" -evp aes-256-gcm 2>/dev/null | tail -n 3
