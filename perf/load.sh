#!/usr/bin/env bash
# Runs one storefront load scenario (a Gatling simulation under perf/src/test/java) and everything around it.
#
#   perf/load.sh SCENARIO [--url URL]... [--pg-url URL] [-Dname=value]...
#
# SCENARIO is steady, ramp, hot, hot-ramp, failover or replay (perf/README.md describes each and its settings).
# Without --url the script starts what the scenario needs on this machine, on free loopback ports: a dedicated
# PostgreSQL from the service jar and one Tally node, or three clustered nodes for failover, which it then SIGKILLs,
# restarts and restarts gracefully on schedule. With --url (repeatable or comma-separated) it drives that
# deployment instead; give --pg-url too and the journal is audited afterwards, and for failover give the
# -Dkill.command / -Drestart.command / -Dgraceful.command your deployment needs.
#
# Every run writes perf/results/SCENARIO-<timestamp>/: summary.json, timeline.csv, SVG charts, acknowledged.csv,
# the audit's output, Gatling's HTML report under gatling/ and the logs of what the script started; then it appends
# one line to perf/RESULTS.md. The exit status is non-zero when the run crashed or the audit failed.
#
# Environment: NODE_JAVA_OPTS (one node; default a 1 GB heap with a 10 ms pause goal), CLUSTER_JAVA_OPTS (each of
# the three; default 512 MB), READY_TIMEOUT [180] seconds for each start-up, SKIP_BUILD=1 uses the jars as they are.
#
# The script also serves its own failover actions: `perf/load.sh node kill|restart|graceful NAME RUN_DIR`.
set -euo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_NAME=load.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$PERF_DIR/lib.sh"
READY_TIMEOUT=${READY_TIMEOUT:-180}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
CLUSTER_JAVA_OPTS=${CLUSTER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
AUDIT_TIMEOUT=${AUDIT_TIMEOUT:-1800}
RESULTS_FILE="$PERF_DIR/RESULTS.md"

RUN=""
PG_PID=""
PG_URL=""
DATA_DIR=""

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
}

simulation_of() {
  case $1 in
    steady) echo Steady ;;
    ramp) echo Ramp ;;
    hot) echo HotSlot ;;
    hot-ramp) echo HotSlotRamp ;;
    failover) echo Failover ;;
    replay) echo Replay ;;
    *) return 1 ;;
  esac
}

cleanup() {
  local status=$? pidfile
  set +e
  trap - EXIT INT TERM
  if [[ -n $RUN && -d $RUN/nodes ]]; then
    for pidfile in "$RUN"/nodes/*.pid; do
      [[ -f $pidfile ]] || continue
      stop "$(cat "$pidfile")" "node $(basename "$pidfile" .pid)" group
      rm -f "$pidfile"
    done
  fi
  stop "$PG_PID" "PostgreSQL" group
  stop_orphan_postgres "$DATA_DIR"
  if [[ -n $DATA_DIR && -d $DATA_DIR ]]; then
    rm -rf -- "$DATA_DIR"
  fi
  exit "$status"
}

# Writes node $1's environment (ports, cluster settings, JVM options) to RUN/nodes/$1.env, so `node restart` can
# start it again exactly as before.
define_node() {
  local name=$1 http=$2 hz=${3:-} members=${4:-} opts=$5 file="$RUN/nodes/$1.env"
  {
    printf 'NODE_VARS=(TALLY_PG_URL=%q TALLY_HTTP_HOST=127.0.0.1 TALLY_HTTP_PORT=%q TALLY_NODE_ID=%q' \
      "$PG_URL" "$http" "$name"
    if [[ -n $hz ]]; then
      printf ' TALLY_CLUSTER_HOST=127.0.0.1 TALLY_CLUSTER_PORT=%q TALLY_CLUSTER_MEMBERS=%q' "$hz" "$members"
    fi
    # GC pauses are the first suspect of a latency spike, so every node logs them (one file per process).
    printf ')\nNODE_HTTP_PORT=%q\nNODE_OPTS=%q\n' "$http" "$opts -Xlog:gc:file=$RUN/logs/$name-gc-%p.log:uptime,time"
  } >"$file"
}

# Starts node $1 of run directory $2 from its env file; its pid goes to RUN/nodes/$1.pid, output to logs/$1.log.
start_defined_node() {
  local name=$1 dir=$2 NODE_VARS=() NODE_HTTP_PORT="" NODE_OPTS=""
  # shellcheck disable=SC1090  # written by define_node
  source "$dir/nodes/$name.env"
  log "starting node $name on HTTP port $NODE_HTTP_PORT"
  # shellcheck disable=SC2086  # word splitting of the JVM options is intended
  start_appending "$dir/logs/$name.log" env "${NODE_VARS[@]}" java $NODE_OPTS -jar "$SERVICE_JAR"
  printf '%s\n' "$STARTED_PID" >"$dir/nodes/$name.pid"
  wait_ready "$STARTED_PID" "$NODE_HTTP_PORT" "$dir/logs/$name.log" "$READY_TIMEOUT"
}

# Like start(), appending to the log (a restarted node keeps one log) and in a new session, so a node started by a
# failover action outlives the load generator that ran the action.
start_appending() {
  local log_file=$1
  shift
  (cd "$ROOT" && exec setsid "$@") </dev/null >>"$log_file" 2>&1 &
  STARTED_PID=$!
}

# Waits until node $1 (HTTP port $2) lists itself as serving every shard it owns.
await_serving() {
  local name=$1 port=$2 deadline=$((SECONDS + READY_TIMEOUT)) body member
  while (( SECONDS < deadline )); do
    body=$(http_body "$port" /cluster)
    member=$(grep -o "{\"nodeId\":\"$name\"[^}]*}" <<<"$body" | head -n 1 || true)
    if [[ $member == *'"state":"serving"'* && $member =~ \"shards\":([0-9]+) ]]; then
      local shards=${BASH_REMATCH[1]}
      if [[ $member =~ \"owns\":([0-9]+) ]] && (( BASH_REMATCH[1] > 0 && BASH_REMATCH[1] == shards )); then
        return 0
      fi
    fi
    sleep 0.2
  done
  die "node $name did not serve its shards within ${READY_TIMEOUT}s: $body"
}

# `node kill|restart|graceful NAME RUN_DIR`: the failover actions, run by the load generator on schedule.
node_action() {
  local action=$1 name=$2 dir=$3 pid NODE_VARS=() NODE_HTTP_PORT="" NODE_OPTS=""
  RUN=$dir
  # shellcheck disable=SC1090  # written by define_node
  source "$dir/nodes/$name.env"
  pid=$(cat "$dir/nodes/$name.pid" 2>/dev/null || true)
  case $action in
    kill)
      [[ -n $pid ]] && alive "$pid" || die "node $name is not running"
      log "SIGKILL node $name (pid $pid)"
      kill -KILL "$pid"
      wait_gone "$pid" 30 0.05 || die "node $name survived SIGKILL"
      ;;
    restart)
      start_defined_node "$name" "$dir"
      await_serving "$name" "$NODE_HTTP_PORT"
      log "node $name serves its shards again"
      ;;
    graceful)
      [[ -n $pid ]] && alive "$pid" || die "node $name is not running"
      log "SIGTERM node $name (pid $pid)"
      kill -TERM "$pid"
      wait_gone "$pid" "$STOP_TIMEOUT" 0.05 || die "node $name did not stop within ${STOP_TIMEOUT}s"
      log "node $name stopped; starting it again"
      start_defined_node "$name" "$dir"
      await_serving "$name" "$NODE_HTTP_PORT"
      log "node $name serves its shards again"
      ;;
    *) die "unknown node action $action (kill, restart or graceful)" ;;
  esac
}

start_local() {
  local scenario=$1 name i members="" opts
  local -a ports
  local nodes=1
  [[ $scenario == failover ]] && nodes=3
  free_ports ports $((1 + 2 * nodes))
  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tally-load.XXXXXX")
  PG_URL="postgresql://postgres@127.0.0.1:${ports[0]}/postgres"
  log "starting PostgreSQL on port ${ports[0]} (data in $DATA_DIR)"
  start_postgres "$DATA_DIR" "${ports[0]}" "$RUN/logs/postgres.log"
  PG_PID=$STARTED_PID
  wait_postgres "$PG_PID" "${ports[0]}" "$RUN/logs/postgres.log"
  WATCH="postgres=pidfile:$DATA_DIR/postgres/postmaster.pid"
  URLS=""
  if (( nodes == 1 )); then
    define_node node "${ports[1]}" "" "" "$NODE_JAVA_OPTS"
    start_defined_node node "$RUN"
    WATCH="node=pidfile:$RUN/nodes/node.pid,$WATCH"
    URLS="http://127.0.0.1:${ports[1]}"
    return 0
  fi
  for i in 1 2 3; do
    members+="${members:+,}127.0.0.1:${ports[$((3 + i))]}"
  done
  for i in 1 2 3; do
    name="n$i"
    define_node "$name" "${ports[$i]}" "${ports[$((3 + i))]}" "$members" "$CLUSTER_JAVA_OPTS"
  done
  local -a starting=()
  for i in 1 2 3; do
    start_defined_node "n$i" "$RUN" &
    starting+=($!)
  done
  for i in "${starting[@]}"; do
    wait "$i" || die "a cluster node did not start (logs in $RUN/logs)"
  done
  for i in 1 2 3; do
    await_serving "n$i" "${ports[$i]}"
    WATCH="n$i=pidfile:$RUN/nodes/n$i.pid,$WATCH"
    URLS+="${URLS:+,}http://127.0.0.1:${ports[$i]}"
  done
  FAILOVER_DEFAULTS=(-Dmultiple=10 -Dwarmup=30 -Dseconds=150 -Dkill.at=60 -Drestart.at=90 -Dgraceful.at=130
    "-Dkill.command=$PERF_DIR/load.sh node kill n2 $RUN"
    "-Drestart.command=$PERF_DIR/load.sh node restart n2 $RUN"
    "-Dgraceful.command=$PERF_DIR/load.sh node graceful n3 $RUN")
}

main() {
  if [[ ${1:-} == node ]]; then
    shift
    (( $# == 3 )) || die "usage: perf/load.sh node kill|restart|graceful NAME RUN_DIR"
    node_action "$@"
    return
  fi
  if [[ $# -eq 0 || $1 == --help || $1 == -h ]]; then
    usage
    return 0
  fi
  local scenario=$1 simulation stamp arg commit audit_status="not run" gatling_status=0
  local -a urls=() props=()
  shift
  simulation=$(simulation_of "$scenario") || die "unknown scenario '$scenario' (steady, ramp, hot, hot-ramp," \
    "failover or replay)"
  local external_pg=""
  while (( $# > 0 )); do
    arg=$1
    case $arg in
      --url) urls+=("${2:?--url needs a URL}"); shift ;;
      --url=*) urls+=("${arg#--url=}") ;;
      --pg-url) external_pg=${2:?--pg-url needs a URL}; shift ;;
      --pg-url=*) external_pg=${arg#--pg-url=} ;;
      -D*) props+=("$arg") ;;
      *) die "unexpected argument '$arg' (see perf/load.sh --help)" ;;
    esac
    shift
  done

  select_jdk
  command -v mvn >/dev/null 2>&1 || die "mvn not found; the scenarios run through Maven (gatling:test)"
  build_bench
  if (( ${#urls[@]} == 0 )); then
    build_service
  fi
  stamp=$(date -u +%Y%m%d-%H%M%S)
  RUN="$RESULTS/$scenario-$stamp"
  mkdir -p "$RUN/logs" "$RUN/nodes"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  WATCH=""
  FAILOVER_DEFAULTS=()
  if (( ${#urls[@]} == 0 )); then
    start_local "$scenario"
  else
    URLS=$(IFS=,; echo "${urls[*]}")
    PG_URL=$external_pg
  fi
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit+="+changes"
  fi
  log "running $simulation against $URLS; results in $RUN"
  mvn -q -f "$PERF_DIR/pom.xml" gatling:test "-Dgatling.simulationClass=io.tally.perf.$simulation" \
    "-Dgatling.resultsFolder=$RUN/gatling" "-Dgatling.gcLog=$RUN/logs/gatling-gc.log" "-Durls=$URLS" \
    "-Dout=$RUN" "-Dcommit=$commit" "-Dwatch=$WATCH" \
    "${FAILOVER_DEFAULTS[@]}" "${props[@]}" 2>&1 | tee "$RUN/logs/gatling.log" || gatling_status=$?
  [[ -f $RUN/summary.json ]] || die "the scenario wrote no summary (see $RUN/logs/gatling.log)"

  if [[ -n $PG_URL ]]; then
    log "auditing the journal and the acknowledgements (java -jar target/tally.jar audit)"
    if (cd "$ROOT" && TALLY_PG_URL="$PG_URL" timeout "$AUDIT_TIMEOUT" java -jar "$SERVICE_JAR" audit \
        --acknowledged "$RUN/acknowledged.csv") >"$RUN/audit.log" 2>&1; then
      audit_status=PASS
    else
      audit_status=FAIL
    fi
    head -n 30 "$RUN/audit.log" >&2
  else
    log "no --pg-url: the journal was not audited; run java -jar target/tally.jar audit --acknowledged" \
      "$RUN/acknowledged.csv against the deployment's PostgreSQL"
  fi
  java -jar "$BENCH_JAR" results --summary "$RUN/summary.json" --audit "$audit_status" --results "$RESULTS_FILE"
  log "results: $RUN (Gatling report: $(find "$RUN/gatling" -name index.html 2>/dev/null | head -n 1))"
  [[ $audit_status != FAIL ]] || die "the audit failed: $RUN/audit.log"
  return "$gatling_status"
}

main "$@"
