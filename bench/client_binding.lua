-- The binding's side of the benchmark: jumpcloud-lua against the bench server.
-- Usage: lua5.4 bench/client_binding.lua WORKLOAD BASE_URL N [CONCURRENCY]
--   small N     client:request GET /policygroups/<id>, N times (concurrent: client:batch, 1,000 a call)
--   pages N     client:request GET /policies?limit=100&skip=S (concurrent: client:batch, 16 pages a
--               call: a batch holds every decoded page until it returns, and 64 at a time (~25 MB)
--               cost more in heap growth than the transfers themselves)
--   pages-raw N the same, sequential, bodies kept as bytes (raw = true): like for like with the curl CLI
--   iterate 0   for p in client.policies:each{limit = 100[, concurrency = C]} until the server's total
-- Prints one JSON line: wall and CPU (os.clock: user + sys) seconds of the request loop only.
local jumpcloud = require "jumpcloud"
local core = require "jumpcloud.core"

local workload, base, n = arg[1], arg[2], math.tointeger(tonumber(arg[3]))
local conc = arg[4] and math.tointeger(tonumber(arg[4])) or nil
local SMALL = "/policygroups/5f400061000400009e3779b1"
local PAGE, WRAP = 100, 2000
local clock, now = os.clock, core.now

local client <close> = jumpcloud.new({ api_key = "bench-key-0123456789abcdef", base_url = base })
local requests, records = 0, 0

local function batched(count, chunk, make)
  for first = 0, count - 1, chunk do
    local reqs = {}
    for i = first, math.min(first + chunk, count) - 1 do reqs[#reqs + 1] = make(i) end
    for _, r in ipairs(client:batch(reqs, { concurrency = conc })) do
      local resp = assert(r[1], r[2])
      requests = requests + 1
      if type(resp.body) == "table" and resp.body[1] then records = records + #resp.body end
    end
  end
end

local function page_query(i)
  return { limit = PAGE, skip = (i % WRAP) * PAGE, sort = "_id" }
end

local w0, c0 = now(), clock()
if workload == "small" then
  if conc then
    batched(n, 1000, function() return { "GET", SMALL } end)
  else
    for _ = 1, n do
      assert(client:request("GET", SMALL))
      requests = requests + 1
    end
  end
elseif workload == "pages" then
  if conc then
    batched(n, 16, function(i) return { "GET", "/policies", query = page_query(i) } end)
  else
    for i = 0, n - 1 do
      local resp = assert(client:request("GET", "/policies", { query = page_query(i) }))
      requests, records = requests + 1, records + #resp.body
    end
  end
elseif workload == "pages-raw" then
  for i = 0, n - 1 do
    local resp = assert(client:request("GET", "/policies", { query = page_query(i), raw = true }))
    assert(type(resp.body) == "string")
    requests = requests + 1
  end
elseif workload == "iterate" then
  for _ in client.policies:each({ limit = PAGE, concurrency = conc }) do records = records + 1 end
  requests = records // PAGE
else
  error("unknown workload " .. tostring(workload))
end
local wall, cpu = now() - w0, clock() - c0
io.write(string.format('{"wall": %.6f, "cpu": %.6f, "requests": %d, "records": %d}\n', wall, cpu, requests, records))
