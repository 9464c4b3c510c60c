#!/usr/bin/env bash
# Stops a cluster started by pg_start.sh STATE_DIR and removes its files.
set -uo pipefail
state=${1:?usage: pg_stop.sh STATE_DIR}
[ -f "$state/data" ] || exit 0
data=$(cat "$state/data")
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
run=()
[ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
if [ -d "$data/db" ]; then
  "${run[@]}" "$bindir/pg_ctl" -D "$data/db" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
fi
case "$data" in /tmp/vault-pg.*) rm -rf "$data" ;; esac
rm -f "$state/data" "$state/port" "$state/url"
