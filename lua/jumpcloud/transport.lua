--- Requests on the wire: checking and building one from the caller's arguments, and its first
-- attempt through the core (jumpcloud.attempt takes over when that is not a plain success).
-- Shared by `request`, `call`, `batch` and parallel paging, so every request behaves the same.
-- @module jumpcloud.transport
local core = require "jumpcloud.core"

local type, pairs, tostring = type, pairs, tostring
local perform = core.methods.perform -- called directly: a method call would go through __index

local M = {}

-- Loaded when first needed: jumpcloud.retry when a call brings its own policy, jumpcloud.url for
-- full URLs (following a Link); a script whose calls succeed never compiles them.
local function retry() return require "jumpcloud.retry" end
local function url_util() return require "jumpcloud.url" end

local byte, SLASH = string.byte, string.byte("/")
local METHODS = { GET = "GET", POST = "POST", PUT = "PUT", PATCH = "PATCH", DELETE = "DELETE", HEAD = "HEAD" }

-- What the core decodes of a response body labelled JSON (the core's JC_DECODE_*): HEAD has no
-- body; `raw` keeps successful bodies as bytes but still decodes an error's JSON.
local DECODE_NONE, DECODE_ALL, DECODE_ERRORS = 0, 1, 2

local NO_OPTIONS = {}

local function bad_path(level) error("bad argument #2 to 'request' (path starting with '/' expected)", level + 1) end

-- Checks the caller's arguments (raises on bad input) and returns the parts of the request:
-- method, url, headers (only what this request changes in the client's: most change none), body,
-- to_file, decode, gzip, retry policy, span (seconds for the whole call), operation.
local function parts(state, open, method, path, opts, level)
  if type(method) ~= "string" then
    error("bad argument #1 to 'request' (string expected, got " .. type(method) .. ")", level)
  end
  if type(path) ~= "string" then bad_path(level) end
  local url
  if byte(path, 1) == SLASH then
    url = state.base_url .. path
  else
    if not path:find("^%a[%w+.-]*://") then bad_path(level) end
    if not url_util().same_origin(path, state.base_url) then
      error("bad argument #2 to 'request' (a full URL must have the base URL's scheme, host and port)", level)
    end
    url = path
  end
  if not open then error("attempt to use a closed jumpcloud.Client", level) end
  method = METHODS[method] or method:upper()
  if opts == nil then opts = NO_OPTIONS end
  if type(opts) ~= "table" then error("bad argument #3 to 'request' (table expected, got " .. type(opts) .. ")", level) end
  local headers -- what this request changes in the client's headers: most change nothing
  -- the client's list carries x-org-id (when it has an org id); false leaves a header out
  if opts.org_header == false and state.sends_org then headers = { ["x-org-id"] = false } end
  if opts.headers ~= nil then
    if type(opts.headers) ~= "table" then error("bad option 'headers' (table expected)", level) end
    headers = headers or {}
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
  if body and not (headers and headers["content-type"]) then
    headers = headers or {}
    headers["content-type"] = "application/json"
  end
  if opts.query ~= nil then
    if type(opts.query) ~= "table" then error("bad option 'query' (table expected)", level) end
    local q = core.encode_query(opts.query, opts.explode)
    if q ~= "" then url = url .. "?" .. q end
  end
  local gzip = opts.gzip
  if gzip == nil then
    gzip = state.gzip
    if gzip == "lists" then gzip = method == "GET" and type(opts.query) == "table" and opts.query.limit ~= nil end
  elseif type(gzip) ~= "boolean" then
    error("bad option 'gzip' (boolean expected, got " .. type(gzip) .. ")", level)
  end
  local to_file = opts.to_file
  if to_file ~= nil and type(to_file) ~= "string" then error("bad option 'to_file' (string expected)", level) end
  local policy, span = state.retry, state.span
  if opts.retry ~= nil then
    policy = retry().policy(policy, opts.retry, level)
    span = policy and math.min(policy.deadline, state.timeout)
  end
  return method, url, headers, body, to_file,
    method == "HEAD" and DECODE_NONE or opts.raw and DECODE_ERRORS or DECODE_ALL, gzip, policy, span, opts.operation
end

-- The request as a table: what retries, events and errors need.
local function as_table(state, method, url, headers, body, to_file, decode, gzip, policy, span, operation, deadline)
  return { method = method, url = url, headers = headers, body = body, to_file = to_file, decode = decode, gzip = gzip,
    retry = policy, span = span, deadline = deadline, operation = operation, state = state }
end

--- Checks and assembles a request for a flight: `{method, url, headers, body, retry, ...}`. Raises
-- on bad input. Its deadline (every attempt and wait) starts now.
function M.build(self, method, path, opts, level)
  local state, open = core.state(self)
  local m, url, headers, body, to_file, decode, gzip, policy, span, operation =
    parts(state, open, method, path, opts, level + 1)
  return as_table(state, m, url, headers, body, to_file, decode, gzip, policy, span, operation,
    span and state.clock() + span)
end

--- Sends one request, retrying as its policy allows: the response, or nil and an error. Raises on
-- bad input. It is the client's `request` method itself (no wrapper: a call frame less on every
-- request), so its errors blame the caller at level 3 from `parts`. The first attempt goes out
-- straight from the arguments; the request becomes a table only when there is more to do than
-- return a success (a retry, an error, an on_event hook).
function M.request(self, method, path, opts)
  local state, open = core.state(self)
  local m, url, headers, body, to_file, decode, gzip, policy, span, operation
  m = opts == nil and open and METHODS[method]
  if m and type(path) == "string" and byte(path, 1) == SLASH then
    -- the most common call (a known method, a path, no options) in a few steps: what `parts`
    -- would make of it
    url, decode, gzip, policy, span = state.base_url .. path, m == "HEAD" and DECODE_NONE or DECODE_ALL,
      state.gzip == true, state.retry, state.span
  else
    m, url, headers, body, to_file, decode, gzip, policy, span, operation = parts(state, open, method, path, opts, 3)
  end
  local deadline = span and state.clock() + span -- every attempt and wait: the call's deadline
  -- the first attempt has the whole span: no need to read the clock again
  local resp, err = perform(self, m, url, headers, body, to_file, span or nil, decode, gzip)
  if resp and not resp.decode_error and resp.status < 300 and not state.on_event then
    resp.url, resp.attempts = url, 1
    return resp
  end
  return require("jumpcloud.attempt").continue(self,
    as_table(state, m, url, headers, body, to_file, decode, gzip, policy, span, operation, deadline), 1, resp, err)
end

return M
