#!/usr/bin/env bash
# The model registry side by side: MLflow's REST API on this emulator (release build,
# durable on disk) and on MLflow's own server, with one HTTP load client (wrk) and the same
# data: get a model version by (name, version), search versions by tag, create a version.
#
#   benches/registry/compare.sh
#   DURATION=5s ROUNDS=3 MLFLOW_URL=http://127.0.0.1:5000 benches/registry/compare.sh
#
# MLFLOW_URL names a running MLflow server; without it one is started with the `peer` script
# from the shared tooling (PEER, default ../shared/peers/peer). Each target is measured ROUNDS
# times per operation; the report quotes the median round. Needs wrk. Writes
# results/<date>_registry-side-by-side/ (or OUT=<dir>).
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
here=benches/registry

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-8}
ROUNDS=${ROUNDS:-3}
MODELS=${MODELS:-20}
VERSIONS=${VERSIONS:-50}
TAGS=${TAGS:-50}
PEER=${PEER:-../shared/peers/peer}
BASE_PORT=${BASE_PORT:-18500}
out=${OUT:-results/$(date -u +%F)_registry-side-by-side}
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 2; }

cargo build --release -q -p emulator --bin emulator
data_dir=$(mktemp -d)
pids=()
peer_port=
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$peer_port" ]; then "$PEER" stop mlflow "$peer_port" >/dev/null 2>&1 || true; fi
  rm -rf "$data_dir"
}
trap cleanup EXIT


drydock_port=$((BASE_PORT + 1))
"${CARGO_TARGET_DIR:-target}/release/emulator" --port "$drydock_port" --data-dir "$data_dir/drydock" \
  --durability immediate 2>"$data_dir/drydock.log" & pids+=($!)
wait_for_port "$drydock_port"
mlflow_url=${MLFLOW_URL:-}
if [ -z "$mlflow_url" ]; then
  peer_port=$((BASE_PORT + 2))
  "$PEER" start mlflow "$peer_port" >/dev/null
  mlflow_url=http://127.0.0.1:$peer_port
fi

results=$out/results.jsonl
: >"$results"
for target in drydock mlflow; do
  url=$([ "$target" = drydock ] && echo "http://127.0.0.1:$drydock_port" || echo "$mlflow_url")
  echo "== $target at $url" >&2
  python3 "$here/load.py" "$url" "$MODELS" "$VERSIONS" "$TAGS"
  for round in $(seq 1 "$ROUNDS"); do
    line="{\"target\":\"$target\",\"round\":$round"
    for op in get_version search_tag create_version; do
      result=$(MODELS=$MODELS VERSIONS=$VERSIONS TAGS=$TAGS SUMMARY_LUA=benches/side-by-side/summary.lua \
        wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$here/$op.lua" "$url/" | sed -n 's/^RESULT //p')
      line="$line,\"$op\":$result"
    done
    echo "$line}" | tee -a "$results" >&2
  done
done

python3 - "$results" "$out" "$DURATION" "$CONNECTIONS" "$ROUNDS" "$MODELS" "$VERSIONS" "$TAGS" <<'PY'
import json, os, subprocess, sys
results_path, out, duration, connections, rounds, models, versions, tags = sys.argv[1:]
ops = ["get_version", "search_tag", "create_version"]
by_target = {}
for line in open(results_path):
    if line.strip():
        r = json.loads(line)
        by_target.setdefault(r["target"], []).append(r)
def rate(m):
    return m["requests"] / (m["duration_us"] / 1e6)
def median(rs, op):
    ordered = sorted((r[op] for r in rs), key=rate)
    return ordered[(len(ordered) - 1) // 2]
table = {t: {op: median(rs, op) for op in ops} for t, rs in by_target.items()}
git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
lines = [
    "# Model registry side by side: MLflow's REST API",
    "",
    f"wrk 1 thread, {connections} connections, {duration} per measurement, median of {rounds} rounds, loopback; "
    f"{models} models x {versions} versions, {tags} tag values; {os.cpu_count()} cores; git {git}.",
    "",
    "| target | operation | requests/s | p50 | p99 | errors |",
    "|---|---|---:|---:|---:|---:|",
]
for t, row in table.items():
    for op in ops:
        m = row[op]
        lines.append(f"| {t} | {op} | {rate(m):,.0f} | {m['p50_us']/1000:.2f} ms | {m['p99_us']/1000:.2f} ms | {m['errors']} |")
if "drydock" in table and "mlflow" in table:
    lines += ["", "| operation | drydock / MLflow |", "|---|---:|"]
    for op in ops:
        lines.append(f"| {op} | {rate(table['drydock'][op]) / rate(table['mlflow'][op]):,.1f}x |")
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
