--- The mock JumpCloud server: a real HTTP/1.1 server on loopback built on lua-http and cqueues, with its state
-- in memory.
--
-- Layout of what it answers:
--
-- * `/api/...` (v1), `/api/v2/...` (v2), `/insights/directory/v1/...` (Directory Insights): every operation of the
--   model (`jumpcloud.mock.api`), behind the `x-api-key` header or an OAuth bearer token (401
--   `{"message":"Unauthorized"}` otherwise).
-- * `/api/v2/__test/...` (key required): `echo`, `bytes`, `reply`, `json`, for the transport specs of the C core
--   (`jumpcloud.mock.test_routes`).
-- * `/oauth2/token`: the service accounts' token endpoint (`jumpcloud.mock.oauth`).
-- * `/__mock/...` (no key): the control routes (`jumpcloud.mock.control`).
--
-- `stats.connections` counts the TCP connections that carried at least one request outside `/__mock/` (since the
-- last reset), so a test reading the stats over a connection of its own still sees its keep-alive connection as
-- exactly one; `connections_accepted` counts every accepted TCP connection. `stats.requests` and the request log
-- likewise leave out `/__mock/` requests. `POST /__mock/reset` zeroes the counters but not the connection ids,
-- which stay unique for the life of the server.
--
-- Fault rules (`POST /__mock/faults`) are described in `jumpcloud.mock.faults`; they apply to every request
-- outside `/__mock/`, before the key is checked.
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
local faults = require "jumpcloud.mock.faults"
local respond = require "jumpcloud.mock.respond"
local api = require "jumpcloud.mock.api"
local control = require "jumpcloud.mock.control"
local test_routes = require "jumpcloud.mock.test_routes"
local oauth = require "jumpcloud.mock.oauth"

local type, pairs, ipairs, tostring, pcall = type, pairs, ipairs, tostring, pcall
local sub, find, match, format = string.sub, string.find, string.match, string.format

local router = require "jumpcloud.mock.router"

local CONTROL_PREFIX = control.PREFIX
local API_PREFIX = "/api/v2"
local LOG_SIZE = 1000

local Server = {}
Server.__index = Server

--- Create a server (not yet bound).
-- @tparam table opts `api_key` (default "test-key"), `host` (default "127.0.0.1"), `port` (default 0:
--   ephemeral), `seed` (integer: the synthesized data's seed, default 1), `empty` (true: no seed data, no
--   synthesized records), `records` ({[collection name] = {record, ...}}: what those collections hold at start),
--   `handlers` ({[operation id] = function(req)}: answers of your own, see `jumpcloud.mock.api`), `faults` (fault
--   rules added at start and after each reset), `client_id`, `client_secret`, `token_ttl` (the OAuth client and its
--   tokens' lifetime in seconds), `log` (a function receiving diagnostic lines), `tls_cert` and `tls_key` (paths of
--   a PEM certificate and its private key: serve HTTPS only, HTTP/1.1; both or neither)
-- @treturn Server
-- @raise on a record of an unknown collection, a handler of an unknown operation or a bad fault rule
function M.new(opts)
  opts = opts or {}
  local handlers = {}
  for name, fn in pairs(opts.handlers or {}) do
    local id, err = api.operation_id(name)
    if not id then error("jumpcloud.mock: routes: " .. err, 2) end
    handlers[id] = fn
  end
  local self = setmetatable({
    api_key = opts.api_key or "test-key",
    host = opts.host or "127.0.0.1",
    port = opts.port or 0,
    logf = opts.log,
    tls_cert = opts.tls_cert,
    tls_key = opts.tls_key,
    cq = cqueues.new(),
    faults = faults.new(),
    start_faults = opts.faults or {},
    app = api.new{ seed = opts.seed, empty = opts.empty, handlers = handlers },
    tokens = oauth.new{ client_id = opts.client_id, client_secret = opts.client_secret, ttl = opts.token_ttl },
    conn_ids = setmetatable({}, {__mode = "k"}),   -- socket -> connection id
    conn_counted = setmetatable({}, {__mode = "k"}), -- socket -> generation it was counted in
    generation = 1,
    next_conn_id = 0,
    stopped = false,
  }, Server)
  for name, list in pairs(opts.records or {}) do
    local key, parent = self.app.data:resolve_name(name)
    if not key then error("jumpcloud.mock: records: " .. parent, 2) end
    if type(list) ~= "table" then error("jumpcloud.mock: records." .. name .. " must be a list of records", 2) end
    self.app.data:set_start_records(key, parent, list)
  end
  for i, rule in ipairs(self.start_faults) do
    local ok, err = self.faults:add(rule)
    if not ok then error("jumpcloud.mock: faults[" .. i .. "]: " .. tostring(err), 2) end
  end
  self:reset()
  return self
end

--- Clear the request log, counters and faults, and bring the data back to the start.
function Server:reset()
  self.app:reset()
  self.stats = {connections = 0, connections_accepted = 0, requests = 0, control_requests = 0}
  self.log = {}
  self.log_next = 1
  self.generation = (self.generation or 0) + 1
  self.faults:clear()
  for _, rule in ipairs(self.start_faults) do self.faults:add(rule) end
end

--- The request log, oldest first.
function Server:request_log()
  local out = json.array()
  local n = #self.log
  for i = 0, n - 1 do
    local idx = (self.log_next - n + i - 1) % LOG_SIZE + 1
    if n < LOG_SIZE then idx = i + 1 end
    out[#out + 1] = self.log[idx]
  end
  return out
end

--- The records of a collection (direct access, in the server's process): a list of the stored records. Treat
-- them as read-only: a write stores a new table (`add_records`, or the HTTP routes).
function Server:records(name)
  local key, parent = self.app.data:resolve_name(name)
  if not key then error("jumpcloud.mock: " .. parent, 2) end
  return self.app.data:source(key, parent):all()
end

--- Adds records to a collection (direct access); returns them completed (ids, required fields).
function Server:add_records(name, list)
  local data = self.app.data
  local key, parent = data:resolve_name(name)
  if not key then error("jumpcloud.mock: " .. parent, 2) end
  local src, spec = data:source(key, parent), data:spec(key)
  local out = {}
  for i, r in ipairs(list) do
    out[i] = data:complete(spec, json.copy(r), i)
    src:insert(out[i])
  end
  return out
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

--- The server's root URL, e.g. `http://127.0.0.1:PORT` (the v1 API is below `/api`, Directory Insights below
-- `/insights/directory/v1`, the token endpoint at `/oauth2/token`).
function Server:root()
  return (self:url():gsub(API_PREFIX .. "$", ""))
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
-- The pipeline
------------------------------------------------------------------------------

local function record(self, req, conn_id)
  local entry = {method = req.method, path = req.path, query = req.query, headers = req.headers,
    body = req.body, connection_id = conn_id}
  self.log[self.log_next] = entry
  self.log_next = self.log_next % LOG_SIZE + 1
  return entry
end

-- Whether the request carries the API key or a valid bearer token.
local function authorized(self, req)
  if req.headers["x-api-key"] == self.api_key then return true end
  local token = match(req.headers["authorization"] or "", "^[Bb]earer%s+(%S+)$")
  return token ~= nil and self.tokens:valid(token)
end

--- Answers a request outside /__mock/.
function Server:api(req, conn_id)
  local path = req.path
  if path == oauth.PATH then
    return self.tokens:token(req)
  end
  if not router.api_of(path) then
    return respond.error("message", 404, "Not Found: " .. path)
  end
  if not authorized(self, req) then
    return respond.json(401, {message = "Unauthorized"})
  end
  if test_routes.is_test(path) then
    return test_routes.handle(req, conn_id)
  end
  req.origin = self:scheme() .. "://" .. (req.headers.host or (self.host .. ":" .. tostring(self.bound_port)))
  return self.app:dispatch(req)
end

local function fault_response(rule, status)
  if rule.body then
    return {status = status, headers = {["content-type"] = "application/json; charset=utf-8"}, body = rule.body}
  end
  local reason = respond.REASONS[status] or "Error"
  return respond.json(status, {message = reason, error = reason})
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
  local is_control = sub(req.path, 1, #CONTROL_PREFIX) == CONTROL_PREFIX
  local res, rule, entry
  if is_control then
    self.stats.control_requests = self.stats.control_requests + 1
    local ok, r = pcall(control.handle, self, req)
    if ok then
      res = r
    else
      log(self, "mock: control error: %s", tostring(r))
      res = respond.error("plain", 500, "Internal Server Error: " .. tostring(r))
    end
  else
    local stats = self.stats
    stats.requests = stats.requests + 1
    if socket and self.conn_counted[socket] ~= self.generation then
      self.conn_counted[socket] = self.generation
      stats.connections = stats.connections + 1
    end
    entry = record(self, req, conn_id)
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
        res = respond.error("message", 500, "Internal Server Error: " .. tostring(r))
      end
    end
    if rule then
      for k, v in pairs(rule.headers) do
        res.headers[k] = v
      end
    end
    if res.route then
      entry.operation = res.route.id
      res.route = nil
    end
  end
  write_response(stream, res, rule, req.method)
end

return M
