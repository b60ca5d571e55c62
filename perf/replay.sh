#!/usr/bin/env bash
# What an upcaster costs a replay: v1 rows read through the upcaster chain against v2 rows read directly, decoded
# from their stored JSON and replayed in process (see perf/replay/UpcastReplay.java).
#
#   perf/replay.sh [pools [eventsPerPool [rounds]]]     defaults: 200 1000 9
#
# Builds target/tally.jar first; SKIP_BUILD=1 uses it as it is.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  (cd "$ROOT" && mvn -q -B -DskipTests package)
fi
exec java -Xms1g -Xmx1g -XX:+UseG1GC -cp "$ROOT/target/tally.jar" "$ROOT/perf/replay/UpcastReplay.java" "$@"
