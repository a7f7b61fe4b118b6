--- Errors: one type for every run-time failure, returned as the second value of `nil, err`.
-- Fields: `kind` ("http", "network", "timeout", "decode", "file"), `code` (a stable name, one of
-- `errors.codes`), `status`, `message`, `method`, `url`, `body`, `request_id`, `correlation_id`,
-- `attempts`, `curl_code`.
-- @module jumpcloud.errors
local type, tostring, pairs = type, tostring, pairs

local M = {}

local Error = { __name = "jumpcloud.Error" }
Error.__index = Error

--- Every error code, named once: `{code, kind, retryable, status = or curl = }`. `retryable`:
-- "yes" (whatever the method), "safe" (idempotent methods, or any request that never left), or
-- nil. Transport failures carry libcurl's CURLcode (`curl`); HTTP ones their status.
M.LIST = {
  { "bad_request", "http", status = 400 }, { "unauthorized", "http", status = 401 },
  { "forbidden", "http", status = 403 }, { "not_found", "http", status = 404 },
  { "method_not_allowed", "http", status = 405 }, { "not_acceptable", "http", status = 406 },
  { "conflict", "http", status = 409 }, { "too_large", "http", status = 413 },
  { "unsupported_media_type", "http", status = 415 }, { "unprocessable", "http", status = 422 },
  { "rate_limited", "http", status = 429 }, { "server_error", "http", status = 500 },
  { "bad_gateway", "http", status = 502 }, { "unavailable", "http", status = 503 },
  { "gateway_timeout", "http", status = 504 },
  { "couldnt_resolve_host", "network", "sent_nothing", curl = 6 },
  { "couldnt_resolve_proxy", "network", curl = 5 },
  { "couldnt_connect", "network", "sent_nothing", curl = 7 },
  { "timeout", "timeout", "safe", curl = 28 },
  { "send_error", "network", "safe", curl = 55 }, { "recv_error", "network", "safe", curl = 56 },
  { "empty_reply", "network", "safe", curl = 52 }, { "partial_body", "network", "safe", curl = 18 },
  { "bad_reply", "network", curl = 8 }, { "tls_verification", "network", curl = 60 },
  { "tls_connect", "network", curl = 35 }, { "tls_ca_file", "network", curl = 77 },
  { "bad_content_encoding", "network", curl = 61 }, { "unsupported_protocol", "network", curl = 1 },
  { "bad_url", "network", curl = 3 }, { "cancelled", "network", curl = 42 },
  { "transport", "network" },                      -- any other libcurl failure
  { "file_write", "file" },                        -- to_file could not be written
  { "body_too_large", "decode" }, { "headers_too_large", "decode" },
  { "invalid_json", "decode" }, { "not_json", "decode" }, { "empty_body", "decode" },
  { "bad_page", "decode" }, { "repeated_page", "decode" }, { "runaway_total", "decode" },
  { "cross_origin_link", "http" },
}

--- `errors.codes.not_found == "not_found"`, ...: the codes as constants (a typo raises).
M.codes = setmetatable({}, { __index = function(_, k) error("no error code '" .. tostring(k) .. "'", 2) end })
local BY_STATUS, BY_CURL, KIND, RETRY = {}, {}, {}, {}
for _, e in ipairs(M.LIST) do
  rawset(M.codes, e[1], e[1])
  KIND[e[1]], RETRY[e[1]] = e[2], e[3]
  if e.status then BY_STATUS[e.status] = e[1] end
  if e.curl then BY_CURL[e.curl] = e[1] end
end

--- How a failure with `code` may be retried: "safe", "sent_nothing" or nil (see `retry`).
function M.retryable(code)
  return RETRY[code]
end

function Error:__tostring()
  local parts = { "jumpcloud: " .. tostring(self.kind) }
  if self.status then parts[#parts + 1] = tostring(self.status) end
  if self.code then parts[#parts + 1] = "(" .. tostring(self.code) .. ")" end
  if self.method and self.url then parts[#parts + 1] = self.method .. " " .. self.url end
  local s = table.concat(parts, " ")
  if self.message and self.message ~= "" then s = s .. ": " .. tostring(self.message) end
  if self.request_id then s = s .. " [request id " .. tostring(self.request_id) .. "]" end
  if type(self.attempts) == "number" and self.attempts > 1 then s = s .. " after " .. self.attempts .. " attempts" end
  return s
end

--- Makes an error of `code` (its kind from the list) with more fields.
-- @tparam string code one of `errors.codes`
-- @tparam[opt] table fields
-- @treturn jumpcloud.Error
function M.new(code, fields)
  fields = fields or {}
  fields.code = M.codes[code]
  fields.kind = fields.kind or KIND[code]
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
  return BY_STATUS[status] or ("http_" .. tostring(status))
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

--- The error of an HTTP status of 300 or above, from the attempt's response (the core has
-- scrubbed the key from its body and headers).
function M.from_status(resp)
  local status, body = resp.status, resp.body
  return setmetatable({
    kind = "http", status = status, code = M.status_code(status),
    message = M.message_from(body) or ("HTTP " .. status),
    body = body, headers = resp.headers, request_id = resp.headers["x-request-id"],
  }, Error)
end

--- The error of a transport failure as the core reports it: `{curl_code, cause, message, sent}`.
function M.from_transport(t)
  local code = t.cause or BY_CURL[t.curl_code] or "transport"
  t.cause = nil
  t.code, t.kind = code, KIND[code]
  if code == "body_too_large" then t.message = "response body larger than max_body"
  elseif code == "headers_too_large" then t.message = "response headers too large"
  elseif code == "file_write" then t.message = "cannot write the response to the file" end
  return setmetatable(t, Error)
end

--- `err` with every string field scrubbed by `redact` (a user's own strings can hold the key: a
-- server's cannot, the core scrubs those), made an error.
function M.finish(redact, err)
  for k, v in pairs(err) do
    if type(v) == "string" then err[k] = redact(v) end
  end
  return setmetatable(err, Error)
end

M.Error = Error
return M
