#!/usr/bin/env bash
# Measures one Tally node end to end with one command: the single-INSERT ceiling of its PostgreSQL, then Gatling
# simulations against the node, one after another on the same node and journal.
#
#   perf/bench.sh [-Dname=value]...
#
# Builds whatever is stale, starts a dedicated PostgreSQL (the service jar's `postgres` mode) on a fresh temporary
# data directory and one Tally node on free loopback ports, and runs the phases of PHASES in this order:
#   ceiling             pgbench: 32 clients, one prepared INSERT per transaction, for DURATION s (skipped when no
#                       pgbench is found on PATH or under /usr/lib/postgresql); with the CPU PostgreSQL spent
#   peak                Gatling closed loop: CONCURRENCY reservations in flight over POOLS pools
#   hot-peak            the same on one pool
#   fixed               reservations arriving at RATE/s (default half the peak just measured) over POOLS pools
#   availability-peak   closed loop of availability questions over the storefront calendar (6,720 pools)
#   availability-fixed  the same questions arriving at READ_RATE/s (default half the availability peak)
#   feed                one reader paging GET /events from 0:0 through the journal the phases before wrote
#   lag                 LAG_SAMPLES bookings at LAG_RATE/s, each timed until the node's WebSocket reports it
# Each Gatling phase has WARMUP seconds of warm-up and DURATION seconds measured, and reports the CPU of the node,
# PostgreSQL, the generator and the machine per window. Then the service's audit checks the journal and every
# acknowledgement of every phase, each phase gets its line in perf/RESULTS.md, and `tally-perf bench-report`
# prints the numbers (rates, ratios, latency, CPU per request, goals) and writes them to bench.json.
#
# Everything goes to perf/results/bench-<timestamp>/: one directory per phase (summary.json, timeline.csv, charts,
# acknowledged.csv, Gatling's report), ceiling.json, audit.log, bench.json, logs/. -D arguments go to every
# simulation (e.g. -DmaxInFlight=...); perf/README.md lists the settings.
#
# Environment (defaults in brackets): PHASES [ceiling,peak,hot-peak,fixed,availability-peak,availability-fixed,
# feed,lag], DURATION [20], WARMUP [5], POOLS [1000], CONCURRENCY [64, per URL], RATE and READ_RATE [half the
# peaks], LAG_SAMPLES [400], LAG_RATE [20], NODE_JAVA_OPTS [-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10],
# READY_TIMEOUT [180], SKIP_BUILD=1 uses the jars as they are.
#
# Exit status: 0 when every phase ran and the audit passed (goals missed are reported, not fatal), 3 when the
# audit failed, 1 otherwise.
set -euo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_NAME=bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$PERF_DIR/lib.sh"
READY_TIMEOUT=${READY_TIMEOUT:-180}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
PHASES=${PHASES:-ceiling,peak,hot-peak,fixed,availability-peak,availability-fixed,feed,lag}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
POOLS=${POOLS:-1000}
CONCURRENCY=${CONCURRENCY:-64}
RATE=${RATE:-}
READ_RATE=${READ_RATE:-}
LAG_SAMPLES=${LAG_SAMPLES:-400}
LAG_RATE=${LAG_RATE:-20}
PGBENCH_CLIENTS=32
PGBENCH_THREADS=2
KNOWN_PHASES=ceiling,peak,hot-peak,fixed,availability-peak,availability-fixed,feed,lag

RUN=""
PG_PID=""
PG_PORT=""
PG_URL=""
DATA_DIR=""
JAR_DIR=""
URL=""
WATCH=""
FAILED=0
PROPS=()

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

runs() {
  [[ ,$PHASES, == *,$1,* ]]
}

check_settings() {
  local name value phase
  for name in DURATION WARMUP POOLS CONCURRENCY LAG_SAMPLES; do
    value=${!name}
    [[ $value =~ ^[0-9]+$ ]] || die "$name must be a whole number, got '$value'"
  done
  for name in RATE READ_RATE LAG_RATE; do
    value=${!name}
    [[ -z $value || $value =~ ^[0-9]+([.][0-9]+)?$ ]] || die "$name must be a number, got '$value'"
  done
  for phase in ${PHASES//,/ }; do
    [[ ,$KNOWN_PHASES, == *,$phase,* ]] || die "unknown phase '$phase' in PHASES (known: $KNOWN_PHASES)"
  done
}

# Half the successes per second of the phase whose summary is $1, or nothing when it measured none.
half_of() {
  local rate
  [[ -f $1 ]] || return 0
  rate=$(java -jar "$BENCH_JAR" rate --summary "$1" 2>/dev/null) || return 0
  awk -v r="$rate" 'BEGIN { if (r > 0) printf "%.1f\n", r / 2 }'
}

# Prints the pgbench to use: the one on PATH, else the newest under /usr/lib/postgresql.
find_pgbench() {
  if command -v pgbench >/dev/null 2>&1; then
    command -v pgbench
    return 0
  fi
  find /usr/lib/postgresql -path '*/bin/pgbench' -type f 2>/dev/null | sort -V | tail -n 1
}

# The naive design's ceiling: pgbench, one prepared INSERT per autocommit transaction, 32 clients, against the
# same PostgreSQL with the same durability, wrapped in `tally-perf cpu` so the CPU of PostgreSQL and pgbench per
# insert is known. Writes ceiling.json.
ceiling() {
  local pgbench dir="$RUN/ceiling" tps latency status=0
  pgbench=$(find_pgbench)
  if [[ -z $pgbench ]]; then
    log "ceiling: no pgbench on PATH or under /usr/lib/postgresql; skipped (apt-get install postgresql-client)"
    return 0
  fi
  mkdir -p "$dir"
  printf '%s\n' "SET client_min_messages TO warning;" "DROP TABLE IF EXISTS bench_single_insert;" \
    "CREATE TABLE bench_single_insert(id bigserial primary key, payload jsonb not null," \
    "  created_at timestamptz not null default now());" >"$dir/create.sql"
  printf '%s\n' "INSERT INTO bench_single_insert(payload) VALUES ('{\"k\":1}');" >"$dir/insert.sql"
  printf '%s\n' "DROP TABLE IF EXISTS bench_single_insert;" >"$dir/drop.sql"
  local -a connect=(-h 127.0.0.1 -p "$PG_PORT" -U postgres postgres)
  log "ceiling: $pgbench -c $PGBENCH_CLIENTS -j $PGBENCH_THREADS -T $DURATION, one INSERT per transaction"
  "$pgbench" -n -c 1 -t 1 -f "$dir/create.sql" "${connect[@]}" >"$dir/create.log" 2>&1 \
    || { show_log "$dir/create.log"; FAILED=1; return 0; }
  java -jar "$BENCH_JAR" cpu --out "$dir/cpu.json" --watch "postgres=pidfile:$DATA_DIR/postgres/postmaster.pid" -- \
    "$pgbench" -n -M prepared -c "$PGBENCH_CLIENTS" -j "$PGBENCH_THREADS" -T "$DURATION" -f "$dir/insert.sql" \
    "${connect[@]}" >"$dir/pgbench.log" 2>&1 || status=$?
  "$pgbench" -n -c 1 -t 1 -f "$dir/drop.sql" "${connect[@]}" >/dev/null 2>&1 || true
  tps=$(awk '/^tps = / { print $3; exit }' "$dir/pgbench.log")
  latency=$(awk '/^latency average = / { print $4; exit }' "$dir/pgbench.log")
  if (( status != 0 )) || [[ -z $tps ]]; then
    show_log "$dir/pgbench.log"
    FAILED=1
    return 0
  fi
  {
    printf '{"tps": %s, "latencyAverageMs": %s, "clients": %s, "threads": %s, "seconds": %s, "pgbench": "%s",\n' \
      "$tps" "${latency:-null}" "$PGBENCH_CLIENTS" "$PGBENCH_THREADS" "$DURATION" "$pgbench"
    printf ' "run": '
    cat "$dir/cpu.json"
    printf '}\n'
  } >"$RUN/ceiling.json"
  log "ceiling: $tps tps"
}

# Runs Gatling simulation $2 as phase $1 against the node; the rest are -D settings.
phase() {
  local name=$1 simulation=$2
  shift 2
  run_gatling "$simulation" "$RUN/$name" "$URL" "$WATCH" "-Dseconds=$DURATION" "-Dwarmup=$WARMUP" "$@" \
    "${PROPS[@]}" || { log "phase $name failed (see $RUN/$name/gatling.log)"; FAILED=1; }
}

main() {
  local arg stamp rate audit="not run" report_status=0 summary
  local -a ports acknowledged=()
  for arg in "$@"; do
    case $arg in
      --help | -h) usage; return 0 ;;
      -D*) PROPS+=("$arg") ;;
      *) die "unexpected argument '$arg' (perf/bench.sh takes -Dname=value settings; see --help)" ;;
    esac
  done
  check_settings
  select_jdk
  log "using JDK $(java_major "$JAVA_HOME/bin/java") at $JAVA_HOME"
  command -v mvn >/dev/null 2>&1 || die "mvn not found; the simulations run through Maven (gatling:test)"
  build_bench
  build_service
  stamp=$(date -u +%Y%m%d-%H%M%S)
  RUN="$RESULTS/bench-$stamp"
  mkdir -p "$RUN/logs" "$RUN/nodes"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  snapshot_service_jar

  free_ports ports 2
  PG_PORT=${ports[0]}
  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tally-bench.XXXXXX")
  PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  log "starting PostgreSQL on port $PG_PORT (data in $DATA_DIR)"
  start_postgres "$DATA_DIR" "$PG_PORT" "$RUN/logs/postgres.log"
  PG_PID=$STARTED_PID
  wait_postgres "$PG_PID" "$PG_PORT" "$RUN/logs/postgres.log"
  define_node node "${ports[1]}" "" "" "$NODE_JAVA_OPTS"
  start_defined_node node "$RUN"
  URL="http://127.0.0.1:${ports[1]}"
  WATCH="node=pidfile:$RUN/nodes/node.pid,postgres=pidfile:$DATA_DIR/postgres/postmaster.pid"
  log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

  if runs ceiling; then
    ceiling
  fi
  if runs peak; then
    phase peak Peak "-Dpools=$POOLS" "-Dconcurrency=$CONCURRENCY"
  fi
  if runs hot-peak; then
    phase hot-peak HotPeak "-Dconcurrency=$CONCURRENCY"
  fi
  if runs fixed; then
    rate=${RATE:-$(half_of "$RUN/peak/summary.json")}
    if [[ -n $rate ]]; then
      phase fixed Fixed "-Drate=$rate" "-Dpools=$POOLS"
    else
      log "fixed: skipped, no rate (the peak measured nothing and RATE is not set)"
      FAILED=1
    fi
  fi
  if runs availability-peak; then
    phase availability-peak AvailabilityPeak "-Dconcurrency=$CONCURRENCY"
  fi
  if runs availability-fixed; then
    rate=${READ_RATE:-$(half_of "$RUN/availability-peak/summary.json")}
    if [[ -n $rate ]]; then
      phase availability-fixed AvailabilityFixed "-Drate=$rate"
    else
      log "availability-fixed: skipped, no rate (the availability peak measured nothing and READ_RATE is not set)"
      FAILED=1
    fi
  fi
  if runs feed; then
    phase feed FeedRead
  fi
  if runs lag; then
    phase lag ChangeLag "-Dlag.samples=$LAG_SAMPLES" "-Dlag.rate=$LAG_RATE"
  fi

  for summary in "$RUN"/*/summary.json; do
    [[ -f $summary ]] || continue
    acknowledged+=("$(dirname "$summary")/acknowledged.csv")
  done
  if (( ${#acknowledged[@]} > 0 )); then
    audit_journal "$PG_URL" "$RUN/audit.log" "${acknowledged[@]}"
    audit=$AUDIT_VERDICT
    for summary in "$RUN"/*/summary.json; do
      record_results "$summary" "$audit"
    done
  fi
  java -jar "$BENCH_JAR" bench-report --dir "$RUN" --audit "$audit" || report_status=$?
  log "results: $RUN"
  if (( report_status == 0 && FAILED )); then
    report_status=1
  fi
  return "$report_status"
}

main "$@"
