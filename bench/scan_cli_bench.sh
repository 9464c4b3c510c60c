#!/usr/bin/env bash
# Throughput of `vault scan` on one large JSONL file built from the PII
# evaluation data (../shared/data/pii: Presidio recognizer cases and
# presidio-research sentences, repeated with fresh ids until SIZE_MB), with
# --threads 1 and 2 (THREADS to change). Prints MB/s (10^6 bytes/s) of the
# scan itself (reading + parsing + scanning, from the JSON report; the ~3 s
# scanner compilation is shown apart) and the wall-clock time, and checks that
# every thread count reports the same number of findings.
#
# Usage: bench/scan_cli_bench.sh
# Env:   VAULT (default build/bin/vault), SIZE_MB (200), THREADS ("1 2"),
#        DATA (reuse this JSONL instead of generating one), KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

VAULT=${VAULT:-build/bin/vault}
SIZE_MB=${SIZE_MB:-200}
THREADS=${THREADS:-"1 2"}
PII_DIR=${PII_DIR:-../shared/data/pii}
[ -x "$VAULT" ] || { echo "scan_cli_bench: $VAULT not found (scripts/build.sh build vault)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/vault-scan-bench.XXXXXX)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "scan_cli_bench: kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

data=${DATA:-}
if [ -z "$data" ]; then
  data=$tmp/records.jsonl
  echo "generating ${SIZE_MB} MB of JSONL from $PII_DIR into $data ..."
  /usr/bin/python3 - "$PII_DIR" "$data" "$SIZE_MB" <<'PY'
import json, sys
pii_dir, out, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = [json.loads(l)["text"] for l in open(f"{pii_dir}/presidio_recognizer_cases.jsonl", encoding="utf-8")]
texts += [d["full_text"] for d in json.load(open(f"{pii_dir}/presidio_research_generated_large.json", encoding="utf-8"))]
target, written, i = size_mb * 1000 * 1000, 0, 0
with open(out, "w", encoding="utf-8") as f:
    while written < target:
        t = texts[i % len(texts)]
        line = json.dumps({"id": i, "source": "bench", "messages": [{"role": "user", "content": t}],
                           "meta": {"lang": "en", "turn": i % 7}}) + "\n"
        f.write(line)
        written += len(line.encode())
        i += 1
print(f"{i} records, {written / 1e6:.1f} MB")
PY
fi
bytes=$(stat -c %s "$data")
cat "$data" >/dev/null  # warm the page cache

for t in $THREADS; do
  start=$(date +%s.%N)
  "$VAULT" scan "$data" --format json --threads "$t" -q >"$tmp/report.$t.json"
  end=$(date +%s.%N)
  /usr/bin/python3 - "$tmp/report.$t.json" "$t" "$start" "$end" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
s = rep["summary"]
wall = float(sys.argv[4]) - float(sys.argv[3])
print(f"threads {sys.argv[2]}: {s['mb_per_second']:7.1f} MB/s scan ({s['bytes'] / 1e6:.0f} MB in {s['elapsed_seconds']:.2f} s)"
      f"  compile {s['compile_seconds']:.2f} s  wall {wall:.2f} s  findings {s['findings']}")
PY
done
counts=$(for t in $THREADS; do /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$tmp/report.$t.json"; done | sort -u | wc -l)
[ "$counts" = 1 ] || { echo "scan_cli_bench: finding counts differ between thread counts" >&2; exit 1; }
