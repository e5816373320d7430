-- wrk script: PutItem of fresh keys with a 200-byte payload and a `bucket` (the key of the
-- global index of the drydock-gsi target). The run's start time in the key keeps the keys of
-- successive rounds apart.
local payload = string.rep("x", 200)
local run = os.time()
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.PutItem"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
wrk.headers["X-Amz-Date"] = "20260101T000000Z"

request = function()
  counter = counter + 1
  local key = string.format("write-%d-%09d", run, counter)
  return wrk.format(nil, nil, nil,
    '{"TableName":"bench","Item":{"pk":{"S":"' .. key .. '"},"bucket":{"S":"b' .. (counter % 100)
      .. '"},"payload":{"S":"' .. payload .. '"}}}')
end

dofile(os.getenv("SUMMARY_LUA"))
