--- The mock JumpCloud API v2 server: a real HTTP/1.1 server on loopback built on
-- lua-http and cqueues, with its state in memory.
--
-- Layout of what it answers:
--
-- * `/api/v2/...`: the 50 operations of the reference (see `jumpcloud.mock.routes`),
--   all behind the `x-api-key` header (401 `{"message":"Unauthorized"}` otherwise).
-- * `/api/v2/__test/...` (key required): `echo`, `bytes`, `reply`, `json`, for the
--   transport specs of the C core.
-- * `/__mock/...` (no key): `stats`, `requests`, `reset`, `ids`, `faults`.
--
-- `stats.connections` counts the TCP connections that carried at least one
-- request outside `/__mock/` (since the last reset), so a test reading the stats
-- over a connection of its own still sees its keep-alive connection as exactly
-- one; `connections_accepted` counts every accepted TCP connection.
-- `stats.requests` and the request log likewise leave out `/__mock/` requests.
-- `POST /__mock/reset` zeroes the counters but not the connection ids, which
-- stay unique for the life of the server.
--
-- Fault rules (`POST /__mock/faults`) are described in `jumpcloud.mock.faults`;
-- they apply to every request outside `/__mock/`, before the key is checked.
-- @module jumpcloud.mock.server
-- @usage
-- local server = require "jumpcloud.mock.server"
-- local srv = server.new{api_key = "k"}
-- local port = assert(srv:listen())
-- srv:loop()

local M = {}

--- Directories where Debian keeps lua-http's and cqueues' pure-Lua files (they
-- are installed for Lua 5.1-5.3 only; their C parts are built for 5.4).
M.LUA_HTTP_PATH = "/usr/share/lua/5.3/?.lua;/usr/share/lua/5.3/?/init.lua;"
  .. "/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"

--- Append `LUA_HTTP_PATH` to `package.path` when lua-http or cqueues cannot be found.
function M.ensure_lua_http()
  if package.searchpath("http.server", package.path) and package.searchpath("cqueues", package.path) then
    return
  end
  if not package.path:find(M.LUA_HTTP_PATH, 1, true) then
    package.path = package.path .. ";" .. M.LUA_HTTP_PATH
  end
end
M.ensure_lua_http()

local cqueues = require "cqueues"
local http_server = require "http.server"
local http_headers = require "http.headers"

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"
local store = require "jumpcloud.mock.store"
local seed = require "jumpcloud.mock.seed"
local routes = require "jumpcloud.mock.routes"
local faults = require "jumpcloud.mock.faults"
local binary = require "jumpcloud.mock.binary"

local type, pairs, tostring, tonumber, pcall = type, pairs, tostring, tonumber, pcall
local sub, find, match, format = string.sub, string.find, string.match, string.format

local API_PREFIX = "/api/v2"
local TEST_PREFIX = "/api/v2/__test/"
local CONTROL_PREFIX = "/__mock/"
local LOG_SIZE = 1000
local MAX_BYTES = 64 * 1024 * 1024

local Server = {}
Server.__index = Server

--- Create a server (not yet bound).
-- @tparam table opts `api_key` (default "test-key"), `host` (default "127.0.0.1"),
--   `port` (default 0: ephemeral), `seed` (default true), `log` (a function
--   receiving diagnostic lines; default none), `tls_cert` and `tls_key` (paths of a
--   PEM certificate and its PEM private key: serve HTTPS only, HTTP/1.1, with them;
--   both or neither)
-- @treturn Server
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({
    api_key = opts.api_key or "test-key",
    host = opts.host or "127.0.0.1",
    port = opts.port or 0,
    seeded = opts.seed ~= false,
    logf = opts.log,
    tls_cert = opts.tls_cert,
    tls_key = opts.tls_key,
    cq = cqueues.new(),
    faults = faults.new(),
    conn_ids = setmetatable({}, {__mode = "k"}),   -- socket -> connection id
    conn_counted = setmetatable({}, {__mode = "k"}), -- socket -> generation it was counted in
    generation = 1,
    next_conn_id = 0,
    stopped = false,
  }, Server)
  self:reset()
  return self
end

--- Clear the request log, counters and faults, and reseed the data.
function Server:reset()
  self.db = store.new_db(seed.COLLECTIONS)
  if self.seeded then
    seed.fill(self.db)
  end
  self.stats = {connections = 0, connections_accepted = 0, requests = 0, control_requests = 0}
  self.log = {}
  self.log_next = 1
  self.generation = (self.generation or 0) + 1
  self.faults:clear()
end

local function log(self, ...)
  if self.logf then
    self.logf(format(...))
  end
end

local function read_all(path)
  local f, err = io.open(path, "rb")
  if not f then
    return nil, err
  end
  local s = f:read("a")
  f:close()
  return s
end

-- The OpenSSL server context of `tls_cert`/`tls_key`, or nil and a message. No ALPN is
-- offered, so clients speak HTTP/1.1 (the fault modes write to the raw socket).
local function tls_context(cert_path, key_path)
  if not cert_path or not key_path then
    return nil, "tls_cert and tls_key go together"
  end
  local http_tls = require "http.tls"
  local x509 = require "openssl.x509"
  local pkey = require "openssl.pkey"
  local cert_pem, cerr = read_all(cert_path)
  if not cert_pem then
    return nil, "cannot read tls_cert: " .. tostring(cerr)
  end
  local key_pem, kerr = read_all(key_path)
  if not key_pem then
    return nil, "cannot read tls_key: " .. tostring(kerr)
  end
  local ok, crt = pcall(x509.new, cert_pem, "PEM")
  if not ok then
    return nil, "tls_cert is not a PEM certificate: " .. tostring(crt)
  end
  local ok2, key = pcall(pkey.new, key_pem, "PEM")
  if not ok2 then
    return nil, "tls_key is not a PEM private key: " .. tostring(key)
  end
  local ctx = http_tls.new_server_context()
  local ok3, serr = pcall(function()
    assert(ctx:setCertificate(crt))
    assert(ctx:setPrivateKey(key))
  end)
  if not ok3 then
    return nil, "tls_cert and tls_key do not fit: " .. tostring(serr)
  end
  return ctx
end

--- Bind the listening socket.
-- @treturn integer the bound port, or nil and an error message
function Server:listen()
  if self.http then
    return self.bound_port
  end
  local ctx
  if self.tls_cert or self.tls_key then
    local cerr
    ctx, cerr = tls_context(self.tls_cert, self.tls_key)
    if not ctx then
      return nil, cerr
    end
  end
  local srv, err = http_server.listen{
    host = self.host,
    port = self.port,
    tls = ctx ~= nil,
    ctx = ctx,
    version = ctx and 1.1 or nil,
    cq = self.cq,
    reuseaddr = true,
    intra_stream_timeout = 60,
    onstream = function(_, stream) return self:handle(stream) end,
    onerror = function(_, context, op, err2)
      log(self, "mock: %s on %s: %s", tostring(op), tostring(context), tostring(err2))
    end,
  }
  if not srv then
    return nil, err
  end
  -- Number the accepted TCP connections.
  local add_socket = srv.add_socket
  srv.add_socket = function(s, socket)
    self.next_conn_id = self.next_conn_id + 1
    self.conn_ids[socket] = self.next_conn_id
    self.stats.connections_accepted = self.stats.connections_accepted + 1
    return add_socket(s, socket)
  end
  local ok, lerr = srv:listen()
  if not ok then
    return nil, lerr
  end
  local _, _, port = srv:localname()
  self.http = srv
  self.bound_port = port
  return port
end

--- The URL scheme served: "https" with `tls_cert`/`tls_key`, else "http".
function Server:scheme()
  return self.tls_cert and "https" or "http"
end

--- The API base URL, e.g. `http://127.0.0.1:PORT/api/v2` (`https://` under TLS).
function Server:url()
  local host = self.host
  if find(host, ":", 1, true) then host = "[" .. host .. "]" end
  return format("%s://%s:%d%s", self:scheme(), host, self.bound_port, API_PREFIX)
end

--- Run the event loop once.
-- @tparam[opt] number timeout seconds
function Server:step(timeout)
  local ok, err = self.cq:step(timeout)
  if not ok then
    log(self, "mock: %s", tostring(err))
  end
  return true
end

--- Run until `stop()` is called (from a coroutine of the server's queue, e.g. a signal watcher).
function Server:loop()
  while not self.stopped do
    self:step(1)
  end
end

--- Ask `loop()` to return.
function Server:stop()
  self.stopped = true
end

--- Close the listening socket and every connection.
function Server:close()
  self.stopped = true
  if self.http then
    self.http:close()
    self.http = nil
  end
end

--- Run `fn` as a coroutine of the server's event loop.
function Server:spawn(fn, ...)
  self.cq:wrap(fn, ...)
end

------------------------------------------------------------------------------
-- Requests and responses
------------------------------------------------------------------------------

local function read_request(stream)
  local headers, err = stream:get_headers()
  if not headers then
    return nil, err
  end
  local method = headers:get(":method")
  local target = headers:get(":path") or "/"
  local path, query = match(target, "^([^?#]*)%??([^#]*)")
  local map = {}
  for name, value in headers:each() do
    if name == ":authority" then
      name = "host"
    end
    if sub(name, 1, 1) ~= ":" then
      local prev = map[name]
      map[name] = prev and (prev .. ", " .. value) or value
    end
  end
  if map["expect"] and map["expect"]:lower() == "100-continue" then
    stream:write_continue()
  end
  local body = stream:get_body_as_string(30)
  if body == nil then
    body = ""
  end
  local args, pairs_list = util.parse_query(query)
  return {
    method = method, path = path, query = query, headers = map, body = body,
    args = args, query_pairs = pairs_list,
  }
end

local NO_BODY = {[204] = true, [304] = true}

local function build_headers(res)
  local h = http_headers.new()
  h:append(":status", tostring(res.status))
  for k, v in pairs(res.headers or {}) do
    h:append(k, v)
  end
  if not h:has("server") then
    h:append("server", "jumpcloud-mock")
  end
  return h
end

local GARBAGE = '{"results": [{"id": "5f0c1b2a3d4e5f6a7b8c9d0e", "name": "trunc'
local HTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
  .. "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

local function sleep_ms(ms)
  if ms and ms > 0 then
    cqueues.sleep(ms / 1000)
  end
end

-- Cut the connection after part of the body (fault modes reset and truncate).
local function write_cut(stream, res, mode)
  local body = res.body or ""
  local h = build_headers(res)
  local half = body:sub(1, #body // 2)
  if mode == "truncate" then
    h:upsert("content-length", tostring(#body))
  else
    h:upsert("transfer-encoding", "chunked")
  end
  stream:write_headers(h, false)
  if #half > 0 then
    stream:write_chunk(half, false)
  end
  local socket = stream.connection.socket
  if socket then
    socket:flush()
    socket:shutdown("rw")
  end
end

-- Write a fault's raw bytes as the whole answer, then close the connection.
local function write_raw(stream, raw)
  local socket = stream.connection.socket
  if socket then
    if raw ~= "" then
      socket:xwrite(raw, "n")
      socket:flush()
    end
    socket:shutdown("rw")
  end
end

local function write_response(stream, res, rule, method)
  local body = res.body or ""
  if rule and (rule.mode == "reset" or rule.mode == "truncate") and method ~= "HEAD" then
    return write_cut(stream, res, rule.mode)
  end
  local h = build_headers(res)
  if NO_BODY[res.status] or res.status < 200 then
    stream:write_headers(h, true)
    return
  end
  h:upsert("content-length", tostring(#body))
  -- A HEAD answer must end with its headers: lua-http would send the body otherwise,
  -- and the client would read it as the start of the next response.
  if #body == 0 or method == "HEAD" then
    stream:write_headers(h, true)
    return
  end
  if rule and rule.stall_ms then
    stream:write_headers(h, false)
    local socket = stream.connection.socket
    if socket then socket:flush() end
    sleep_ms(rule.stall_ms)
    stream:write_chunk(body, true)
    return
  end
  stream:write_headers(h, false)
  stream:write_chunk(body, true)
end

------------------------------------------------------------------------------
-- Test routes (/api/v2/__test/...)
------------------------------------------------------------------------------

local test_routes = {}

function test_routes.echo(_, req, conn_id)
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
  return routes.json_response(status, {
    method = req.method, path = req.path, query = req.query, args = args,
    headers = req.headers, body = req.body, connection_id = conn_id,
  })
end

function test_routes.bytes(_, req)
  local n, err = store.int_param(req.args, "n", 1024)
  if not n then
    return routes.error("plain", 400, err)
  end
  if n > MAX_BYTES then
    return routes.error("plain", 400, "Bad Request: n exceeds " .. MAX_BYTES)
  end
  return {status = 200, headers = {["content-type"] = "application/octet-stream"}, body = binary.byte_ramp(n)}
end

function test_routes.reply(_, req)
  local spec, err = json.decode(req.body)
  if type(spec) ~= "table" then
    return routes.error("plain", 400, "Bad Request: reply needs a JSON object body: " .. tostring(err))
  end
  local status = spec.status == nil and 200 or tonumber(spec.status)
  if not status or status % 1 ~= 0 or status < 200 or status > 599 then
    return routes.error("plain", 400, "Bad Request: reply status must be an integer from 200 to 599")
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
      return routes.error("plain", 400, "Bad Request: body_base64: " .. derr)
    end
    body = bytes
  elseif type(spec.body) == "string" then
    body = spec.body
  elseif spec.body ~= nil and spec.body ~= json.null then
    body = json.encode(spec.body)
  end
  return {status = math.tointeger(status), headers = headers, body = body}
end

function test_routes.json(_, req)
  local n, err = store.int_param(req.args, "items", 10)
  if not n then
    return routes.error("plain", 400, err)
  end
  if n > 1000000 then
    return routes.error("plain", 400, "Bad Request: items exceeds 1000000")
  end
  local items = json.array()
  for i = 1, n do
    items[i] = {id = i, name = "item " .. i, ratio = i + 0.5, ok = true, note = json.null}
  end
  return routes.json_response(200, items)
end

local function test_route(self, req, conn_id)
  local rest = sub(req.path, #TEST_PREFIX + 1)
  local name = match(rest, "^([^/]*)")
  if name == "echo" then
    return test_routes.echo(self, req, conn_id)
  end
  local fn = test_routes[name]
  if fn and rest == name then
    if name == "reply" and req.method ~= "POST" then
      return routes.error("plain", 405, "Method Not Allowed: use POST")
    end
    if (name == "bytes" or name == "json") and req.method ~= "GET" then
      return routes.error("plain", 405, "Method Not Allowed: use GET")
    end
    return fn(self, req, conn_id)
  end
  return routes.error("message", 404, "Not Found: no test route " .. req.path)
end

------------------------------------------------------------------------------
-- Control routes (/__mock/...)
------------------------------------------------------------------------------

function Server:control(req)
  local name = sub(req.path, #CONTROL_PREFIX + 1)
  local m = req.method
  if name == "stats" and m == "GET" then
    return routes.json_response(200, self.stats)
  elseif name == "requests" and m == "GET" then
    local out = json.array()
    local n = #self.log
    for i = 0, n - 1 do
      local idx = (self.log_next - n + i - 1) % LOG_SIZE + 1
      if n < LOG_SIZE then idx = i + 1 end
      out[#out + 1] = self.log[idx]
    end
    return routes.json_response(200, out)
  elseif name == "reset" and m == "POST" then
    self:reset()
    return routes.json_response(200, {reset = true})
  elseif name == "ids" and m == "GET" then
    return routes.json_response(200, seed.describe())
  elseif name == "faults" then
    if m == "POST" then
      local spec, err = json.decode(req.body)
      local rule
      if spec then
        rule, err = self.faults:add(spec)
      end
      if not rule then
        return routes.error("plain", 400, "Bad Request: " .. tostring(err))
      end
      return routes.json_response(201, {id = rule.id})
    elseif m == "DELETE" then
      self.faults:clear()
      return {status = 204, headers = {}, body = ""}
    elseif m == "GET" then
      return routes.json_response(200, json.array(self.faults:describe()))
    end
  end
  return routes.error("plain", 404, "Not Found: no control route " .. m .. " " .. req.path)
end

------------------------------------------------------------------------------
-- The pipeline
------------------------------------------------------------------------------

local function record(self, req, conn_id)
  local entry = {method = req.method, path = req.path, query = req.query, headers = req.headers,
    body = req.body, connection_id = conn_id}
  self.log[self.log_next] = entry
  self.log_next = self.log_next % LOG_SIZE + 1
end

local function split_segments(path)
  local segs = {}
  for seg in (path .. "/"):gmatch("([^/]*)/") do
    segs[#segs + 1] = util.unescape_path(seg)
  end
  return segs
end

function Server:api(req, conn_id)
  local path = req.path
  if path ~= API_PREFIX and sub(path, 1, #API_PREFIX + 1) ~= API_PREFIX .. "/" then
    return routes.error("message", 404, "Not Found: " .. path)
  end
  if req.headers["x-api-key"] ~= self.api_key then
    return routes.json_response(401, {message = "Unauthorized"})
  end
  if sub(path, 1, #TEST_PREFIX) == TEST_PREFIX then
    return test_route(self, req, conn_id)
  end
  local rest = sub(path, #API_PREFIX + 2)
  if sub(rest, -1) == "/" then rest = sub(rest, 1, -2) end -- tolerate one trailing slash
  req.segments = rest == "" and {} or split_segments(rest)
  req.origin = self:scheme() .. "://" .. (req.headers.host or (self.host .. ":" .. tostring(self.bound_port)))
  return routes.dispatch(self.db, req)
end

local function fault_response(rule, status)
  if rule.body then
    return {status = status, headers = {["content-type"] = "application/json; charset=utf-8"}, body = rule.body}
  end
  local reason = routes.REASONS[status] or "Error"
  return routes.json_response(status, {message = reason, error = reason})
end

--- Answer one HTTP request (lua-http's onstream callback).
function Server:handle(stream)
  local req, err = read_request(stream)
  if not req then
    log(self, "mock: bad request: %s", tostring(err))
    return
  end
  local socket = stream.connection.socket
  local conn_id = socket and self.conn_ids[socket] or 0
  local control = sub(req.path, 1, #CONTROL_PREFIX) == CONTROL_PREFIX
  local res, rule
  if control then
    self.stats.control_requests = self.stats.control_requests + 1
    res = self:control(req)
  else
    local stats = self.stats
    stats.requests = stats.requests + 1
    if socket and self.conn_counted[socket] ~= self.generation then
      self.conn_counted[socket] = self.generation
      stats.connections = stats.connections + 1
    end
    record(self, req, conn_id)
    local status
    rule, status = self.faults:take(req.method, req.path)
    if rule then
      sleep_ms(rule.delay_ms)
      if rule.raw then
        return write_raw(stream, rule.raw)
      end
      if status then
        res = fault_response(rule, status)
      elseif rule.mode == "garbage" then
        res = {status = 200, headers = {["content-type"] = "application/json"}, body = GARBAGE}
      elseif rule.mode == "html" then
        res = {status = 502, headers = {["content-type"] = "application/json"}, body = HTML}
      end
      if res and rule.mode == "garbage" then
        res.body = GARBAGE
      elseif res and rule.mode == "html" then
        res.body, res.headers["content-type"] = HTML, "application/json"
      end
    end
    if not res then
      local ok, r = pcall(self.api, self, req, conn_id)
      if ok then
        res = r
      else
        log(self, "mock: handler error: %s", tostring(r))
        res = routes.error("message", 500, "Internal Server Error: " .. tostring(r))
      end
    end
    if rule then
      for k, v in pairs(rule.headers) do
        res.headers[k] = v
      end
    end
  end
  write_response(stream, res, rule, req.method)
end

return M
