-- wrk script of bench/run.py: GET a random path from a file, one per line, count the answers'
-- X-Cache header (the page cache: hit, miss, bypass, or none), and print the figures as one
-- JSON line.  wrk -t1 -c8 -d10s -s bench/paths.lua URL -- PATHS_FILE SEED
local paths = {}
local threads = {}
cache_hit, cache_miss, cache_bypass, cache_none = 0, 0, 0, 0

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  math.randomseed(tonumber(args[2] or "1"))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  local state = headers["X-Cache"] or headers["x-cache"]
  if state == "hit" then
    cache_hit = cache_hit + 1
  elseif state == "miss" then
    cache_miss = cache_miss + 1
  elseif state == "bypass" then
    cache_bypass = cache_bypass + 1
  else
    cache_none = cache_none + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local hit, miss, bypass, none = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    hit = hit + thread:get("cache_hit")
    miss = miss + thread:get("cache_miss")
    bypass = bypass + thread:get("cache_bypass")
    none = none + thread:get("cache_none")
  end
  io.write(string.format(
    '\nBENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"cache_hit": %d, "cache_miss": %d, "cache_bypass": %d, "cache_none": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, hit, miss, bypass, none))
end
