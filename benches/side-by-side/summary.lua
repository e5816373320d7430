-- Shared by the wrk scripts: one JSON line of results, parsed by compare.sh.
done = function(summary, latency, requests)
  local non_2xx = summary.errors.status or 0
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + non_2xx
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, errors,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
