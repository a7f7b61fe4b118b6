--- The Request: one plain table, checked and resolved once at the boundary, then passed unchanged
-- to the attempt loop, the event hook, errors, a concurrent flight and the C core (which reads its
-- fields raw). Its fields:
--
--   method     "GET", "POST", ...
--   url        the full URL, query included
--   headers    nil, or what this request changes in the client's headers: lower-case name ->
--              string, or false to leave the client's header out
--   body       nil or the bytes to send
--   to_file    nil or the path a successful body streams to
--   decode     what the core decodes of a JSON body: 0 none (HEAD), 1 all, 2 errors only (raw)
--   gzip       whether to ask for a gzip-compressed answer
--   retry      the effective retry policy (false: none)
--   span       seconds for the whole call (every attempt and wait); nil: no deadline
--   operation  the operation's id, for events and errors (nil for a raw request)
--   timeout    set by the attempt loop before each attempt: the rest of the deadline
--
-- @module jumpcloud.request
local core = require "jumpcloud.core"
local check = require "jumpcloud.check"

local type, pairs, tostring = type, pairs, tostring
local byte, SLASH = string.byte, string.byte("/")

local M = {}

local NO_OPTIONS = {}

M.METHODS = { GET = "GET", POST = "POST", PUT = "PUT", PATCH = "PATCH", DELETE = "DELETE", HEAD = "HEAD",
  OPTIONS = "OPTIONS" }
M.DECODE_NONE, M.DECODE_ALL, M.DECODE_ERRORS = 0, 1, 2

--- The options a request takes (`client:request`'s third argument, a batch item's fields).
M.OPTIONS = { query = true, explode = true, headers = true, body = true, org_header = true, raw = true,
  to_file = true, retry = true, gzip = true, content_type = true }

local function url_util() return require "jumpcloud.url" end

--- Raises unless `name` is a header name and `value` a string without CR, LF or NUL (or false:
-- leave the client's header out). The value is never quoted: it may be a secret.
function M.check_header(name, value)
  if type(name) ~= "string" or name == "" or name:find("[^%w!#$%%&'*+%-.^_`|~]") then
    local shown = type(name) == "string" and ("'" .. name:gsub("%c", "?") .. "'") or type(name)
    check.fail("bad option 'headers' (%s is not a header name)", shown)
  end
  if value == false then return end
  if type(value) ~= "string" then
    check.fail("bad option 'headers' (value of '%s': string or false expected, got %s)", name, type(value))
  end
  if value:find("[\r\n%z]") then check.fail("bad option 'headers' (value of '%s' contains CR, LF or NUL)", name) end
end

-- The URL of `path`: below the root, or a full URL of the root's origin (a Link to follow).
local function url_of(root, path)
  if type(path) ~= "string" then check.fail("bad argument #2 to 'request' (path string expected, got %s)", type(path)) end
  if byte(path, 1) == SLASH then return root .. path end
  if not path:find("^%a[%w+.-]*://") then
    check.usage("bad argument #2 to 'request' (path starting with '/' expected)")
  end
  if not url_util().same_origin(path, root) then
    check.usage("bad argument #2 to 'request' (a full URL must have the base URL's scheme, host and port)")
  end
  return path
end

local function encode_body(body, content_type)
  if type(body) == "table" then
    local ok, text = pcall(core.json_encode, body)
    if not ok then check.fail("bad option 'body' (%s)", tostring(text)) end
    return text, content_type or "application/json"
  elseif body ~= nil and type(body) ~= "string" then
    check.fail("bad option 'body' (table or string expected, got %s)", type(body))
  end
  return body, body and (content_type or "application/json")
end

--- A request from the caller's arguments, resolved against the client's config `cfg`: raises at
-- the caller's line on bad input.
-- @tparam table cfg the client's resolved options (root, gzip, retry, span, sends_org)
-- @tparam string method
-- @tparam string path below `root`, or a full URL of its origin
-- @tparam[opt] table opts see `M.OPTIONS`
-- @tparam[opt] string root the API root (default: the client's v2 root)
-- @tparam[opt] string operation the operation's id
function M.build(cfg, method, path, opts, root, operation)
  if type(method) ~= "string" then check.fail("bad argument #1 to 'request' (string expected, got %s)", type(method)) end
  local url = url_of(root or cfg.root, path)
  method = M.METHODS[method] or method:upper()
  if opts == nil then opts = NO_OPTIONS end
  if type(opts) ~= "table" then check.fail("bad argument #3 to 'request' (table expected, got %s)", type(opts)) end
  for k in pairs(opts) do
    if not M.OPTIONS[k] and type(k) == "string" then check.known({ [k] = true }, M.OPTIONS, "request option") end
  end
  local headers -- what this request changes in the client's headers: most change nothing
  -- the client's list carries x-org-id (when it has an org id); false leaves a header out
  if opts.org_header == false and cfg.sends_org then headers = { ["x-org-id"] = false } end
  if opts.headers ~= nil then
    check.type(opts.headers, "table", "option 'headers'")
    headers = headers or {}
    for k, v in pairs(opts.headers) do
      M.check_header(k, v)
      headers[k:lower()] = v
    end
  end
  local body, content_type = encode_body(opts.body, opts.content_type)
  if body and not (headers and headers["content-type"] ~= nil) then
    headers = headers or {}
    headers["content-type"] = content_type
  end
  local query = opts.query
  if query ~= nil then
    check.type(query, "table", "option 'query'")
    check.type(opts.explode, "table", "option 'explode'", true)
    local ok, q = pcall(core.encode_query, query, opts.explode)
    if not ok then check.usage(tostring(q)) end
    if q ~= "" then url = url .. (url:find("?", 1, true) and "&" or "?") .. q end
  end
  local gzip = opts.gzip
  if gzip == nil then
    gzip = cfg.gzip
    if gzip == "lists" then gzip = method == "GET" and type(query) == "table" and query.limit ~= nil end
  elseif type(gzip) ~= "boolean" then
    check.fail("bad option 'gzip' (boolean expected, got %s)", type(gzip))
  end
  check.type(opts.to_file, "string", "option 'to_file'", true)
  local policy, span = cfg.retry, cfg.span
  if opts.retry ~= nil then
    policy = require("jumpcloud.retry").policy(policy, opts.retry)
    span = policy and math.min(policy.deadline, cfg.timeout) or nil
  end
  return { method = method, url = url, headers = headers, body = body, to_file = opts.to_file,
    decode = method == "HEAD" and M.DECODE_NONE or opts.raw and M.DECODE_ERRORS or M.DECODE_ALL,
    gzip = gzip, retry = policy, span = span, timeout = span, operation = operation }
end

--- The most common request (a known method and a path, no options) without the checks it does
-- not need; nil when the arguments are anything else.
function M.plain(cfg, method, path)
  local m = M.METHODS[method]
  if m and type(path) == "string" and byte(path, 1) == SLASH then
    local span = cfg.span -- (every field made here: a field added later would resize the table)
    return { method = m, url = cfg.root .. path, decode = m == "HEAD" and M.DECODE_NONE or M.DECODE_ALL,
      gzip = cfg.gzip == true, retry = cfg.retry, span = span, timeout = span }
  end
end

return M
