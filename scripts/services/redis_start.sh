#!/usr/bin/env bash
# Starts a Redis server (Debian's redis-server, installed by scripts/setup.sh)
# for tests and benchmarks:
#
#   scripts/services/redis_start.sh STATE_DIR
#
# No persistence (no RDB, no AOF), data and log in a fresh temporary
# directory, a free loopback port. Writes STATE_DIR/url (redis://127.0.0.1:PORT),
# STATE_DIR/port, STATE_DIR/pid and STATE_DIR/dir. Stop it with
# redis_stop.sh STATE_DIR.
set -euo pipefail
state=${1:?usage: redis_start.sh STATE_DIR}
command -v redis-server >/dev/null || { echo "redis_start: redis-server is not installed (bash scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$state"
dir=$(mktemp -d /tmp/vault-redis.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/log" >/dev/null
for _ in $(seq 1 100); do
  if [ -s "$dir/redis.pid" ] && redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
    cp "$dir/redis.pid" "$state/pid"
    echo "$dir" > "$state/dir"
    echo "$port" > "$state/port"
    echo "redis://127.0.0.1:$port" > "$state/url"
    echo "redis_start: redis://127.0.0.1:$port (pid $(cat "$state/pid"))"
    exit 0
  fi
  sleep 0.1
done
echo "redis_start: redis-server did not come up; log:" >&2
cat "$dir/log" >&2 || true
exit 1
