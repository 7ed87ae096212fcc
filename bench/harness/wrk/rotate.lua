-- One wrk script for every measurement, so the generator's own cost is the same for the
-- baselines and the endpoints.
--   wrk ... -s rotate.lua URL -- REQUESTS_FILE [MEAN_DELAY_MS]
-- REQUESTS_FILE: one request per line, "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY" (TOKEN and BODY may
-- be empty); the thread cycles through them. Every answer's status is tallied in response().
-- MEAN_DELAY_MS > 0 makes each connection wait an exponentially distributed time (that mean)
-- before each request: a rate-limited, roughly Poisson load instead of a closed loop.
-- done() prints one line "BENCH_JSON {...}" with the counts, latency percentiles (µs) and
-- the status histogram.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  requests, statuses, mean_delay = {}, {}, tonumber(args[2] or "0") or 0
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
  for line in io.lines(args[1]) do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
  index = math.random(#requests)
end

function request()
  if requests == nil then return wrk.format() end  -- wrk checks request() before init()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

if (os.getenv("BENCH_DELAY") or "") == "1" then
  function delay()
    return math.floor(-mean_delay * math.log(1 - math.random()) + 0.5)
  end
end

function done(summary, latency, requests_)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, table.concat(parts, ", ")))
end
