#!/usr/bin/env bash
# Measures Tally end to end on this machine with one command.
#
# Builds whatever is stale, starts a dedicated PostgreSQL (the service jar's `postgres` mode) and one Tally node on
# free loopback ports, runs perf/target/tally-perf.jar against both, and stops both again however the run ends.
# Arguments are passed to the benchmark, e.g. `perf/bench.sh --duration 60 --phases spread,fixed`; `--help` lists
# them.
#
# Environment: READY_TIMEOUT bounds the wait for the Tally node in seconds (default 120); NODE_JAVA_OPTS replaces
# the node's JVM options; BENCH_JAVA_OPTS adds JVM options for the load generator.
#
# The benchmark is told the node's JVM and PostgreSQL's postmaster (through its pid file: pg_ctl detaches the server
# from the launching JVM) with --watch, so every phase reports how many cores each of them, the generator and the
# machine as a whole used.
set -euo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$PERF_DIR/.." && pwd)
RESULTS="$PERF_DIR/results"
SERVICE_JAR="$ROOT/target/tally.jar"
BENCH_JAR="$PERF_DIR/target/tally-perf.jar"
PG_START_TIMEOUT=60
READY_TIMEOUT=${READY_TIMEOUT:-120}
STOP_TIMEOUT=30
# The node runs with the JVM settings the README recommends for production: a fixed heap and a 10 ms pause goal.
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10}

PG_PID=""
NODE_PID=""
BENCH_PID=""
DATA_DIR=""

log() {
  printf 'bench.sh: %s\n' "$*" >&2
}

die() {
  log "$*"
  exit 1
}

# Prints the major version of the java binary $1, or 0 when it cannot be told.
java_major() {
  local version
  version=$("$1" -version 2>&1 | awk -F'"' '/ version "/ { print $2; exit }') || version=""
  case $version in
    1.*) version=${version#1.} ;;
  esac
  version=${version%%[.+-]*}
  if [[ $version =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$version"
  else
    printf '0\n'
  fi
}

# Uses $JAVA_HOME or the java on PATH when it is a JDK 21 or newer, otherwise the newest such JDK under
# /usr/lib/jvm; Maven follows JAVA_HOME, so it is always set to the chosen JDK.
select_jdk() {
  local home="" major candidate best="" best_major=0
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java && -x $JAVA_HOME/bin/javac ]] \
      && (( $(java_major "$JAVA_HOME/bin/java") >= 21 )); then
    home=$JAVA_HOME
  elif command -v java >/dev/null 2>&1; then
    candidate=$(readlink -f "$(command -v java)")
    candidate=$(dirname "$(dirname "$candidate")")
    if [[ -x $candidate/bin/javac ]] && (( $(java_major "$candidate/bin/java") >= 21 )); then
      home=$candidate
    fi
  fi
  if [[ -z $home ]]; then
    for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
      [[ -x $candidate/bin/java && -x $candidate/bin/javac ]] || continue
      major=$(java_major "$candidate/bin/java")
      if (( major >= 21 && major > best_major )); then
        best=$candidate
        best_major=$major
      fi
    done
    home=$best
  fi
  [[ -n $home ]] \
    || die "needs a JDK 21 or newer: set JAVA_HOME to one, put its java on PATH or install one under /usr/lib/jvm"
  export JAVA_HOME=$home
  export PATH="$JAVA_HOME/bin:$PATH"
}

# True when file $1 is missing or anything under the remaining paths is newer than it.
stale() {
  local target=$1 source
  shift
  [[ -f $target ]] || return 0
  for source in "$@"; do
    [[ -e $source ]] || continue
    if [[ -n $(find "$source" -type f -newer "$target" -print -quit) ]]; then
      return 0
    fi
  done
  return 1
}

build_bench() {
  if stale "$BENCH_JAR" "$PERF_DIR/pom.xml" "$PERF_DIR/src"; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found; install Maven to build $BENCH_JAR"
    log "building the benchmark (mvn -q -f perf/pom.xml package)"
    mvn -q -f "$PERF_DIR/pom.xml" package
  fi
  [[ -f $BENCH_JAR ]] || die "the build did not produce $BENCH_JAR"
}

build_service() {
  if stale "$SERVICE_JAR" "$ROOT/pom.xml" "$ROOT/src/main" "$ROOT/conf"; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found; install Maven to build $SERVICE_JAR"
    log "building the service (mvn -q -DskipTests package)"
    (cd "$ROOT" && mvn -q -DskipTests package)
  fi
  [[ -f $SERVICE_JAR ]] || die "the build did not produce $SERVICE_JAR"
}

free_port() {
  java -jar "$BENCH_JAR" free-port
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the HTTP status of GET http://127.0.0.1:$1$2, or nothing when there is no answer.
http_status() {
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1$2" || true
    return 0
  fi
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
    read -r -t 5 _ status _ <&3
    printf '%s' "$status"
  ) 2>/dev/null || true
}

alive() {
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null
}

# Waits up to $2 seconds for process $1 to end.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid" && (( SECONDS < deadline )); do
    sleep 0.2
  done
  ! alive "$pid"
}

# SIGTERM, a bounded wait, then SIGKILL for process $1 and, when $3 is "group", whatever is left in its process
# group (processes from start() lead their own group).
stop() {
  local pid=$1 name=$2 scope=${3:-}
  [[ -n $pid ]] || return 0
  if alive "$pid"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
      log "$name did not stop within ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [[ $scope == group ]] && kill -0 -- "-$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# A PostgreSQL server detaches into its own session, so one that outlived its launcher is found by its pid file.
stop_orphan_postgres() {
  local pidfile pid
  [[ -n $DATA_DIR && -d $DATA_DIR ]] || return 0
  while IFS= read -r pidfile; do
    pid=$(head -n 1 "$pidfile" 2>/dev/null) || continue
    [[ $pid =~ ^[0-9]+$ ]] || continue
    grep -qs postgres "/proc/$pid/comm" || continue
    log "stopping leftover PostgreSQL (pid $pid)"
    kill -INT "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done < <(find "$DATA_DIR" -maxdepth 4 -name postmaster.pid 2>/dev/null)
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  stop "$BENCH_PID" "benchmark"
  stop "$NODE_PID" "Tally node" group
  stop "$PG_PID" "PostgreSQL" group
  stop_orphan_postgres
  if [[ -n $DATA_DIR && -d $DATA_DIR ]]; then
    rm -rf -- "$DATA_DIR"
  fi
  exit "$status"
}

# Starts a command from the repository root in its own process group; its pid is left in STARTED_PID.
start() {
  local log_file=$1
  shift
  set -m
  (cd "$ROOT" && exec "$@") </dev/null >"$log_file" 2>&1 &
  STARTED_PID=$!
  set +m
}

show_log() {
  log "last lines of $1:"
  tail -n 30 "$1" >&2 || true
}

wait_for_postgres() {
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  while (( SECONDS < deadline )); do
    alive "$PG_PID" || { show_log "$PG_LOG"; die "PostgreSQL exited during start-up"; }
    if command -v pg_isready >/dev/null 2>&1; then
      if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres; then
        return 0
      fi
    elif port_open "$PG_PORT"; then
      return 0
    fi
    sleep 0.2
  done
  show_log "$PG_LOG"
  die "PostgreSQL did not accept connections on port $PG_PORT within ${PG_START_TIMEOUT}s"
}

# Prints the pid of the node's JVM. start() execs through env, so that is normally NODE_PID itself; otherwise the
# first java process below it. The benchmark counts a watched process with all its descendants, so NODE_PID is a
# safe fallback.
node_jvm() {
  local pid
  if [[ $(cat "/proc/$NODE_PID/comm" 2>/dev/null) == java ]]; then
    printf '%s\n' "$NODE_PID"
    return 0
  fi
  pid=$(ps -o pid=,comm= --ppid "$NODE_PID" 2>/dev/null | awk '$2 == "java" { print $1; exit }') || pid=""
  if [[ -n $pid ]]; then
    printf '%s\n' "$pid"
  else
    log "pid $NODE_PID is not a JVM; watching it with all its descendants"
    printf '%s\n' "$NODE_PID"
  fi
}

wait_for_node() {
  local deadline=$((SECONDS + READY_TIMEOUT)) status=""
  while (( SECONDS < deadline )); do
    alive "$NODE_PID" || { show_log "$NODE_LOG"; die "the Tally node exited during start-up"; }
    status=$(http_status "$HTTP_PORT" /health/ready)
    if [[ $status == 200 ]]; then
      return 0
    fi
    sleep 0.5
  done
  show_log "$NODE_LOG"
  die "the Tally node was not ready on port $HTTP_PORT within ${READY_TIMEOUT}s (last status: ${status:-none})"
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

  PG_PORT=$(free_port)
  HTTP_PORT=$(free_port)
  while [[ $HTTP_PORT == "$PG_PORT" ]]; do
    HTTP_PORT=$(free_port)
  done
  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tally-bench.XXXXXX")
  PG_PID_FILE="$DATA_DIR/postgres/postmaster.pid"
  PG_LOG="$RESULTS/postgres-$stamp.log"
  NODE_LOG="$RESULTS/tally-$stamp.log"
  local pg_url="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"

  log "starting PostgreSQL on port $PG_PORT (data in $DATA_DIR, log $PG_LOG)"
  start "$PG_LOG" env TALLY_DATA_DIR="$DATA_DIR" TALLY_PG_PORT="$PG_PORT" java -jar "$SERVICE_JAR" postgres
  PG_PID=$STARTED_PID
  wait_for_postgres

  log "starting a Tally node on port $HTTP_PORT (log $NODE_LOG)"
  # shellcheck disable=SC2086  # word splitting of the JVM options is intended
  start "$NODE_LOG" env TALLY_PG_URL="$pg_url" TALLY_HTTP_PORT="$HTTP_PORT" java $NODE_JAVA_OPTS -jar "$SERVICE_JAR"
  NODE_PID=$STARTED_PID
  wait_for_node
  watches=(--watch "node=$(node_jvm)")
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
