"""boto3 against the emulator: the resource API (Table, Decimal, Key conditions, batch_writer)
and the client API (paginators, errors). Run by smoke.sh with DRYDOCK_ENDPOINT set; the
ml-features table already exists and holds items from the CLI part."""

import os
import sys
import time
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key

ENDPOINT = os.environ["DRYDOCK_ENDPOINT"]
REGION = "us-east-1"


def log(msg):
    print(f"smoke.py: {msg}", file=sys.stderr)


def expect(label, actual, expected):
    if actual != expected:
        raise SystemExit(f"smoke.py: FAIL: {label}: got {actual!r}, expected {expected!r}")
    log(f"ok: {label}")


session = boto3.session.Session(
    aws_access_key_id="AKIDTEST", aws_secret_access_key="secret", region_name=REGION
)
client = session.client("dynamodb", endpoint_url=ENDPOINT)
resource = session.resource("dynamodb", endpoint_url=ENDPOINT)

# ---- resource API on the seed's table ----
features = resource.Table("ml-features")
expect("Table.key_schema", features.key_schema, [
    {"AttributeName": "user_id", "KeyType": "HASH"},
    {"AttributeName": "feature_name", "KeyType": "RANGE"},
])

item = {
    "user_id": "u42",
    "feature_name": "profile",
    "score": Decimal("0.1"),
    "big": Decimal("12345678901234567890123456789012345678"),
    "tiny": Decimal("-0.000000000000000000000000000000000001"),
    "flags": {"active": True, "beta": False, "note": None},
    "history": [Decimal("1"), "two", [Decimal("3")], {"four": Decimal("4")}],
    "tags": {"red", "green"},
    "ids": {Decimal("1"), Decimal("2.5")},
    "blob": b"\x00\x01\xff",
    "empty": "",
}
features.put_item(Item=item)
got = features.get_item(Key={"user_id": "u42", "feature_name": "profile"}, ConsistentRead=True)
stored = got["Item"]
stored["blob"] = bytes(stored["blob"])  # boto3 returns a Binary wrapper
expect("put_item/get_item round trip with Decimal, sets, binary and nesting", stored, item)

features.put_item(Item={"user_id": "u42", "feature_name": "emb_a", "score": Decimal("1.50")})
features.put_item(Item={"user_id": "u42", "feature_name": "emb_b", "score": Decimal("2")})
out = features.query(
    KeyConditionExpression=Key("user_id").eq("u42") & Key("feature_name").begins_with("emb"),
)
expect("query with Key conditions", [i["feature_name"] for i in out["Items"]], ["emb_a", "emb_b"])
expect("numbers come back normalised", out["Items"][0]["score"], Decimal("1.5"))

out = features.query(
    KeyConditionExpression=Key("user_id").eq("u42") & Key("feature_name").between("emb_a", "zzz"),
    FilterExpression=Attr("score").lt(Decimal("1.6")),
    ScanIndexForward=False,
)
expect("query with a filter and reversed order",
       [i["feature_name"] for i in out["Items"]], ["profile", "emb_a"])

out = features.update_item(
    Key={"user_id": "u42", "feature_name": "emb_a"},
    UpdateExpression="SET score = score + :d, vec = list_append(if_not_exists(vec, :empty), :v) "
                     "ADD seen :one",
    ExpressionAttributeValues={":d": Decimal("0.25"), ":empty": [], ":v": [Decimal("7")],
                               ":one": 1},
    ReturnValues="ALL_NEW",
)
expect("update_item ALL_NEW", out["Attributes"], {
    "user_id": "u42", "feature_name": "emb_a", "score": Decimal("1.75"),
    "vec": [Decimal("7")], "seen": Decimal("1"),
})

try:
    features.put_item(
        Item={"user_id": "u42", "feature_name": "emb_a"},
        ConditionExpression=Attr("user_id").not_exists(),
    )
    raise SystemExit("smoke.py: FAIL: conditional put over an existing item succeeded")
except client.exceptions.ConditionalCheckFailedException as e:
    expect("ConditionalCheckFailedException message",
           e.response["Error"]["Message"], "The conditional request failed")

try:
    client.get_item(TableName="no-such-table", Key={"id": {"S": "x"}})
    raise SystemExit("smoke.py: FAIL: get_item on a missing table succeeded")
except client.exceptions.ResourceNotFoundException:
    log("ok: ResourceNotFoundException for a missing table")

# ---- batch_writer and paginators on a table of its own ----
client.create_table(
    TableName="smoke-events",
    AttributeDefinitions=[
        {"AttributeName": "p", "AttributeType": "S"},
        {"AttributeName": "t", "AttributeType": "N"},
    ],
    KeySchema=[
        {"AttributeName": "p", "KeyType": "HASH"},
        {"AttributeName": "t", "KeyType": "RANGE"},
    ],
    BillingMode="PAY_PER_REQUEST",
)
client.get_waiter("table_exists").wait(TableName="smoke-events",
                                       WaiterConfig={"Delay": 1, "MaxAttempts": 20})
events = resource.Table("smoke-events")
with events.batch_writer() as batch:
    for p in ("a", "b"):
        for t in range(60):
            batch.put_item(Item={"p": p, "t": t, "payload": "x" * (t % 50)})
# Puts of one key in the same buffer are deduplicated by overwrite_by_pkeys: the last wins.
with events.batch_writer(overwrite_by_pkeys=["p", "t"]) as batch:
    batch.put_item(Item={"p": "a", "t": 0, "payload": "first"})
    batch.put_item(Item={"p": "a", "t": 0, "payload": "second"})
    batch.delete_item(Key={"p": "b", "t": 59})

pages = list(client.get_paginator("scan").paginate(
    TableName="smoke-events", PaginationConfig={"PageSize": 7}))
keys = [(i["p"]["S"], int(i["t"]["N"])) for page in pages for i in page["Items"]]
expect("scan paginator visits every item once", sorted(keys),
       sorted([("a", t) for t in range(60)] + [("b", t) for t in range(59)]))
expect("scan paginator used many pages", len(pages) >= 17, True)

pages = client.get_paginator("query").paginate(
    TableName="smoke-events",
    KeyConditionExpression="p = :p AND t >= :t",
    ExpressionAttributeValues={":p": {"S": "a"}, ":t": {"N": "10"}},
    PaginationConfig={"PageSize": 9},
)
ts = [int(i["t"]["N"]) for page in pages for i in page["Items"]]
expect("query paginator in sort key order", ts, list(range(10, 60)))

expect("overwrite_by_pkeys kept the last put",
       events.get_item(Key={"p": "a", "t": 0})["Item"]["payload"], "second")

got = client.batch_get_item(RequestItems={"smoke-events": {
    "Keys": [{"p": {"S": "a"}, "t": {"N": str(t)}} for t in range(0, 100, 3)],
    "ProjectionExpression": "t",
}})
expect("batch_get_item returns the existing keys",
       sorted(int(i["t"]["N"]) for i in got["Responses"]["smoke-events"]),
       list(range(0, 60, 3)))

count = client.scan(TableName="smoke-events", Select="COUNT")
expect("scan Select=COUNT", (count["Count"], "Items" in count), (119, False))

# A global index added to the loaded table is filled with its items, and boto3's query
# paginator pages through it.
client.update_table(
    TableName="smoke-events",
    AttributeDefinitions=[{"AttributeName": "payload", "AttributeType": "S"}],
    GlobalSecondaryIndexUpdates=[{"Create": {
        "IndexName": "by_payload",
        "KeySchema": [{"AttributeName": "payload", "KeyType": "HASH"},
                      {"AttributeName": "t", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }}],
)
pages = client.get_paginator("query").paginate(
    TableName="smoke-events",
    IndexName="by_payload",
    KeyConditionExpression="payload = :v",
    ExpressionAttributeValues={":v": {"S": "x" * 10}},
    PaginationConfig={"PageSize": 1},
)
indexed = sorted((i["p"]["S"], int(i["t"]["N"])) for page in pages for i in page["Items"])
expect("a new global index holds the existing items", indexed,
       [("a", 10), ("b", 10)])

client.delete_table(TableName="smoke-events")
try:
    client.describe_table(TableName="smoke-events")
    raise SystemExit("smoke.py: FAIL: the deleted table is still described")
except client.exceptions.ResourceNotFoundException:
    log("ok: deleted table is gone")

# ---- Timestream Write: the ml-monitoring database exists (created by the CLI) ----
ts = session.client("timestream-write", endpoint_url=ENDPOINT)
ts.create_table(
    DatabaseName="ml-monitoring",
    TableName="drift",
    RetentionProperties={"MemoryStoreRetentionPeriodInHours": 24,
                         "MagneticStoreRetentionPeriodInDays": 7},
)
described = ts.describe_table(DatabaseName="ml-monitoring", TableName="drift")["Table"]
expect("timestream describe_table retention", described["RetentionProperties"],
       {"MemoryStoreRetentionPeriodInHours": 24, "MagneticStoreRetentionPeriodInDays": 7})
try:
    ts.delete_database(DatabaseName="ml-monitoring")
    raise SystemExit("smoke.py: FAIL: a database with tables was deleted")
except ts.exceptions.ValidationException:
    log("ok: a database with tables is not deleted")

# ---- Timestream Query: a timeseries and its interpolation, as boto3 parses them ----
start_ms = (int(time.time() * 1000) - 600_000) // 60_000 * 60_000
ts.write_records(
    DatabaseName="ml-monitoring",
    TableName="drift",
    Records=[
        {"Dimensions": [{"Name": "model_id", "Value": "m1"}], "MeasureName": "accuracy",
         "MeasureValue": value, "MeasureValueType": "DOUBLE", "Time": str(start_ms + i * 60_000)}
        for i, value in enumerate(["1.0", "3.0", "2.0"])
    ],
)
tsq = session.client("timestream-query", endpoint_url=ENDPOINT)
answer = tsq.query(QueryString=(
    "WITH s AS (SELECT create_time_series(time, measure_value::double) AS ts, "
    "min(time) AS lo, max(time) AS hi FROM \"ml-monitoring\".\"drift\" GROUP BY model_id) "
    "SELECT ts, interpolate_linear(ts, sequence(lo, hi, 30s)) AS filled FROM s"))
expect("timeseries column type", answer["ColumnInfo"][1]["Type"],
       {"TimeSeriesMeasureValueColumnInfo": {"Type": {"ScalarType": "DOUBLE"}}})
filled = answer["Rows"][0]["Data"][1]["TimeSeriesValue"]
expect("interpolated values", [p["Value"]["ScalarValue"] for p in filled],
       ["1.0", "2.0", "3.0", "2.5", "2.0"])
expect("interpolated times end on the last point",
       filled[-1]["Time"], answer["Rows"][0]["Data"][0]["TimeSeriesValue"][-1]["Time"])
ts.delete_table(DatabaseName="ml-monitoring", TableName="drift")

log("all checks passed")
