# shellcheck shell=bash
# Shell functions shared by perf/load.sh, perf/bench.sh and perf/cluster.sh; sourced, never run.
#
# The scripts start PostgreSQL and Tally nodes on free loopback ports, drive them with the Gatling simulations of
# perf/src/test/java, audit the journal with the service jar and must stop everything they started however the run
# ends, so the JDK choice, the builds, the nodes (defined once in RUN/nodes/NAME.env, their pids in NAME.pid, so
# that an action run by Gatling can kill or restart one), the Gatling run, the audit and the results line live here
# once. A sourcing script sets LOG_NAME (its name in log lines) and RUN (its run directory); nothing here starts a
# process on its own.
#
# Environment: SKIP_BUILD=1 uses the jars as they are, without checking whether their sources are newer.

# shellcheck disable=SC2034  # the paths and limits are for the sourcing scripts
PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$PERF_DIR/.." && pwd)
RESULTS="$PERF_DIR/results"
SERVICE_JAR="$ROOT/target/tally.jar"
BENCH_JAR="$PERF_DIR/target/tally-perf.jar"
RESULTS_FILE="$PERF_DIR/RESULTS.md"
AUDIT_TIMEOUT=${AUDIT_TIMEOUT:-1800}
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
LOG_NAME=${LOG_NAME:-perf}
STARTED_PID=""
# The admin token of the nodes a run starts, and of the simulations and checks that use admin routes (defining
# pools, /cluster, the feed). A run makes its own unless one is given; it is passed in the environment only.
if [[ -z ${TALLY_ADMIN_TOKEN:-} ]]; then
  TALLY_ADMIN_TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
fi
export TALLY_ADMIN_TOKEN

log() {
  printf '%s: %s\n' "$LOG_NAME" "$*" >&2
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

skip_build() {
  [[ ${SKIP_BUILD:-0} == 1 ]]
}

build_bench() {
  if ! skip_build && stale "$BENCH_JAR" "$PERF_DIR/pom.xml" "$PERF_DIR/src"; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found; install Maven to build $BENCH_JAR"
    log "building perf (mvn -q -f perf/pom.xml package)"
    mvn -q -f "$PERF_DIR/pom.xml" package
  fi
  [[ -f $BENCH_JAR ]] || die "no $BENCH_JAR${SKIP_BUILD:+ (SKIP_BUILD=$SKIP_BUILD)}"
}

build_service() {
  if ! skip_build && stale "$SERVICE_JAR" "$ROOT/pom.xml" "$ROOT/src/main" "$ROOT/conf"; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found; install Maven to build $SERVICE_JAR"
    log "building the service (mvn -q -DskipTests package)"
    (cd "$ROOT" && mvn -q -DskipTests package)
  fi
  [[ -f $SERVICE_JAR ]] || die "no $SERVICE_JAR${SKIP_BUILD:+ (SKIP_BUILD=$SKIP_BUILD)}"
}

# Fills the array named $1 with $2 distinct TCP ports that are free on 127.0.0.1 right now.
free_ports() {
  local -n into=$1
  mapfile -t into < <(java -jar "$BENCH_JAR" free-port "$2")
  (( ${#into[@]} == $2 )) || die "could not find $2 free ports on 127.0.0.1"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the HTTP status of GET http://127.0.0.1:$1$2, or nothing when there is no answer.
http_status() {
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $TALLY_ADMIN_TOKEN" \
      "http://127.0.0.1:$1$2" || true
    return 0
  fi
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
      "$2" "$1" "$TALLY_ADMIN_TOKEN" >&3
    read -r -t 5 _ status _ <&3
    printf '%s' "$status"
  ) 2>/dev/null || true
}


# Prints the body of GET $1, an http://HOST:PORT/PATH URL, when it answers 200 within $2 seconds (default 2), else
# nothing. Without curl the request is made over bash's /dev/tcp.
url_body() {
  local url=$1 limit=${2:-2} host port path line
  if command -v curl >/dev/null 2>&1; then
    curl -sf --max-time "$limit" -H "Authorization: Bearer $TALLY_ADMIN_TOKEN" "$url" 2>/dev/null || true
    return 0
  fi
  [[ $url =~ ^http://([^/:]+):([0-9]+)(/.*)?$ ]] || return 0
  host=${BASH_REMATCH[1]}
  port=${BASH_REMATCH[2]}
  path=${BASH_REMATCH[3]:-/}
  (
    exec 3<>"/dev/tcp/$host/$port"
    printf 'GET %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
      "$path" "$host" "$port" "$TALLY_ADMIN_TOKEN" >&3
    read -r -t "$limit" _ status _ <&3
    [[ $status == 200 ]] || exit 0
    while IFS= read -r -t "$limit" line <&3 && [[ $line != $'\r' && -n $line ]]; do
      :
    done
    while IFS= read -r -t "$limit" line <&3; do
      printf '%s\n' "$line"
    done
    printf '%s' "$line"
  ) 2>/dev/null || true
}

# True while process $1 runs. Where /proc exists, a zombie (exited, not yet reaped) counts as ended, and so does a
# process whose entry vanished between the two looks (bash reaps its children at any moment).
alive() {
  local state
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 1
  [[ -r /proc/self/stat ]] || return 0
  state=$(sed -n 's/^.*) \([A-Za-z]\).*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# Waits up to $2 seconds for process $1 to end, polling every $3 seconds (default 0.2).
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2)) poll=${3:-0.2}
  while alive "$pid" && (( SECONDS < deadline )); do
    sleep "$poll"
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

# A PostgreSQL server detaches into its own session, so one that outlived its launcher is found by its pid file
# under data directory $1.
stop_orphan_postgres() {
  local dir=$1 pidfile pid
  [[ -n $dir && -d $dir ]] || return 0
  while IFS= read -r pidfile; do
    pid=$(head -n 1 "$pidfile" 2>/dev/null) || continue
    [[ $pid =~ ^[0-9]+$ ]] || continue
    grep -qs postgres "/proc/$pid/comm" || continue
    log "stopping leftover PostgreSQL (pid $pid)"
    kill -INT "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done < <(find "$dir" -maxdepth 4 -name postmaster.pid 2>/dev/null)
}

# Stops what a run started here (its nodes, then PostgreSQL) and removes its temporary data and jar directories.
# Reads RUN, PG_PID, DATA_DIR and JAR_DIR; any of them may be empty.
stop_started() {
  if [[ -n $RUN ]]; then
    stop_defined_nodes "$RUN"
  fi
  stop "$PG_PID" "PostgreSQL" group
  stop_orphan_postgres "$DATA_DIR"
  [[ -z $DATA_DIR || ! -d $DATA_DIR ]] || rm -rf -- "$DATA_DIR"
  [[ -z $JAR_DIR || ! -d $JAR_DIR ]] || rm -rf -- "$JAR_DIR"
}

# Starts a command from the repository root in its own process group, output to file $1; its pid is left in
# STARTED_PID. A command run through env is exec'd by it, so the pid is the command's own.
start() {
  local log_file=$1
  shift
  set -m
  (cd "$ROOT" && exec "$@") </dev/null >"$log_file" 2>&1 &
  # shellcheck disable=SC2034  # read by the sourcing script
  STARTED_PID=$!
  set +m
}

show_log() {
  log "last lines of $1:"
  tail -n 30 "$1" >&2 || true
}

# Starts the service jar's PostgreSQL on port $2 with data under $1, output to file $3; the launcher's pid is left
# in STARTED_PID. wait_postgres then waits until it accepts connections.
start_postgres() {
  start "$3" env TALLY_DATA_DIR="$1" TALLY_PG_PORT="$2" java -jar "$SERVICE_JAR" postgres
}

# Waits up to PG_START_TIMEOUT seconds until the PostgreSQL launched as process $1 accepts connections on port $2;
# its output file $3 is shown when it does not.
wait_postgres() {
  local pid=$1 port=$2 log_file=$3 deadline
  deadline=$((SECONDS + PG_START_TIMEOUT))
  while (( SECONDS < deadline )); do
    alive "$pid" || { show_log "$log_file"; die "PostgreSQL exited during start-up"; }
    if command -v pg_isready >/dev/null 2>&1; then
      if pg_isready -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
        return 0
      fi
    elif port_open "$port"; then
      return 0
    fi
    sleep 0.2
  done
  show_log "$log_file"
  die "PostgreSQL did not accept connections on port $port within ${PG_START_TIMEOUT}s"
}


# Waits up to $4 seconds until the node started as process $1 answers 200 on port $2's /health/ready; its output
# file $3 is shown when it does not.
wait_ready() {
  local pid=$1 port=$2 log_file=$3 limit=$4 deadline status=""
  deadline=$((SECONDS + limit))
  while (( SECONDS < deadline )); do
    alive "$pid" || { show_log "$log_file"; die "the Tally node on port $port exited during start-up"; }
    status=$(http_status "$port" /health/ready)
    if [[ $status == 200 ]]; then
      return 0
    fi
    sleep 0.5
  done
  show_log "$log_file"
  die "the Tally node on port $port was not ready within ${limit}s (last status: ${status:-none})"
}

# Copies the service jar for this run and points SERVICE_JAR at the copy, so that every process the run starts
# (a node restarted minutes later too, and the audit) runs the same code even when target/tally.jar is rebuilt
# meanwhile: a JVM loads classes from its jar as it needs them, and a jar rewritten under it fails a running node.
snapshot_service_jar() {
  JAR_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tally-load-jar.XXXXXX")
  cp -- "$SERVICE_JAR" "$JAR_DIR/tally.jar"
  SERVICE_JAR="$JAR_DIR/tally.jar"
}

# Writes node $1's environment (HTTP port $2, Hazelcast port $3 and members $4 for a cluster node, JVM options $5,
# and any further VAR=value arguments) to RUN/nodes/$1.env, so `node restart` can start it again exactly as before.
define_node() {
  local name=$1 http=$2 hz=${3:-} members=${4:-} opts=$5 file="$RUN/nodes/$1.env" extra
  shift 5
  {
    printf 'NODE_VARS=(TALLY_PG_URL=%q TALLY_HTTP_HOST=127.0.0.1 TALLY_HTTP_PORT=%q TALLY_NODE_ID=%q' \
      "$PG_URL" "$http" "$name"
    if [[ -n $hz ]]; then
      printf ' TALLY_CLUSTER_HOST=127.0.0.1 TALLY_CLUSTER_PORT=%q TALLY_CLUSTER_MEMBERS=%q' "$hz" "$members"
    fi
    for extra in "$@"; do
      printf ' %q' "$extra"
    done
    # GC pauses are the first suspect of a latency spike, so every node logs them (one file per process).
    printf ')\nNODE_HTTP_PORT=%q\nNODE_OPTS=%q\nNODE_JAR=%q\n' "$http" \
      "$opts -Xlog:gc:file=$RUN/logs/$name-gc-%p.log:uptime,time" "$SERVICE_JAR"
  } >"$file"
}

# Starts node $1 of run directory $2 from its env file; its pid goes to RUN/nodes/$1.pid, output to logs/$1.log.
start_defined_node() {
  local name=$1 dir=$2 NODE_VARS=() NODE_HTTP_PORT="" NODE_OPTS="" NODE_JAR=""
  # shellcheck disable=SC1090  # written by define_node
  source "$dir/nodes/$name.env"
  log "starting node $name on HTTP port $NODE_HTTP_PORT"
  # shellcheck disable=SC2086  # word splitting of the JVM options is intended
  start_appending "$dir/logs/$name.log" env "${NODE_VARS[@]}" java $NODE_OPTS -jar "$NODE_JAR"
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

# Waits until the cluster answering at URL $2 lists node $1 as serving every shard it owns (and owning some).
await_serving() {
  local name=$1 url=${2%/} deadline=$((SECONDS + READY_TIMEOUT)) body="" member
  while (( SECONDS < deadline )); do
    body=$(url_body "$url/cluster")
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

# Waits until the cluster answering at URL $2 is ready and no longer lists node $1: after a SIGKILL, the moment
# the survivors have taken over its shards.
await_recovered() {
  local name=$1 url=${2%/} deadline=$((SECONDS + READY_TIMEOUT)) body=""
  while (( SECONDS < deadline )); do
    body=$(url_body "$url/cluster" 1)
    if [[ $body == *'"ready":true'* && $body != *"{\"nodeId\":\"$name\""* ]]; then
      return 0
    fi
    sleep 0.05
  done
  die "the cluster at $url still listed $name or was not ready after ${READY_TIMEOUT}s: $body"
}

# SIGTERM for node $1 of run directory $2, then waits until the process has exited (STOP_TIMEOUT, then SIGKILL).
stop_defined_node() {
  local name=$1 dir=$2 pid
  pid=$(cat "$dir/nodes/$name.pid" 2>/dev/null || true)
  [[ -n $pid ]] || return 0
  stop "$pid" "node $name" group
  rm -f "$dir/nodes/$name.pid"
}

# Stops every node of run directory $1 that still runs, the last defined first, one at a time: each stop of a
# cluster member is then a handoff to the ones still running.
stop_defined_nodes() {
  local dir=$1 pidfile
  [[ -d $dir/nodes ]] || return 0
  while IFS= read -r pidfile; do
    stop_defined_node "$(basename "$pidfile" .pid)" "$dir"
  done < <(find "$dir/nodes" -maxdepth 1 -name '*.pid' | sort -r)
}

# Starts the nodes named after $1 (run directory) together, waits until each is ready and serves every shard it
# owns, seen from itself.
start_defined_cluster() {
  local dir=$1 name pid
  shift
  local -a starting=()
  for name in "$@"; do
    start_defined_node "$name" "$dir" &
    starting+=($!)
  done
  for pid in "${starting[@]}"; do
    wait "$pid" || die "a cluster node did not start (logs in $dir/logs)"
  done
  for name in "$@"; do
    local NODE_VARS=() NODE_HTTP_PORT="" NODE_OPTS="" NODE_JAR=""
    # shellcheck disable=SC1090  # written by define_node
    source "$dir/nodes/$name.env"
    await_serving "$name" "http://127.0.0.1:$NODE_HTTP_PORT"
  done
}

# The commit the run measures, with +changes when tracked files differ from it.
commit_label() {
  local commit
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit+="+changes"
  fi
  printf '%s\n' "$commit"
}

# Runs Gatling simulation $1 (a class of perf/src/test/java/io/tally/perf) against the comma-separated URLs $3,
# watching the CPU of $4 (-Dwatch), with its results in directory $2 (summary.json, timeline.csv, charts,
# acknowledged.csv, gatling/) and its console in $2/gatling.log; the remaining arguments are -D settings. Returns
# Gatling's exit status.
run_gatling() {
  local simulation=$1 out=$2 urls=$3 watch=$4 status=0
  shift 4
  mkdir -p "$out"
  log "running $simulation against $urls; results in $out"
  mvn -q -f "$PERF_DIR/pom.xml" gatling:test "-Dgatling.simulationClass=io.tally.perf.$simulation" \
    "-Dgatling.resultsFolder=$out/gatling" "-Dgatling.gcLog=$out/gatling-gc.log" "-Durls=$urls" \
    "-Dout=$out" "-Dcommit=$(commit_label)" "-Dwatch=$watch" "$@" 2>&1 | tee "$out/gatling.log" || status=$?
  return "$status"
}

# Audits the journal of the PostgreSQL at URL $1 with the service jar, checking every acknowledgement in the
# files or directories after $2 too; its output goes to file $2. Leaves PASS or FAIL in AUDIT_VERDICT.
audit_journal() {
  local pg_url=$1 out=$2 path files=$(( $# - 2 ))
  shift 2
  local -a acknowledged=()
  for path in "$@"; do
    acknowledged+=(--acknowledged "$path")
  done
  log "auditing the journal and $files acknowledgement file(s) (java -jar target/tally.jar audit)"
  if (cd "$ROOT" && TALLY_PG_URL="$pg_url" timeout "$AUDIT_TIMEOUT" java -jar "$SERVICE_JAR" audit \
      "${acknowledged[@]}") >"$out" 2>&1; then
    AUDIT_VERDICT=PASS
  else
    AUDIT_VERDICT=FAIL
  fi
  head -n 30 "$out" >&2
}

# Appends the run whose summary.json is $1, audited with verdict $2, to perf/RESULTS.md.
record_results() {
  java -jar "$BENCH_JAR" results --summary "$1" --audit "$2" --results "$RESULTS_FILE"
}
