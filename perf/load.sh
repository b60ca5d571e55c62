#!/usr/bin/env bash
# Runs one load scenario (a Gatling simulation under perf/src/test/java) and everything around it.
#
#   perf/load.sh SCENARIO [--url URL]... [--pg-url URL] [--lb-stats URL] [--watch NAME=PID]... [-Dname=value]...
#
# SCENARIO is steady, checkout (holds), ramp, hot, hot-ramp, failover, rolling or replay (the storefront mix), or peak,
# basket-peak (baskets of -Dbasket.items pools),
# hot-peak, fixed, availability-peak, availability-fixed, feed or lag (the measurements perf/bench.sh and
# perf/cluster.sh make in sequence); perf/README.md describes each and its settings. Without --url the script starts
# what the scenario needs on this machine, on free loopback ports: a dedicated PostgreSQL from the service jar and one
# Tally node, or for failover and rolling three clustered nodes behind HAProxy, which gets all the load and
# health-checks the nodes as production's load balancer does, with the configuration docker/compose.yaml uses too
# (docker/haproxy.cfg). failover SIGKILLs n2, restarts it and restarts n3 gracefully on schedule; rolling restarts n1,
# n2 and n3 gracefully in turn, each once the one before serves its shards again and HAProxy sends it requests.
#
# With --url (repeatable or comma-separated) it drives that deployment instead; give --pg-url too and the journal
# is audited afterwards, --lb-stats with the CSV URL of the deployment's HAProxy and its counters are kept, --watch
# with a process (NAME=PID or NAME=pidfile:PATH) of this machine and its CPU is reported, and for failover and
# rolling the commands your deployment needs. docker/compose.yaml through its load balancer (lb):
#
#   dc='docker compose -f docker/compose.yaml'; lb=http://127.0.0.1:8080
#   perf/load.sh failover --url $lb -DmaxInFlight=8000 --lb-stats 'http://127.0.0.1:8404/stats;csv' \
#     --pg-url postgresql://tally:tally@127.0.0.1:5432/tally -Dmultiple=10 -Dwarmup=30 -Dseconds=150 \
#     -Dkill.at=60 -Dkill.command="$dc kill -s SIGKILL node-2" \
#     -Drestart.at=90 -Drestart.command="$dc start node-2 && perf/load.sh serving node-2 $lb" \
#     -Dgraceful.at=130 -Dgraceful.command="$dc restart node-3 && perf/load.sh serving node-3 $lb"
#   perf/load.sh rolling --url $lb ... -Drolling.nodes=node-1,node-2,node-3 -Drolling.at=50,90,130 \
#     -Drolling.command="$dc restart {node} && perf/load.sh serving {node} $lb"
#
# The commands run in the directory perf/load.sh was started from (the repository root here). `docker compose
# restart` stops a node with SIGTERM, waits for it to exit and starts it; `perf/load.sh serving NAME URL` then waits
# until the cluster behind URL lists NAME as serving every shard it owns, so a rolling restart takes the next node
# only once the last one is back.
#
# Every run writes perf/results/SCENARIO-<timestamp>/: summary.json, timeline.csv, SVG charts, acknowledged.csv,
# the audit's output, Gatling's HTML report under gatling/, the logs of what the script started (HAProxy's too)
# and, behind HAProxy, haproxy-stats.csv and haproxy-counters.txt; then it appends one line to perf/RESULTS.md. The
# exit status is non-zero when the run crashed or the audit failed.
#
# Environment: NODE_JAVA_OPTS (one node; default a 1 GB heap with a 10 ms pause goal), CLUSTER_JAVA_OPTS (each of
# the three; default 512 MB), READY_TIMEOUT [180] seconds for each start-up, SKIP_BUILD=1 uses the jars as they are.
#
# The script also serves the actions of failover, rolling and the cluster timeline of perf/cluster.sh:
# `perf/load.sh node kill|restart|graceful|stop NAME RUN_DIR` for local nodes, `perf/load.sh serving NAME URL`
# (NAME serves every shard it owns) and `perf/load.sh recovered NAME URL` (the cluster is ready without NAME) for
# any cluster.
set -euo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_NAME=load.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$PERF_DIR/lib.sh"
READY_TIMEOUT=${READY_TIMEOUT:-180}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
CLUSTER_JAVA_OPTS=${CLUSTER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=10}
LB_CONFIG="$ROOT/docker/haproxy.cfg"

RUN=""
PG_PID=""
PG_URL=""
DATA_DIR=""
JAR_DIR=""
LB_PID=""
LB_STATS_URL=""

usage() {
  sed -n '2,/^set -euo pipefail$/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

# Prints the Gatling simulation class of scenario $1; fails for an unknown scenario.
simulation_of() {
  case $1 in
    steady) echo Steady ;;
    checkout) echo Checkout ;;
    ramp) echo Ramp ;;
    hot) echo HotSlot ;;
    hot-ramp) echo HotSlotRamp ;;
    failover) echo Failover ;;
    rolling) echo Rolling ;;
    replay) echo Replay ;;
    peak) echo Peak ;;
    basket-peak) echo BasketPeak ;;
    hot-peak) echo HotPeak ;;
    fixed) echo Fixed ;;
    availability-peak) echo AvailabilityPeak ;;
    availability-fixed) echo AvailabilityFixed ;;
    feed) echo FeedRead ;;
    lag) echo ChangeLag ;;
    *) return 1 ;;
  esac
}

# Runs last, however the run ends: stops HAProxy, the nodes and PostgreSQL, and removes the temporary data.
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  stop "$LB_PID" "HAProxy" group
  stop_started
  exit "$status"
}

# The name docker/haproxy.cfg gives local node $1 (n2 is server node-2, as in docker/compose.yaml).
lb_server_of() {
  printf 'node-%s\n' "${1#n}"
}

# Prints HAProxy's status (UP, DOWN, "DOWN 1/2", MAINT, ...) of server $2 in the stats CSV at URL $1.
lb_status() {
  url_body "$1" | awk -F, -v server="$2" '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "tally" && $2 == server { print $col["status"]; exit }'
}

# Waits until the local HAProxy (stats CSV at URL $1) sends requests to local node $2 again: it is UP after two
# good health checks in a row.
await_lb_up() {
  local url=$1 name=$2 server deadline=$((SECONDS + READY_TIMEOUT)) status=""
  server=$(lb_server_of "$name")
  while (( SECONDS < deadline )); do
    status=$(lb_status "$url" "$server")
    [[ $status == UP ]] && return 0
    sleep 0.1
  done
  die "HAProxy did not take node $name ($server) into rotation within ${READY_TIMEOUT}s (status: ${status:-none})"
}

# After node $1 of run directory $2 serves its shards again, waits until the run's HAProxy, if it has one, sends
# requests to it again, so the next action (a rolling restart's next node) finds it in rotation.
await_back() {
  local name=$1 dir=$2 LB_STATS_URL=""
  if [[ -f $dir/lb.env ]]; then
    # shellcheck disable=SC1091  # written by start_lb
    source "$dir/lb.env"
    await_lb_up "$LB_STATS_URL" "$name"
    log "HAProxy sends requests to node $name again"
  fi
}

# `node kill|restart|graceful|stop NAME RUN_DIR`: the actions of failover, rolling and the cluster timeline on a
# local node, run by the load generator on schedule. kill returns once the process is gone, stop once it exited
# after SIGTERM; restart and graceful return once the node serves its shards and is back in rotation.
node_action() {
  local action=$1 name=$2 dir=$3 pid NODE_VARS=() NODE_HTTP_PORT="" NODE_OPTS="" NODE_JAR=""
  RUN=$dir
  # shellcheck disable=SC1090  # written by define_node
  source "$dir/nodes/$name.env"
  pid=$(cat "$dir/nodes/$name.pid" 2>/dev/null || true)
  case $action in
    kill)
      alive "$pid" || die "node $name is not running"
      log "SIGKILL node $name (pid $pid)"
      kill -KILL "$pid"
      wait_gone "$pid" 30 0.05 || die "node $name survived SIGKILL"
      ;;
    restart)
      start_defined_node "$name" "$dir"
      await_serving "$name" "http://127.0.0.1:$NODE_HTTP_PORT"
      log "node $name serves its shards again"
      await_back "$name" "$dir"
      ;;
    graceful)
      alive "$pid" || die "node $name is not running"
      log "SIGTERM node $name (pid $pid)"
      kill -TERM "$pid"
      wait_gone "$pid" "$STOP_TIMEOUT" 0.05 || die "node $name did not stop within ${STOP_TIMEOUT}s"
      log "node $name stopped; starting it again"
      start_defined_node "$name" "$dir"
      await_serving "$name" "http://127.0.0.1:$NODE_HTTP_PORT"
      log "node $name serves its shards again"
      await_back "$name" "$dir"
      ;;
    stop)
      alive "$pid" || die "node $name is not running"
      log "SIGTERM node $name (pid $pid)"
      kill -TERM "$pid"
      wait_gone "$pid" "$STOP_TIMEOUT" 0.05 || die "node $name did not stop within ${STOP_TIMEOUT}s"
      rm -f "$dir/nodes/$name.pid"
      log "node $name stopped"
      ;;
    *) die "unknown node action $action (kill, restart, graceful or stop)" ;;
  esac
}

# True for the scenarios that run on three nodes behind a load balancer.
multi_node() {
  [[ $1 == failover || $1 == rolling ]]
}

# Prints the global maxconn of docker/haproxy.cfg: the connections HAProxy accepts at once.
lb_maxconn() {
  local maxconn
  maxconn=$(awk '$1 == "maxconn" { print $2; exit }' "$LB_CONFIG")
  [[ $maxconn =~ ^[0-9]+$ ]] || die "no global maxconn in $LB_CONFIG"
  printf '%s\n' "$maxconn"
}

# Starts HAProxy with docker/haproxy.cfg on 127.0.0.1 port $1 (stats page on port $2) in front of the nodes on HTTP
# ports $3, $4 and $5, and waits until it sends requests to all three. Its pid is left in LB_PID, the URL of its
# counters in LB_STATS_URL and in RUN/lb.env (for the node actions), its log in RUN/logs/haproxy.log.
start_lb() {
  local port=$1 stats=$2 i
  local -a vars=("TALLY_LB_BIND=127.0.0.1:$port" "TALLY_LB_STATS_BIND=127.0.0.1:$stats"
    "TALLY_NODE_1=127.0.0.1:$3" "TALLY_NODE_2=127.0.0.1:$4" "TALLY_NODE_3=127.0.0.1:$5")
  command -v haproxy >/dev/null 2>&1 \
    || die "haproxy not found: failover and rolling run the cluster behind HAProxy 2.6 (apt-get install haproxy)"
  if ! env "${vars[@]}" haproxy -c -q -f "$LB_CONFIG" >"$RUN/logs/haproxy-check.log" 2>&1; then
    show_log "$RUN/logs/haproxy-check.log"
    die "HAProxy refuses $LB_CONFIG"
  fi
  log "starting HAProxy on port $port in front of the three nodes (counters on port $stats)"
  start "$RUN/logs/haproxy.log" env "${vars[@]}" haproxy -db -f "$LB_CONFIG"
  LB_PID=$STARTED_PID
  LB_STATS_URL="http://127.0.0.1:$stats/stats;csv"
  printf 'LB_STATS_URL=%q\n' "$LB_STATS_URL" >"$RUN/lb.env"
  for i in 1 2 3; do
    alive "$LB_PID" || { show_log "$RUN/logs/haproxy.log"; die "HAProxy exited during start-up"; }
    await_lb_up "$LB_STATS_URL" "n$i"
  done
  URLS="http://127.0.0.1:$port"
}

# Saves the counters of HAProxy's stats CSV at URL $1 to RUN/haproxy-stats.csv, and what they say per node and in
# all (failed connections, broken responses, retries, redispatches, how often and how long each node was out, the
# 5xx answers and who gave them) to RUN/haproxy-counters.txt and the log.
record_lb_stats() {
  local url=$1 csv line
  csv=$(url_body "$url" 5)
  if [[ $csv != "# pxname,"* ]]; then
    log "HAProxy's counters could not be read from $url"
    return 0
  fi
  printf '%s\n' "$csv" >"$RUN/haproxy-stats.csv"
  awk -F, '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
    function n(name) { return $col[name] + 0 }
    $1 != "tally" { next }
    $2 == "FRONTEND" { requests = n("req_tot"); answered5xx = n("hrsp_5xx"); clientErrors = n("ereq"); next }
    $2 == "BACKEND" { backendDown = n("chkdown"); backendDowntime = n("downtime"); next }
    {
      printf "%s: %s now; out %d times for %d s in all; %d connection errors, %d response errors, %d retries," \
        " %d redispatched away; %d requests, at most %d at once and %d queued; %d answered 5xx\n", $2,
        $col["status"], n("chkdown"), n("downtime"), n("econ"), n("eresp"), n("wretr"), n("wredis"), n("stot"),
        n("smax"), n("qmax"), n("hrsp_5xx")
      econ += n("econ"); eresp += n("eresp"); wretr += n("wretr"); wredis += n("wredis"); nodes5xx += n("hrsp_5xx")
    }
    END {
      printf "all nodes: %d connection errors, %d response errors, %d retries, %d redispatches; no node" \
        " available %d times for %d s\n", econ, eresp, wretr, wredis, backendDown, backendDowntime
      printf "clients: %d requests, %d request errors, %d answered 5xx, %d of them by HAProxy itself (no" \
        " node, queue or server timeout)\n", requests, clientErrors, answered5xx, answered5xx - nodes5xx
    }' <<<"$csv" >"$RUN/haproxy-counters.txt"
  log "HAProxy's counters since it started (haproxy-stats.csv, haproxy-counters.txt):"
  while IFS= read -r line; do
    log "  $line"
  done <"$RUN/haproxy-counters.txt"
}

# Starts the scenario's deployment on this machine: PostgreSQL and one node, or three nodes behind HAProxy for
# failover and rolling, whose actions it then plans (SCENARIO_DEFAULTS, overridden by the command line).
start_local() {
  local scenario=$1 name i members="" nodes=1 extra=0
  local -a ports
  if multi_node "$scenario"; then
    nodes=3
    extra=2
  fi
  free_ports ports $((1 + 2 * nodes + extra))
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
  start_defined_cluster "$RUN" n1 n2 n3
  for i in 1 2 3; do
    WATCH="n$i=pidfile:$RUN/nodes/n$i.pid,$WATCH"
  done
  start_lb "${ports[7]}" "${ports[8]}" "${ports[1]}" "${ports[2]}" "${ports[3]}"
  WATCH="haproxy=$LB_PID,$WATCH"
  # The client lets HAProxy have as many requests in flight as HAProxy accepts, so that HAProxy (maxconn per node,
  # its queue and its timeouts) decides what happens to a request when a node stalls, as it would in production.
  SCENARIO_DEFAULTS=(-Dmultiple=10 -Dwarmup=30 -Dseconds=150 "-DmaxInFlight=$(lb_maxconn)")
  case $scenario in
    failover)
      SCENARIO_DEFAULTS+=(-Dkill.at=60 -Drestart.at=90 -Dgraceful.at=130
        "-Dkill.command=$PERF_DIR/load.sh node kill n2 $RUN"
        "-Drestart.command=$PERF_DIR/load.sh node restart n2 $RUN"
        "-Dgraceful.command=$PERF_DIR/load.sh node graceful n3 $RUN")
      ;;
    rolling)
      SCENARIO_DEFAULTS+=("-Drolling.nodes=n1,n2,n3" "-Drolling.at=50,90,130"
        "-Drolling.command=$PERF_DIR/load.sh node graceful {node} $RUN")
      ;;
  esac
}

main() {
  if [[ ${1:-} == node ]]; then
    shift
    (( $# == 3 )) || die "usage: perf/load.sh node kill|restart|graceful|stop NAME RUN_DIR"
    node_action "$@"
    return
  fi
  if [[ ${1:-} == serving ]]; then
    (( $# == 3 )) || die "usage: perf/load.sh serving NAME URL"
    await_serving "$2" "$3"
    log "node $2 serves its shards"
    return
  fi
  if [[ ${1:-} == recovered ]]; then
    (( $# == 3 )) || die "usage: perf/load.sh recovered NAME URL"
    await_recovered "$2" "$3"
    log "the cluster at $3 is ready without $2"
    return
  fi
  if [[ $# -eq 0 || $1 == --help || $1 == -h ]]; then
    usage
    return 0
  fi
  local scenario=$1 simulation stamp arg audit_status="not run" gatling_status=0
  local -a urls=() props=() watches=()
  shift
  simulation=$(simulation_of "$scenario") || die "unknown scenario '$scenario' (steady, ramp, hot, hot-ramp," \
    "failover, rolling, replay, peak, hot-peak, fixed, availability-peak, availability-fixed, feed or lag)"
  local external_pg="" external_lb_stats=""
  while (( $# > 0 )); do
    arg=$1
    case $arg in
      --url) urls+=("${2:?--url needs a URL}"); shift ;;
      --url=*) urls+=("${arg#--url=}") ;;
      --pg-url) external_pg=${2:?--pg-url needs a URL}; shift ;;
      --pg-url=*) external_pg=${arg#--pg-url=} ;;
      --lb-stats) external_lb_stats=${2:?--lb-stats needs a URL}; shift ;;
      --lb-stats=*) external_lb_stats=${arg#--lb-stats=} ;;
      --watch) watches+=("${2:?--watch needs NAME=PID or NAME=pidfile:PATH}"); shift ;;
      --watch=*) watches+=("${arg#--watch=}") ;;
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
  if [[ -f $SERVICE_JAR ]]; then
    snapshot_service_jar
  fi

  WATCH=""
  SCENARIO_DEFAULTS=()
  if (( ${#urls[@]} == 0 )); then
    start_local "$scenario"
  else
    URLS=$(IFS=,; echo "${urls[*]}")
    PG_URL=$external_pg
    LB_STATS_URL=$external_lb_stats
    WATCH=$(IFS=,; echo "${watches[*]}")
  fi
  run_gatling "$simulation" "$RUN" "$URLS" "$WATCH" "${SCENARIO_DEFAULTS[@]}" "${props[@]}" || gatling_status=$?
  if [[ -n $LB_STATS_URL ]]; then
    record_lb_stats "$LB_STATS_URL"
  fi
  [[ -f $RUN/summary.json ]] || die "the scenario wrote no summary (see $RUN/gatling.log)"

  if [[ -n $PG_URL ]]; then
    audit_journal "$PG_URL" "$RUN/audit.log" "$RUN/acknowledged.csv"
    audit_status=$AUDIT_VERDICT
  else
    log "no --pg-url: the journal was not audited; run java -jar target/tally.jar audit --acknowledged" \
      "$RUN/acknowledged.csv against the deployment's PostgreSQL"
  fi
  record_results "$RUN/summary.json" "$audit_status"
  log "results: $RUN (Gatling report: $(find "$RUN/gatling" -name index.html 2>/dev/null | head -n 1))"
  [[ $audit_status != FAIL ]] || die "the audit failed: $RUN/audit.log"
  return "$gatling_status"
}

main "$@"
