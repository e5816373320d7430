#!/usr/bin/env bash
# Side-by-side GetItem and PutItem throughput and latency, measured in one run with one
# HTTP load client (wrk) against: a bare axum handler (the floor of this machine), this
# emulator (durable, on disk) and the peers users would otherwise pick.
#
#   benches/side-by-side/compare.sh            # all targets, 10 s per measurement
#   TARGETS="floor drydock dynoxide-disk" DURATION=5s ROUNDS=5 benches/side-by-side/compare.sh
#
# Targets: floor, drydock (durable), drydock-memory, drydock-gsi (durable, the table with a
# global index projecting every attribute: the cost of index maintenance), and the peers.
#
# Each target is measured ROUNDS times (default 3), GetItem then PutItem each round; the
# report quotes the median round, since this machine is shared and single runs are noisy.
#
# Needs wrk (apt-get install wrk) and, for the peers, the `peer` script from the shared
# tooling (PEER, default ../shared/peers/peer). Writes results/<date>_dynamodb-side-by-side/
# (or OUT=<dir>).
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
here=benches/side-by-side

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
ITEMS=${ITEMS:-10000}
ROUNDS=${ROUNDS:-3}
TARGETS=${TARGETS:-"floor drydock drydock-memory drydock-gsi dynoxide dynoxide-disk ddblocal ddblocal-disk"}
PEER=${PEER:-../shared/peers/peer}
BASE_PORT=${BASE_PORT:-18400}
out=${OUT:-results/$(date -u +%F)_dynamodb-side-by-side}
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 2; }

cargo build --release -q -p emulator -p benches --bin emulator --bin floor
data_dir=$(mktemp -d)
pids=()
peers_started=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for p in "${peers_started[@]}"; do "$PEER" stop ${p/:/ } >/dev/null 2>&1 || true; done
  rm -rf "$data_dir"
}
trap cleanup EXIT


# Starts a target on a port; prints nothing.
start_target() {
  local name=$1 port=$2
  case "$name" in
    floor)
      target/release/floor "$port" & pids+=($!) ;;
    drydock)
      target/release/emulator --port "$port" --data-dir "$data_dir/drydock" --durability immediate \
        2>"$data_dir/drydock.log" & pids+=($!) ;;
    drydock-gsi)
      target/release/emulator --port "$port" --data-dir "$data_dir/drydock-gsi" --durability immediate \
        2>"$data_dir/drydock-gsi.log" & pids+=($!) ;;
    drydock-memory)
      target/release/emulator --port "$port" --in-memory 2>"$data_dir/drydock-memory.log" & pids+=($!) ;;
    *)
      "$PEER" start "$name" "$port" >/dev/null
      peers_started+=("$name:$port") ;;
  esac
  wait_for_port "$port"
}

# Runs one wrk measurement; prints its RESULT JSON.
measure() {
  local port=$1 script=$2
  ITEMS=$ITEMS SUMMARY_LUA=$here/summary.lua \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$here/$script" "http://127.0.0.1:$port/" \
    | sed -n 's/^RESULT //p'
}

results=$out/results.jsonl
: >"$results"
port=$BASE_PORT
for target in $TARGETS; do
  port=$((port + 1))
  echo "== $target on port $port" >&2
  start_target "$target" "$port"
  if [ "$target" != floor ]; then
    python3 "$here/load.py" "http://127.0.0.1:$port/" "$ITEMS" \
      $([ "$target" = drydock-gsi ] && echo gsi)
  fi
  for round in $(seq 1 "$ROUNDS"); do
    get=$(measure "$port" get_item.lua)
    put=$(measure "$port" put_item.lua)
    echo "{\"target\":\"$target\",\"round\":$round,\"get_item\":$get,\"put_item\":$put}" \
      | tee -a "$results" >&2
  done
done

python3 - "$results" "$out" "$DURATION" "$CONNECTIONS" "$THREADS" "$ITEMS" "$ROUNDS" <<'PY'
import json, sys, subprocess, os, statistics
results_path, out, duration, connections, threads, items, rounds = sys.argv[1:]
rounds_by_target = {}
for line in open(results_path):
    if line.strip():
        r = json.loads(line)
        rounds_by_target.setdefault(r["target"], []).append(r)
def round_rate(r, op):
    m = r[op]
    return m["requests"] / (m["duration_us"] / 1e6)
def median_round(target_rounds, op):
    ordered = sorted(target_rounds, key=lambda r: round_rate(r, op))
    return ordered[(len(ordered) - 1) // 2]
# Per target and operation, the round with the median throughput (its latencies with it).
rows = [
    {"target": t, "get_item": median_round(rs, "get_item")["get_item"],
     "put_item": median_round(rs, "put_item")["put_item"]}
    for t, rs in rounds_by_target.items()
]
by = {r["target"]: r for r in rows}
def rate(r, op):
    m = r[op]
    return m["requests"] / (m["duration_us"] / 1e6)
lines = [
    f"# DynamoDB side by side: GetItem and PutItem",
    "",
    f"wrk {threads} thread, {connections} connections, {duration} per measurement, median of {rounds} rounds, loopback; "
    f"{items} items of 200 bytes; {os.cpu_count()} cores; "
    f"git {subprocess.run(['git','rev-parse','--short','HEAD'],capture_output=True,text=True).stdout.strip()}.",
    "",
    "| target | GetItem/s | p50 | p99 | PutItem/s | p50 | p99 | errors |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    g, p = r["get_item"], r["put_item"]
    lines.append(
        f"| {r['target']} | {rate(r,'get_item'):,.0f} | {g['p50_us']/1000:.2f} ms | {g['p99_us']/1000:.2f} ms "
        f"| {rate(r,'put_item'):,.0f} | {p['p50_us']/1000:.2f} ms | {p['p99_us']/1000:.2f} ms | {g['errors']+p['errors']} |")
lines.append("")
def ratio(a, b, op):
    if a in by and b in by:
        return f"{rate(by[a], op) / rate(by[b], op):.2f}"
    return "n/a"
lines += [
    "Ratios of the medians (same run):",
    "",
    f"- drydock GetItem / floor: {ratio('drydock','floor','get_item')} (target ≥ 0.50)",
    f"- drydock GetItem / dynoxide (memory): {ratio('drydock','dynoxide','get_item')} (target ≥ 3)",
    f"- drydock durable PutItem / dynoxide-disk: {ratio('drydock','dynoxide-disk','put_item')} (target ≥ 10)",
    f"- drydock GetItem / ddblocal (memory): {ratio('drydock','ddblocal','get_item')}",
    f"- drydock durable PutItem / ddblocal-disk: {ratio('drydock','ddblocal-disk','put_item')}",
    f"- drydock-gsi durable PutItem / drydock: {ratio('drydock-gsi','drydock','put_item')} (the cost of one ALL-projected global index)",
    f"- drydock-gsi durable PutItem / dynoxide-disk: {ratio('drydock-gsi','dynoxide-disk','put_item')}",
    "",
    "The floor answers every POST with a fixed 200, so its PutItem column is the HTTP floor too.",
]
open(os.path.join(out, "README.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
