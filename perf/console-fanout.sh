#!/usr/bin/env bash
# How fast the operator console's socket delivers changes with many consoles open: starts one fresh node on its
# embedded PostgreSQL, opens CONSOLES console sockets to it, makes CHANGES reservations at RATE a second on the pools
# of their board, and prints the delay from sending each reservation to each console receiving it (p50, p99, p99.9,
# max; the reservation's own commit included), then stops the node. The goal: 200 consoles, p99 within 100 ms.
#
#   perf/console-fanout.sh
#
# Environment: CONSOLES [200], CHANGES [1000], RATE [50], NODE_JAVA_OPTS [-Xmx1g], READY_TIMEOUT [180].
set -euo pipefail

LOG_NAME=console-fanout
# shellcheck source=perf/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

CONSOLES=${CONSOLES:-200}
CHANGES=${CHANGES:-1000}
RATE=${RATE:-50}
READY_TIMEOUT=${READY_TIMEOUT:-180}
RUN=""
PG_PID=""
JAR_DIR=""
DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tally-fanout.XXXXXX")
NODE_PID=""
trap 'stop "$NODE_PID" "the node"; stop_orphan_postgres "$DATA_DIR"; rm -rf -- "$DATA_DIR"' EXIT

select_jdk
build_service
build_bench
declare -a PORTS=()
free_ports PORTS 2
log "starting one node on HTTP port ${PORTS[0]} (embedded PostgreSQL on ${PORTS[1]})"
# shellcheck disable=SC2086  # word splitting of the JVM options is intended
start "$DATA_DIR/node.log" env TALLY_DATA_DIR="$DATA_DIR/pg" TALLY_PG_PORT="${PORTS[1]}" \
  TALLY_HTTP_HOST=127.0.0.1 TALLY_HTTP_PORT="${PORTS[0]}" java ${NODE_JAVA_OPTS:--Xmx1g} -jar "$SERVICE_JAR"
NODE_PID=$STARTED_PID
wait_ready "$NODE_PID" "${PORTS[0]}" "$DATA_DIR/node.log" "$READY_TIMEOUT"
java -jar "$BENCH_JAR" console-fanout --url "http://127.0.0.1:${PORTS[0]}" --consoles "$CONSOLES" \
  --changes "$CHANGES" --rate "$RATE"
