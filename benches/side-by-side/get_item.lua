-- wrk script: GetItem of a uniformly random key among the ITEMS loaded by load.py.
local items = tonumber(os.getenv("ITEMS") or "10000")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
wrk.headers["X-Amz-Date"] = "20260101T000000Z"

request = function()
  local key = string.format("user-%06d", math.random(0, items - 1))
  return wrk.format(nil, nil, nil, '{"TableName":"bench","Key":{"pk":{"S":"' .. key .. '"}}}')
end

dofile(os.getenv("SUMMARY_LUA"))
