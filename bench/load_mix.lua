-- load_mix.lua — wrk script for bench/load.sh: replays a file of request
-- paths (one URL-encoded "/api/search?..." or "/api/suggest?..." a line,
-- written by `load_report.py queries`) in a shuffled round robin, a different
-- order on each wrk thread.  Environment:
--   LOAD_PATHS        the paths file (required)
--   LOAD_OUT          where done() writes the run's figures as one JSON object
--   LOAD_TOKEN        a member's bearer token; LOAD_TOKEN_SHARE (0..1) of the
--                     requests carry it (logged-in writers: session lookup and
--                     the paid part in snippets), the rest are visitors
-- Requests are prebuilt strings, so wrk spends no Lua time per request
-- beyond a table index; no response() callback (it would cost wrk CPU on
-- the same two cores as the server): non-2xx answers are counted by wrk as
-- errors.status (status >= 400) and by the server's /metrics per route.

local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
end

local reqs = {}
local n, i = 0, 0

function init(args)
   local file = os.getenv("LOAD_PATHS")
   local f = assert(io.open(file, "r"), "load_mix.lua: cannot open LOAD_PATHS " .. tostring(file))
   local token = os.getenv("LOAD_TOKEN") or ""
   local share = tonumber(os.getenv("LOAD_TOKEN_SHARE") or "0") or 0
   local paths = {}
   for line in f:lines() do
      if #line > 0 then paths[#paths + 1] = line end
   end
   f:close()
   math.randomseed(7919 * (id or 1) + 17)
   for k = #paths, 2, -1 do          -- Fisher-Yates
      local j = math.random(k)
      paths[k], paths[j] = paths[j], paths[k]
   end
   local auth = { ["Authorization"] = "Bearer " .. token }
   for k, p in ipairs(paths) do
      -- of each hundred requests the first share*100 are a member's
      local member = token ~= "" and ((k - 1) % 100) < share * 100
      reqs[k] = wrk.format("GET", p, member and auth or nil)
   end
   n = #reqs
   i = math.random(n) - 1
end

function request()
   i = i + 1
   if i > n then i = 1 end
   return reqs[i]
end

function done(summary, latency, requests)
   local out = os.getenv("LOAD_OUT") or "/dev/stdout"
   local f = assert(io.open(out, "w"))
   local e = summary.errors
   f:write(string.format(
      '{"duration_us": %d, "requests": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean))
   f:close()
end
