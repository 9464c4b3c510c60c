#!/usr/bin/env bash
# Starts haproxy (Debian's package, installed by scripts/setup.sh) in front
# of vaultd replicas, for tests and benchmarks:
#
#   scripts/services/haproxy_start.sh STATE_DIR PORT [PORT...]
#
# Listens on a free loopback port and balances over 127.0.0.1:PORT... by
# least connections. A replica is taken out after one failed readiness check
# (GET /health/ready every 200 ms: a vaultd that is draining answers 503
# first) and back after two good ones. A request whose connection to a
# replica failed, or that got no response at all, is sent to another replica
# (retries 3, redispatch): such a request did not reach a handler, or its
# replica died with it; vaultd's Idempotency-Key makes resending a write
# safe. Writes STATE_DIR/port, STATE_DIR/pid and STATE_DIR/haproxy.cfg.
# Stop it with haproxy_stop.sh STATE_DIR.
set -euo pipefail
state=${1:?usage: haproxy_start.sh STATE_DIR PORT [PORT...]}
shift
[ $# -ge 1 ] || { echo "haproxy_start: no backend port" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy_start: haproxy is not installed (bash scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cfg=$state/haproxy.cfg
{
  cat <<CFG
global
  maxconn 4096
  pidfile $state/pid

defaults
  mode http
  timeout connect 1s
  timeout client 120s
  timeout server 120s
  timeout http-request 30s
  # A readiness answer waits for its slowest check (at most its timeout,
  # 1-3 s with the defaults) when a dependency hangs.
  timeout check 5s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  option http-buffer-request
  default-server inter 200ms fall 1 rise 2

frontend vault
  bind 127.0.0.1:$port
  default_backend replicas

backend replicas
  balance leastconn
  option httpchk GET /health/ready
  http-check expect status 200
CFG
  i=0
  for p in "$@"; do
    i=$((i + 1))
    echo "  server r$i 127.0.0.1:$p check"
  done
} > "$cfg"
haproxy -c -q -f "$cfg"
haproxy -D -f "$cfg"
for _ in $(seq 1 50); do
  if [ -s "$state/pid" ]; then
    echo "$port" > "$state/port"
    echo "haproxy_start: 127.0.0.1:$port -> $* (pid $(cat "$state/pid"))"
    exit 0
  fi
  sleep 0.1
done
echo "haproxy_start: haproxy did not start" >&2
exit 1
