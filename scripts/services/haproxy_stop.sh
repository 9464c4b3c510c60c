#!/usr/bin/env bash
# Stops an haproxy started by haproxy_start.sh STATE_DIR.
set -uo pipefail
state=${1:?usage: haproxy_stop.sh STATE_DIR}
[ -f "$state/pid" ] || exit 0
pid=$(cat "$state/pid")
kill "$pid" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -9 "$pid" 2>/dev/null
rm -f "$state/pid" "$state/port"
