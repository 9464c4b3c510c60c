#!/usr/bin/env bash
# Stops a Redis server started by redis_start.sh STATE_DIR and removes its directory.
set -uo pipefail
state=${1:?usage: redis_stop.sh STATE_DIR}
[ -f "$state/pid" ] || exit 0
pid=$(cat "$state/pid")
kill -CONT "$pid" 2>/dev/null
kill "$pid" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -9 "$pid" 2>/dev/null
dir=$(cat "$state/dir" 2>/dev/null)
case "$dir" in /tmp/vault-redis.*) rm -rf "$dir" ;; esac
rm -f "$state/pid" "$state/dir" "$state/port" "$state/url"
