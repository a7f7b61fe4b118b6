--- What follows an attempt that did not simply succeed: its outcome (JSON that does not parse,
-- statuses of 300 and above), the on_event hook, the wait before a retry, the retry loop and the
-- final error. Loaded on the first such attempt (or by a flight): a script whose calls succeed
-- never compiles it.
-- @module jumpcloud.attempt
local errors = require "jumpcloud.errors"

local format, max = string.format, math.max

local M = {}

local function retry() return require "jumpcloud.retry" end

-- The id that ties the attempts of one call together in events and errors; made when first needed.
local function correlation_id(req)
  local id = req.correlation_id
  if not id then
    id = format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
    req.correlation_id = id
  end
  return id
end

--- Turns what the core answered for one attempt into the response, or nil and an error (its
-- fields: not yet finished): JSON that does not parse and statuses of 300 and above are errors.
function M.interpret(req, resp, terr)
  if not resp then return nil, errors.from_transport(terr) end
  resp.url = req.url
  local status, derr = resp.status, resp.decode_error
  if derr then
    resp.decode_error = nil
    -- An error status keeps its raw body (a proxy's HTML 502 labelled JSON is still a 502).
    if status < 300 then
      return nil, errors.new("invalid_json", { status = status, message = derr, body = resp.body,
        time = resp.time, bytes = resp.bytes })
    end
  end
  if status >= 300 then
    local e = errors.from_status(resp)
    e.time, e.bytes = resp.time, resp.bytes
    return nil, e
  end
  return resp
end

-- Tells the on_event hook about one attempt.
local function emit(st, req, n, resp, err, wait)
  local r = resp or err
  st.on_event({
    method = req.method, url = st.transport:redact(req.url), attempt = n, status = r.status, bytes = r.bytes or 0,
    duration = r.time, retry_wait = wait, kind = err and err.kind, code = err and err.code,
    correlation_id = correlation_id(req), operation = req.operation,
  })
end

--- After attempt `n` of `req` ended with `resp` or `err`: tells on_event, and returns the wait before
-- the next attempt, or nil when there is none (success, or a failure not to retry).
function M.after_attempt(st, req, n, resp, err)
  local policy, wait = req.retry, nil
  if resp then
    resp.attempts, resp.correlation_id = n, req.correlation_id -- set when an event or a retry made one
    if not st.on_event then return nil end
  elseif policy and n < policy.attempts and retry().retryable(policy, req.method, err) then
    local R = retry()
    wait = R.retry_after((err.headers or {})["retry-after"], os.time()) or R.backoff(policy, n, math.random)
    if st.clock() + wait >= req.deadline then
      err.gave_up = "the next wait (" .. R.describe(wait) .. ") would pass the deadline"
      wait = nil
    end
  end
  if st.on_event then emit(st, req, n, resp, err, wait) end
  return wait
end

--- The error of a call that failed at attempt `n`, with the key scrubbed from the caller's strings.
function M.failure(st, req, n, err)
  err.method, err.url, err.attempts, err.correlation_id = req.method, req.url, n, correlation_id(req)
  err.operation = req.operation
  err.time, err.bytes = nil, nil
  local transport = st.transport
  return errors.finish(function(s) return transport:redact(s) end, err)
end

--- The timeout of the next attempt: the rest of the call's deadline (nil: the client's timeout).
function M.timeout(st, req)
  if req.deadline then return max(req.deadline - st.clock(), 0.001) end
end

--- The retry loop after attempt `n` of `req` ended with `resp` or `err` (as the core answered):
-- the response, or nil and an error.
function M.continue(st, req, n, resp, err)
  while true do
    resp, err = M.interpret(req, resp, err)
    local wait = M.after_attempt(st, req, n, resp, err)
    if resp then return resp end
    if not wait then return nil, M.failure(st, req, n, err) end
    st.sleep(wait)
    n = n + 1
    if not st.transport:is_open() then require("jumpcloud.check").closed() end
    req.timeout = M.timeout(st, req)
    resp, err = require("jumpcloud.execute").attempt(st, req)
  end
end

return M
