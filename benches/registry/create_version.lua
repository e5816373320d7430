-- wrk script: MLflow create-model-version under a uniformly random loaded model.
local models = tonumber(os.getenv("MODELS") or "20")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local body = string.format('{"name":"bench-m%d","source":"s3://bench/model"}',
    math.random(0, models - 1))
  return wrk.format(nil, "/api/2.0/mlflow/model-versions/create", nil, body)
end

dofile(os.getenv("SUMMARY_LUA"))
