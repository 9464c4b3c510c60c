#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for tests and benchmarks:
#
#   scripts/services/pg_start.sh STATE_DIR [--replica-of PRIMARY_STATE_DIR]
#
# initdb in a fresh temporary directory, trust authentication for the role
# "vault", listening on 127.0.0.1 on a free port and on a Unix socket in that
# directory. Writes STATE_DIR/url (postgresql://vault@127.0.0.1:PORT/postgres),
# STATE_DIR/port and STATE_DIR/data. Stop it with pg_stop.sh STATE_DIR.
# As root the server runs as the "postgres" user (PostgreSQL refuses root).
# PG_FSYNC=off (default on) trades crash safety of the cluster for speed in
# tests that never crash the machine.
set -euo pipefail
state=${1:?usage: pg_start.sh STATE_DIR [--replica-of PRIMARY_STATE_DIR]}
primary=
if [ "${2:-}" = "--replica-of" ]; then primary=${3:?--replica-of needs the state directory of the primary}; fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "pg_start: PostgreSQL server binaries not found (apt install postgresql)" >&2; exit 1; }

mkdir -p "$state"
data=$(mktemp -d /tmp/vault-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$data"
  run=(runuser -u postgres --)
fi
if [ -n "$primary" ]; then
  "${run[@]}" "$bindir/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U vault -D "$data/db" \
    -R -X stream -c fast >/dev/null
else
  "${run[@]}" "$bindir/initdb" -D "$data/db" -A trust -U vault -E UTF8 --no-locale >/dev/null
fi
"${run[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/log" -w -t 60 start -o \
  "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-on} \
   -c wal_level=replica -c max_wal_senders=10 -c hot_standby=on -c shared_buffers=128MB" >/dev/null
echo "$data" > "$state/data"
echo "$port" > "$state/port"
echo "postgresql://vault@127.0.0.1:$port/postgres" > "$state/url"
echo "pg_start: $(cat "$state/url") (data $data)"
