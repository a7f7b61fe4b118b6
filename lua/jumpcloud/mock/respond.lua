--- Answers of the mock: JSON bodies, JumpCloud's error shapes, content negotiation.
-- @module jumpcloud.mock.respond

local json = require "jumpcloud.mock.json"

local match, tonumber = string.match, tonumber

local M = {}

M.REASONS = {
  [200] = "OK", [201] = "Created", [202] = "Accepted", [204] = "No Content", [400] = "Bad Request",
  [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found", [405] = "Method Not Allowed",
  [406] = "Not Acceptable", [409] = "Conflict", [415] = "Unsupported Media Type", [422] = "Unprocessable Entity",
  [429] = "Too Many Requests", [500] = "Internal Server Error", [502] = "Bad Gateway",
  [503] = "Service Unavailable", [504] = "Gateway Timeout",
}
local REASONS = M.REASONS

local GRPC = { [400] = 3, [401] = 16, [403] = 7, [404] = 5, [409] = 6, [422] = 3, [429] = 8, [500] = 13, [503] = 14 }

M.JSON = "application/json; charset=utf-8"

--- A JSON response.
function M.json(status, value, headers)
  local h = headers or {}
  h["content-type"] = M.JSON
  return { status = status, headers = h, body = json.encode(value) }
end

--- A response without a body.
function M.empty(status, headers)
  return { status = status, headers = headers or {}, body = "" }
end

--- An error body in one of JumpCloud's shapes.
-- @tparam string style "message" `{message, error}`, "status" `{code, message, status}` (with `details` on 400),
--   "rpc" `{code, message, details}` (gRPC gateways) or "plain" `{message}`
function M.error_body(style, status, message)
  if style == "status" then
    local body = { code = status, message = message, status = REASONS[status] or "Error" }
    if status == 400 then body.details = json.array() end
    return body
  elseif style == "rpc" then
    return { code = GRPC[status] or 2, message = message, details = json.array() }
  elseif style == "plain" then
    return { message = message }
  end
  return { message = message, error = message }
end

--- An error response.
function M.error(style, status, message, headers)
  return M.json(status, M.error_body(style, status, message), headers)
end

--- The first of `offered` that the Accept header admits, or nil. A missing or empty Accept admits anything.
function M.negotiate(accept, offered)
  if accept == nil or match(accept, "^%s*$") then
    return offered[1]
  end
  local ranges = {}
  for item in accept:gmatch("[^,]+") do
    local mtype = match(item, "^%s*([^;%s]+)")
    if mtype then
      local q = tonumber(match(item, ";%s*[qQ]%s*=%s*([%d%.]+)")) or 1
      ranges[#ranges + 1] = { type = mtype:lower(), q = q }
    end
  end
  local best, best_q
  for _, t in ipairs(offered) do
    local major = match(t, "^([^/]+)/")
    local q, spec = nil, -1
    for _, r in ipairs(ranges) do
      local s
      if r.type == t then s = 2
      elseif r.type == major .. "/*" then s = 1
      elseif r.type == "*/*" or r.type == "*" then s = 0 end
      if s and s > spec then spec, q = s, r.q end
    end
    if q and q > 0 and (best_q == nil or q > best_q) then best, best_q = t, q end
  end
  return best
end

return M
