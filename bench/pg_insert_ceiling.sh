#!/usr/bin/env bash
# How close bulk writes through the PostgreSQL record store come to what the
# server itself can insert into the same schema: store_bench (RecordStore::
# write_records in batches: the import's path, one array INSERT per batch,
# one commit per batch) against one in-server INSERT ... SELECT of as many
# rows of the same size into the same table (no client, no network, one
# commit: a ceiling that no client protocol, COPY included, can pass).
#
# Usage: bench/pg_insert_ceiling.sh
# Env:   RECORDS (200000), BATCH (1000), PAYLOAD (1024 bytes), RUNS (3)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-200000}
BATCH=${BATCH:-1000}
PAYLOAD=${PAYLOAD:-1024}
RUNS=${RUNS:-3}
tmp=$(mktemp -d /tmp/vault-pg-ceiling.XXXXXX)
cleanup() { scripts/services/pg_stop.sh "$tmp/pg" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
PG_FSYNC=on scripts/services/pg_start.sh "$tmp/pg" >/dev/null
url=$(cat "$tmp/pg/url")
for run in $(seq 1 "$RUNS"); do
  schema="ceiling_$run"
  psql -q -X "$url" -c "CREATE SCHEMA $schema" >/dev/null
  su_url="$url?options=-csearch_path%3D$schema"
  store=$(build/bin/store_bench --records "$RECORDS" --batch "$BATCH" --payload "$PAYLOAD" --url "$su_url" |
          awk '$1 == "insert" {print $6}')
  # The same schema (store_bench migrated it), a second dataset row, then
  # the server's own insert of as many rows of the same size.
  ms=$(psql -q -X -t -A "$su_url" <<SQL | tail -1
INSERT INTO datasets(id, tenant_id, name, description, tags, schema_json, status, etag, seq, record_count,
                     record_bytes, version_count, created_at, updated_at)
  SELECT 'ceiling', tenant_id, 'ceiling', '', '{}', '', 'active', 1, 0, 0, 0, 0, 0, 0 FROM datasets LIMIT 1;
\timing on
INSERT INTO records(dataset_pk, record_id, seq, superseded_seq, created_seq, revision, payload,
                    created_at, updated_at, quarantined, findings)
  SELECT (SELECT pk FROM datasets WHERE id = 'ceiling'), 'r' || g, g, 9223372036854775807, g, 1,
         decode(repeat('ab', $PAYLOAD - 8), 'hex') || int8send(g), 0, 0, false, ''
  FROM generate_series(1, $RECORDS) g;
SQL
)
  ms=$(echo "$ms" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
  python3 - "$store" "$ms" "$RECORDS" <<'PY'
import sys
store, ms, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
ceiling = n / (ms / 1000)
print(f"store (batches): {store:>9,.0f} records/s   in-server INSERT: {ceiling:>9,.0f} records/s   ratio {store / ceiling:.2f}")
PY
done
