#!/usr/bin/env bash
# The request mix of the reliability spec (section 7.1) against one real vaultd on loopback:
#   40% GET dataset, 30% list records (limit=20), 20% single-record POST, 5% create dataset,
#   3% PATCH dataset / DELETE a record written earlier in the run, 2% admin (GET /api/v1/tenants
#   with the platform admin key, or GET /health/ready), spread over DATASETS seeded datasets.
#
# 1. closed loop: wrk -t$THREADS -c$CONNECTIONS -d$DURATION with bench/mix.lua: throughput,
#    p50/p95/p99 and status codes, in total and per request type;
# 2. open loop: bench/mix_load.py sends the same mix at fixed rates (RATES, RATE_DURATION
#    each), latency measured from the scheduled send time (coordinated-omission correct), and
#    reports the highest rate that holds p99 < 200 ms with no 5xx (the spec's P99 target).
#    wrk is closed-loop and wrk2 has no Debian package, hence the Python generator; it says
#    "generator saturated" when it cannot keep the schedule itself.
#
# Usage: bench/mix_bench.sh
# Env:   VAULTD (build/bin/vaultd), DURATION (20s), THREADS (2), CONNECTIONS (64),
#        DATASETS (20), RECORDS (200 per dataset, ~300 B each, seeded through records:batch),
#        RATES (1000,2000,4000,6000,8000,10000 req/s), RATE_DURATION (10 s per rate),
#        OPEN_PROCS (generator processes, 1), OPEN_MAX_CONNS (512), KEEP_GOING=1 (try every
#        rate even after one failed; by default the search stops at the first rate whose API
#        requests fail the goal), CLOSED=0 / OPEN=0 (skip a part), KEEP=1 (keep the temp dir).
# The compiled PII pattern database is shared with the end-to-end tests' cache dir
# (VAULT_E2E_CACHE_DIR, else $TMPDIR/vault-e2e-cache-$UID): only a machine's first start compiles.
set -euo pipefail
cd "$(dirname "$0")/.."

VAULTD=${VAULTD:-build/bin/vaultd}
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DATASETS=${DATASETS:-20}
RECORDS=${RECORDS:-200}
RATES=${RATES:-1000,2000,4000,6000,8000,10000}
RATE_DURATION=${RATE_DURATION:-10}
OPEN_PROCS=${OPEN_PROCS:-1}
OPEN_MAX_CONNS=${OPEN_MAX_CONNS:-512}
CLOSED=${CLOSED:-1}
OPEN=${OPEN:-1}

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "mix_bench: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
[ -x "$VAULTD" ] || { echo "mix_bench: $VAULTD not built (scripts/build.sh build vaultd)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/vault-mix-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "mix_bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
admin="mix-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
cache=${VAULT_E2E_CACHE_DIR:-${TMPDIR:-/tmp}/vault-e2e-cache-$(id -u)}
mkdir -p "$cache" && chmod 700 "$cache"
VAULT_LISTEN=127.0.0.1:$port VAULT_DATA_DIR=$tmp/data VAULT_BOOTSTRAP_ADMIN_KEY=$admin \
  VAULT_PII_CACHE_DIR=$cache "$VAULTD" >"$tmp/vaultd.log" 2>&1 &
vpid=$!
pids+=("$vpid")
base=http://127.0.0.1:$port
for i in $(seq 1 300); do
  curl -fs -o /dev/null -m 1 "$base/health/ready" && break
  kill -0 "$vpid" 2>/dev/null || { echo "mix_bench: vaultd exited:" >&2; tail -20 "$tmp/vaultd.log" >&2; exit 1; }
  [ "$i" = 300 ] && { echo "mix_bench: vaultd not ready after 30 s" >&2; tail -20 "$tmp/vaultd.log" >&2; exit 1; }
  sleep 0.1
done

python3 bench/mix_load.py seed --port "$port" --admin "$admin" --datasets "$DATASETS" --records "$RECORDS" \
  --out-json "$tmp/data.json" --out-lua "$tmp/data.lua"

echo
echo "mix_bench: loopback, $(nproc) cores shared by the load generator and vaultd; $DATASETS datasets x $RECORDS records seeded"
echo "mix (spec 7.1): 40% get dataset, 30% list records ?limit=20, 20% write record, 5% create dataset,"
echo "                3% PATCH dataset / DELETE record, 2% GET /api/v1/tenants or /health/ready"

if [ "$CLOSED" = 1 ]; then
  echo
  echo "closed loop: wrk -t$THREADS -c$CONNECTIONS -d$DURATION (each connection sends its next request when the last is answered)"
  python3 bench/mix_load.py closed --port "$port" --data-lua "$tmp/data.lua" --threads "$THREADS" \
    --connections "$CONNECTIONS" --duration "$DURATION" --vaultd-pid "$vpid" --out "$tmp/wrk.txt"
fi

if [ "$OPEN" = 1 ]; then
  echo
  echo "open loop: fixed rates, ${RATE_DURATION} s each, $OPEN_PROCS Python generator process(es), up to $OPEN_MAX_CONNS connections;"
  echo "latency from the scheduled send (a request waiting for a connection or behind a slow server counts its wait);"
  echo "svc p99 = from the actual write; gen lag99 = how late the generator dispatched; vaultd = cores used; idle = machine idle"
  extra=()
  [ "${KEEP_GOING:-0}" = 1 ] && extra+=(--keep-going)
  python3 bench/mix_load.py open --port "$port" --data "$tmp/data.json" --rates "$RATES" \
    --duration "$RATE_DURATION" --procs "$OPEN_PROCS" --max-conns "$OPEN_MAX_CONNS" --vaultd-pid "$vpid" \
    ${extra[@]+"${extra[@]}"}
fi

kill -0 "$vpid" 2>/dev/null || { echo "mix_bench: vaultd died during the run:" >&2; tail -20 "$tmp/vaultd.log" >&2; exit 1; }
errors=$(grep -c '"level":"error"' "$tmp/vaultd.log" || true)
warns=$(grep -c '"level":"warn"' "$tmp/vaultd.log" || true)
echo
echo "vaultd log: $errors error and $warns warn line(s)"
if [ "$errors" != 0 ] || [ "$warns" != 0 ]; then
  grep -E '"level":"(error|warn)"' "$tmp/vaultd.log" | head -3 | cut -c1-300
fi
