#!/usr/bin/env bash
# Measures what a three-node Tally cluster costs and how it rides out failures, with one command.
#
#   perf/cluster.sh [-Dname=value]...
#
# Starts a dedicated PostgreSQL (the service jar's `postgres` mode) on a fresh temporary data directory and runs
# these stages of STAGES, each a Gatling simulation on an empty journal (tally-perf reset-db) and fresh nodes:
#   single    one non-clustered node: peak reservations/s (the Peak simulation: a closed loop of CONCURRENCY
#             requests in flight over POOLS pools);
#   peak      nodes n1..n3 joined by Hazelcast: the same peak, CONCURRENCY in flight per node, requests round-robin
#             over the three, and its ratio to stage single;
#   timeline  TIMELINE_RATE reservations/s (the Fixed simulation) round-robin over the three nodes, the client
#             sending a request again to the next node when its connection fails at once or it gets a 503, as a
#             load balancer would, while Gatling runs the actions: a SIGKILL of n2 at KILL_AT s (the action ends
#             when n1 is ready without n2: every shard served again), its restart at RESTART_AT s (ends when n2
#             serves its shards again) and a SIGTERM of n3 at STOP_AT s (ends when the process has exited), each
#             action at least STOP_SETTLE s after the previous one ended, so the stop is not measured on the
#             rejoin's backlog; seconds count from the end of TIMELINE_WARMUP. Then the service's audit checks the
#             journal and every acknowledged reservation (java -jar target/tally.jar audit --acknowledged);
#   lag       a fresh cluster: LAG_SAMPLES bookings through n1 at LAG_RATE/s, each timed from its 201 until a
#             WebSocket on n2 reports the slot unavailable (every second one also polled on n2).
# `tally-perf cluster-report` then prints the numbers against the goals and writes cluster.json; every stage's
# summary.json, timeline.csv, charts and Gatling report are in perf/results/cluster-<timestamp>/STAGE/, node,
# PostgreSQL and audit output in its logs/, and each stage gets its line in perf/RESULTS.md. -D arguments go to
# every simulation.
#
# Exit status: 0 when every stage ran and the audit passed (performance goals missed are reported, not fatal),
# 3 when the audit failed, 1 otherwise.
#
# Environment (defaults in brackets): SKIP_BUILD=1 uses the jars as they are; NODE_EVENT_LOOPS event loops per
# cluster node [1; empty: one per core]; CLUSTER_JAVA_OPTS [-Xms512m -Xmx512m -XX:+UseG1GC
# -XX:MaxGCPauseMillis=10]; SINGLE_JAVA_OPTS [the same with a 1 GB heap]; SPREAD_DURATION [15], SPREAD_WARMUP
# [10; three JVMs warm up slowly on a small box], POOLS [1000], CONCURRENCY [64]; TIMELINE_RATE [1000],
# TIMELINE_WARMUP [10], TIMELINE_SECONDS [60], KILL_AT [10], RESTART_AT [25], STOP_AT [40], STOP_SETTLE [10];
# LAG_SAMPLES [400], LAG_RATE [20]; STAGES [single,peak,timeline,lag]; READY_TIMEOUT [180] bounds each start-up and
# each wait for recovery or rejoin in seconds, STOP_TIMEOUT [60] each graceful stop.
#
# Every process started here is stopped again however the run ends; cluster nodes one at a time, so that each
# stop is a handoff to the remaining nodes.
set -euo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_NAME=cluster.sh
STOP_TIMEOUT=${STOP_TIMEOUT:-60}
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$PERF_DIR/lib.sh"

READY_TIMEOUT=${READY_TIMEOUT:-180}
NODE_EVENT_LOOPS=${NODE_EVENT_LOOPS-1}
CLUSTER_JAVA_OPTS=${CLUSTER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
SINGLE_JAVA_OPTS=${SINGLE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
SPREAD_DURATION=${SPREAD_DURATION:-15}
SPREAD_WARMUP=${SPREAD_WARMUP:-10}
POOLS=${POOLS:-1000}
CONCURRENCY=${CONCURRENCY:-64}
TIMELINE_RATE=${TIMELINE_RATE:-1000}
TIMELINE_SECONDS=${TIMELINE_SECONDS:-60}
TIMELINE_WARMUP=${TIMELINE_WARMUP:-10}
LAG_SAMPLES=${LAG_SAMPLES:-400}
LAG_RATE=${LAG_RATE:-20}
STAGES=${STAGES:-single,peak,timeline,lag}
KILL_AT=${KILL_AT:-10}
RESTART_AT=${RESTART_AT:-25}
STOP_AT=${STOP_AT:-40}
STOP_SETTLE=${STOP_SETTLE:-10}
CLUSTER=(n1 n2 n3)

RUN=""
DATA_DIR=""
JAR_DIR=""
PG_PID=""
PG_PORT=""
PG_URL=""
MEMBERS=""
STAGE_FAILED=0
AUDIT="not run"
PROPS=()
declare -A HTTP_PORT=() HZ_PORT=()

usage() {
  sed -n '2,/^set -euo pipefail$/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  stop_started
  exit "$status"
}

check_numbers() {
  local name value
  for name in SPREAD_DURATION SPREAD_WARMUP POOLS CONCURRENCY TIMELINE_SECONDS TIMELINE_WARMUP KILL_AT RESTART_AT \
      STOP_AT STOP_SETTLE READY_TIMEOUT STOP_TIMEOUT LAG_SAMPLES; do
    value=${!name}
    [[ $value =~ ^[0-9]+$ ]] || die "$name must be a whole number of seconds (or a count), got '$value'"
  done
  [[ $TIMELINE_RATE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "TIMELINE_RATE must be a number, got '$TIMELINE_RATE'"
  [[ $LAG_RATE =~ ^[1-9][0-9]*([.][0-9]+)?$ ]] || die "LAG_RATE must be a number of at least 1, got '$LAG_RATE'"
  [[ $STAGES =~ ^(single|peak|timeline|lag)(,(single|peak|timeline|lag))*$ ]] \
    || die "STAGES must list some of single,peak,timeline,lag, got '$STAGES'"
  [[ -z $NODE_EVENT_LOOPS || $NODE_EVENT_LOOPS =~ ^[1-9][0-9]*$ ]] \
    || die "NODE_EVENT_LOOPS must be empty or a positive whole number, got '$NODE_EVENT_LOOPS'"
  (( KILL_AT < RESTART_AT && RESTART_AT < STOP_AT && STOP_AT < TIMELINE_SECONDS )) \
    || die "needs KILL_AT < RESTART_AT < STOP_AT < TIMELINE_SECONDS"
}

runs() {
  [[ ,$STAGES, == *,$1,* ]]
}

stage_failed() {
  STAGE_FAILED=1
  log "the $1 stage failed; see $RUN/$1/gatling.log"
}

reset_db() {
  java -jar "$BENCH_JAR" reset-db --pg-url "$PG_URL" >&2
}

# Defines the single node and the three cluster members (each stage starts them afresh from these definitions).
define_nodes() {
  local name
  local -a loops=()
  if [[ -n $NODE_EVENT_LOOPS ]]; then
    loops=("TALLY_EVENT_LOOPS=$NODE_EVENT_LOOPS")
  fi
  define_node single "${HTTP_PORT[single]}" "" "" "$SINGLE_JAVA_OPTS"
  for name in "${CLUSTER[@]}"; do
    define_node "$name" "${HTTP_PORT[$name]}" "${HZ_PORT[$name]}" "$MEMBERS" "$CLUSTER_JAVA_OPTS" "${loops[@]}"
  done
}

url_of() {
  printf 'http://127.0.0.1:%s\n' "${HTTP_PORT[$1]}"
}

# The comma-separated URLs of the nodes named, and the CPU watches of the nodes named after -- (and PostgreSQL).
urls_of() {
  local name list=""
  for name in "$@"; do
    list+="${list:+,}$(url_of "$name")"
  done
  printf '%s\n' "$list"
}

watch_of() {
  local name list="postgres=pidfile:$DATA_DIR/postgres/postmaster.pid"
  for name in "$@"; do
    list="$name=pidfile:$RUN/nodes/$name.pid,$list"
  done
  printf '%s\n' "$list"
}

stop_cluster() {
  local name
  for name in n3 n2 n1; do
    stop_defined_node "$name" "$RUN"
  done
}

stage_single() {
  log "stage single: one node's peak"
  reset_db
  start_defined_node single "$RUN"
  run_gatling Peak "$RUN/single" "$(url_of single)" "$(watch_of single)" "-Dseconds=$SPREAD_DURATION" \
    "-Dwarmup=$SPREAD_WARMUP" "-Dpools=$POOLS" "-Dconcurrency=$CONCURRENCY" "${PROPS[@]}" || stage_failed single
  stop_defined_node single "$RUN"
}

stage_peak() {
  log "stage peak: three nodes' peak, round-robin"
  reset_db
  start_defined_cluster "$RUN" "${CLUSTER[@]}"
  run_gatling Peak "$RUN/peak" "$(urls_of "${CLUSTER[@]}")" "$(watch_of "${CLUSTER[@]}")" \
    "-Dseconds=$SPREAD_DURATION" "-Dwarmup=$SPREAD_WARMUP" "-Dpools=$POOLS" "-Dconcurrency=$CONCURRENCY" \
    "${PROPS[@]}" || stage_failed peak
  stop_cluster
}

stage_timeline() {
  local node="$PERF_DIR/load.sh node"
  log "stage timeline: $TIMELINE_RATE reservations/s over a fresh cluster, SIGKILL, restart and SIGTERM"
  reset_db
  start_defined_cluster "$RUN" "${CLUSTER[@]}"
  # n2 and n3 are replaced or stopped during the run, so only n1 and PostgreSQL are watched.
  run_gatling Fixed "$RUN/timeline" "$(urls_of "${CLUSTER[@]}")" "$(watch_of n1)" "-Drate=$TIMELINE_RATE" \
    "-Dwarmup=$TIMELINE_WARMUP" "-Dseconds=$TIMELINE_SECONDS" "-Dpools=$POOLS" "-Dsettle=$STOP_SETTLE" \
    "-Dkill.at=$((TIMELINE_WARMUP + KILL_AT))" \
    "-Dkill.command=$node kill n2 $RUN && $PERF_DIR/load.sh recovered n2 $(url_of n1)" \
    "-Drestart.at=$((TIMELINE_WARMUP + RESTART_AT))" "-Drestart.command=$node restart n2 $RUN" \
    "-Dgraceful.at=$((TIMELINE_WARMUP + STOP_AT))" "-Dgraceful.command=$node stop n3 $RUN" \
    "${PROPS[@]}" || stage_failed timeline
  stop_cluster
  if [[ -f $RUN/timeline/acknowledged.csv ]]; then
    audit_journal "$PG_URL" "$RUN/logs/audit.log" "$RUN/timeline/acknowledged.csv"
    AUDIT=$AUDIT_VERDICT
  fi
}

stage_lag() {
  log "stage lag: $LAG_SAMPLES bookings through n1 at $LAG_RATE/s, a WebSocket on n2"
  reset_db
  start_defined_cluster "$RUN" "${CLUSTER[@]}"
  run_gatling ChangeLag "$RUN/lag" "$(urls_of n1 n2)" "$(watch_of "${CLUSTER[@]}")" "-Dlag.samples=$LAG_SAMPLES" \
    "-Dlag.rate=$LAG_RATE" "${PROPS[@]}" || stage_failed lag
  stop_cluster
}

main() {
  local stamp arg stage report_status=0 i name
  local -a free
  for arg in "$@"; do
    case $arg in
      --help | -h) usage; return 0 ;;
      -D*) PROPS+=("$arg") ;;
      *) die "unexpected argument '$arg' (perf/cluster.sh takes -Dname=value settings; see --help)" ;;
    esac
  done
  check_numbers
  select_jdk
  log "using JDK $(java_major "$JAVA_HOME/bin/java") at $JAVA_HOME"
  command -v mvn >/dev/null 2>&1 || die "mvn not found; the simulations run through Maven (gatling:test)"
  build_bench
  build_service

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  stamp=$(date -u +%Y%m%d-%H%M%S)
  RUN="$RESULTS/cluster-$stamp"
  mkdir -p "$RUN/logs" "$RUN/nodes"
  snapshot_service_jar
  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tally-cluster.XXXXXX")
  log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

  free_ports free 8
  PG_PORT=${free[0]}
  HTTP_PORT[single]=${free[1]}
  for i in 0 1 2; do
    name=${CLUSTER[i]}
    HTTP_PORT[$name]=${free[2 + i]}
    HZ_PORT[$name]=${free[5 + i]}
    MEMBERS+="${MEMBERS:+,}127.0.0.1:${HZ_PORT[$name]}"
  done
  PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  define_nodes

  log "starting PostgreSQL on port $PG_PORT (data in $DATA_DIR)"
  start_postgres "$DATA_DIR" "$PG_PORT" "$RUN/logs/postgres.log"
  PG_PID=$STARTED_PID
  wait_postgres "$PG_PID" "$PG_PORT" "$RUN/logs/postgres.log"

  for stage in single peak timeline lag; do
    if runs "$stage"; then
      "stage_$stage"
      if [[ -f $RUN/$stage/summary.json ]]; then
        record_results "$RUN/$stage/summary.json" "$([[ $stage == timeline ]] && echo "$AUDIT" || echo "not run")"
      fi
    fi
  done

  java -jar "$BENCH_JAR" cluster-report --dir "$RUN" --audit "$AUDIT" || report_status=$?
  log "results: $RUN"
  if (( report_status == 0 && STAGE_FAILED )); then
    report_status=1
  fi
  return "$report_status"
}

main "$@"
