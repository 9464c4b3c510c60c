#!/usr/bin/env bash
# Stops every test server start_all.sh started under STATE_DIR.
state=${1:?usage: stop_all.sh STATE_DIR}
here=$(dirname "$0")
"$here/redis_stop.sh" "$state/redis"
"$here/s3_stop.sh" "$state/s3"
"$here/pg_stop.sh" "$state/pg"
exit 0
