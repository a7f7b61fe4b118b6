-- Debian's lua-http as a client, with lua-cjson: one HTTP/1.1 connection (http.client.connect),
-- a new stream on it per request, so the connection is reused.
-- Usage: lua5.4 bench/client_luahttp.lua WORKLOAD BASE_URL N   (workloads as in client_binding.lua)
-- Prints one JSON line: wall and CPU (os.clock: user + sys) seconds of the request loop only.
-- Debian installs lua-http's modules (and lpeg_patterns, a pure Lua dependency) for Lua 5.1 to
-- 5.3 only; they run unchanged on 5.4.
if not package.searchpath("http.client", package.path) then
  package.path = package.path .. ";/usr/share/lua/5.3/?.lua;/usr/share/lua/5.3/?/init.lua"
    .. ";/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"
end
local http_client = require "http.client"
local http_headers = require "http.headers"
local cqueues = require "cqueues"
local cjson = require "cjson"

local workload, base, n = arg[1], arg[2], math.tointeger(tonumber(arg[3]))
local host, port, prefix = base:match("^http://([^:/]+):(%d+)(.*)$")
local SMALL = prefix .. "/policygroups/5f400061000400009e3779b1"
local PAGE, WRAP = 100, 2000
local decode, format = cjson.decode, string.format

local conn = assert(http_client.connect({ host = host, port = tonumber(port), tls = false, version = 1.1 }))
local authority = host .. ":" .. port

-- One GET on the connection: decoded body, response headers.
local function get(path)
  local h = http_headers.new()
  h:append(":method", "GET")
  h:append(":scheme", "http")
  h:append(":authority", authority)
  h:append(":path", path)
  h:append("accept", "application/json")
  h:append("x-api-key", "bench-key-0123456789abcdef")
  local stream = assert(conn:new_stream())
  assert(stream:write_headers(h, true))
  local rh = assert(stream:get_headers())
  local body = assert(stream:get_body_as_string())
  local status = rh:get(":status")
  if status ~= "200" then error("HTTP " .. status .. " for " .. path) end
  return decode(body), rh
end

local function page_path(p, skip)
  return format("%s/policies?limit=%d&skip=%d&sort=_id", p, PAGE, skip)
end

local requests, records = 0, 0
local w0, c0 = cqueues.monotime(), os.clock()
if workload == "small" then
  for _ = 1, n do
    get(SMALL)
    requests = requests + 1
  end
elseif workload == "pages" then
  for i = 0, n - 1 do
    local page = get(page_path(prefix, (i % WRAP) * PAGE))
    requests, records = requests + 1, records + #page
  end
elseif workload == "iterate" then
  local skip, total = 0, 1
  while skip < total and requests < 100000 do
    local page, h = get(page_path(prefix, skip))
    total = assert(tonumber(h:get("x-total-count")), "no x-total-count")
    for _ in ipairs(page) do records = records + 1 end
    skip, requests = skip + PAGE, requests + 1
  end
else
  error("unknown workload " .. tostring(workload))
end
local wall, cpu = cqueues.monotime() - w0, os.clock() - c0
conn:close()
io.write(format('{"wall": %.6f, "cpu": %.6f, "requests": %d, "records": %d}\n', wall, cpu, requests, records))
