-- wrk script: MLflow get-model-version of a uniformly random loaded version.
local models = tonumber(os.getenv("MODELS") or "20")
local versions = tonumber(os.getenv("VERSIONS") or "50")

request = function()
  local path = string.format("/api/2.0/mlflow/model-versions/get?name=bench-m%d&version=%d",
    math.random(0, models - 1), math.random(1, versions))
  return wrk.format("GET", path)
end

dofile(os.getenv("SUMMARY_LUA"))
