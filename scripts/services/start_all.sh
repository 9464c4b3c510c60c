#!/usr/bin/env bash
# Starts every test server under STATE_DIR (the CTest fixture "services"):
# PostgreSQL in STATE_DIR/pg, s3rver in STATE_DIR/s3, Redis in STATE_DIR/redis. Stops what it started
# if one of them fails.
set -euo pipefail
state=${1:?usage: start_all.sh STATE_DIR}
here=$(dirname "$0")
"$here/stop_all.sh" "$state"
"$here/pg_start.sh" "$state/pg" || { "$here/stop_all.sh" "$state"; exit 1; }
"$here/s3_start.sh" "$state/s3" || { "$here/stop_all.sh" "$state"; exit 1; }
"$here/redis_start.sh" "$state/redis" || { "$here/stop_all.sh" "$state"; exit 1; }
