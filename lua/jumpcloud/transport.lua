--- Requests on the wire: building one from the caller's arguments, one attempt through the core,
-- the retry loop and its events, and the error objects. Shared by `request`, `call`, `batch` and
-- parallel paging, so every request behaves the same.
-- @module jumpcloud.transport
local core = require "jumpcloud.core"
local errors = require "jumpcloud.errors"
local retry = require "jumpcloud.retry"
local url_util = require "jumpcloud.url"

local type, pairs, tostring, format = type, pairs, tostring, string.format

local M = {}

local byte, SLASH = string.byte, string.byte("/")
local NO_OPTS = {}
local METHODS = { GET = "GET", POST = "POST", PUT = "PUT", PATCH = "PATCH", DELETE = "DELETE", HEAD = "HEAD" }

local json_types, json_types_count = {}, 0 -- content type -> is JSON, for the few a server sends

--- True for a JSON content type (application/json, application/*+json).
function M.is_json(content_type)
  if not content_type then return false end
  local known = json_types[content_type]
  if known ~= nil then return known end
  local ct = content_type:lower()
  known = ct:find("^application/json") ~= nil or ct:find("^application/[%w.+-]*%+json") ~= nil
  if json_types_count >= 64 then json_types, json_types_count = {}, 0 end
  json_types[content_type], json_types_count = known, json_types_count + 1
  return known
end

-- The id that ties the attempts of one call together in events and errors; made when first needed.
local function correlation_id(req)
  local id = req.correlation_id
  if not id then
    id = format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
    req.correlation_id = id
  end
  return id
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
  elseif M.is_json(resp.content_type) and req.method ~= "HEAD" and not (req.raw and resp.status < 300) then
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
  resp.url = req.url
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
  err.method, err.url, err.attempts, err.correlation_id = req.method, req.url, n, correlation_id(req)
  err.time, err.bytes = nil, nil
  return finish_error(self, err)
end

--- The timeout of the next attempt: the rest of the call's deadline (nil: the client's timeout).
function M.attempt_timeout(req)
  if req.deadline then return math.max(req.deadline - req.state.clock(), 0.001) end
end

--- Sends a built request, retrying as its policy allows: the response, or nil and an error.
function M.send(self, req)
  local n = 0
  while true do
    n = n + 1
    -- the first attempt has the whole span: no need to read the clock again
    local timeout = n == 1 and req.span or M.attempt_timeout(req)
    local resp, err = M.interpret(req, self:perform(req.method, req.url, req.headers, req.body, req.to_file, timeout))
    local wait = M.after_attempt(self, req, n, resp, err)
    if resp then return resp end
    if not wait then return nil, M.failure(self, req, n, err) end
    req.state.sleep(wait)
  end
end

--- Checks and assembles a request: `{method, url, headers, body, retry, ...}`. Raises on bad input.
function M.build(self, method, path, opts, level)
  if type(method) ~= "string" then
    error("bad argument #1 to 'request' (string expected, got " .. type(method) .. ")", level)
  end
  if type(path) ~= "string" then error("bad argument #2 to 'request' (path starting with '/' expected)", level) end
  local state = core.state(self)
  local absolute = byte(path, 1) ~= SLASH
  if absolute and not path:find("^%a[%w+.-]*://") then
    error("bad argument #2 to 'request' (path starting with '/' expected)", level)
  end
  if absolute and not url_util.same_origin(path, state.base_url) then
    error("bad argument #2 to 'request' (a full URL must have the base URL's scheme, host and port)", level)
  end
  if opts == nil then opts = NO_OPTS end
  if type(opts) ~= "table" then error("bad argument #3 to 'request' (table expected, got " .. type(opts) .. ")", level) end
  if not core.is_open(self) then error("attempt to use a closed jumpcloud.Client", level) end
  method = METHODS[method] or method:upper()
  local headers -- only what this request adds to the client's headers (most add none)
  if state.org_id and opts.org_header ~= false then headers = { ["x-org-id"] = state.org_id } end
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
  local url = absolute and path or state.base_url .. path
  if opts.query ~= nil then
    if type(opts.query) ~= "table" then error("bad option 'query' (table expected)", level) end
    local q = core.encode_query(opts.query, opts.explode)
    if q ~= "" then url = url .. "?" .. q end
  end
  local to_file = opts.to_file
  if to_file ~= nil and type(to_file) ~= "string" then error("bad option 'to_file' (string expected)", level) end
  local policy = state.retry
  if opts.retry ~= nil then policy = retry.policy(policy, opts.retry, level) end
  local span = policy and math.min(policy.deadline, state.timeout)
  return {
    method = method, url = url, headers = headers, body = body, raw = opts.raw, state = state,
    -- the call's deadline covers every attempt and wait: the retry deadline or the client's timeout
    to_file = to_file, retry = policy, span = span, deadline = span and state.clock() + span,
    operation = opts.operation,
  }
end

return M
