"""Creates the `bench` table on a DynamoDB endpoint and loads ITEMS items of 200 bytes.

With a third argument `gsi`, the table also has a global secondary index on `bucket`
projecting every attribute, to measure what index maintenance costs a write.

Plain HTTP with fixed SigV4-shaped headers (some peers insist on X-Amz-Date but none verify
signatures), so no SDK is needed.
"""
import json
import sys
import time
import urllib.error
import urllib.request

endpoint, items = sys.argv[1], int(sys.argv[2])
with_gsi = sys.argv[3:] == ["gsi"]
HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    "X-Amz-Date": "20260101T000000Z",
}


def call(operation, body):
    request = urllib.request.Request(
        endpoint,
        data=json.dumps(body).encode(),
        headers={**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{operation}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


try:
    call("DeleteTable", {"TableName": "bench"})
except urllib.error.HTTPError:
    pass
table = {
    "TableName": "bench",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
}
if with_gsi:
    table["AttributeDefinitions"].append({"AttributeName": "bucket", "AttributeType": "S"})
    table["GlobalSecondaryIndexes"] = [{
        "IndexName": "by_bucket",
        "KeySchema": [{"AttributeName": "bucket", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }]
call("CreateTable", table)
while call("DescribeTable", {"TableName": "bench"})["Table"]["TableStatus"] != "ACTIVE":
    time.sleep(0.1)
payload = "x" * 200
for start in range(0, items, 25):
    batch = [
        {"PutRequest": {"Item": {
            "pk": {"S": f"user-{i:06d}"},
            "bucket": {"S": f"b{i % 100}"},
            "payload": {"S": payload},
        }}}
        for i in range(start, min(start + 25, items))
    ]
    pending = {"bench": batch}
    while pending:
        pending = call("BatchWriteItem", {"RequestItems": pending}).get("UnprocessedItems") or {}
