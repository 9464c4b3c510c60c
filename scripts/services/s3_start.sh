#!/usr/bin/env bash
# Starts s3rver (an S3-compatible server, npm; installed by scripts/setup.sh
# into tests/services) for tests and benchmarks:
#
#   scripts/services/s3_start.sh STATE_DIR [BUCKET]
#
# Objects live in a fresh temporary directory; the server listens on a free
# loopback port with BUCKET (default vault-test) created. Writes
# STATE_DIR/endpoint (http://127.0.0.1:PORT), STATE_DIR/bucket, STATE_DIR/pid
# and STATE_DIR/env (the credentials s3rver accepts: S3RVER / S3RVER).
# Stop it with s3_stop.sh STATE_DIR.
set -euo pipefail
state=${1:?usage: s3_start.sh STATE_DIR [BUCKET]}
bucket=${2:-vault-test}
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=$repo/tests/services/node_modules/s3rver/bin/s3rver.js
[ -f "$bin" ] || { echo "s3_start: s3rver is not installed (bash scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$state"
dir=$(mktemp -d /tmp/vault-s3.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nohup node "$bin" --directory "$dir" --address 127.0.0.1 --port "$port" --configure-bucket "$bucket" --silent \
  > "$dir/log" 2>&1 &
echo $! > "$state/pid"
echo "$dir" > "$state/dir"
echo "http://127.0.0.1:$port" > "$state/endpoint"
echo "$bucket" > "$state/bucket"
printf 'AWS_ACCESS_KEY_ID=S3RVER\nAWS_SECRET_ACCESS_KEY=S3RVER\n' > "$state/env"
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "s3_start: http://127.0.0.1:$port bucket $bucket (pid $(cat "$state/pid"))"
    exit 0
  fi
  if ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "s3_start: s3rver did not come up; log:" >&2
cat "$dir/log" >&2
exit 1
