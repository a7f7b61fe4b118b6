-- Shared set-up for the specs: one mock JumpCloud server per spec file, on loopback.
local jumpcloud = require "jumpcloud"
local mock = require "jumpcloud.mock"

local M = {}

-- The repository's root, and where JumpCloud's descriptions and the project's reference are (beside
-- it, in ../shared/reference, or $JC_OPENAPI_DIR for the descriptions).
M.ROOT = (debug.getinfo(1, "S").source:sub(2):match("^(.*)/spec/[^/]*$")) or "."
M.REFERENCE = M.ROOT .. "/../shared/reference/"
M.OPENAPI_DIR = os.getenv("JC_OPENAPI_DIR") or (M.ROOT .. "/../shared/reference/jumpcloud-openapi")

-- The bytes of a file, or nil when it cannot be read.
function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

-- A key long enough to be scrubbed from anything the library produces (see client:redact).
M.API_KEY = "jc-spec-key-7f3a9c1e5b2d4f60a8c9e1b3d5f7a9c2"

function M.start_server()
  return mock.start({ api_key = M.API_KEY })
end

function M.client(srv, opts)
  local o = { api_key = M.API_KEY, base_url = srv.url }
  for k, v in pairs(opts or {}) do o[k] = v end
  return jumpcloud.new(o)
end

-- For a describe block: starts a mock server before its tests and stops it after, and hands
-- `{srv, client, control, ids, counts}` to `take` (client options in `client_opts`).
function M.with_mock(take, client_opts)
  local busted = require "busted"
  local setup, teardown = busted.setup, busted.teardown
  local env = {}
  setup(function()
    env.srv = M.start_server()
    env.client = M.client(env.srv, client_opts)
    env.control = M.control(env.srv)
    local d = assert(env.control:request("GET", "/__mock/ids")).body
    env.ids, env.counts = d.ids, d.counts
    take(env)
  end)
  teardown(function()
    env.client:close()
    env.control:close()
    env.srv:stop()
  end)
end

-- A client for the mock's control routes (/__mock/...), outside /api/v2.
function M.control(srv)
  return jumpcloud.new({ api_key = M.API_KEY, base_url = srv.url:gsub("/api/v2$", "") })
end

-- Reseeds the mock and empties its request log and fault rules.
function M.reset(control)
  assert(control:request("POST", "/__mock/reset"))
end

-- Adds a fault rule (see lua/jumpcloud/mock/faults.lua).
function M.fault(control, rule)
  assert(control:request("POST", "/__mock/faults", { body = rule }))
end

function M.stats(control)
  return assert(control:request("GET", "/__mock/stats")).body
end

-- The decoded query of a raw query string: name -> list of values, in order.
function M.args(query)
  local out = {}
  local function unescape(s) return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end
  for pair in (query or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k = unescape(k)
    out[k] = out[k] or {}
    table.insert(out[k], unescape(v))
  end
  return out
end

-- The mock's request log (requests outside /__mock/), each with its decoded `args`; only those
-- on `path` when given.
function M.requests(control, path)
  local out = {}
  for _, r in ipairs(assert(control:request("GET", "/__mock/requests")).body) do
    if not path or r.path == path then
      r.args = M.args(r.query)
      out[#out + 1] = r
    end
  end
  return out
end

-- Everything a value contains, as one string, to search it for secrets.
function M.dump(v, seen)
  seen = seen or {}
  if type(v) ~= "table" then return tostring(v) end
  if seen[v] then return "" end
  seen[v] = true
  local out = { tostring(v) }
  for k, x in pairs(v) do out[#out + 1] = M.dump(k, seen) .. "=" .. M.dump(x, seen) end
  return table.concat(out, " ")
end

-- The C host of spec/host/jc_host.c, built beside the core this run uses (build/ or build-asan/),
-- as a command line that gives it this run's module paths.
function M.host_binary()
  local core_so = assert(package.searchpath("jumpcloud.core", package.cpath))
  local bin = core_so:gsub("jumpcloud/core%.so$", "jc_host")
  assert(io.open(bin), "no " .. bin .. ": bin/setup builds it (-DJC_HOST_TEST=ON)"):close()
  return string.format("LUA_PATH=%q LUA_CPATH=%q %s", package.path, package.cpath, bin)
end

-- Runs `script` in a child lua5.4 with this run's module paths (the sources and the build this run
-- uses: build-asan/ under bin/test-asan), so that a crash is a failed spec, not a killed suite.
-- `env` is a prefix of VAR=value assignments. Returns whether it exited with 0, and what it printed
-- (stdout and stderr).
function M.run_child(script, env)
  local file = os.tmpname()
  local f = assert(io.open(file, "w"))
  f:write(string.format("package.path = %q; package.cpath = %q\n", package.path, package.cpath), script)
  f:close()
  local clean = "env -u JC_REGION -u JC_API_V2_BASE_URL -u http_proxy -u https_proxy -u HTTPS_PROXY -u all_proxy "
    .. "-u ALL_PROXY -u no_proxy -u NO_PROXY "
  local p = io.popen(clean .. (env or "") .. "lua5.4 " .. file .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  os.remove(file)
  return ok == true, out, code
end

return M
