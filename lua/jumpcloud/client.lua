--- The client: options, environment, authentication headers and `request`.
-- A client is a `jumpcloud.Client` userdata made by the C core; this module adds its Lua
-- methods. The API key goes straight to the core and is never kept on the Lua side.
-- @module jumpcloud.client
local core = require "jumpcloud.core"
local transport = require "jumpcloud.transport"

-- Loaded on first use, so that a script that only makes requests starts fast.
local function executor() return require "jumpcloud.executor" end
local function retry() return require "jumpcloud.retry" end

local type, tostring, getenv, format = type, tostring, os.getenv, string.format

local M = {}
local methods = core.methods

M.DEFAULT_BASE_URL = "https://console.jumpcloud.com/api/v2"

--- The retry policy of a client made without the `retry` option (`jumpcloud.retry` explains the
-- fields, and is where they are checked; it is loaded only when a call may be retried).
M.RETRY_DEFAULTS = {
  attempts = 4,        -- the first attempt and 3 retries
  base_delay = 0.5,    -- seconds; the n-th retry waits up to base_delay * 2^(n-1)
  max_delay = 30,      -- cap of one wait
  deadline = 120,      -- seconds for the whole call, waits included
  unsafe = false,      -- true: retry POST and PATCH like the others
  statuses = { [429] = true, [502] = true, [503] = true, [504] = true },
}
-- Short on purpose: libcurl 7.88 writes every header line byte by byte, and this one goes on every request.
M.USER_AGENT = "jumpcloud-lua/" .. core.VERSION

-- Raises a type error naming the option, blaming the caller of the public function.
local function check_opt(opts, name, want, level)
  local v = opts[name]
  if v ~= nil and type(v) ~= want then
    error(format("bad option '%s' (%s expected, got %s)", name, want, type(v)), level + 1)
  end
  return v
end

local function check_positive(opts, name, level)
  local v = check_opt(opts, name, "number", level + 1)
  if v ~= nil and (v ~= v or v <= 0) then error(format("bad option '%s' (positive number expected)", name), level + 1) end
  return v
end

local function nonempty(s)
  if s ~= nil and s ~= "" then return s end
end

--- The resources a client carries, each a module of `jumpcloud.resources`: `client.policies`, ...
M.RESOURCES = { "policies", "policygroups", "policytemplates", "policyresults", "iplists", "ldapservers",
  "logos", "microsoft_mdm", "office365s", "organizations", "passwordmanager", "autotask", "connectwise", "cases" }

local RESOURCE_SET = {}
for _, name in ipairs(M.RESOURCES) do RESOURCE_SET[name] = true end

local KNOWN_OPTIONS = {
  api_key = true, org_id = true, base_url = true, timeout = true, connect_timeout = true,
  stall_timeout = true, user_agent = true, ca_file = true, proxy = true, headers = true, max_body = true,
  retry = true, sleep = true, clock = true, on_event = true, attempt_timeout = true, gzip = true,
}

--- Makes a client.
-- Unset options fall back to the environment: `JC_API_KEY`, `JC_ORG_ID`, `JC_API_V2_BASE_URL`.
-- @tparam[opt] table opts `api_key`, `org_id` (sent as `x-org-id`), `base_url`, `timeout`
--   (seconds, the whole call with its retries and waits, default 60), `attempt_timeout` (one attempt,
--   default: `timeout`), `connect_timeout` (default 10), `stall_timeout` (seconds
--   without a byte, default 30), `user_agent`, `ca_file` (PEM bundle of a private CA), `proxy`,
--   `headers` (sent on every request), `max_body` (bytes, default 64 MiB), `retry` (false, or a
--   table: `attempts`, `base_delay`, `max_delay`, `deadline`, `unsafe`, `statuses`; see
--   `jumpcloud.retry`), `sleep` and `clock` (functions that wait and tell seconds, for hosts with
--   their own event loop and for tests), `on_event` (called with one table per attempt), `gzip`
--   ("lists", the default: list pages, GETs with a `limit`, ask for a gzip-compressed answer; true:
--   every request; false: none)
-- @treturn jumpcloud.Client
-- @usage local c <close> = jumpcloud.new{ api_key = os.getenv("JC_API_KEY") }
function M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then error("bad argument #1 to 'new' (table expected, got " .. type(opts) .. ")", 2) end
  for k in pairs(opts) do
    if not KNOWN_OPTIONS[k] then error(format("unknown option '%s'", tostring(k)), 2) end
  end
  for _, name in ipairs({ "api_key", "org_id", "base_url", "user_agent", "ca_file", "proxy" }) do
    check_opt(opts, name, "string", 2)
  end
  check_opt(opts, "headers", "table", 2)
  for _, name in ipairs({ "sleep", "clock", "on_event" }) do check_opt(opts, name, "function", 2) end
  for _, name in ipairs({ "timeout", "attempt_timeout", "connect_timeout", "stall_timeout", "max_body" }) do
    check_positive(opts, name, 2)
  end
  if opts.gzip ~= nil and type(opts.gzip) ~= "boolean" and opts.gzip ~= "lists" then
    error("bad option 'gzip' (true, false or \"lists\" expected)", 2)
  end
  local api_key = nonempty(opts.api_key) or nonempty(getenv("JC_API_KEY"))
  if not api_key then error("no API key: pass api_key to jumpcloud.new or set JC_API_KEY", 2) end
  local base_url = nonempty(opts.base_url) or nonempty(getenv("JC_API_V2_BASE_URL")) or M.DEFAULT_BASE_URL
  if not base_url:match("^https?://[^/]+") then
    error(format("bad option 'base_url' (an http:// or https:// URL expected, got '%s')", base_url), 2)
  end
  local org_id = nonempty(opts.org_id) or nonempty(getenv("JC_ORG_ID"))
  if org_id and org_id:find("[\r\n%z]") then error("bad option 'org_id' (contains CR, LF or NUL)", 2) end
  -- Headers of every request live in the core, as one prebuilt list: Accept for JSON (a call may
  -- ask for other types), x-org-id (a call may leave it out), the user agent, and the caller's own.
  local defaults = { accept = "application/json", ["x-org-id"] = org_id }
  local sends_org = org_id ~= nil -- whether every request carries an x-org-id line
  for k, v in pairs(opts.headers or {}) do
    local lower = type(k) == "string" and k:lower()
    if lower == "accept" or lower == "x-org-id" then defaults[lower] = nil end
    if lower == "x-org-id" then sends_org = v ~= false end
    defaults[k] = v
  end
  local client = core.new({
    api_key = api_key, headers = defaults, timeout = opts.attempt_timeout or opts.timeout,
    connect_timeout = opts.connect_timeout, stall_timeout = opts.stall_timeout,
    user_agent = opts.user_agent or M.USER_AGENT, ca_file = opts.ca_file, proxy = opts.proxy,
    max_body = opts.max_body,
  })
  local state = core.state(client)
  state.base_url = base_url:gsub("/+$", "")
  state.sends_org = sends_org
  if opts.retry == nil then state.retry = M.RETRY_DEFAULTS
  else state.retry = retry().policy(M.RETRY_DEFAULTS, opts.retry, 2) end
  state.timeout = opts.timeout or 60
  -- JSON pages compress 5 to 10 times; a single object gains nothing and the header line costs
  -- every request libcurl's time, so by default only list pages ask for gzip.
  if opts.gzip == nil then state.gzip = "lists" else state.gzip = opts.gzip end
  -- a call's span: every attempt and wait within the retry deadline and the client's timeout
  state.span = state.retry and math.min(state.retry.deadline, state.timeout)
  state.sleep, state.clock, state.on_event = opts.sleep or core.sleep, opts.clock or core.now, opts.on_event
  -- client.policies and the others are made on first use (and their modules loaded then). The
  -- core's __index looks here after the methods and the state, which stays a plain table: a
  -- request reading an unset option (on_event) runs no metamethod.
  state[core.RESOURCES] = setmetatable({}, { __index = function(t, name)
    if not RESOURCE_SET[name] then return nil end
    local r = require("jumpcloud.resource").new(client, (require("jumpcloud.resources." .. name)))
    rawset(t, name, r)
    return r
  end })
  return client
end

--- Sends one request and returns the response.
-- @tparam string method HTTP method ("GET", "POST", ...)
-- @tparam string path path below the base URL, starting with "/", already escaped; or a full URL
--   of the base URL's origin (a `Link` to follow)
-- @tparam[opt] table opts `query` (name -> value or array), `explode` (set of query names sent as
--   repeated keys), `headers` (name -> value, replacing the client's header of that name; false
--   leaves it out), `body` (a table sent as JSON, or a string sent as is),
--   `org_header` (false: do not send `x-org-id`), `raw` (true: never decode a successful body),
--   `to_file` (a path: stream a successful body there instead of memory), `retry` (false, or a
--   table overriding the client's retry policy for this call), `gzip` (true or false: ask for a
--   gzip-compressed answer or not, whatever the client's `gzip` option says)
-- @treturn table response `{status, headers, body, attempts}`, JSON bodies decoded; or nil and an error
-- @function request
methods.request = transport.request

--- Runs an operation of the reference by its operationId.
-- @tparam string operation_id as the reference spells it, e.g. "PolicyGroups_listAll"
-- @tparam[opt] table params parameters named as in the reference (`id`, `limit`, `filter`,
--   `x-org-id`, ...) plus `body`
-- @return data (decoded JSON, the bytes of a binary answer, or true when there is no content)
--   and the response `{status, headers}`; or nil and an error
-- @usage local groups = assert(client:call("PolicyGroups_listAll", { limit = 10 }))
function methods:call(operation_id, params)
  local op = executor().operation(operation_id, 2)
  if not core.is_open(self) then error("attempt to use a closed jumpcloud.Client", 2) end
  return executor().run(self, op, params, nil, 3)
end

--- Sends many requests at once over reused connections (a libcurl multi handle), each with the
-- same retries and deadline as a single call.
-- @tparam table requests a list; each `{method, path, query =, headers =, body =, retry =}` (as for
--   `request`) or `{call = operation_id, params = {...}, retry =}` (as for `call`)
-- @tparam[opt] table opts `concurrency` (default 4, at most 8: JumpCloud rate-limits per organisation)
-- @treturn table results in the order asked: `{response}` or `{data, response}` for a call, or
--   `{nil, err}`; one failure does not lose the others
-- @usage local results = client:batch({ { call = "policies_get", params = { id = a } }, { "GET", "/policygroups" } })
function methods:batch(requests, opts)
  if not core.is_open(self) then error("attempt to use a closed jumpcloud.Client", 2) end
  return require("jumpcloud.batch").run(self, requests, opts, 3)
end

--- The base URL requests go to.
-- @treturn string
function methods:base_url()
  return core.state(self).base_url
end

return M
