#!/usr/bin/env bash
# The highest rate the load generator sustains on one core: loadgen pinned to core 0 drives
# the fixed-200 handler (pinned to core 1) open loop at each of RATES, ROUNDS times, and the
# figures of each run (delivered rate, schedule-lag p99, latency p99, loadgen's CPU per
# operation, drops) are printed as one table row, then wrk (closed loop, 1 thread,
# CONNECTIONS connections; and wrk2 at the same rates if installed) against the same handler
# for comparison.
#
#   benches/generator/measure.sh
#   RATES="50000 100000" ROUNDS=1 DURATION=5s benches/generator/measure.sh
#   PRIORITY="chrt -f 10" benches/generator/measure.sh   # all three at real-time priority
#
# Every row ends with the 1-minute load average and the number of compiler processes running
# as the run ended: a figure taken while others build measures the share of the core the
# generator got, not the generator.
#
# Needs taskset and wrk (apt-get install wrk), and two cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh

RATES=${RATES:-"20000 50000 100000 120000 150000"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18999}
PRIORITY=${PRIORITY:-}
bin=${CARGO_TARGET_DIR:-target}/release

cargo build --release -q -p loadgen -p benches --no-default-features --bin loadgen --bin floor
runs=$(mktemp -d)
$PRIORITY taskset -c 1 "$bin/floor" "$PORT" &
floor=$!
trap 'kill $floor; rm -rf "$runs"' EXIT
wait_for_port "$PORT"

conditions() { echo "$(cut -d' ' -f1 /proc/loadavg) | $(pgrep -c -x rustc || true)"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)${PRIORITY:+, priority: $PRIORITY}"
echo "| rate | round | delivered/s | dropped | lag p99 ms | latency p99 ms | loadgen CPU µs/op | loadgen cores | load | rustc |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for rate in $RATES; do
  for round in $(seq 1 "$ROUNDS"); do
    dir=$runs/$rate-$round
    $PRIORITY taskset -c 0 "$bin/loadgen" run benches/generator/fixed-200.toml \
      --endpoint-url "http://127.0.0.1:$PORT" --no-setup --rate "$rate" \
      --duration "$DURATION" --out "$dir" >/dev/null 2>&1 || true
    jq -r --arg rate "$rate" --arg round "$round" --arg conditions "$(conditions)" '.operations[0] as $op |
      "| \($rate) | \($round) | \(.delivered_rate_per_s | round) | \($op.dropped) | \($op.schedule_lag_p99_ms) | \($op.p99_ms) | \(.process_cpu_per_operation_us * 10 | round / 10) | \(.process_cpu_cores * 100 | round / 100) | \($conditions) |"' \
      "$dir/summary.json"
  done
done

body='{"TableName":"ml-features","Key":{"user_id":{"S":"user-00000042"},"feature_name":{"S":"feature-003"}},"ReturnConsumedCapacity":"TOTAL"}'
cat > "$runs/get_item.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
wrk.body = '$body'
LUA
for round in $(seq 1 "$ROUNDS"); do
  echo "wrk -t1 -c$CONNECTIONS, round $round: $($PRIORITY taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
    -s "$runs/get_item.lua" "http://127.0.0.1:$PORT/" | grep -E 'Requests/sec') (load, rustc: $(conditions))"
done
if command -v wrk2 >/dev/null; then
  for rate in $RATES; do
    echo "wrk2 -R$rate: $($PRIORITY taskset -c 0 wrk2 -t1 -c"$CONNECTIONS" -d"$DURATION" -R"$rate" \
      -s "$runs/get_item.lua" "http://127.0.0.1:$PORT/" | grep -E 'Requests/sec|99.000%' | tr -s ' \n' ' ')"
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
