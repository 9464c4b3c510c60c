#!/usr/bin/env bash
# HTTP benchmark on loopback with wrk: authenticated GET /api/v1/datasets/{id},
# single-record POST .../records, and nginx serving a static JSON file of the
# same size as the dataset GET answer (the reference ceiling). Prints req/s,
# p50 and p99 for each and the ratio GET / nginx (goal: >= 0.5).
#
# vault_get and vault_post use one key on one dataset: after the first request
# every authentication is an auth-cache hit and the dataset row is hot.
# vault_get_many spreads the GETs over KEYS writer keys and DATASETS datasets,
# a random (key, dataset) pair per request. The auth cache keeps an entry
# 5 s (and is cleared when it passes 10,000 entries), so each key costs a
# store lookup + secret hash at least once per 5 s: the share of requests
# that miss is about min(1, KEYS / (5 s x req/s)), printed with the result;
# KEYS > 10000 makes nearly every request miss.
#
# Usage: bench/http_bench.sh [--nginx-only]
# Env:   VAULTD (default build/bin/vaultd), DURATION (10s), CONNECTIONS (32),
#        THREADS (wrk threads, 2), KEYS (1000), DATASETS (100),
#        KEEP=1 keeps the temp dir (logs, data).
# Starts everything it needs on free loopback ports and stops it on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

nginx_only=0
[ "${1:-}" = "--nginx-only" ] && nginx_only=1
VAULTD=${VAULTD:-build/bin/vaultd}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
KEYS=${KEYS:-1000}
DATASETS=${DATASETS:-100}

for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "http_bench: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/vault-http-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "http_bench: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() {  # url: waits up to 20 s for a 2xx
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null -m 1 "$1" && return 0
    sleep 0.1
  done
  echo "http_bench: $1 did not come up" >&2
  return 1
}

json_field() {  # field: reads JSON on stdin, prints .field
  python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# run_wrk NAME URL LUA: runs wrk, appends "NAME rps p50 p99" to $tmp/results
run_wrk() {
  local name=$1 url=$2 lua=$3 out=$tmp/wrk-$1.txt
  echo "http_bench: $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $url" >&2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$lua" "$url" >"$out"
  python3 - "$name" "$out" >>"$tmp/results" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
text = open(path).read()
def lat(p):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
    if not m: return float("nan")
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors:(.*)", text)
print(name, rps, lat(50), lat(99), non2xx.group(1) if non2xx else 0,
      (errors.group(1).strip().replace(" ", "") if errors else "-"))
PY
}

: >"$tmp/results"
www=$tmp/www
mkdir -p "$www" "$tmp/nginx"

if [ $nginx_only = 0 ]; then
  [ -x "$VAULTD" ] || { echo "http_bench: $VAULTD not built" >&2; exit 1; }
  vport=$(free_port)
  admin="bench-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  VAULT_LISTEN=127.0.0.1:$vport VAULT_DATA_DIR=$tmp/data VAULT_BOOTSTRAP_ADMIN_KEY=$admin \
    "$VAULTD" >"$tmp/vaultd.log" 2>&1 &
  pids+=($!)
  base=http://127.0.0.1:$vport
  wait_http "$base/health/ready"

  api() {  # key method path [body]
    curl -fsS -m 10 -X "$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
      ${4:+-d "$4"} "$base$3"
  }
  tenant=$(api "$admin" POST /api/v1/tenants '{"name":"bench"}' | json_field id)
  key=$(api "$admin" POST /api/v1/api-keys "{\"name\":\"bench\",\"role\":\"writer\",\"tenant_id\":\"$tenant\"}" | json_field key)
  dataset=$(api "$key" POST /api/v1/datasets \
    '{"name":"bench-chats","description":"wrk benchmark dataset","tags":["bench","chat"]}' | json_field id)
  api "$key" GET "/api/v1/datasets/$dataset" >"$www/dataset.json"
  # Many keys and datasets for vault_get_many (keep-alive client: fast setup).
  echo "http_bench: creating $KEYS keys and $DATASETS datasets" >&2
  python3 - "$vport" "$admin" "$tenant" "$key" "$KEYS" "$DATASETS" "$tmp/many.lua" <<'PY'
import http.client, json, sys
port, admin, tenant, key, nkeys, nds, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
def post(auth, path, body):
    c.request("POST", path, json.dumps(body), {"Authorization": "Bearer " + auth, "Content-Type": "application/json"})
    r = c.getresponse(); data = r.read()
    if r.status != 201: sys.exit(f"http_bench: POST {path} -> {r.status}")
    return json.loads(data)
keys = [post(admin, "/api/v1/api-keys", {"name": f"bench-{i}", "role": "writer", "tenant_id": tenant})["key"] for i in range(nkeys)]
ds = [post(key, "/api/v1/datasets", {"name": f"bench-{i}", "description": "wrk benchmark dataset", "tags": ["bench"]})["id"] for i in range(nds)]
with open(out, "w") as f:
    f.write("local keys = {" + ",".join('"%s"' % k for k in keys) + "}\n")
    f.write("local ds = {" + ",".join('"%s"' % d for d in ds) + "}\n")
    f.write("""local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + (seed or 0)) end
function request()
  local k = keys[math.random(#keys)]
  local d = ds[math.random(#ds)]
  return wrk.format("GET", "/api/v1/datasets/" .. d, {["Authorization"] = "Bearer " .. k})
end
""")
PY
else
  # Stand-in of about the size of a dataset answer.
  python3 -c 'import json; print(json.dumps({"id": "ds_" + "0"*26, "tenant_id": "tn_" + "0"*26, "name": "bench-chats",
    "description": "wrk benchmark dataset", "tags": ["bench", "chat"], "schema": None, "status": "active",
    "etag": "\"1\"", "record_count": 0, "version_count": 0, "created_at": "2026-01-01T00:00:00.000Z",
    "updated_at": "2026-01-01T00:00:00.000Z"}, separators=(",", ":")), end="")' >"$www/dataset.json"
fi
size=$(stat -c %s "$www/dataset.json")
chmod a+rx "$tmp" "$www" && chmod a+r "$www/dataset.json"  # nginx workers may run as nobody

# nginx: foreground, temp prefix, free port, one worker per core.
nport=$(free_port)
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    root $www;
    location / { default_type application/json; }
  }
}
EOF
nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
pids+=($!)
wait_http "http://127.0.0.1:$nport/dataset.json"

# wrk Lua scripts
cat >"$tmp/static.lua" <<'EOF'
wrk.method = "GET"
EOF
if [ $nginx_only = 0 ]; then
  cat >"$tmp/get.lua" <<EOF
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer $key"
EOF
  cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"conversation_id":"c-1042","lang":"en","messages":[{"role":"user","content":"My order arrived damaged, can I get a replacement?"},{"role":"assistant","content":"Sorry to hear that! I have started a replacement; you will get an email with the tracking number."}],"rating":5}'
EOF
  run_wrk vault_get "$base/api/v1/datasets/$dataset" "$tmp/get.lua"
  run_wrk vault_post "$base/api/v1/datasets/$dataset/records" "$tmp/post.lua"
  run_wrk vault_get_many "$base/api/v1/datasets/$dataset" "$tmp/many.lua"
fi
run_wrk nginx_static "http://127.0.0.1:$nport/dataset.json" "$tmp/static.lua"

echo
echo "loopback, wrk -t$THREADS -c$CONNECTIONS -d$DURATION; response body $size bytes; $(nproc) cores shared by wrk and the server"
echo "vault_get/vault_post: 1 key, 1 dataset (auth cache hit); vault_get_many: random of $KEYS keys x $DATASETS datasets"
python3 - "$tmp/results" "$KEYS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{'benchmark':<14} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}  socket errors")
by = {}
for name, rps, p50, p99, bad, err in rows:
    by[name] = float(rps)
    print(f"{name:<14} {float(rps):>10.0f} {float(p50):>8.2f} {float(p99):>8.2f} {bad:>8}  {err}")
if "vault_get" in by and by.get("nginx_static"):
    r = by["vault_get"] / by["nginx_static"]
    print(f"ratio vault_get / nginx_static = {r:.2f} (goal >= 0.50: {'met' if r >= 0.5 else 'NOT met'})")
if by.get("vault_get_many"):
    keys = int(sys.argv[2])
    if keys > 10000:
        print(f"vault_get_many: {keys} keys > 10,000 cached entries: the auth cache is cleared over and over, "
              "most requests miss")
    else:
        miss = min(1.0, keys / (5.0 * by["vault_get_many"]))
        print(f"vault_get_many: auth-cache miss share about {miss:.1%} (each of {keys} keys misses once per 5 s TTL)")
    if by.get("vault_get"):
        print(f"ratio vault_get_many / vault_get = {by['vault_get_many'] / by['vault_get']:.2f}")
PY
