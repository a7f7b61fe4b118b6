--- The client: options, environment, authentication headers and `request`.
-- A client is a `jumpcloud.Client` userdata made by the C core; this module adds its Lua
-- methods. The API key goes straight to the core and is never kept on the Lua side.
-- @module jumpcloud.client
local core = require "jumpcloud.core"
local errors = require "jumpcloud.errors"
local url_util = require "jumpcloud.url"
local executor = require "jumpcloud.executor"
local resource = require "jumpcloud.resource"
local retry = require "jumpcloud.retry"

local type, tostring, getenv, format = type, tostring, os.getenv, string.format

local M = {}
local methods = core.methods

M.DEFAULT_BASE_URL = "https://console.jumpcloud.com/api/v2"
M.USER_AGENT = format("jumpcloud-lua/%s libcurl/%s", core.VERSION, core.curl_version)

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

local KNOWN_OPTIONS = {
  api_key = true, org_id = true, base_url = true, timeout = true, connect_timeout = true,
  stall_timeout = true, user_agent = true, ca_file = true, proxy = true, headers = true, max_body = true,
  retry = true, sleep = true, clock = true, on_event = true,
}

--- Makes a client.
-- Unset options fall back to the environment: `JC_API_KEY`, `JC_ORG_ID`, `JC_API_V2_BASE_URL`.
-- @tparam[opt] table opts `api_key`, `org_id` (sent as `x-org-id`), `base_url`, `timeout`
--   (seconds, whole call, default 60), `connect_timeout` (default 10), `stall_timeout` (seconds
--   without a byte, default 30), `user_agent`, `ca_file` (PEM bundle of a private CA), `proxy`,
--   `headers` (sent on every request), `max_body` (bytes, default 64 MiB), `retry` (false, or a
--   table: `attempts`, `base_delay`, `max_delay`, `deadline`, `unsafe`, `statuses`; see
--   `jumpcloud.retry`), `sleep` and `clock` (functions that wait and tell seconds, for hosts with
--   their own event loop and for tests), `on_event` (called with one table per attempt)
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
  for _, name in ipairs({ "timeout", "connect_timeout", "stall_timeout", "max_body" }) do
    check_positive(opts, name, 2)
  end
  local api_key = nonempty(opts.api_key) or nonempty(getenv("JC_API_KEY"))
  if not api_key then error("no API key: pass api_key to jumpcloud.new or set JC_API_KEY", 2) end
  local base_url = nonempty(opts.base_url) or nonempty(getenv("JC_API_V2_BASE_URL")) or M.DEFAULT_BASE_URL
  if not base_url:match("^https?://[^/]+") then
    error(format("bad option 'base_url' (an http:// or https:// URL expected, got '%s')", base_url), 2)
  end
  local client = core.new({
    api_key = api_key, headers = opts.headers, timeout = opts.timeout,
    connect_timeout = opts.connect_timeout, stall_timeout = opts.stall_timeout,
    user_agent = opts.user_agent or M.USER_AGENT, ca_file = opts.ca_file, proxy = opts.proxy,
    max_body = opts.max_body,
  })
  local state = core.state(client)
  state.base_url = base_url:gsub("/+$", "")
  state.org_id = nonempty(opts.org_id) or nonempty(getenv("JC_ORG_ID"))
  state.retry = retry.policy(retry.DEFAULTS, opts.retry, 2)
  state.sleep, state.clock, state.on_event = opts.sleep or core.sleep, opts.clock or core.now, opts.on_event
  for _, name in ipairs(M.RESOURCES) do
    state[name] = resource.new(client, (require("jumpcloud.resources." .. name)))
  end
  return client
end

local function is_json(content_type)
  if not content_type then return false end
  local ct = content_type:lower()
  return ct:find("^application/json") ~= nil or ct:find("^application/[%w.+-]*%+json") ~= nil
end
M.is_json = is_json

local function correlation_id()
  return format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
end

-- Builds the error of an HTTP status >= 300.
local function http_error(method, url, resp, body)
  local status = resp.status
  return errors.new({
    kind = "http", status = status, code = errors.status_code(status),
    message = errors.message_from(body) or ("HTTP " .. status),
    method = method, url = url, body = body, headers = resp.headers,
    request_id = resp.headers["x-request-id"],
  })
end

-- Scrubs the API key from every string an error carries (servers can echo it back).
local function scrub(client, value, depth)
  if type(value) == "string" then return client:redact(value) end
  if type(value) == "table" and depth < 32 then
    for k, v in pairs(value) do value[k] = scrub(client, v, depth + 1) end
  end
  return value
end

local function finish_error(client, err)
  for k, v in pairs(err) do err[k] = scrub(client, v, 0) end
  return errors.new(err)
end

--- Turns what the core answered for one attempt into the response, or nil and the fields of an
-- error (not yet an error object): decodes JSON, maps statuses of 300 and above to errors.
function M.interpret(req, resp, terr)
  if not resp then return nil, terr end
  local raw = resp.body
  if raw == "" then
    resp.body = nil
  elseif is_json(resp.headers["content-type"]) and req.method ~= "HEAD" and not (req.raw and resp.status < 300) then
    local data, derr = core.json_decode(raw)
    if data == nil and derr then
      -- An error status keeps its raw body (a proxy's HTML 502 labelled JSON is still a 502).
      if resp.status < 300 then
        return nil, { kind = "decode", code = "invalid_json", status = resp.status, message = derr, body = raw,
          time = resp.time, bytes = #raw }
      end
      data = raw
    end
    resp.body = data
  end
  resp.bytes = resp.bytes or #raw -- as received (a streamed file's size is set by the core)
  if resp.status >= 300 then
    local e = http_error(req.method, req.url, resp, resp.body)
    e.time, e.bytes = resp.time, #raw
    return nil, e
  end
  return resp
end

-- Tells the on_event hook about one attempt.
local function emit(self, state, req, n, resp, err, wait)
  if not state.on_event then return end
  local r = resp or err
  state.on_event({
    method = req.method, url = self:redact(req.url), attempt = n, status = r.status, bytes = r.bytes or 0,
    duration = r.time, retry_wait = wait, kind = err and err.kind, code = err and err.code,
    correlation_id = req.correlation_id, operation = req.operation,
  })
end

--- After attempt `n` of `req` ended with `resp` or `err`: tells on_event, and returns the wait before
-- the next attempt, or nil when there is none (success, or a failure not to retry).
function M.after_attempt(self, req, n, resp, err)
  local state = core.state(self)
  local policy, wait = req.retry, nil
  if resp then
    resp.attempts = n
  elseif policy and n < policy.attempts and retry.retryable(policy, req.method, err) then
    wait = retry.retry_after((err.headers or {})["retry-after"], os.time()) or retry.backoff(policy, n, math.random)
    if state.clock() + wait > req.deadline then
      err.gave_up = "the next wait (" .. retry.describe(wait) .. ") would pass the deadline"
      wait = nil
    end
  end
  emit(self, state, req, n, resp, err, wait)
  return wait
end

--- The error object of a call that failed at attempt `n`, with the API key scrubbed.
function M.failure(self, req, n, err)
  err.method, err.url, err.attempts, err.correlation_id = req.method, req.url, n, req.correlation_id
  err.time, err.bytes = nil, nil
  return finish_error(self, err)
end

--- Options for the core's perform of the next attempt (the rest of the deadline as timeout).
function M.perform_opts(self, req)
  if req.deadline then req.perform_opts.timeout = math.max(req.deadline - core.state(self).clock(), 0.001) end
  return req.perform_opts
end

-- Sends a built request, retrying as its policy allows.
local function send(self, req)
  local sleep = core.state(self).sleep
  local n = 0
  while true do
    n = n + 1
    local resp, err = M.interpret(req, self:perform(req.method, req.url, req.headers, req.body, M.perform_opts(self, req)))
    local wait = M.after_attempt(self, req, n, resp, err)
    if resp then return resp end
    if not wait then return nil, M.failure(self, req, n, err) end
    sleep(wait)
  end
end

--- Sends one request and returns the response.
-- @tparam string method HTTP method ("GET", "POST", ...)
-- @tparam string path path below the base URL, starting with "/", already escaped; or a full URL
--   of the base URL's origin (a `Link` to follow)
-- @tparam[opt] table opts `query` (name -> value or array), `explode` (set of query names sent as
--   repeated keys), `headers`, `body` (a table sent as JSON, or a string sent as is),
--   `org_header` (false: do not send `x-org-id`), `raw` (true: never decode a successful body),
--   `to_file` (a path: stream a successful body there instead of memory), `retry` (false, or a
--   table overriding the client's retry policy for this call)
-- @treturn table response `{status, headers, body, attempts}`, JSON bodies decoded; or nil and an error
function methods:request(method, path, opts)
  local req = M.build(self, method, path, opts, 3)
  return send(self, req)
end

--- Checks and assembles a request: `{method, url, headers, body, retry, ...}`. Raises on bad input.
function M.build(self, method, path, opts, level)
  if type(method) ~= "string" then
    error("bad argument #1 to 'request' (string expected, got " .. type(method) .. ")", level)
  end
  local absolute = type(path) == "string" and path:find("^%a[%w+.-]*://") ~= nil
  if type(path) ~= "string" or (path:sub(1, 1) ~= "/" and not absolute) then
    error("bad argument #2 to 'request' (path starting with '/' expected)", level)
  end
  if absolute and not url_util.same_origin(path, core.state(self).base_url) then
    error("bad argument #2 to 'request' (a full URL must have the base URL's scheme, host and port)", level)
  end
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then error("bad argument #3 to 'request' (table expected, got " .. type(opts) .. ")", level) end
  if not core.is_open(self) then error("attempt to use a closed jumpcloud.Client", level) end
  method = method:upper()
  local state = core.state(self)
  local headers = { accept = "application/json" }
  if state.org_id and opts.org_header ~= false then headers["x-org-id"] = state.org_id end
  if opts.headers ~= nil then
    if type(opts.headers) ~= "table" then error("bad option 'headers' (table expected)", level) end
    for k, v in pairs(opts.headers) do headers[type(k) == "string" and k:lower() or k] = v end
  end
  local body = opts.body
  if type(body) == "table" then
    local ok, text = pcall(core.json_encode, body)
    if not ok then error("bad option 'body' (" .. tostring(text) .. ")", level) end
    body = text
  elseif body ~= nil and type(body) ~= "string" then
    error("bad option 'body' (table or string expected, got " .. type(body) .. ")", level)
  end
  if body and not headers["content-type"] then headers["content-type"] = "application/json" end
  local url = absolute and path or state.base_url .. path
  if opts.query ~= nil then
    if type(opts.query) ~= "table" then error("bad option 'query' (table expected)", level) end
    local q = core.encode_query(opts.query, opts.explode)
    if q ~= "" then url = url .. "?" .. q end
  end
  local to_file = opts.to_file
  if to_file ~= nil and type(to_file) ~= "string" then error("bad option 'to_file' (string expected)", level) end
  local policy = retry.policy(state.retry, opts.retry, level)
  return {
    method = method, url = url, headers = headers, body = body, raw = opts.raw,
    perform_opts = { to_file = to_file }, retry = policy, deadline = policy and state.clock() + policy.deadline,
    correlation_id = correlation_id(), operation = opts.operation,
  }
end

--- Runs an operation of the reference by its operationId.
-- @tparam string operation_id as the reference spells it, e.g. "PolicyGroups_listAll"
-- @tparam[opt] table params parameters named as in the reference (`id`, `limit`, `filter`,
--   `x-org-id`, ...) plus `body`
-- @return data (decoded JSON, the bytes of a binary answer, or true when there is no content)
--   and the response `{status, headers}`; or nil and an error
-- @usage local groups = assert(client:call("PolicyGroups_listAll", { limit = 10 }))
function methods:call(operation_id, params)
  local op = executor.operation(operation_id, 2)
  if not core.is_open(self) then error("attempt to use a closed jumpcloud.Client", 2) end
  return executor.run(self, op, params, nil, 3)
end

--- The base URL requests go to.
-- @treturn string
function methods:base_url()
  return core.state(self).base_url
end

return M
