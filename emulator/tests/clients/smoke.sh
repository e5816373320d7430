#!/usr/bin/env bash
# Smoke test with real clients: the AWS CLI (v1, from PyPI), boto3 and the MLflow client
# (mlflow-skinny) against the emulator binary, in memory, on an ephemeral loopback port.
#
#   bash emulator/tests/clients/smoke.sh
#
# Installs boto3, awscli and mlflow-skinny into ${XDG_CACHE_HOME:-$HOME/.cache}/drydock-ci/venv (outside the
# repo) on first use. Builds the emulator with cargo (debug profile; DRYDOCK_SMOKE_PROFILE=release
# for a release build). Exits non-zero on the first failed check.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/drydock-ci
venv=$cache/venv
profile=${DRYDOCK_SMOKE_PROFILE:-dev}

log() { printf 'smoke: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

# ---- clients ----
if ! "$venv/bin/python" -c 'import boto3, mlflow' 2>/dev/null || [ ! -x "$venv/bin/aws" ]; then
  log "installing boto3, awscli and mlflow-skinny into $venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check boto3 awscli mlflow-skinny
fi
aws=$venv/bin/aws
py=$venv/bin/python

# ---- emulator ----
log "building the emulator ($profile profile)"
# Every workspace binary, not `-p emulator` alone: built with the whole workspace's feature
# set, the dependencies are the ones `cargo test --workspace` already compiled (`-p emulator`
# would resolve other features and rebuild much of the tree, DataFusion included).
bin=$(cd "$root" && cargo build -q --workspace --bins --profile "$profile" \
  --message-format=json-render-diagnostics \
  | "$py" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") \
            and m["target"]["name"] == "emulator":
        print(m["executable"])')
[ -x "$bin" ] || fail "no emulator binary from cargo build"

work=$(mktemp -d)
emu_pid=
cleanup() {
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

RUST_LOG=info NO_COLOR=1 "$bin" --in-memory --host 127.0.0.1 --port 0 --log-format json \
  2>"$work/emulator.log" &
emu_pid=$!

# The binary logs {"fields":{"message":"listening","addr":"127.0.0.1:PORT"}} once bound.
addr=
for _ in $(seq 1 200); do
  addr=$("$py" - "$work/emulator.log" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        fields = json.loads(line).get("fields", {})
    except ValueError:
        continue
    if fields.get("message") == "listening":
        print(fields["addr"])
        break
EOF
)
  [ -n "$addr" ] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; fail "the emulator exited"; }
  sleep 0.1
done
[ -n "$addr" ] || { cat "$work/emulator.log" >&2; fail "no listening line within 20 s"; }
endpoint=http://$addr
log "emulator at $endpoint (pid $emu_pid)"

# Dummy credentials; nothing from the user's AWS configuration.
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secret
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
export AWS_ENDPOINT_URL=$endpoint

expect() { # label actual expected
  if [ "$2" != "$3" ]; then fail "$1: got [$2], expected [$3]"; fi
  log "ok: $1"
}

ddb() { "$aws" dynamodb --endpoint-url "$endpoint" --output json "$@"; }
ddbq() { "$aws" dynamodb --endpoint-url "$endpoint" --output text "$@"; }

# ---- AWS CLI ----
# The seed's command, verbatim, plus the endpoint.
"$aws" dynamodb create-table --table-name ml-features --attribute-definitions AttributeName=user_id,AttributeType=S AttributeName=feature_name,AttributeType=S --key-schema AttributeName=user_id,KeyType=HASH AttributeName=feature_name,KeyType=RANGE --billing-mode PAY_PER_REQUEST --tags Key=Environment,Value=production \
  --endpoint-url "$endpoint" >"$work/create.json"
expect "create-table names the table" \
  "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["TableDescription"]["TableName"])' "$work/create.json")" \
  "ml-features"

"$aws" dynamodb wait table-exists --table-name ml-features --endpoint-url "$endpoint"
expect "describe-table status" "$(ddbq describe-table --table-name ml-features --query Table.TableStatus)" "ACTIVE"
expect "describe-table billing mode" \
  "$(ddbq describe-table --table-name ml-features --query Table.BillingModeSummary.BillingMode)" "PAY_PER_REQUEST"
expect "describe-table key schema" \
  "$(ddbq describe-table --table-name ml-features --query 'Table.KeySchema[].[AttributeName,KeyType]' | tr '\t\n' ' ')" \
  "user_id HASH feature_name RANGE "
arn=$(ddbq describe-table --table-name ml-features --query Table.TableArn)
expect "table ARN" "$arn" "arn:aws:dynamodb:us-east-1:000000000000:table/ml-features"
expect "list-tags-of-resource" \
  "$(ddbq list-tags-of-resource --resource-arn "$arn" --query 'Tags[].[Key,Value]' | tr '\t\n' '= ')" \
  "Environment=production "
expect "list-tables" "$(ddbq list-tables --query 'TableNames' | tr '\t\n' '  ')" "ml-features "

ddb put-item --table-name ml-features \
  --item '{"user_id":{"S":"u1"},"feature_name":{"S":"ctr_7d"},"value":{"N":"0.125"},"updated":{"S":"2024-01-01"}}'
ddb put-item --table-name ml-features \
  --item '{"user_id":{"S":"u1"},"feature_name":{"S":"emb_1"},"value":{"N":"1.50"},"vec":{"L":[{"N":"0.1"},{"N":"-2"}]}}'
ddb put-item --table-name ml-features \
  --item '{"user_id":{"S":"u1"},"feature_name":{"S":"emb_2"},"value":{"N":"3"},"tags":{"SS":["a","b"]}}'
ddb put-item --table-name ml-features \
  --item '{"user_id":{"S":"u2"},"feature_name":{"S":"ctr_7d"},"value":{"N":"7"}}'

expect "get-item value (normalised)" \
  "$(ddbq get-item --table-name ml-features --key '{"user_id":{"S":"u1"},"feature_name":{"S":"emb_1"}}' --query Item.value.N)" \
  "1.5"
expect "get-item list" \
  "$(ddbq get-item --table-name ml-features --key '{"user_id":{"S":"u1"},"feature_name":{"S":"emb_1"}}' --query 'Item.vec.L[].N' | tr '\t' ' ')" \
  "0.1 -2"
expect "get-item of an absent key" \
  "$(ddb get-item --table-name ml-features --key '{"user_id":{"S":"u9"},"feature_name":{"S":"x"}}' | tr -d ' \n')" \
  ""

expect "query a partition" \
  "$(ddbq query --table-name ml-features --key-condition-expression 'user_id = :u' \
      --expression-attribute-values '{":u":{"S":"u1"}}' --query 'Items[].feature_name.S' | tr '\t' ' ')" \
  "ctr_7d emb_1 emb_2"
expect "query begins_with, reversed" \
  "$(ddbq query --table-name ml-features \
      --key-condition-expression 'user_id = :u AND begins_with(feature_name, :p)' \
      --expression-attribute-values '{":u":{"S":"u1"},":p":{"S":"emb"}}' --no-scan-index-forward \
      --query 'Items[].feature_name.S' | tr '\t' ' ')" \
  "emb_2 emb_1"
expect "query with a filter counts after filtering" \
  "$(ddbq query --table-name ml-features --key-condition-expression 'user_id = :u' \
      --filter-expression '#v > :min' --expression-attribute-names '{"#v":"value"}' \
      --expression-attribute-values '{":u":{"S":"u1"},":min":{"N":"1"}}' --query '[Count,ScannedCount]' | tr '\t' ' ')" \
  "2 3"
expect "scan counts every item" "$(ddbq scan --table-name ml-features --query Count)" "4"
# The CLI paginates scans itself; a page size of 1 makes it follow LastEvaluatedKey.
expect "scan with --page-size 1" \
  "$(ddbq scan --table-name ml-features --page-size 1 --query 'Items[].feature_name.S' | tr '\t\n' '  ' | wc -w)" \
  "4"

expect "update-item arithmetic, UPDATED_NEW" \
  "$(ddbq update-item --table-name ml-features --key '{"user_id":{"S":"u1"},"feature_name":{"S":"ctr_7d"}}' \
      --update-expression 'SET #v = #v + :d, updated = :t ADD hits :one' \
      --expression-attribute-names '{"#v":"value"}' \
      --expression-attribute-values '{":d":{"N":"0.375"},":t":{"S":"2024-02-02"},":one":{"N":"1"}}' \
      --return-values UPDATED_NEW --query '[Attributes.value.N,Attributes.hits.N,Attributes.updated.S]' | tr '\t' ' ')" \
  "0.5 1 2024-02-02"

if ddb put-item --table-name ml-features --item '{"user_id":{"S":"u2"},"feature_name":{"S":"ctr_7d"}}' \
    --condition-expression 'attribute_not_exists(user_id)' 2>"$work/ccf.err"; then
  fail "a conditional put over an existing item succeeded"
fi
grep -q ConditionalCheckFailedException "$work/ccf.err" || { cat "$work/ccf.err" >&2; fail "no ConditionalCheckFailedException"; }
log "ok: conditional put fails with ConditionalCheckFailedException"

expect "delete-item ALL_OLD" \
  "$(ddbq delete-item --table-name ml-features --key '{"user_id":{"S":"u2"},"feature_name":{"S":"ctr_7d"}}' \
      --return-values ALL_OLD --query Attributes.value.N)" \
  "7"

cat >"$work/batch.json" <<'EOF'
{
  "ml-features": [
    {"PutRequest": {"Item": {"user_id": {"S": "u3"}, "feature_name": {"S": "f1"}, "value": {"N": "1"}}}},
    {"PutRequest": {"Item": {"user_id": {"S": "u3"}, "feature_name": {"S": "f2"}, "value": {"N": "2"}}}},
    {"PutRequest": {"Item": {"user_id": {"S": "u3"}, "feature_name": {"S": "f3"}, "value": {"N": "3"}}}},
    {"DeleteRequest": {"Key": {"user_id": {"S": "u1"}, "feature_name": {"S": "emb_2"}}}}
  ]
}
EOF
expect "batch-write-item leaves nothing unprocessed" \
  "$(ddb batch-write-item --request-items "file://$work/batch.json" | "$py" -c 'import json,sys; print(json.load(sys.stdin).get("UnprocessedItems", {}))')" \
  "{}"
expect "scan after batch-write-item" "$(ddbq scan --table-name ml-features --query Count)" "5"
expect "batch-get-item" \
  "$(ddbq batch-get-item --request-items '{"ml-features":{"Keys":[{"user_id":{"S":"u3"},"feature_name":{"S":"f2"}},{"user_id":{"S":"u1"},"feature_name":{"S":"emb_2"}}]}}' \
      --query 'Responses."ml-features"[].value.N')" \
  "2"

# ---- Timestream ----
# The seed's command verbatim. The CLI discovers the Timestream endpoint (it is configured
# only through AWS_ENDPOINT_URL): the emulator's DescribeEndpoints names itself.
"$aws" timestream-write create-database --database-name ml-monitoring >"$work/ts-database.json"
expect "timestream-write create-database names the database" \
  "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["Database"]["DatabaseName"])' "$work/ts-database.json")" \
  "ml-monitoring"

# ---- boto3 ----
DRYDOCK_ENDPOINT=$endpoint "$py" "$here/smoke.py"

# ---- MLflow client, model registry ----
DRYDOCK_ENDPOINT=$endpoint "$py" "$here/mlflow_registry.py"

# ---- cleanup through the API ----
ddb delete-table --table-name ml-features >/dev/null
expect "list-tables after delete-table" "$(ddbq list-tables --query 'length(TableNames)')" "0"
"$aws" timestream-write delete-database --database-name ml-monitoring
expect "timestream-write list-databases after delete-database" \
  "$("$aws" timestream-write list-databases --output text --query 'length(Databases)')" "0"

log "all checks passed"
