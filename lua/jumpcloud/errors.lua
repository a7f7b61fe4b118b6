--- Errors: one type for every run-time failure, returned as the second value of `nil, err`.
-- Fields: `kind` ("http", "network", "timeout", "decode"), `code` (a stable name such as
-- "not_found" or "couldnt_connect"), `status`, `message`, `method`, `url`, `body`,
-- `request_id`, `correlation_id`, `attempts`, `curl_code`.
-- @module jumpcloud.errors
local M = {}

local Error = { __name = "jumpcloud.Error" }
Error.__index = Error

local STATUS_CODES = {
  [400] = "bad_request", [401] = "unauthorized", [403] = "forbidden", [404] = "not_found",
  [405] = "method_not_allowed", [406] = "not_acceptable", [409] = "conflict", [413] = "too_large",
  [415] = "unsupported_media_type", [422] = "unprocessable", [429] = "rate_limited",
  [500] = "server_error", [502] = "bad_gateway", [503] = "unavailable", [504] = "gateway_timeout",
}

function Error:__tostring()
  local parts = { "jumpcloud: " .. self.kind }
  if self.status then parts[#parts + 1] = tostring(self.status) end
  if self.code then parts[#parts + 1] = "(" .. self.code .. ")" end
  if self.method and self.url then parts[#parts + 1] = self.method .. " " .. self.url end
  local s = table.concat(parts, " ")
  if self.message and self.message ~= "" then s = s .. ": " .. self.message end
  if self.request_id then s = s .. " [request id " .. self.request_id .. "]" end
  if self.attempts and self.attempts > 1 then s = s .. " after " .. self.attempts .. " attempts" end
  return s
end

--- Makes an error from a table of fields.
-- @tparam table fields at least `kind`
-- @treturn jumpcloud.Error
function M.new(fields)
  return setmetatable(fields, Error)
end

--- True when `x` is a jumpcloud error.
-- @param x any value
-- @treturn boolean
function M.is(x)
  return getmetatable(x) == Error
end
Error.is = M.is

--- The stable code name of an HTTP status.
-- @tparam integer status
-- @treturn string
function M.status_code(status)
  return STATUS_CODES[status] or ("http_" .. tostring(status))
end

--- JumpCloud's own message from an error body: `{message}`, `{message, error}` or
-- `{code, message, status}`; a short line of plain text as it is.
-- @param body decoded JSON table or raw string
-- @treturn string|nil
function M.message_from(body)
  if type(body) == "table" then
    for _, k in ipairs({ "message", "error", "status" }) do
      if type(body[k]) == "string" and body[k] ~= "" then return body[k] end
    end
    return nil
  end
  -- a short line of plain text (not HTML, not binary)
  if type(body) == "string" and #body > 0 and #body <= 512 and not body:find("^%s*<")
      and not body:find("[%z\1-\8\11-\31]") then
    return (body:gsub("^%s+", ""):gsub("%s+$", ""))
  end
  return nil
end

--- The error of an HTTP status of 300 or above, from the attempt's response.
function M.from_status(method, url, resp)
  local status, body = resp.status, resp.body
  return M.new({
    kind = "http", status = status, code = M.status_code(status),
    message = M.message_from(body) or ("HTTP " .. status),
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

--- The error a call returns, from its fields, with `client`'s API key scrubbed from them.
function M.finish(client, fields)
  for k, v in pairs(fields) do fields[k] = scrub(client, v, 0) end
  return M.new(fields)
end

M.Error = Error
return M
