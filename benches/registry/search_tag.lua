-- wrk script: MLflow search-model-versions by one tag (each of TAGS values marks an equal
-- share of the loaded versions), first page of 100.
local tags = tonumber(os.getenv("TAGS") or "50")

request = function()
  local path = string.format(
    "/api/2.0/mlflow/model-versions/search?filter=tags.team%%3D%%27t%d%%27&max_results=100",
    math.random(0, tags - 1))
  return wrk.format("GET", path)
end

dofile(os.getenv("SUMMARY_LUA"))
