--- The client: a Lua object holding a private transport (the C core's handle) and the options
-- resolved once. Its members are the documented methods (`request`, `call`, `batch`, `hosts`,
-- `base_url`, `close`) and the resources (`client.policies`, ...); nothing else is reachable, and
-- reading a near miss (`client.polices`) raises with a suggestion. The API key goes straight to
-- the core and is never kept on the Lua side.
-- @module jumpcloud.client
local core = require "jumpcloud.core"
local check = require "jumpcloud.check"
local request = require "jumpcloud.request"
local execute = require "jumpcloud.execute"

local type, pairs, tostring, getenv, format, setmetatable = type, pairs, tostring, os.getenv, string.format, setmetatable

local M = {}

-- Each client's private state, by client: the transport, the resolved options, the clock.
local STATE = setmetatable({}, { __mode = "k" })

local Client = {} -- the methods
M.methods = Client

-- Short on purpose: libcurl 7.88 writes every header line byte by byte, and this one goes on every request.
M.USER_AGENT = "jumpcloud-lua/" .. core.VERSION

--- The API roots of each region: v1 (`/api`), v2 (`/api/v2`) and Directory Insights.
M.REGIONS = {
  us = { v1 = "https://console.jumpcloud.com/api", v2 = "https://console.jumpcloud.com/api/v2",
    insights = "https://api.jumpcloud.com/insights/directory/v1" },
  eu = { v1 = "https://console.eu.jumpcloud.com/api", v2 = "https://console.eu.jumpcloud.com/api/v2",
    insights = "https://api.eu.jumpcloud.com/insights/directory/v1" },
  ["in"] = { v1 = "https://console.in.jumpcloud.com/api", v2 = "https://console.in.jumpcloud.com/api/v2",
    insights = "https://api.in.jumpcloud.com/insights/directory/v1" },
}
M.DEFAULT_BASE_URL = M.REGIONS.us.v2

-- option -> its type ("url", "positive" and "function" are checked as such)
local OPTIONS = {
  api_key = "string", org_id = "string", region = "string", base_url = "url", v1_url = "url", insights_url = "url",
  timeout = "positive", attempt_timeout = "positive", connect_timeout = "positive", stall_timeout = "positive",
  max_body = "positive", user_agent = "string", ca_file = "string", proxy = "string", headers = "table",
  retry = "any", sleep = "function", clock = "function", on_event = "function", gzip = "any",
}

local function nonempty(s)
  if s ~= nil and s ~= "" then return s end
end

local function check_options(opts)
  check.known(opts, OPTIONS, "option")
  for name, want in pairs(OPTIONS) do
    local v = opts[name]
    if v ~= nil then
      if want == "positive" then
        check.type(v, "number", format("option '%s'", name))
        if v ~= v or v <= 0 then check.fail("bad option '%s' (positive number expected)", name) end
      elseif want == "url" then
        check.type(v, "string", format("option '%s'", name))
      elseif want ~= "any" then
        check.type(v, want, format("option '%s'", name))
      end
    end
  end
  if opts.gzip ~= nil and type(opts.gzip) ~= "boolean" and opts.gzip ~= "lists" then
    check.usage("bad option 'gzip' (true, false or \"lists\" expected)")
  end
end

-- One root: the option, else its environment variable, else what `derive` gives; with why.
local function root(opts, name, env, derive)
  local v, from = nonempty(opts[name]), "option '" .. name .. "'"
  if not v then v, from = nonempty(getenv(env)), "environment " .. env end
  if not v then v, from = derive() end
  if not v:match("^https?://[^/]+") then
    check.fail("bad %s (an http:// or https:// URL expected, got '%s')", from, v)
  end
  return { url = (v:gsub("/+$", "")), from = from }
end

-- The three API roots and where each came from.
local function resolve_roots(opts)
  local region_from = "default"
  local region = nonempty(opts.region)
  if region then region_from = "option 'region'"
  else
    region = nonempty(getenv("JC_REGION"))
    if region then region_from = "environment JC_REGION" else region = "us" end
  end
  region = region:lower()
  local r = M.REGIONS[region]
  if not r then check.fail("bad region '%s' (us, eu or in expected)", region) end
  local by_region = "region " .. region .. " (" .. region_from .. ")"
  local v2 = root(opts, "base_url", "JC_API_V2_BASE_URL", function() return r.v2, by_region end)
  local local_api = v2.from ~= by_region and v2.url:match("^(.*)/v2$") -- one server serving v1 and v2
  local v1 = root(opts, "v1_url", "JC_API_V1_BASE_URL", function()
    if local_api then return local_api, "base_url without /v2" end
    return r.v1, by_region
  end)
  local insights = root(opts, "insights_url", "JC_INSIGHTS_BASE_URL", function()
    local origin = local_api and local_api:match("^(https?://[^/]+)/api$")
    if origin then return origin .. "/insights/directory/v1", "base_url's server" end
    return r.insights, by_region
  end)
  return { v1 = v1, v2 = v2, insights = insights, region = region }
end

-- The state of `self`, a client or a table made from one the ordinary Lua way
-- (`setmetatable(wrapper, {__index = client})`).
local function state_of(self)
  local st = STATE[self]
  if st then return st end
  local inner = self
  for _ = 1, 16 do
    local mt = type(inner) == "table" and getmetatable(inner)
    inner = type(mt) == "table" and rawget(mt, "__index")
    if type(inner) ~= "table" then break end
    st = STATE[inner]
    if st then return st end
  end
  check.usage("bad self (a jumpcloud.Client expected: call methods with a colon, client:request(...))")
end

-- The state of an open client, or the one error of a closed one.
local function open_state(self)
  local st = STATE[self] or state_of(self)
  if not st.open then check.closed() end
  return st
end

local MT = { __name = "jumpcloud.Client", __metatable = "jumpcloud.Client" }

--- Makes a client.
-- Unset options fall back to the environment: `JC_API_KEY`, `JC_ORG_ID`, `JC_REGION`,
-- `JC_API_V2_BASE_URL`, `JC_API_V1_BASE_URL`, `JC_INSIGHTS_BASE_URL`.
-- @tparam[opt] table opts `api_key`, `org_id` (sent as `x-org-id`), `region` ("us", "eu", "in"),
--   `base_url` (the v2 root), `v1_url`, `insights_url`, `timeout` (seconds, the whole call with its
--   retries and waits, default 60), `attempt_timeout` (one attempt, default: `timeout`),
--   `connect_timeout` (default 10), `stall_timeout` (seconds without a byte, default 30),
--   `user_agent`, `ca_file` (PEM bundle of a private CA), `proxy`, `headers` (sent on every
--   request), `max_body` (bytes, default 64 MiB, memory and files alike), `retry` (false, or a
--   table: `attempts`, `base_delay`, `max_delay`, `deadline`, `unsafe`, `statuses`; see
--   `jumpcloud.retry`), `sleep` and `clock` (functions that wait and tell seconds, for hosts with
--   their own event loop and for tests), `on_event` (called with one table per attempt), `gzip`
--   ("lists", the default: list pages, GETs with a `limit`, ask for a gzip-compressed answer; true:
--   every request; false: none)
-- @treturn jumpcloud.Client
-- @usage local c <close> = jumpcloud.new{ api_key = os.getenv("JC_API_KEY") }
function M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then check.fail("bad argument #1 to 'new' (table expected, got %s)", type(opts)) end
  check_options(opts)
  local api_key = nonempty(opts.api_key) or nonempty(getenv("JC_API_KEY"))
  if not api_key then check.usage("no API key: pass api_key to jumpcloud.new or set JC_API_KEY") end
  if api_key:find("[\r\n%z]") then check.usage("bad option 'api_key' (contains CR, LF or NUL)") end
  local roots = resolve_roots(opts)
  local org_id = nonempty(opts.org_id) or nonempty(getenv("JC_ORG_ID"))
  if org_id and org_id:find("[\r\n%z]") then check.usage("bad option 'org_id' (contains CR, LF or NUL)") end
  if opts.user_agent and opts.user_agent:find("[\r\n%z]") then check.usage("bad option 'user_agent' (contains CR, LF or NUL)") end
  -- Headers of every request live in the core, as one prebuilt list: Accept for JSON (a call may
  -- ask for other types), x-org-id (a call may leave it out), the user agent, and the caller's own.
  local defaults = { accept = "application/json", ["x-org-id"] = org_id }
  local sends_org = org_id ~= nil -- whether every request carries an x-org-id line
  for k, v in pairs(opts.headers or {}) do
    request.check_header(k, v)
    local lower = k:lower()
    if lower == "accept" or lower == "x-org-id" then defaults[lower] = nil end
    if lower == "x-org-id" then sends_org = v ~= false end
    defaults[k] = v
  end
  local retry = opts.retry
  if retry ~= nil then retry = require("jumpcloud.retry").policy(nil, retry) end
  local ok, transport = pcall(core.new, {
    api_key = api_key, headers = defaults, timeout = opts.attempt_timeout or opts.timeout,
    connect_timeout = opts.connect_timeout, stall_timeout = opts.stall_timeout,
    user_agent = opts.user_agent or M.USER_AGENT, ca_file = opts.ca_file, proxy = opts.proxy,
    max_body = opts.max_body,
  })
  if not ok then check.usage(tostring(transport)) end
  local timeout = opts.timeout or 60
  if retry == nil then retry = require("jumpcloud.retry").DEFAULTS end
  -- the methods are the client's own fields: a call finds them at once, and pairs(client) lists them
  local client = {}
  for name, f in pairs(Client) do client[name] = f end
  setmetatable(client, MT)
  STATE[client] = {
    open = true, transport = transport, roots = roots, root = roots.v2.url, sends_org = sends_org,
    retry = retry, timeout = timeout,
    -- a call's span: every attempt and wait within the retry deadline and the client's timeout
    span = retry and math.min(retry.deadline, timeout) or nil,
    -- JSON pages compress 5 to 10 times; a single object gains nothing and the header line costs
    -- every request libcurl's time, so by default only list pages ask for gzip.
    gzip = opts.gzip == nil and "lists" or opts.gzip,
    sleep = opts.sleep or core.sleep, clock = opts.clock or core.now, on_event = opts.on_event,
    next_id = 0, resources = {},
  }
  return client
end

--- Sends one request and returns the response.
-- @tparam string method HTTP method ("GET", "POST", ...)
-- @tparam string path path below the base URL, starting with "/", already escaped; or a full URL
--   of one of the client's API roots' origins (a `Link` to follow)
-- @tparam[opt] table opts `query` (name -> value or array), `explode` (set of query names sent as
--   repeated keys), `headers` (name -> value, replacing the client's header of that name; false
--   leaves it out), `body` (a table sent as JSON, or a string sent as is), `content_type` (of a
--   string body, default JSON), `org_header` (false: do not send `x-org-id`), `raw` (true: never
--   decode a successful body), `to_file` (a path: stream a successful body there instead of memory),
--   `retry` (false, or a table overriding the client's retry policy for this call), `gzip` (true or
--   false: ask for a gzip-compressed answer or not, whatever the client's `gzip` option says)
-- @treturn table response `{status, headers, body, attempts}`, JSON bodies decoded; or nil and an error
function Client:request(method, path, opts)
  local st = STATE[self] or state_of(self)
  if not st.open then check.closed() end
  local req = opts == nil and request.plain(st, method, path) or request.build(st, method, path, opts)
  return execute.run(st, req)
end

--- Runs any operation of JumpCloud's API by its id.
-- @tparam string operation_id the standardized id (`getApiV2Usergroups`), the legacy id
--   (`groups_user_list`), the reference's name (`PolicyGroups_listAll`) or, for Directory
--   Insights, its operationId (`docs/operations.md` lists them all)
-- @tparam[opt] table params parameters named as the description names them (`id`, `limit`,
--   `filter`, `x-org-id`, ...), plus `body`
-- @tparam[opt] table opts `to_file` (stream a successful body there), `retry` (this call's policy),
--   `unchecked` (true: send body fields the description does not know)
-- @return data (decoded JSON, the bytes of a binary or text answer, or true when there is no
--   content) and the response `{status, headers, operation, ...}`; or nil and an error
-- @usage local groups = assert(client:call("PolicyGroups_listAll", { limit = 10 }))
function Client:call(operation_id, params, opts)
  local st = open_state(self)
  local operation = require "jumpcloud.operation"
  local op = operation.find(operation_id)
  if opts ~= nil then
    check.type(opts, "table", "argument #3 to 'call'")
    check.known(opts, operation.REQUEST_OPTIONS, "call option")
  end
  return operation.run(st, op, params, opts, operation_id)
end

--- Sends many requests at once over reused connections (a libcurl multi handle), each with the
-- same retries and deadline as a single call.
-- @tparam table requests a list; each `{method, path, query =, headers =, body =, retry =}` (as for
--   `request`) or `{call = operation_id, params = {...}, retry =}` (as for `call`)
-- @tparam[opt] table opts `concurrency` (default 4, at most 8: JumpCloud rate-limits per organisation)
-- @treturn table results in the order asked: `{response}` or `{data, response}` for a call, or
--   `{nil, err}`; one failure does not lose the others
-- @usage local results = client:batch({ { call = "policies_get", params = { id = a } }, { "GET", "/policygroups" } })
function Client:batch(requests, opts)
  return require("jumpcloud.batch").run(open_state(self), requests, opts)
end

--- The v2 root requests go to.
-- @treturn string
function Client:base_url()
  return state_of(self).root
end

--- The three API roots and why each is what it is.
-- @treturn table `{region =, v1 = {url =, from =}, v2 = {...}, insights = {...}}`
function Client:hosts()
  local r = state_of(self).roots
  local function copy(x) return { url = x.url, from = x.from } end
  return { region = r.region, v1 = copy(r.v1), v2 = copy(r.v2), insights = copy(r.insights) }
end

--- Ends the client: its connections close, its key is wiped from the core's memory. Safe to call
-- twice; a closed client's methods raise. Also what `<close>` does.
function Client:close()
  local st = state_of(self)
  st.open = false
  st.transport:close()
end

--- The documented members: the methods and the resources.
function M.members()
  local out = {}
  for k in pairs(Client) do out[#out + 1] = k end
  for _, k in ipairs(require("jumpcloud.resource").names()) do out[#out + 1] = k end
  table.sort(out)
  return out
end

MT.__index = function(self, k)
  local m = Client[k]
  if m ~= nil then return m end
  local st = STATE[self]
  local r = st and st.resources[k]
  if r then return r end
  local resources = require "jumpcloud.resource"
  if type(k) == "string" and st and resources.exists(k) then
    r = resources.new(st, k)
    st.resources[k] = r
    return r
  end
  if type(k) == "string" then
    local within = #k >= 6 and 2 or 1 -- a short name is near too much by 2 (gzip, gcep)
    local near = check.near(k, resources.names(), 3, within)
    for name in pairs(Client) do if check.near(k, { name }, 1, within)[1] then near[#near + 1] = name end end
    if #near > 0 then check.fail("no member '%s' in a jumpcloud.Client (did you mean '%s'?)", k, near[1]) end
  end
  return nil
end
MT.__close = Client.close
MT.__tostring = function(self)
  local st = STATE[self]
  return format("jumpcloud.Client (%s%s)", st and st.open and "" or "closed, ", st and st.root or "?")
end

return M
