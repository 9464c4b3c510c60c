#!/usr/bin/env bash
# The embedded default (SQLite + files) against the networked backends
# (PostgreSQL + S3 + Redis), same machine, same benchmarks, printed side by side as
# ratios: authenticated GET dataset and single-record POST (bench/http_bench.sh),
# the spec 7.1 request mix closed loop (bench/mix_bench.sh), JSONL import and
# export (bench/import_export_bench.py).
#
# PostgreSQL runs with its durable defaults (fsync on, synchronous_commit on),
# started by scripts/services/start_all.sh on loopback together with s3rver;
# each vaultd run gets a fresh schema and a fresh S3 prefix. Everything shares
# the machine's cores: vaultd, PostgreSQL, the load generator.
#
# Usage: bench/backends_bench.sh
# Env:   DURATION (10s per wrk run), IMPORT_RECORDS (100000 for import/export),
#        BACKENDS ("embedded postgres"), KEEP=1 (keep the logs).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
IMPORT_RECORDS=${IMPORT_RECORDS:-100000}
unset RECORDS  # mix_bench.sh reads RECORDS (records per dataset)
BACKENDS=${BACKENDS:-embedded postgres}
tmp=$(mktemp -d /tmp/vault-backends-bench.XXXXXX)
cleanup() {
  scripts/services/stop_all.sh "$tmp/services"
  if [ "${KEEP:-0}" = 1 ]; then echo "backends_bench: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
PG_FSYNC=on scripts/services/start_all.sh "$tmp/services" >/dev/null
pg_url=$(cat "$tmp/services/pg/url")
s3_endpoint=$(cat "$tmp/services/s3/endpoint")
s3_bucket=$(cat "$tmp/services/s3/bucket")
redis_url=$(cat "$tmp/services/redis/url")

run=0
for backend in $BACKENDS; do
  for bench in http mix import; do
    run=$((run + 1))
    env=()
    if [ "$backend" = postgres ]; then
      schema="bench_$run"
      psql -q -X "$pg_url" -c "CREATE SCHEMA $schema" >/dev/null
      env=(VAULT_DATABASE_URL="$pg_url?options=-csearch_path%3D$schema"
           VAULT_BLOB_URL="s3://$s3_bucket/run$run?endpoint=$s3_endpoint"
           AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
           VAULT_CACHE_URL="$redis_url")
    fi
    out="$tmp/$backend.$bench.txt"
    echo "backends_bench: $backend / $bench" >&2
    case $bench in
      http) env "${env[@]}" DURATION=$DURATION bench/http_bench.sh >"$out" 2>&1 ;;
      mix) env "${env[@]}" DURATION=$DURATION OPEN=0 bench/mix_bench.sh >"$out" 2>&1 ;;
      import) env "${env[@]}" python3 bench/import_export_bench.py --records "$IMPORT_RECORDS" --warm >"$out" 2>&1 ;;
    esac || { echo "backends_bench: $backend / $bench failed:" >&2; tail -20 "$out" >&2; exit 1; }
  done
done

echo "loopback, $(nproc) cores shared by vaultd, PostgreSQL (fsync on), s3rver and the load generators;"
echo "wrk runs of $DURATION; import/export of $IMPORT_RECORDS records of ~1 KB (scanning and encryption on)"
python3 - "$tmp" $BACKENDS <<'PY'
import re, sys
tmp, backends = sys.argv[1], sys.argv[2:]
def grab(path, pattern, group=1, conv=float):
    m = re.search(pattern, open(path).read(), re.M)
    return conv(m.group(group).replace(",", "")) if m else float("nan")
rows = [
    ("GET dataset req/s", "http", r"^vault_get\s+([\d.]+)"),
    ("GET dataset p99 ms", "http", r"^vault_get\s+\S+\s+\S+\s+([\d.]+)"),
    ("POST record req/s", "http", r"^vault_post\s+([\d.]+)"),
    ("POST record p99 ms", "http", r"^vault_post\s+\S+\s+\S+\s+([\d.]+)"),
    ("mix req/s (closed)", "mix", r"^all \(wrk\)\s+\d+\s+([\d.]+)"),
    ("mix p99 ms", "mix", r"^all \(wrk\)\s+\d+\s+\S+\s+\S+\s+\S+\s+([\d.]+)"),
    ("mix 5xx", "mix", r"^all \(wrk\)\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+\d+\s+(\d+)"),
    ("import records/s", "import", r"^import: .*?s = ([\d,]+) records/s"),
    ("export MB/s", "import", r"^export: .*?s = ([\d.]+) MB/s"),
]
head = f"{'figure':<22}" + "".join(f"{b:>12}" for b in backends)
if len(backends) == 2:
    head += f"{backends[1] + '/' + backends[0]:>22}"
print(head)
for name, bench, pat in rows:
    vals = [grab(f"{tmp}/{b}.{bench}.txt", pat) for b in backends]
    line = f"{name:<22}" + "".join(f"{v:>12,.1f}" for v in vals)
    if len(vals) == 2 and vals[0] == vals[0] and vals[0]:
        line += f"{vals[1] / vals[0]:>22.2f}"
    print(line)
for b in backends:
    t = open(f"{tmp}/{b}.import.txt").read()
    m = re.search(r"byte-identical to import: (\w+)", t)
    print(f"{b}: export byte-identical to import: {m.group(1) if m else '?'}")
PY
