--- Fault rules of the mock server, set through `POST /__mock/faults`.
--
-- A rule: `{method=, path= | path_pattern=, statuses={...}, headers={...},
-- body=, delay_ms=, stall_ms=, mode=, raw=, times=}`.
--
-- * `method` (any when absent) and `path` (exact raw request path, no query) or
--   `path_pattern` (a Lua pattern, anchored by the caller if wanted) select requests.
-- * A rule serves `times` matching requests, or `#statuses` when `times` is absent,
--   or every matching request when both are absent; then it is gone.
-- * The k-th request it serves answers `statuses[k]` (an error body in
--   JumpCloud's `{message, error}` shape, or `body` if given) without running the
--   operation; past the end of `statuses` (or without them) the request is
--   served normally and only the other effects apply.
-- * `headers` are added to the answer; `delay_ms` waits before answering;
--   `stall_ms` sends the headers, then waits that long before the body.
-- * `mode`: "reset" (chunked answer, connection closed after half the body),
--   "truncate" (Content-Length of the full body, half of it sent, connection
--   closed), "garbage" (invalid JSON with a JSON content type; 200 unless a status
--   is given) or "html" (an nginx-style HTML page with a JSON content type; 502
--   unless a status is given). "garbage" and "html" do not run the operation.
-- * `raw` (a string): these exact bytes are the whole answer (status line,
--   headers, body), written to the socket as they are, then the connection is
--   closed (at once, without a byte, when it is ""); the operation is not run and
--   no other effect but `delay_ms` applies.
--   For answers lua-http would not write: an absurd `Content-Length`, NUL or other
--   bytes a header must not hold, a malformed status line.
-- @module jumpcloud.mock.faults

local json = require "jumpcloud.mock.json"

local type, ipairs, pairs, tostring = type, ipairs, pairs, tostring
local math_type = math.type

local M = {}

local MODES = {reset = true, truncate = true, garbage = true, html = true}
M.MODES = MODES

local Faults = {}
Faults.__index = Faults

function M.new()
  return setmetatable({rules = {}, next_id = 0}, Faults)
end

local function is_int(v)
  return math_type(v) == "integer" or (type(v) == "number" and v % 1 == 0)
end

--- Add a rule.
-- @tparam table spec the decoded request body
-- @return the stored rule, or nil and a message
function Faults:add(spec)
  if type(spec) ~= "table" then
    return nil, "fault rule must be a JSON object"
  end
  if spec.path ~= nil and type(spec.path) ~= "string" then
    return nil, "path must be a string"
  end
  if spec.path_pattern ~= nil then
    if type(spec.path_pattern) ~= "string" then
      return nil, "path_pattern must be a string"
    end
    local ok, err = pcall(string.find, "", spec.path_pattern)
    if not ok then
      return nil, "path_pattern is not a valid Lua pattern: " .. tostring(err)
    end
  end
  if spec.path == nil and spec.path_pattern == nil then
    return nil, "path or path_pattern is required"
  end
  if spec.method ~= nil and type(spec.method) ~= "string" then
    return nil, "method must be a string"
  end
  local statuses = {}
  if spec.statuses ~= nil then
    if type(spec.statuses) ~= "table" then
      return nil, "statuses must be an array of integers"
    end
    for i, s in ipairs(spec.statuses) do
      if not is_int(s) or s < 100 or s > 599 then
        return nil, "statuses[" .. (i - 1) .. "] must be an HTTP status code"
      end
      statuses[i] = math.tointeger(s)
    end
  end
  for _, k in ipairs({"delay_ms", "stall_ms", "times"}) do
    if spec[k] ~= nil and (not is_int(spec[k]) or spec[k] < 0) then
      return nil, k .. " must be a non-negative integer"
    end
  end
  if spec.mode ~= nil and not MODES[spec.mode] then
    return nil, "mode must be one of reset, truncate, garbage, html"
  end
  local headers = {}
  if spec.headers ~= nil then
    if type(spec.headers) ~= "table" then
      return nil, "headers must be an object"
    end
    for k, v in pairs(spec.headers) do
      if type(k) ~= "string" then
        return nil, "headers must be an object of strings"
      end
      headers[k:lower()] = tostring(v)
    end
  end
  if spec.body ~= nil and type(spec.body) ~= "string" then
    return nil, "body must be a string"
  end
  if spec.raw ~= nil and type(spec.raw) ~= "string" then
    return nil, "raw must be a string"
  end
  self.next_id = self.next_id + 1
  local limit = spec.times or (#statuses > 0 and #statuses) or math.huge
  local rule = {
    id = self.next_id,
    method = spec.method and spec.method:upper() or nil,
    path = spec.path,
    path_pattern = spec.path_pattern,
    statuses = statuses,
    headers = headers,
    body = spec.body,
    delay_ms = spec.delay_ms and math.tointeger(spec.delay_ms),
    stall_ms = spec.stall_ms and math.tointeger(spec.stall_ms),
    mode = spec.mode,
    raw = spec.raw,
    limit = limit,
    used = 0,
  }
  self.rules[#self.rules + 1] = rule
  return rule
end

--- Take the first rule matching a request, using one of its turns.
-- @return the rule and the status it imposes (or nil), or nil when no rule matches
function Faults:take(method, path)
  for i, rule in ipairs(self.rules) do
    if (rule.method == nil or rule.method == method)
      and ((rule.path ~= nil and rule.path == path)
        or (rule.path_pattern ~= nil and path:find(rule.path_pattern) ~= nil)) then
      rule.used = rule.used + 1
      if rule.used >= rule.limit then
        table.remove(self.rules, i)
      end
      return rule, rule.statuses[rule.used]
    end
  end
  return nil
end

function Faults:clear()
  self.rules = {}
end

--- The rules as data (for `GET /__mock/faults`).
function Faults:describe()
  local out = {}
  for i, r in ipairs(self.rules) do
    out[i] = {id = r.id, method = r.method, path = r.path, path_pattern = r.path_pattern,
      statuses = json.array({table.unpack(r.statuses)}), headers = r.headers,
      delay_ms = r.delay_ms, stall_ms = r.stall_ms,
      mode = r.mode, raw = r.raw, used = r.used, remaining = r.limit == math.huge and -1 or (r.limit - r.used)}
  end
  return out
end

return M
