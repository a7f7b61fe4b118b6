--- The test routes under `/api/v2/__test/` (the key is required), for the transport specs of the C core:
--
-- * `echo[/anything]`: the request as received (`x-echo-status` picks the status)
-- * `bytes?n=N`: N bytes 0..255 repeated, as application/octet-stream
-- * `reply` (POST `{status, headers, body | body_base64}`): exactly that answer
-- * `json?items=N`: a JSON array of N small objects
-- @module jumpcloud.mock.test_routes

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"
local store = require "jumpcloud.mock.store"
local binary = require "jumpcloud.mock.binary"
local respond = require "jumpcloud.mock.respond"

local type, pairs, tostring, tonumber = type, pairs, tostring, tonumber
local sub, match = string.sub, string.match

local M = {}

M.PREFIX = "/api/v2/__test/"
M.MAX_BYTES = 64 * 1024 * 1024

local routes = {}

function routes.echo(req, conn_id)
  local status = 200
  local want = req.headers["x-echo-status"]
  if want then
    local n = tonumber(want)
    if n and n >= 200 and n <= 599 and n % 1 == 0 then
      status = math.tointeger(n)
    end
  end
  local args = {}
  for name, values in pairs(req.args) do
    args[name] = json.array(values)
  end
  return respond.json(status, {
    method = req.method, path = req.path, query = req.query, args = args,
    headers = req.headers, body = req.body, connection_id = conn_id,
  })
end

function routes.bytes(req)
  local n, err = store.int_param(req.args, "n", 1024)
  if not n then
    return respond.error("plain", 400, err)
  end
  if n > M.MAX_BYTES then
    return respond.error("plain", 400, "Bad Request: n exceeds " .. M.MAX_BYTES)
  end
  return { status = 200, headers = { ["content-type"] = "application/octet-stream" }, body = binary.byte_ramp(n) }
end

function routes.reply(req)
  local spec, err = json.decode(req.body)
  if type(spec) ~= "table" then
    return respond.error("plain", 400, "Bad Request: reply needs a JSON object body: " .. tostring(err))
  end
  local status = spec.status == nil and 200 or tonumber(spec.status)
  if not status or status % 1 ~= 0 or status < 200 or status > 599 then
    return respond.error("plain", 400, "Bad Request: reply status must be an integer from 200 to 599")
  end
  local headers = {}
  if type(spec.headers) == "table" then
    for k, v in pairs(spec.headers) do
      local name = tostring(k):lower()
      if name ~= "content-length" and name ~= "transfer-encoding" and name ~= "connection" then
        headers[name] = tostring(v)
      end
    end
  end
  local body = ""
  if type(spec.body_base64) == "string" then
    local bytes, derr = util.base64_decode(spec.body_base64)
    if not bytes then
      return respond.error("plain", 400, "Bad Request: body_base64: " .. derr)
    end
    body = bytes
  elseif type(spec.body) == "string" then
    body = spec.body
  elseif spec.body ~= nil and spec.body ~= json.null then
    body = json.encode(spec.body)
  end
  return { status = math.tointeger(status), headers = headers, body = body }
end

function routes.json(req)
  local n, err = store.int_param(req.args, "items", 10)
  if not n then
    return respond.error("plain", 400, err)
  end
  if n > 1000000 then
    return respond.error("plain", 400, "Bad Request: items exceeds 1000000")
  end
  local items = json.array()
  for i = 1, n do
    items[i] = { id = i, name = "item " .. i, ratio = i + 0.5, ok = true, note = json.null }
  end
  return respond.json(200, items)
end

local METHODS = { reply = "POST", bytes = "GET", json = "GET" }

--- Whether a path is a test route's.
function M.is_test(path)
  return sub(path, 1, #M.PREFIX) == M.PREFIX
end

--- Answers a test route.
function M.handle(req, conn_id)
  local rest = sub(req.path, #M.PREFIX + 1)
  local name = match(rest, "^([^/]*)")
  if name == "echo" then
    return routes.echo(req, conn_id)
  end
  local fn = routes[name]
  if fn and rest == name then
    if req.method ~= METHODS[name] then
      return respond.error("plain", 405, "Method Not Allowed: use " .. METHODS[name])
    end
    return fn(req, conn_id)
  end
  return respond.error("message", 404, "Not Found: no test route " .. req.path)
end

return M
