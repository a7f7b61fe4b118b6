--- Requests on the wire: building one from the caller's arguments, one attempt through the core,
-- the retry loop and its events, and the error objects. Shared by `request`, `call`, `batch` and
-- parallel paging, so every request behaves the same.
-- @module jumpcloud.transport
local core = require "jumpcloud.core"

local type, pairs, tostring, format = type, pairs, tostring, string.format
local perform = core.methods.perform -- called directly: a method call would go through __index

local M = {}

-- Loaded when first needed: jumpcloud.errors when a call fails, jumpcloud.retry when it may be
-- retried (or a call brings its own policy), jumpcloud.url for full URLs (following a Link); a
-- script whose calls succeed never compiles them.
local function errors() return require "jumpcloud.errors" end
local function retry() return require "jumpcloud.retry" end
local function url_util() return require "jumpcloud.url" end

local byte, SLASH = string.byte, string.byte("/")
local METHODS = { GET = "GET", POST = "POST", PUT = "PUT", PATCH = "PATCH", DELETE = "DELETE", HEAD = "HEAD" }

-- What the core decodes of a response body labelled JSON (the core's JC_DECODE_*): HEAD has no
-- body; `raw` keeps successful bodies as bytes but still decodes an error's JSON.
local DECODE_NONE, DECODE_ALL, DECODE_ERRORS = 0, 1, 2

-- The id that ties the attempts of one call together in events and errors; made when first needed.
local function correlation_id(req)
  local id = req.correlation_id
  if not id then
    id = format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
    req.correlation_id = id
  end
  return id
end

--- Turns what the core answered for one attempt into the response, or nil and the fields of an
-- error (not yet an error object): maps JSON that does not parse and statuses of 300 and above
-- to errors. The core has already decoded the JSON bodies asked for.
function M.interpret(req, resp, terr)
  if not resp then return nil, terr end
  resp.url = req.url
  local status, derr = resp.status, resp.decode_error
  if derr then
    resp.decode_error = nil
    -- An error status keeps its raw body (a proxy's HTML 502 labelled JSON is still a 502).
    if status < 300 then
      return nil, { kind = "decode", code = "invalid_json", status = status, message = derr, body = resp.body,
        time = resp.time, bytes = resp.bytes }
    end
  end
  if status >= 300 then
    local e = errors().from_status(req.method, req.url, resp)
    e.time, e.bytes = resp.time, resp.bytes
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
    correlation_id = correlation_id(req), operation = req.operation,
  })
end

--- After attempt `n` of `req` ended with `resp` or `err`: tells on_event, and returns the wait before
-- the next attempt, or nil when there is none (success, or a failure not to retry).
function M.after_attempt(self, req, n, resp, err)
  local state = req.state
  local policy, wait = req.retry, nil
  if resp then
    resp.attempts, resp.correlation_id = n, req.correlation_id -- set when an event or a retry made one
    if not state.on_event then return nil end
  elseif policy and n < policy.attempts and retry().retryable(policy, req.method, err) then
    local R = retry()
    wait = R.retry_after((err.headers or {})["retry-after"], os.time()) or R.backoff(policy, n, math.random)
    if state.clock() + wait > req.deadline then
      err.gave_up = "the next wait (" .. R.describe(wait) .. ") would pass the deadline"
      wait = nil
    end
  end
  emit(self, state, req, n, resp, err, wait)
  return wait
end

--- The error object of a call that failed at attempt `n`, with the API key scrubbed.
function M.failure(self, req, n, err)
  err.method, err.url, err.attempts, err.correlation_id = req.method, req.url, n, correlation_id(req)
  err.time, err.bytes = nil, nil
  return errors().finish(self, err)
end

--- The timeout of the next attempt: the rest of the call's deadline (nil: the client's timeout).
function M.attempt_timeout(req)
  if req.deadline then return math.max(req.deadline - req.state.clock(), 0.001) end
end

-- The retry loop after attempt `n` of `req` ended with `resp` or `err` (as the core answered).
local function retry_loop(self, req, n, resp, err)
  while true do
    resp, err = M.interpret(req, resp, err)
    local wait = M.after_attempt(self, req, n, resp, err)
    if resp then return resp end
    if not wait then return nil, M.failure(self, req, n, err) end
    req.state.sleep(wait)
    n = n + 1
    resp, err = perform(self, req.method, req.url, req.headers, req.body, req.to_file, M.attempt_timeout(req),
      req.decode, req.gzip)
  end
end

local NO_OPTIONS = {}

local function bad_path(level) error("bad argument #2 to 'request' (path starting with '/' expected)", level + 1) end

-- Checks the caller's arguments (raises on bad input) and returns the parts of the request:
-- method, url, headers (only what this request adds to the client's: most add none), body,
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
  local org_id = state.org_id
  if opts == nil then opts = NO_OPTIONS end
  if type(opts) ~= "table" then error("bad argument #3 to 'request' (table expected, got " .. type(opts) .. ")", level) end
  local headers
  if org_id and opts.org_header ~= false then headers = { ["x-org-id"] = org_id } end
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
    local org_id = state.org_id
    url, headers, decode, gzip, policy, span = state.base_url .. path, org_id and { ["x-org-id"] = org_id },
      m == "HEAD" and DECODE_NONE or DECODE_ALL, state.gzip == true, state.retry, state.span
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
  return retry_loop(self, as_table(state, m, url, headers, body, to_file, decode, gzip, policy, span, operation, deadline),
    1, resp, err)
end

return M
