#!/usr/bin/env bash
# Measures Tally end to end on this machine with one command.
#
# Builds whatever is stale, starts a dedicated PostgreSQL (the service jar's `postgres` mode) and one Tally node on
# free loopback ports, runs perf/target/tally-perf.jar against both, and stops both again however the run ends.
# Arguments are passed to the benchmark, e.g. `perf/bench.sh --duration 60 --phases spread,fixed`; `--help` lists
# them.
#
# Environment: READY_TIMEOUT bounds the wait for the Tally node in seconds (default 120); NODE_JAVA_OPTS replaces
# the node's JVM options; BENCH_JAVA_OPTS adds JVM options for the load generator; SKIP_BUILD=1 uses the jars as
# they are.
#
# The benchmark is told the node's JVM and PostgreSQL's postmaster (through its pid file: pg_ctl detaches the server
# from the launching JVM) with --watch, so every phase reports how many cores each of them, the generator and the
# machine as a whole used.
set -euo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_NAME=bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$PERF_DIR/lib.sh"
READY_TIMEOUT=${READY_TIMEOUT:-120}
# The node runs with the JVM settings the README recommends for production: a fixed heap and a 10 ms pause goal.
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10}

PG_PID=""
NODE_PID=""
BENCH_PID=""
DATA_DIR=""

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  stop "$BENCH_PID" "benchmark"
  stop "$NODE_PID" "Tally node" group
  stop "$PG_PID" "PostgreSQL" group
  stop_orphan_postgres "$DATA_DIR"
  if [[ -n $DATA_DIR && -d $DATA_DIR ]]; then
    rm -rf -- "$DATA_DIR"
  fi
  exit "$status"
}

main() {
  local arg i out bench_status=0
  local -a args=("$@") bench_java_opts=() watches=()
  select_jdk
  log "using JDK $(java_major "$JAVA_HOME/bin/java") at $JAVA_HOME"
  for arg in "$@"; do
    if [[ $arg == --help || $arg == -h ]]; then
      build_bench
      java -jar "$BENCH_JAR" --help
      return 0
    fi
  done
  build_bench
  build_service
  mkdir -p "$RESULTS"

  local stamp
  stamp=$(date -u +%Y%m%d-%H%M%S)
  out="$RESULTS/bench-$stamp.json"
  for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
      --out) out=${args[i + 1]:-$out} ;;
      --out=*) out=${args[i]#--out=} ;;
    esac
  done
  [[ $out == /* ]] || out="$PWD/$out"

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  local -a ports
  free_ports ports 2
  PG_PORT=${ports[0]}
  HTTP_PORT=${ports[1]}
  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tally-bench.XXXXXX")
  PG_PID_FILE="$DATA_DIR/postgres/postmaster.pid"
  PG_LOG="$RESULTS/postgres-$stamp.log"
  NODE_LOG="$RESULTS/tally-$stamp.log"
  local pg_url="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"

  log "starting PostgreSQL on port $PG_PORT (data in $DATA_DIR, log $PG_LOG)"
  start_postgres "$DATA_DIR" "$PG_PORT" "$PG_LOG"
  PG_PID=$STARTED_PID
  wait_postgres "$PG_PID" "$PG_PORT" "$PG_LOG"

  log "starting a Tally node on port $HTTP_PORT (log $NODE_LOG)"
  # shellcheck disable=SC2086  # word splitting of the JVM options is intended
  start "$NODE_LOG" env TALLY_PG_URL="$pg_url" TALLY_HTTP_PORT="$HTTP_PORT" java $NODE_JAVA_OPTS -jar "$SERVICE_JAR"
  NODE_PID=$STARTED_PID
  wait_ready "$NODE_PID" "$HTTP_PORT" "$NODE_LOG" "$READY_TIMEOUT"
  watches=(--watch "node=$(jvm_of "$NODE_PID")")
  if [[ -f $PG_PID_FILE ]]; then
    watches+=(--watch "postgres=pidfile:$PG_PID_FILE")
  else
    log "no $PG_PID_FILE; the CPU use of PostgreSQL will count as other"
  fi

  read -r -a bench_java_opts <<<"${BENCH_JAVA_OPTS:-}"
  java "${bench_java_opts[@]}" -jar "$BENCH_JAR" --url "http://127.0.0.1:$HTTP_PORT" --pg-url "$pg_url" \
    --out "$out" "${watches[@]}" "$@" &
  BENCH_PID=$!
  wait "$BENCH_PID" || bench_status=$?
  BENCH_PID=""
  if [[ -f $out ]]; then
    log "JSON summary: $out"
  else
    log "no JSON summary was written"
  fi
  log "logs: $PG_LOG, $NODE_LOG"
  return "$bench_status"
}

main "$@"
