-- wrk script for every keep-alive cell. Environment:
--   BENCH_PATH      request-target: "/1k" direct, "http://up.bench.test:PORT/1k" through an explicit proxy
--   BENCH_HOST      Host header
--   BENCH_DELAY_MS  if set, each connection waits this long after each response before its next request: a fixed
--                   request rate of (connections * 1000 / delay) minus service time. Debian's wrk has no -R (wrk2);
--                   this is closed-loop pacing, so latency under a stall is under-reported (coordinated omission).
-- done() prints one JSON line, after wrk's own report.
wrk.path = os.getenv("BENCH_PATH") or "/1k"
local host = os.getenv("BENCH_HOST")
if host then wrk.headers["Host"] = host end
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pace and pace > 0 then
  function delay() return pace end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,' ..
    '"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
