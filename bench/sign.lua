-- wrk script for bench/sign.py: wrk -t N -c N ... -s sign.lua URL -- MODE TAG LIMIT HIDDEN COOKIE
--   MODE    get | post
--   TAG     goes into every email, so that bench/sign.py can find this run's rows
--   LIMIT   responses per thread before the thread stops (the count bound; 0 = none)
--   HIDDEN  the form's hidden fields, URL-encoded (csrf_token=...&form_issued=...); COOKIE: "session=..."
--           from the same GET
-- POST mode signs with a new email on every request (tag, thread number and a per-thread
-- counter), so no signature is a duplicate and every 303 must be a new stored row. One
-- connection per thread means at most one request in flight per thread, so the email of a
-- request cut off when the run stops is known exactly. Statuses are counted in response()
-- and reported from done() on lines starting "BENCH ".

local threads = {}

-- A monotonic clock (wrk runs LuaJIT): wrk's own duration is always the full -d, even when
-- the count bound stopped the threads earlier, so the rate is taken over the span from the
-- first request to the last response instead.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   mode = args[1] or "get"
   tag = args[2] or "run"
   limit = tonumber(args[3] or "0")
   local hidden = args[4] or ""
   local cookie = args[5] or ""
   sent = 0
   first_us = 0
   last_us = 0
   pending = nil    -- the counter of the request awaiting its response (one connection per thread)
   unanswered = ""  -- emails of requests that never got a response, comma-separated
   accepted = 0 -- 303: the app recorded the action and redirects to the thanks page
   ok = 0       -- other 2xx/3xx
   errors = 0   -- anything else (4xx, 5xx)
   verifying = id == 1
   if cookie ~= "" then
      wrk.headers["Cookie"] = cookie
   end
   if mode == "post" then
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
      prefix = "first_name=Bench&last_name=Signer&postal_code=K1P+5J2&" .. hidden .. "&email=bench-"
         .. tag .. "-" .. id .. "-"
      prefix_email = "bench-" .. tag .. "-" .. id .. "-"
   end
end

function request()
   if verifying then
      -- wrk calls request() once on the first thread's state to check the script, and never
      -- sends that request: keep it out of the counts.
      verifying = false
      return wrk.format(nil, nil, nil, mode == "post" and prefix .. "verify%40example.org" or nil)
   end
   if sent == 0 then
      first_us = now_us()
   end
   sent = sent + 1
   if pending ~= nil and mode == "post" then
      -- wrk is sending again without an answer to the last request (socket error): remember it.
      unanswered = unanswered .. prefix_email .. pending .. "@example.org,"
   end
   pending = sent
   if mode == "post" then
      return wrk.format(nil, nil, nil, prefix .. sent .. "%40example.org")
   end
   return wrk.format()
end

function response(status, headers, body)
   pending = nil
   last_us = now_us()
   if status == 303 then
      accepted = accepted + 1
   elseif status >= 200 and status < 400 then
      ok = ok + 1
   else
      errors = errors + 1
   end
   -- The count bound: stop this thread once it has had its share of responses.
   if limit > 0 and accepted + ok + errors >= limit then
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local a, o, e, n = 0, 0, 0, 0
   local lost_track = ""
   local first, last = nil, 0
   for _, t in ipairs(threads) do
      local f = t:get("first_us")
      if f > 0 and (first == nil or f < first) then
         first = f
      end
      last = math.max(last, t:get("last_us"))
      a = a + t:get("accepted")
      o = o + t:get("ok")
      e = e + t:get("errors")
      n = n + t:get("sent")
      lost_track = lost_track .. t:get("unanswered")
      local p = t:get("pending")
      if p ~= nil and t:get("mode") == "post" then
         -- Still in flight when wrk stopped: the server may or may not have stored it.
         lost_track = lost_track .. t:get("prefix_email") .. p .. "@example.org,"
      end
   end
   local s = summary.errors
   io.write(string.format("BENCH requests=%d sent=%d duration_us=%d span_us=%d accepted=%d ok=%d errors=%d\n",
      summary.requests, n, summary.duration, first and math.max(0, last - first) or 0, a, o, e))
   io.write("BENCH unanswered=" .. lost_track .. "\n")
   io.write(string.format("BENCH socket_connect=%d socket_read=%d socket_write=%d socket_timeout=%d status=%d\n",
      s.connect, s.read, s.write, s.timeout, s.status))
   io.write(string.format("BENCH p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f\n",
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
