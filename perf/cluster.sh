#!/usr/bin/env bash
# Measures what a three-node Tally cluster costs and how it rides out failures, with one command.
#
# Starts a dedicated PostgreSQL (the service jar's `postgres` mode) on a fresh temporary data directory, then:
#   1. one non-clustered node: peak reservations/s (tally-perf's spread phase);
#   2. nodes n1..n3 joined by Hazelcast: the same peak, round-robin over the three, and its ratio to stage 1;
#   3. a fresh three-node cluster under a fixed arrival rate (tally-perf's timeline phase, which re-sends a request
#      to the next node when its connection fails, like a load balancer) while this script SIGKILLs n2 at
#      KILL_AT s, restarts it at RESTART_AT s and SIGTERMs n3 at STOP_AT s or later, timing how long n1 takes to
#      serve every shard again, how long n2 takes to serve its shards again and how long n3 takes to stop;
#   4. the service's journal audit, and a check that every acknowledged reservation is in the journal;
#   5. a fresh three-node cluster: how long a booking made through n1 takes to reach a WebSocket client of n2
#      (tally-perf's lag phase: from n1's 201 until n2's socket reports the slot unavailable, LAG_SAMPLES bookings
#      at LAG_RATE/s; every second one is also watched by polling POST /availability on n2).
# Each stage starts on an empty journal (tally-perf reset-db). `tally-perf cluster-report` then writes
# perf/results/cluster-<timestamp>.{csv,json,svg} and prints the numbers against the goals; node, PostgreSQL,
# generator and audit output stays in perf/results/cluster-<timestamp>-logs/.
#
# Exit status: 0 when every stage ran and no invariant broke (performance goals missed are reported, not fatal),
# 3 when an acknowledged reservation is missing from the journal or the audit did not pass, 1 otherwise.
#
# Environment (defaults in brackets): SKIP_BUILD=1 uses the jars as they are; NODE_EVENT_LOOPS event loops per
# cluster node [1; empty: one per core]; CLUSTER_JAVA_OPTS [-Xms512m -Xmx512m -XX:+UseG1GC
# -XX:MaxGCPauseMillis=10]; SINGLE_JAVA_OPTS [the same with a 1 GB heap]; SPREAD_DURATION [15], SPREAD_WARMUP
# [10; three JVMs warm up slowly on a small box], POOLS [1000]; TIMELINE_RATE [1000], TIMELINE_WARMUP [10]
# unrecorded seconds before the timeline, TIMELINE_SECONDS [60], KILL_AT [10], RESTART_AT [25], STOP_AT [40]
# (but at least STOP_SETTLE [10] s after n2 serves its shards again, so the stop is not measured on the rejoin's
# backlog); LAG_SAMPLES [400], LAG_RATE [20; at least 1]; STAGES [single,peak,timeline,lag];
# READY_TIMEOUT [180] bounds each start-up in seconds, EVENT_TIMEOUT [60] each wait for recovery or rejoin,
# STOP_TIMEOUT [60] each graceful stop; BENCH_JAVA_OPTS adds JVM options for the load generator.
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
EVENT_TIMEOUT=${EVENT_TIMEOUT:-60}
NODE_EVENT_LOOPS=${NODE_EVENT_LOOPS-1}
CLUSTER_JAVA_OPTS=${CLUSTER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
SINGLE_JAVA_OPTS=${SINGLE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
SPREAD_DURATION=${SPREAD_DURATION:-15}
SPREAD_WARMUP=${SPREAD_WARMUP:-10}
POOLS=${POOLS:-1000}
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
# How often the script looks at /cluster or a stopping process while it times an event, in seconds.
POLL=0.05
DEADLINE_SECONDS=30
MARK_TIMEOUT=300
AUDIT_TIMEOUT=900
CLUSTER=(n1 n2 n3)

WORK=""
LOGS=""
PG_PID=""
PG_PORT=""
PG_URL=""
BENCH_PID=""
MEMBERS=""
EVENTS=""
AUDIT_STATUS=""
LOAD_BEFORE=""
REJOINED_AT=""
STAGE_FAILED=0
BENCH_OPTS=()
declare -A NODE_PID=() HTTP_PORT=() HZ_PORT=()

cleanup() {
  local status=$? name
  set +e
  trap - EXIT INT TERM
  stop "$BENCH_PID" "load generator"
  for name in n3 n2 n1 single; do
    stop "${NODE_PID[$name]:-}" "node $name" group
  done
  stop "$PG_PID" "PostgreSQL" group
  stop_orphan_postgres "$WORK"
  if [[ -n $WORK && -d $WORK ]]; then
    rm -rf -- "$WORK"
  fi
  exit "$status"
}

# Appends event $1 (with detail $2) at epoch millisecond $3 (default now) to the events file.
record() {
  local at=${3:-$(now_ms)}
  printf '%s %s %s\n' "$at" "$1" "${2:-}" >>"$EVENTS"
  log "event: $1 ${2:-} at $at"
}

check_numbers() {
  local name value
  for name in SPREAD_DURATION SPREAD_WARMUP POOLS TIMELINE_SECONDS TIMELINE_WARMUP KILL_AT RESTART_AT STOP_AT \
      STOP_SETTLE READY_TIMEOUT EVENT_TIMEOUT STOP_TIMEOUT LAG_SAMPLES; do
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

# Starts node $1 (single, or a cluster member n1..n3) with its output in file $2.
start_node() {
  local name=$1 log_file=$2 opts=$SINGLE_JAVA_OPTS
  local -a vars=(TALLY_PG_URL="$PG_URL" TALLY_HTTP_HOST=127.0.0.1 TALLY_HTTP_PORT="${HTTP_PORT[$name]}"
    TALLY_NODE_ID="$name")
  if [[ $name != single ]]; then
    opts=$CLUSTER_JAVA_OPTS
    vars+=(TALLY_CLUSTER_HOST=127.0.0.1 TALLY_CLUSTER_PORT="${HZ_PORT[$name]}" TALLY_CLUSTER_MEMBERS="$MEMBERS")
    if [[ -n $NODE_EVENT_LOOPS ]]; then
      vars+=(TALLY_EVENT_LOOPS="$NODE_EVENT_LOOPS")
    fi
  fi
  log "starting node $name on HTTP port ${HTTP_PORT[$name]} (log $log_file)"
  # shellcheck disable=SC2086  # word splitting of the JVM options is intended
  start "$log_file" env "${vars[@]}" java $opts -jar "$SERVICE_JAR"
  NODE_PID[$name]=$STARTED_PID
}

# Stops node $1 of stage $2 with SIGTERM and notes how long it took; after STOP_TIMEOUT it asks the JVM for a
# thread dump (SIGQUIT, into the node's log) and kills it.
stop_node() {
  local name=$1 stage=$2 pid=${NODE_PID[$1]:-} began outcome
  NODE_PID[$name]=""
  [[ -n $pid ]] && alive "$pid" || return 0
  log "stopping node $name (pid $pid)"
  began=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  if wait_gone "$pid" "$STOP_TIMEOUT" "$POLL"; then
    outcome="exited after $(( $(now_ms) - began )) ms"
  else
    outcome="still running after ${STOP_TIMEOUT}s; thread dump in its log, then SIGKILL"
    kill -QUIT "$pid" 2>/dev/null || true
    sleep 2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  log "node $name $outcome"
  printf '%s %s %s %s\n' "$began" "$stage" "$name" "$outcome" >>"$LOGS/stops.txt"
}

# Stops the cluster members of stage $1 one at a time, each handing its shards to the ones still running.
stop_cluster() {
  local name
  for name in n3 n2 n1; do
    stop_node "$name" "$1"
  done
}

# The member object of node $2 in the /cluster body $1, or nothing.
member_of() {
  grep -o "{\"nodeId\":\"$2\"[^}]*}" <<<"$1" | head -n 1 || true
}

# Prints the number after "$2": in JSON text $1, or nothing.
json_number() {
  if [[ $1 =~ \"$2\":([0-9]+) ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  fi
}

# True when member JSON $1 is serving all the shards it owns, and owns some.
serving_its_shards() {
  local shards owns
  [[ $1 == *'"state":"serving"'* ]] || return 1
  shards=$(json_number "$1" shards)
  owns=$(json_number "$1" owns)
  [[ -n $shards && -n $owns ]] && (( owns > 0 && shards == owns ))
}

# True when node $1 is ready and its /cluster lists exactly the nodes named after it, each serving its shards.
settled() {
  local name=$1 body member expected
  shift
  [[ $(http_status "${HTTP_PORT[$name]}" /health/ready) == 200 ]] || return 1
  body=$(http_body "${HTTP_PORT[$name]}" /cluster)
  [[ $body == *'"ready":true'* ]] || return 1
  (( $(grep -o '"nodeId":' <<<"$body" | wc -l) == $# )) || return 1
  for expected in "$@"; do
    member=$(member_of "$body" "$expected")
    serving_its_shards "$member" || return 1
  done
}

# Starts n1..n3 at once and waits until each is ready and sees all three serving their shards.
start_cluster() {
  local stage=$1 name deadline
  for name in "${CLUSTER[@]}"; do
    start_node "$name" "$LOGS/$stage-$name.log"
  done
  for name in "${CLUSTER[@]}"; do
    wait_ready "${NODE_PID[$name]}" "${HTTP_PORT[$name]}" "$LOGS/$stage-$name.log" "$READY_TIMEOUT"
  done
  deadline=$((SECONDS + READY_TIMEOUT))
  for name in "${CLUSTER[@]}"; do
    until settled "$name" "${CLUSTER[@]}"; do
      (( SECONDS < deadline )) || die "node $name did not see ${CLUSTER[*]} serving within ${READY_TIMEOUT}s:" \
        "$(http_body "${HTTP_PORT[$name]}" /cluster)"
      alive "${NODE_PID[$name]}" || { show_log "$LOGS/$stage-$name.log"; die "node $name exited"; }
      sleep 0.5
    done
  done
  log "cluster ready: $(http_body "${HTTP_PORT[n1]}" /cluster)"
}

runs() {
  [[ ,$STAGES, == *,$1,* ]]
}

stage_failed() {
  STAGE_FAILED=1
  log "the $1 stage failed; see $2"
}

reset_db() {
  java -jar "$BENCH_JAR" reset-db --pg-url "$PG_URL" >&2
}

# Runs the load generator with the given arguments, its output in file $1, for at most $2 seconds.
run_bench() {
  local log_file=$1 limit=$2 status=0
  shift 2
  java "${BENCH_OPTS[@]}" -jar "$BENCH_JAR" "$@" >"$log_file" 2>&1 &
  BENCH_PID=$!
  wait_bench "$limit" || status=$?
  cat "$log_file"
  return "$status"
}

# Waits up to $1 seconds for the load generator, killing it after that; returns its exit status.
wait_bench() {
  local status=0
  if ! wait_gone "$BENCH_PID" "$1" 1; then
    log "the load generator did not finish within $1 s; stopping it"
    stop "$BENCH_PID" "load generator"
    BENCH_PID=""
    return 1
  fi
  wait "$BENCH_PID" || status=$?
  BENCH_PID=""
  return "$status"
}

watch_args() {
  local name
  for name in "$@"; do
    printf -- '--watch\n%s=%s\n' "$name" "$(jvm_of "${NODE_PID[$name]}")"
  done
  if [[ -f $WORK/pgdata/postgres/postmaster.pid ]]; then
    printf -- '--watch\npostgres=pidfile:%s\n' "$WORK/pgdata/postgres/postmaster.pid"
  fi
}

spread_limit() {
  printf '%s\n' $((SPREAD_DURATION + SPREAD_WARMUP + 600))
}

stage_single() {
  local -a watches
  log "stage 1: single-node peak"
  reset_db
  start_node single "$LOGS/single-node.log"
  wait_ready "${NODE_PID[single]}" "${HTTP_PORT[single]}" "$LOGS/single-node.log" "$READY_TIMEOUT"
  mapfile -t watches < <(watch_args single)
  run_bench "$LOGS/bench-single.log" "$(spread_limit)" --phases spread --duration "$SPREAD_DURATION" \
    --warmup "$SPREAD_WARMUP" --pools "$POOLS" --url "http://127.0.0.1:${HTTP_PORT[single]}" \
    --out "$LOGS/single.json" "${watches[@]}" || stage_failed "single-node" "$LOGS/bench-single.log"
  stop_node single single
}

urls() {
  local name list=""
  for name in "${CLUSTER[@]}"; do
    list+="${list:+,}http://127.0.0.1:${HTTP_PORT[$name]}"
  done
  printf '%s\n' "$list"
}

stage_peak() {
  local -a watches
  log "stage 2: three-node peak"
  reset_db
  start_cluster peak
  mapfile -t watches < <(watch_args "${CLUSTER[@]}")
  run_bench "$LOGS/bench-peak.log" "$(spread_limit)" --phases spread --duration "$SPREAD_DURATION" \
    --warmup "$SPREAD_WARMUP" --pools "$POOLS" --url "$(urls)" --out "$LOGS/three.json" "${watches[@]}" \
    || stage_failed "three-node" "$LOGS/bench-peak.log"
  stop_cluster peak
}

# Polls n1 until it is ready and no longer lists n2; records "recovered".
await_recovery() {
  local deadline body
  deadline=$(( $(now_ms) + EVENT_TIMEOUT * 1000 ))
  while (( $(now_ms) < deadline )); do
    body=$(http_body "${HTTP_PORT[n1]}" /cluster 1)
    if [[ $body == *'"ready":true'* && -n $body && -z $(member_of "$body" n2) ]]; then
      record recovered "n2 (n1 ready without it)"
      return 0
    fi
    sleep "$POLL"
  done
  record recovery-timeout "n2 still listed or n1 not ready after ${EVENT_TIMEOUT}s"
}

# Polls the restarted n2 until it serves every shard it owns; records "rejoined".
await_rejoin() {
  local deadline body
  deadline=$(( $(now_ms) + (READY_TIMEOUT + EVENT_TIMEOUT) * 1000 ))
  while (( $(now_ms) < deadline )); do
    alive "${NODE_PID[n2]}" || { record rejoin-failed "n2 exited"; return 0; }
    body=$(http_body "${HTTP_PORT[n2]}" /cluster 1)
    if serving_its_shards "$(member_of "$body" n2)"; then
      REJOINED_AT=$(now_ms)
      record rejoined "n2 ($(json_number "$(member_of "$body" n2)" shards) shards)" "$REJOINED_AT"
      return 0
    fi
    sleep "$POLL"
  done
  record rejoin-timeout "n2 not serving its shards after $((READY_TIMEOUT + EVENT_TIMEOUT))s"
}

# SIGTERMs n3 and records when the process has exited, killing it after STOP_TIMEOUT.
graceful_stop() {
  local pid=${NODE_PID[n3]} deadline at
  at=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  record sigterm n3 "$at"
  deadline=$(( $(now_ms) + STOP_TIMEOUT * 1000 ))
  while alive "$pid" && (( $(now_ms) < deadline )); do
    sleep "$POLL"
  done
  if alive "$pid"; then
    record stop-timeout "n3 still running ${STOP_TIMEOUT}s after SIGTERM; killed"
    kill -KILL "$pid" 2>/dev/null || true
  else
    record exited n3
  fi
  wait "$pid" 2>/dev/null || true
  NODE_PID[n3]=""
}

stage_timeline() {
  local -a watches
  local start limit at stop_at status=0 mark="$WORK/timeline.start"
  log "stage 3: timeline at $TIMELINE_RATE/s for $TIMELINE_SECONDS s over a fresh cluster"
  reset_db
  start_cluster timeline
  # n2 and n3 are replaced or stopped during the run, so only n1 and PostgreSQL are watched.
  mapfile -t watches < <(watch_args n1)
  : >"$EVENTS"
  java "${BENCH_OPTS[@]}" -jar "$BENCH_JAR" --phases timeline --rate "$TIMELINE_RATE" \
    --warmup "$TIMELINE_WARMUP" --duration "$TIMELINE_SECONDS" --pools "$POOLS" --deadline "$DEADLINE_SECONDS" \
    --url "$(urls)" --pg-url "$PG_URL" --mark "$mark" --requests-out "$LOGS/requests.csv.gz" \
    --out "$LOGS/timeline.json" "${watches[@]}" >"$LOGS/bench-timeline.log" 2>&1 &
  BENCH_PID=$!
  limit=$((SECONDS + MARK_TIMEOUT + TIMELINE_WARMUP))
  until [[ -s $mark ]]; do
    alive "$BENCH_PID" || { cat "$LOGS/bench-timeline.log" >&2; die "the load generator ended before sending"; }
    (( SECONDS < limit )) || die "the timeline did not start within ${MARK_TIMEOUT}s"
    sleep 0.1
  done
  start=$(head -n 1 "$mark")
  [[ $start =~ ^[0-9]+$ ]] || die "unreadable start mark '$start'"
  log "timeline started at $start"

  sleep_until_ms $((start + KILL_AT * 1000))
  at=$(now_ms)
  kill -KILL "${NODE_PID[n2]}"
  record sigkill n2 "$at"
  wait "${NODE_PID[n2]}" 2>/dev/null || true
  NODE_PID[n2]=""
  await_recovery

  sleep_until_ms $((start + RESTART_AT * 1000))
  at=$(now_ms)
  start_node n2 "$LOGS/timeline-n2-restarted.log"
  record restart n2 "$at"
  await_rejoin

  # The stop is timed on a settled cluster, not on the backlog of n2's rejoin.
  stop_at=$((start + STOP_AT * 1000))
  if [[ -n $REJOINED_AT ]] && (( REJOINED_AT + STOP_SETTLE * 1000 > stop_at )); then
    stop_at=$((REJOINED_AT + STOP_SETTLE * 1000))
    log "SIGTERM for n3 moved to t=$(( (stop_at - start) / 1000 ))s, ${STOP_SETTLE}s after n2 rejoined"
  fi
  if (( stop_at > start + (TIMELINE_SECONDS - 10) * 1000 )); then
    log "SIGTERM for n3 comes less than 10 s before the timeline ends; its window may be cut short"
  fi
  sleep_until_ms "$stop_at"
  graceful_stop

  wait_bench $((TIMELINE_SECONDS + DEADLINE_SECONDS + 600)) || status=$?
  cat "$LOGS/bench-timeline.log"
  (( status == 0 )) || stage_failed "timeline" "$LOGS/bench-timeline.log"
  stop_cluster timeline
}

# Bookings through n1, a WebSocket on n2: the lag phase on a fresh cluster.
stage_lag() {
  local -a watches
  local urls="http://127.0.0.1:${HTTP_PORT[n1]},http://127.0.0.1:${HTTP_PORT[n2]}"
  log "stage 5: change lag, $LAG_SAMPLES bookings through n1 at $LAG_RATE/s, a WebSocket on n2"
  reset_db
  start_cluster lag
  mapfile -t watches < <(watch_args "${CLUSTER[@]}")
  # LAG_RATE is at least 1, so the bookings take at most LAG_SAMPLES seconds.
  run_bench "$LOGS/bench-lag.log" $((LAG_SAMPLES + 600)) --phases lag --lag-samples "$LAG_SAMPLES" \
    --lag-rate "$LAG_RATE" --url "$urls" --out "$LOGS/lag.json" "${watches[@]}" \
    || stage_failed "lag" "$LOGS/bench-lag.log"
  stop_cluster lag
}

audit() {
  local -a limit=()
  log "auditing the journal"
  if command -v timeout >/dev/null 2>&1; then
    limit=(timeout "$AUDIT_TIMEOUT")
  fi
  AUDIT_STATUS=0
  (cd "$ROOT" && env TALLY_PG_URL="$PG_URL" "${limit[@]}" java -jar "$SERVICE_JAR" audit) >"$LOGS/audit.log" 2>&1 \
    || AUDIT_STATUS=$?
  grep -E '^(Audited|  )' "$LOGS/audit.log" | head -n 20 >&2 || true
}

main() {
  local stamp ports schedule report_status=0 name i
  local -a free
  check_numbers
  select_jdk
  log "using JDK $(java_major "$JAVA_HOME/bin/java") at $JAVA_HOME"
  build_bench
  build_service
  read -r -a BENCH_OPTS <<<"${BENCH_JAVA_OPTS:-}"

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  stamp=$(date -u +%Y%m%d-%H%M%S)
  LOGS="$RESULTS/cluster-$stamp-logs"
  mkdir -p "$LOGS"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tally-cluster.XXXXXX")
  EVENTS="$LOGS/events.txt"
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
  log "load average before the run: $LOAD_BEFORE"

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

  log "starting PostgreSQL on port $PG_PORT (data in $WORK/pgdata)"
  start_postgres "$WORK/pgdata" "$PG_PORT" "$LOGS/postgres.log"
  PG_PID=$STARTED_PID
  wait_postgres "$PG_PID" "$PG_PORT" "$LOGS/postgres.log"

  if runs single; then
    stage_single
  fi
  if runs peak; then
    stage_peak
  fi
  if runs timeline; then
    stage_timeline
    audit
  fi
  if runs lag; then
    stage_lag
  fi

  ports="pg $PG_PORT, http ${HTTP_PORT[n1]} ${HTTP_PORT[n2]} ${HTTP_PORT[n3]}, hazelcast $MEMBERS"
  schedule="SIGKILL n2 at ${KILL_AT}s, restart n2 at ${RESTART_AT}s, SIGTERM n3 at ${STOP_AT}s"
  schedule+=" or ${STOP_SETTLE}s after n2 rejoined, whichever is later"
  java "${BENCH_OPTS[@]}" -jar "$BENCH_JAR" cluster-report --out "$RESULTS/cluster-$stamp" \
    --single "$LOGS/single.json" --three "$LOGS/three.json" --timeline "$LOGS/timeline.json" \
    --requests "$LOGS/requests.csv.gz" --events "$EVENTS" --audit "$LOGS/audit.log" --audit-status "$AUDIT_STATUS" \
    --lag "$LOGS/lag.json" \
    --setting nodes=3 --setting "clusterJavaOpts=$CLUSTER_JAVA_OPTS" --setting "singleJavaOpts=$SINGLE_JAVA_OPTS" \
    --setting "clusterEventLoops=${NODE_EVENT_LOOPS:-default (one per core)}" \
    --setting "spread=--duration $SPREAD_DURATION --warmup $SPREAD_WARMUP --pools $POOLS" \
    --setting "timeline=--rate $TIMELINE_RATE --warmup $TIMELINE_WARMUP --duration $TIMELINE_SECONDS" \
    --setting "lag=--lag-samples $LAG_SAMPLES --lag-rate $LAG_RATE, bookings through n1, WebSocket on n2" \
    --setting "schedule=$schedule" --setting "stages=$STAGES" --setting "loadAverageBefore=$LOAD_BEFORE" \
    --setting "ports=$ports" --setting "logs=$LOGS" --stops "$LOGS/stops.txt" || report_status=$?
  log "logs: $LOGS"
  if (( report_status == 0 && STAGE_FAILED )); then
    report_status=1
  fi
  return "$report_status"
}

main "$@"
