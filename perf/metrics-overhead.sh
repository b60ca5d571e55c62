#!/usr/bin/env bash
# What keeping metrics costs at peak: perf/load.sh peak on one fresh node, ROUNDS times with metrics on and ROUNDS
# times with them off (TALLY_METRICS_ENABLED), alternating the order each round so that neither side always runs
# on a warmer machine, then the median peak of each and their ratio (the goal: on / off >= 0.95), and the same for
# the node's CPU per reservation. Each run's CPU steal is printed too: on a shared virtual machine a run with much
# steal measures the neighbours, not Tally.
#
#   perf/metrics-overhead.sh [-Dname=value]...      # the settings of perf/load.sh peak, e.g. -Dconcurrency=64
#
# Environment: ROUNDS [3], MEASURE [40] and WARMUP [20] seconds per run. Each run is one perf/results/peak-*
# directory (with its audit) and one line in perf/RESULTS.md; this script prints the comparison at the end.
set -euo pipefail

PERF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=${ROUNDS:-3}
MEASURE=${MEASURE:-40}
WARMUP=${WARMUP:-20}
declare -a DIRS=()

run() {
  local metrics=$1 before after
  shift
  before=$(ls -d "$PERF_DIR"/results/peak-* 2>/dev/null | tail -1 || true)
  echo "metrics-overhead: peak with metrics $metrics" >&2
  TALLY_METRICS_ENABLED=$([[ $metrics == on ]] && echo true || echo false) \
    "$PERF_DIR/load.sh" peak -Dseconds="$MEASURE" -Dwarmup="$WARMUP" "$@" >&2
  after=$(ls -d "$PERF_DIR"/results/peak-* | tail -1)
  [[ $after != "$before" ]] || { echo "metrics-overhead: no new results directory" >&2; exit 1; }
  DIRS+=("$metrics=$after")
}

for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then run on "$@"; run off "$@"; else run off "$@"; run on "$@"; fi
done

python3 - "${DIRS[@]}" <<'PY'
import json, statistics, sys
runs = {"on": [], "off": []}
for arg in sys.argv[1:]:
    metrics, path = arg.split("=", 1)
    measured = [w for w in json.load(open(path + "/summary.json"))["windows"] if w["name"] == "measured"][0]
    run = (measured["kinds"]["reserve"]["okPerSecond"], measured["cpuMicrosPerOk"]["node"],
           measured["cpu"]["stealPercent"], path.rsplit("/", 1)[-1])
    runs[metrics].append(run)
    print(f"metrics {metrics:3}  {run[0]:7.0f} reservations/s  node {run[1]:6.1f} us/reservation  steal {run[2]:5.1f} %"
          f"  {run[3]}")
peak = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
cpu = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
print(f"median peak: on {peak['on']:.0f}, off {peak['off']:.0f}: on / off = {peak['on'] / peak['off']:.3f}"
      " (goal >= 0.95)")
print(f"median node CPU per reservation: on {cpu['on']:.1f} us, off {cpu['off']:.1f} us:"
      f" on / off = {cpu['on'] / cpu['off']:.3f}")
PY
