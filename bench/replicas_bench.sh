#!/usr/bin/env bash
# The spec 7.1 request mix through haproxy to 1, 2 and 3 vaultd replicas
# sharing PostgreSQL (fsync on), S3 (s3rver), Redis and one SoftHSM token:
# throughput, p99 and 5xx per replica count, and where the CPU went (cores
# used by vaultd, PostgreSQL, haproxy, Redis, s3rver and wrk), which is the
# input of the sizing model in bench/README.md.
#
# Everything runs on this machine and shares its cores, so on a 2-core box
# more replicas cannot add capacity: the figures show what one request costs
# each component, not how far the shape scales.
#
# Usage: bench/replicas_bench.sh
# Env:   REPLICAS ("1 2 3"), DURATION (15s per run), CONNECTIONS (64),
#        DATASETS (20), RECORDS (100 per dataset), KEEP=1 (keep the logs).
set -euo pipefail
cd "$(dirname "$0")/.."
REPLICAS=${REPLICAS:-1 2 3}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
DATASETS=${DATASETS:-20}
RECORDS=${RECORDS:-100}
VAULTD=${VAULTD:-build/bin/vaultd}
[ -x "$VAULTD" ] || { echo "replicas_bench: $VAULTD not built (scripts/build.sh build vaultd)" >&2; exit 1; }
for tool in wrk haproxy redis-server softhsm2-util psql; do
  command -v "$tool" >/dev/null || { echo "replicas_bench: $tool not found (bash scripts/setup.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/vault-replicas-bench.XXXXXX)
vpids=()
stop_replicas() {
  for p in "${vpids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${vpids[@]}"; do wait "$p" 2>/dev/null || true; done
  vpids=()
  scripts/services/haproxy_stop.sh "$tmp/haproxy"
}
cleanup() {
  stop_replicas
  scripts/services/stop_all.sh "$tmp/services"
  if [ "${KEEP:-0}" = 1 ]; then echo "replicas_bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_FSYNC=on scripts/services/start_all.sh "$tmp/services" >/dev/null
pg_url=$(cat "$tmp/services/pg/url")
s3_endpoint=$(cat "$tmp/services/s3/endpoint")
s3_bucket=$(cat "$tmp/services/s3/bucket")
redis_url=$(cat "$tmp/services/redis/url")
mkdir -p "$tmp/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
  "$tmp/tokens" > "$tmp/softhsm2.conf"
export SOFTHSM2_CONF=$tmp/softhsm2.conf
pin=$(python3 -c 'import secrets; print(secrets.token_hex(4))')
softhsm2-util --init-token --free --label bench --so-pin 1234 --pin "$pin" >/dev/null
cache=${VAULT_E2E_CACHE_DIR:-${TMPDIR:-/tmp}/vault-e2e-cache-$(id -u)}
mkdir -p "$cache" && chmod 700 "$cache"
admin="bench-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

# CPU seconds used so far by each component (all its processes).
cpu_snapshot() {
  python3 - <<'PY'
import os
ticks = os.sysconf("SC_CLK_TCK")
groups = {"vaultd": "vaultd", "postgres": "postgres", "haproxy": "haproxy", "redis": "redis-server",
          "s3rver": "node"}
out = {g: 0.0 for g in groups}
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    for g, name in groups.items():
        if comm.startswith(name):
            out[g] += (int(fields[11]) + int(fields[12])) / ticks
print(" ".join(f"{g}={v:.2f}" for g, v in out.items()))
PY
}

for n in $REPLICAS; do
  schema="replicas_$n"
  psql -q -X "$pg_url" -c "CREATE SCHEMA $schema" >/dev/null
  ports=()
  for i in $(seq 1 "$n"); do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    ports+=("$port")
    VAULT_LISTEN=127.0.0.1:$port VAULT_DATA_DIR=$tmp/r$n-$i VAULT_BOOTSTRAP_ADMIN_KEY=$admin \
      VAULT_PII_CACHE_DIR=$cache VAULT_DATABASE_URL="$pg_url?options=-csearch_path%3D$schema" \
      VAULT_BLOB_URL="s3://$s3_bucket/replicas$n?endpoint=$s3_endpoint" AWS_ACCESS_KEY_ID=S3RVER \
      AWS_SECRET_ACCESS_KEY=S3RVER VAULT_CACHE_URL=$redis_url VAULT_HSM_PIN=$pin \
      VAULT_KEY_PROVIDER="pkcs11:///usr/lib/softhsm/libsofthsm2.so?token=bench&pin_env=VAULT_HSM_PIN" \
      "$VAULTD" >"$tmp/r$n-$i.log" 2>&1 &
    vpids+=($!)
    # The first one migrates and bootstraps before the others start.
    for t in $(seq 1 300); do
      curl -fs -o /dev/null -m 1 "http://127.0.0.1:$port/health/ready" && break
      [ "$t" = 300 ] && { echo "replicas_bench: replica $i not ready" >&2; tail -20 "$tmp/r$n-$i.log" >&2; exit 1; }
      sleep 0.1
    done
  done
  scripts/services/haproxy_start.sh "$tmp/haproxy" "${ports[@]}" >/dev/null
  lb=$(cat "$tmp/haproxy/port")
  sleep 1
  python3 bench/mix_load.py seed --port "$lb" --admin "$admin" --datasets "$DATASETS" --records "$RECORDS" \
    --out-json "$tmp/data$n.json" --out-lua "$tmp/data$n.lua" >/dev/null
  before=$(cpu_snapshot)
  t0=$(date +%s.%N)
  python3 bench/mix_load.py closed --port "$lb" --data-lua "$tmp/data$n.lua" --threads 2 \
    --connections "$CONNECTIONS" --duration "$DURATION" --vaultd-pid "${vpids[0]}" --out "$tmp/wrk$n.txt" \
    > "$tmp/mix$n.txt"
  t1=$(date +%s.%N)
  after=$(cpu_snapshot)
  echo "$before" > "$tmp/cpu$n.before"
  echo "$after" > "$tmp/cpu$n.after"
  echo "$t0 $t1" > "$tmp/time$n"
  echo "replicas_bench: $n replica(s) done" >&2
  [ "${VERBOSE:-0}" = 1 ] && cat "$tmp/mix$n.txt" >&2
  stop_replicas
done

echo "spec 7.1 mix through haproxy, wrk -t2 -c$CONNECTIONS -d$DURATION; $(nproc) cores shared by every process;"
echo "PostgreSQL (fsync on), s3rver, Redis, SoftHSM; rate limits off; cores = CPU seconds / wall seconds"
python3 - "$tmp" $REPLICAS <<'PY'
import re, sys
tmp, counts = sys.argv[1], sys.argv[2:]
def parse(s):
    return {k: float(v) for k, v in (kv.split("=") for kv in s.split())}
rows = []
for n in counts:
    text = open(f"{tmp}/mix{n}.txt").read()
    m = re.search(r"^all \(wrk\)\s+(\d+)\s+([\d.]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", text, re.M)
    rps, p99, s5 = float(m.group(2)), m.group(5), int(m.group(9))
    b, a = parse(open(f"{tmp}/cpu{n}.before").read()), parse(open(f"{tmp}/cpu{n}.after").read())
    t0, t1 = map(float, open(f"{tmp}/time{n}").read().split())
    cores = {k: (a[k] - b[k]) / (t1 - t0) for k in a if k != "wrk"}
    w = re.search(r"wrk ([\d.]+) cores", text)  # wrk is mix_load.py's child: counted there
    cores["wrk"] = float(w.group(1)) if w else float("nan")
    rows.append((n, rps, p99, s5, cores))
print(f"{'replicas':>8} {'req/s':>8} {'vs 1':>6} {'p99 ms':>7} {'5xx':>5}   cores: " +
      " ".join(f"{k:>8}" for k in rows[0][4]))
for n, rps, p99, s5, cores in rows:
    print(f"{n:>8} {rps:>8.0f} {rps / rows[0][1]:>6.2f} {p99:>7} {s5:>5}          " +
          " ".join(f"{v:>8.2f}" for v in cores.values()))
print()
print("CPU milliseconds per request (cores x 1000 / req/s):")
for n, rps, p99, s5, cores in rows:
    print(f"{n:>8} replica(s): " + ", ".join(f"{k} {v * 1000 / rps:.3f}" for k, v in cores.items()))
PY
