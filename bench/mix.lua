-- The request mix of the reliability spec (section 7.1) for wrk; run by bench/mix_bench.sh:
--   wrk -t2 -c64 -d20s --latency -s bench/mix.lua http://127.0.0.1:PORT -- DATA.lua
-- DATA.lua (written by bench/mix_load.py seed) returns
--   {platform = key, admin = key, writer = key, reader = key, datasets = {id, ...}}
--
-- Per request, uniformly over the seeded datasets:
--   40% g  GET  /api/v1/datasets/{id}                       (reader key)
--   30% l  GET  /api/v1/datasets/{id}/records?limit=20      (reader key)
--   20% w  POST /api/v1/datasets/{id}/records, ~300 B       (writer key)
--    5% c  POST /api/v1/datasets (unique name)              (writer key)
--    3% p  PATCH /api/v1/datasets/{id} (description)        (writer key)
--       or d DELETE a record this wrk thread wrote earlier   (half of them, once there is one)
--    2% t  GET /api/v1/tenants (platform admin key)
--       or h GET /health/ready (half each)
-- Each request carries X-Request-ID "<kind>-<thread>-<seq>"; vaultd echoes it, so response()
-- knows the kind of every answer and counts statuses and latencies per kind (measured with
-- CLOCK_MONOTONIC through the LuaJIT FFI from request(), which wrk calls just before it writes
-- the request, to response()). done() prints machine-readable MIX_* lines.
--
-- wrk 4.1 copies only flat tables between Lua states (a nested table crashes it), so the
-- per-thread figures are flat globals: st["g:200"] = n, lat_g = {ms, ...}, ...

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } mix_timespec;
int clock_gettime(int clk_id, mix_timespec *tp);
]]
local ts = ffi.new("mix_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local KINDS = { "g", "l", "w", "c", "p", "d", "t", "h" }

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

local data, seq, started, write_ds, written
function init(args)
  data = dofile(args[1])
  math.randomseed(os.time() * 1000 + tid * 7919)
  seq = 0
  started = {}  -- seq -> send time (us)
  write_ds = {} -- seq -> dataset of a pending write
  written = {}  -- "ds/rec" of records this thread wrote, for DELETE
  st = {}       -- "kind:status" -> count (global: read by done())
  samples = {}  -- "kind:status" -> first answer body of a status >= 400 (global too)
  for _, k in ipairs(KINDS) do _G["lat_" .. k] = {} end
end

local function pick_ds()
  return data.datasets[math.random(#data.datasets)]
end

local function record_body(n)
  return string.format('{"conversation_id":"c-%d-%d","source":"mix-bench","lang":"en",' ..
    '"messages":[{"role":"user","content":"My order arrived damaged, can I get a replacement?"},' ..
    '{"role":"assistant","content":"Sorry to hear that! I have started a replacement; ' ..
    'you will get an email with the tracking number."}],"rating":%d,"seq":%d}', tid, n, n % 5 + 1, n)
end

function request()
  seq = seq + 1
  local r = math.random(100)
  local kind, method, path, key, body
  if r <= 40 then
    kind, method, path, key = "g", "GET", "/api/v1/datasets/" .. pick_ds(), data.reader
  elseif r <= 70 then
    kind, method, path, key = "l", "GET", "/api/v1/datasets/" .. pick_ds() .. "/records?limit=20", data.reader
  elseif r <= 90 then
    local ds = pick_ds()
    kind, method, path, key, body = "w", "POST", "/api/v1/datasets/" .. ds .. "/records", data.writer, record_body(seq)
    write_ds[seq] = ds
  elseif r <= 95 then
    kind, method, path, key = "c", "POST", "/api/v1/datasets", data.writer
    body = string.format('{"name":"mix-%d-%d-%d","description":"created by mix_bench","tags":["bench","mix"]}',
      tid, seq, math.random(1000000000))
  elseif r <= 98 then
    if #written > 0 and math.random(2) == 1 then
      local target = table.remove(written)
      kind, method, path, key = "d", "DELETE", "/api/v1/datasets/" .. target, data.writer
    else
      kind, method, path, key = "p", "PATCH", "/api/v1/datasets/" .. pick_ds(), data.writer
      body = string.format('{"description":"patched by mix_bench %d-%d"}', tid, seq)
    end
  else
    if math.random(2) == 1 then
      kind, method, path, key = "t", "GET", "/api/v1/tenants", data.platform
    else
      kind, method, path = "h", "GET", "/health/ready"
    end
  end
  local headers = { ["X-Request-ID"] = kind .. "-" .. tid .. "-" .. seq }
  if key then headers["Authorization"] = "Bearer " .. key end
  if body then headers["Content-Type"] = "application/json" end
  started[seq] = now_us()
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  local t = now_us()
  local rid = headers["X-Request-ID"] or headers["x-request-id"]
  if not rid then
    for k, v in pairs(headers) do
      if string.lower(k) == "x-request-id" then rid = v end
    end
  end
  local kind, n
  if rid then
    local k, s = string.match(rid, "^(%a)%-%d+%-(%d+)$")
    if k then kind, n = k, tonumber(s) end
  end
  if not kind then
    kind = "?"
  end
  local sk = kind .. ":" .. status
  st[sk] = (st[sk] or 0) + 1
  if status >= 400 and not samples[sk] then
    samples[sk] = string.sub(string.gsub(body or "", "[\r\n]", " "), 1, 2000)
  end
  if n then
    local t0 = started[n]
    if t0 then
      started[n] = nil
      local a = _G["lat_" .. kind]
      a[#a + 1] = (t - t0) / 1000
    end
    if kind == "w" then
      local ds = write_ds[n]
      write_ds[n] = nil
      if status == 201 and ds then
        local id = string.match(body, '"id"%s*:%s*"(rec_[^"]+)"')
        if id then written[#written + 1] = ds .. "/records/" .. id end
      end
    end
  end
end

local function pct(sorted, p) -- nearest rank
  local n = #sorted
  if n == 0 then return 0 / 0 end
  local i = math.ceil(p / 100 * n)
  if i < 1 then i = 1 end
  return sorted[i]
end

function done(summary, latency, requests)
  local counts, lats, bodies = {}, {}, {}
  for _, k in ipairs(KINDS) do lats[k] = {} end
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("st") or {}) do counts[k] = (counts[k] or 0) + v end
    for k, v in pairs(t:get("samples") or {}) do bodies[k] = bodies[k] or v end
    for _, k in ipairs(KINDS) do
      local a, dst = t:get("lat_" .. k) or {}, lats[k]
      for i = 1, #a do dst[#dst + 1] = a[i] end
    end
  end
  local e = summary.errors
  io.write(string.format("MIX_TOTAL requests=%d duration_us=%d p50=%.3f p95=%.3f p99=%.3f max=%.3f " ..
    "connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status))
  for k, v in pairs(counts) do
    local kind, status = string.match(k, "^(.-):(%d+)$")
    io.write(string.format("MIX_STATUS %s %s %d\n", kind, status, v))
  end
  for k, v in pairs(bodies) do
    local kind, status = string.match(k, "^(.-):(%d+)$")
    io.write(string.format("MIX_SAMPLE %s %s %s\n", kind, status, v))
  end
  for _, k in ipairs(KINDS) do
    local a = lats[k]
    table.sort(a)
    if #a > 0 then
      io.write(string.format("MIX_LAT %s n=%d p50=%.3f p95=%.3f p99=%.3f max=%.3f\n", k, #a,
        pct(a, 50), pct(a, 95), pct(a, 99), a[#a]))
    end
  end
end
