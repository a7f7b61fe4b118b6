--- Start the mock JumpCloud server, for tests, examples and users' runbook tests.
--
-- By default the server is a child process (`lua5.4` running `jumpcloud.mock.cli` on an ephemeral loopback port,
-- with the caller's `package.path`/`package.cpath`), because the client blocks in libcurl while it waits for an
-- answer: a server in the same thread could not answer it. The child exits when `stop()` is called, when the
-- handle is closed or collected, and on its own when its parent process goes away.
--
-- With `in_process = true` the server runs in the caller's Lua state, on a cqueues loop the caller steps
-- (`srv:step()`, `srv:run(fn)`): for clients that are themselves driven by cqueues (lua-http), and for direct
-- access to the state.
--
-- Both kinds of handle have the same methods: `records(name)`, `add_records(name, list)`,
-- `clear_records(name)`, `requests()`, `reset()`, `expire_tokens([token])`, `stop()`.
-- @module jumpcloud.mock
-- @usage
-- local mock = require "jumpcloud.mock"
-- local srv <close> = mock.start{
--   records = {users = {{username = "ada", email = "ada@example.com"}}},
--   routes = {getApiV2Usergroups = function(req) return {status = 503, body = {message = "down"}} end},
-- }
-- -- srv.url == "http://127.0.0.1:PORT/api/v2", srv.root == "http://127.0.0.1:PORT"

local M = {}

local format = string.format

--- The options `start` takes, and the type of each.
M.OPTIONS = {
  api_key = "string", seed = "integer", empty = "boolean", records = "table", routes = "table|string",
  faults = "table", in_process = "boolean", lua = "string", verbose = "boolean", stderr = "string",
  tls_cert = "string", tls_key = "string", client_id = "string", client_secret = "string",
  token_ttl = "integer",
}

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The lua/ directory holding this module, so the child finds it whatever the caller's path.
local function own_lua_dir()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) ~= "@" then return nil end
  return src:sub(2):match("^(.*/)jumpcloud/mock/init%.lua$")
end

-- The process state letter from /proc ("Z" for a zombie), or nil when gone or unknown.
local function proc_state(pid)
  local f = io.open("/proc/" .. pid .. "/stat", "r")
  if not f then return nil end
  local stat = f:read("a") or ""
  f:close()
  return stat:match("^.*%)%s+(%a)")
end

local function exited(pid)
  local st = proc_state(pid)
  return st == nil or st == "Z" or st == "X"
end

local function read_file(path)
  local f = path and io.open(path, "r")
  if not f then return "" end
  local s = f:read("a") or ""
  f:close()
  return s
end

local function nearest(name)
  local names = {}
  for k in pairs(M.OPTIONS) do names[#names + 1] = k end
  table.sort(names)
  local best, bd
  for _, k in ipairs(names) do
    -- a small edit distance
    local a, b = name:lower(), k
    local prev = {}
    for j = 0, #b do prev[j] = j end
    for i = 1, #a do
      local cur = { [0] = i }
      for j = 1, #b do
        cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a:byte(i) == b:byte(j) and 0 or 1))
      end
      prev = cur
    end
    if prev[#b] <= math.max(2, #name // 3) and (bd == nil or prev[#b] < bd) then best, bd = k, prev[#b] end
  end
  return best, names
end

--- Checks the options of `start`; raises at the caller's caller on an unknown one or a wrong type.
function M.check_options(opts, level)
  level = (level or 1) + 1
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(format("bad argument #1 to 'jumpcloud.mock.start' (table expected, got %s)", type(opts)), level)
  end
  for k, v in pairs(opts) do
    local want = type(k) == "string" and M.OPTIONS[k]
    if not want then
      local best, names = nearest(tostring(k))
      error(format("jumpcloud.mock.start: unknown option '%s'%s (options: %s)", tostring(k),
        best and (" (did you mean '" .. best .. "'?)") or "", table.concat(names, ", ")), level)
    end
    local ok = false
    for t in want:gmatch("[^|]+") do
      if t == "integer" then ok = ok or math.type(v) == "integer"
      else ok = ok or type(v) == t end
    end
    if not ok then
      local hint = ""
      if k == "seed" then hint = ": the seed of the synthesized data; leave it out for the default, or pass empty = true for no data" end
      error(format("jumpcloud.mock.start: bad option '%s' (%s expected, got %s%s)%s", k, want:gsub("|", " or "),
        math.type(v) or type(v), type(v) == "boolean" and (" " .. tostring(v)) or "", hint), level)
    end
  end
  if (opts.tls_cert == nil) ~= (opts.tls_key == nil) then
    error("jumpcloud.mock.start: tls_cert and tls_key go together (two file paths)", level)
  end
  if type(opts.routes) == "table" then
    local api = require "jumpcloud.mock.api"
    for name, fn in pairs(opts.routes) do
      local id, err = api.operation_id(tostring(name))
      if not id then error("jumpcloud.mock.start: routes: " .. err, level) end
      if type(fn) ~= "function" then
        error(format("jumpcloud.mock.start: routes.%s must be a function (got %s)", tostring(name), type(fn)), level)
      end
    end
  end
  return opts
end

------------------------------------------------------------------------------------------------------------------
-- Route handlers for a child: module names, file paths, or functions without upvalues (sent as bytecode)
------------------------------------------------------------------------------------------------------------------

local function dump_handler(id, fn)
  local i = 1
  while true do
    local name = debug.getupvalue(fn, i)
    if name == nil then break end
    if name ~= "_ENV" then
      error(format("jumpcloud.mock.start: routes.%s uses the upvalue '%s', which a child server cannot share: "
        .. "put the handlers in a module or file and pass its name (routes = \"my.handlers\"), or start the "
        .. "server with in_process = true", id, name), 4)
    end
    i = i + 1
  end
  return string.dump(fn)
end

------------------------------------------------------------------------------------------------------------------
-- Handles
------------------------------------------------------------------------------------------------------------------

local Mock = {}
Mock.__index = Mock

local function http_control(self, method, path, body)
  local server = require "jumpcloud.mock.server" -- makes lua-http findable
  local _ = server
  local http_request = require "http.request"
  local json = require "jumpcloud.mock.json"
  local req = http_request.new_from_uri(self.root .. path)
  req.headers:upsert(":method", method)
  if body ~= nil then
    req.headers:upsert("content-type", "application/json")
    req:set_body(json.encode(body))
  end
  if self.tls_cert then
    local http_tls = require "http.tls"
    local ctx = http_tls.new_client_context()
    ctx:setVerify(require("openssl.ssl.context").VERIFY_NONE)
    req.ctx = ctx
  end
  local headers, stream = assert(req:go(10))
  local text = assert(stream:get_body_as_string(10))
  stream:shutdown()
  local status = tonumber(headers:get(":status"))
  if status >= 400 then error(format("jumpcloud.mock: %s %s: %d %s", method, path, status, text), 3) end
  if text == "" then return nil end
  return json.decode(text)
end

local function encode_name(name)
  return (name:gsub("[^%w%-%._~/]", function(c) return format("%%%02X", c:byte()) end))
end

--- The records of a collection (`users`, `usergroups`, `office365s/<id>/domains`, ...).
function Mock:records(name)
  if self.server then return self.server:records(name) end
  return http_control(self, "GET", "/__mock/records/" .. encode_name(name))
end

--- Adds records to a collection; returns them with their ids.
function Mock:add_records(name, list)
  if self.server then return self.server:add_records(name, list) end
  return http_control(self, "POST", "/__mock/records/" .. encode_name(name), require("jumpcloud.mock.json").array(list))
end

--- Removes every record of a collection.
function Mock:clear_records(name)
  if self.server then
    local data = self.server.app.data
    local key, parent = data:resolve_name(name)
    if not key then error("jumpcloud.mock: " .. parent, 2) end
    data:source(key, parent):clear()
    return true
  end
  http_control(self, "DELETE", "/__mock/records/" .. encode_name(name))
  return true
end

--- The request log: every request outside /__mock/ since the last reset (the last 1,000).
function Mock:requests()
  if self.server then return self.server:request_log() end
  return http_control(self, "GET", "/__mock/requests")
end

--- Back to the start state.
function Mock:reset()
  if self.server then self.server:reset() return true end
  http_control(self, "POST", "/__mock/reset")
  return true
end

--- Expires one OAuth token, or all of them; returns how many.
function Mock:expire_tokens(token)
  if self.server then return self.server.tokens:expire(token) end
  return math.tointeger(http_control(self, "POST", "/__mock/tokens/expire", { access_token = token }).expired)
end

--- In process: runs the server's loop once (at most `timeout` seconds).
function Mock:step(timeout)
  assert(self.server, "jumpcloud.mock: step() is for an in-process server (in_process = true)")
  return self.server:step(timeout)
end

--- In process: runs `fn(...)` as a coroutine of the server's loop, stepping the loop until it returns (at most
-- `timeout` seconds, default 30); returns what it returned. For clients driven by cqueues (lua-http).
function Mock:run(fn, ...)
  assert(self.server, "jumpcloud.mock: run() is for an in-process server (in_process = true)")
  local cqueues = require "cqueues"
  local results, done, failure
  local args = table.pack(...)
  self.server:spawn(function()
    local r = table.pack(pcall(fn, table.unpack(args, 1, args.n)))
    if r[1] then results = r else failure = r[2] end
    done = true
  end)
  local deadline = cqueues.monotime() + 30
  while not done and cqueues.monotime() < deadline do self.server:step(0.05) end
  if failure then error(failure, 2) end
  if not done then error("jumpcloud.mock: run() timed out", 2) end
  return table.unpack(results, 2, results.n)
end

--- Stop the server (the child process: stop it and reap it). Safe to call more than once.
-- @treturn boolean true
function Mock:stop()
  if self.stopped then
    return true
  end
  self.stopped = true
  if self.server then
    self.server:close()
    return true
  end
  local pid = self.pid
  if pid and not exited(pid) then
    os.execute(format("kill -TERM %d 2>/dev/null", pid))
    local tries = 0
    while not exited(pid) and tries < 100 do
      os.execute("sleep 0.02")
      tries = tries + 1
    end
    if not exited(pid) then
      os.execute(format("kill -KILL %d 2>/dev/null", pid))
    end
  end
  if self.pipe then
    self.pipe:close() -- waits for the child: no zombie left
    self.pipe = nil
  end
  if self.stderr_path then
    os.remove(self.stderr_path)
    self.stderr_path = nil
  end
  if self.options_path then
    os.remove(self.options_path)
    self.options_path = nil
  end
  return true
end

Mock.__gc = Mock.stop
Mock.__close = Mock.stop

local function handle(fields)
  local self = setmetatable(fields, Mock)
  self.token_url = self.root .. "/oauth2/token"
  self.stop = Mock.stop
  return self
end

local function start_in_process(opts)
  local server = require "jumpcloud.mock.server"
  local handlers = opts.routes
  if type(handlers) == "string" then handlers = require("jumpcloud.mock.cli").load_handlers(handlers) end
  local ok, srv = pcall(server.new, {
    api_key = opts.api_key or "test-key", host = "127.0.0.1", port = 0, seed = opts.seed, empty = opts.empty,
    records = opts.records, handlers = handlers, faults = opts.faults, client_id = opts.client_id,
    client_secret = opts.client_secret, token_ttl = opts.token_ttl, tls_cert = opts.tls_cert,
    tls_key = opts.tls_key,
    log = opts.verbose and function(line) io.stderr:write(line, "\n") end or nil,
  })
  if not ok then error((tostring(srv):gsub("^[^:]*:%d+: ", "")), 3) end
  local port, err = srv:listen()
  if not port then error("jumpcloud.mock: the server did not start: " .. tostring(err), 3) end
  return handle{ url = srv:url(), root = srv:root(), port = port, api_key = srv.api_key, server = srv,
    client_id = srv.tokens.client_id, client_secret = srv.tokens.client_secret, tls_cert = opts.tls_cert,
    stopped = false }
end

-- The options a child reads (`--options FILE`): a Lua file returning a table, records and faults as JSON text,
-- handlers as a module name / file path or bytecode.
local function options_file(opts)
  local json = require "jumpcloud.mock.json"
  local parts = { "return {" }
  local function add(k, v) parts[#parts + 1] = format("  %s = %q,", k, v) end
  if opts.seed then parts[#parts + 1] = format("  seed = %d,", opts.seed) end
  if opts.empty then parts[#parts + 1] = "  empty = true," end
  if opts.records then add("records_json", json.encode(opts.records)) end
  if opts.faults then add("faults_json", json.encode(json.array(opts.faults))) end
  if opts.client_id then add("client_id", opts.client_id) end
  if opts.client_secret then add("client_secret", opts.client_secret) end
  if opts.token_ttl then parts[#parts + 1] = format("  token_ttl = %d,", opts.token_ttl) end
  if type(opts.routes) == "string" then
    add("routes", opts.routes)
  elseif type(opts.routes) == "table" then
    parts[#parts + 1] = "  dumped = {"
    for id, fn in pairs(opts.routes) do
      if type(fn) ~= "function" then
        error(format("jumpcloud.mock.start: routes.%s must be a function (got %s)", tostring(id), type(fn)), 3)
      end
      parts[#parts + 1] = format("    [%q] = %q,", tostring(id), dump_handler(tostring(id), fn))
    end
    parts[#parts + 1] = "  },"
  end
  parts[#parts + 1] = "}"
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(table.concat(parts, "\n"), "\n")
  f:close()
  return path
end

--- Start a mock server.
-- @tparam[opt] table opts `api_key` (default "test-key"), `seed` (an integer: the synthesized data's seed; leave
--   it out for the default), `empty` (true: no seed data and no synthesized records), `records`
--   ({[collection] = {record, ...}}: what those collections hold at start instead of their generated records; a
--   collection is named by its path below the API root, `usergroups`, `office365s/<id>/domains`, or by the
--   client's resource, `users`), `routes` ({[operation id] = function(req) return {status=, headers=, body=} end},
--   or the name of a module or the path of a file returning such a table; a handler returning nil lets the mock
--   answer), `faults` (a list of fault rules, as `POST /__mock/faults` takes them, kept across resets),
--   `client_id`, `client_secret`, `token_ttl` (the OAuth client the token endpoint knows, and its tokens' lifetime),
--   `in_process` (run in this Lua state, see above), `lua` (the interpreter of the child, default "lua5.4"),
--   `verbose` (log server errors), `stderr` (a file for the child's stderr; default a temporary file removed by
--   stop), `tls_cert` and `tls_key` (paths of a PEM certificate and its key: serve HTTPS)
-- @treturn table a handle: `url` (the v2 root), `root`, `port`, `api_key`, `token_url`, `client_id`,
--   `client_secret`, `pid` (a child's), `server` (an in-process server), and the methods above
-- @raise on an unknown option, an option of the wrong type, and when the server does not start
function M.start(opts)
  opts = M.check_options(opts, 2)
  if opts.in_process then return start_in_process(opts) end
  local api_key = opts.api_key or "test-key"
  local argv = {"--port", "0", "--host", "127.0.0.1", "--exit-with-parent"}
  if opts.verbose then argv[#argv + 1] = "--verbose" end
  if opts.tls_cert then
    table.move({"--tls-cert", opts.tls_cert, "--tls-key", opts.tls_key}, 1, 4, #argv + 1, argv)
  end
  local options_path = options_file(opts)
  table.move({"--options", options_path}, 1, 2, #argv + 1, argv)
  local quoted = {}
  for i, a in ipairs(argv) do quoted[i] = format("%q", a) end
  local code = "os.exit(require('jumpcloud.mock.cli').main({" .. table.concat(quoted, ",") .. "}))"

  local lpath = package.path
  local dir = own_lua_dir()
  if dir then
    lpath = dir .. "?.lua;" .. dir .. "?/init.lua;" .. lpath
  end
  local stderr_path = opts.stderr
  local temp_stderr = false
  if not stderr_path then
    stderr_path = os.tmpname()
    temp_stderr = true
  end
  local cmd = format("echo $$; exec env LUA_PATH_5_4=%s LUA_CPATH_5_4=%s JC_API_KEY=%s %s -e %s 2>%s",
    shell_quote(lpath), shell_quote(package.cpath), shell_quote(api_key), shell_quote(opts.lua or "lua5.4"),
    shell_quote(code), shell_quote(stderr_path))
  local pipe, perr = io.popen(cmd, "r")
  if not pipe then
    os.remove(options_path)
    error("jumpcloud.mock: cannot start the server: " .. tostring(perr), 2)
  end
  local pid = tonumber(pipe:read("l"))
  local line = pipe:read("l")
  local url = line and line:match("^JUMPCLOUD_MOCK_URL=(%S+)$")
  os.remove(options_path)
  if not url then
    local _, how, code_ = pipe:close()
    local diag = read_file(stderr_path)
    if temp_stderr then os.remove(stderr_path) end
    error(format("jumpcloud.mock: the server did not start (%s %s)%s", tostring(how), tostring(code_),
      diag ~= "" and (": " .. diag:gsub("%s+$", "")) or ""), 2)
  end
  return handle{
    url = url,
    root = url:match("^(https?://[^/]+)"),
    port = tonumber(url:match(":(%d+)/")),
    pid = pid,
    api_key = api_key,
    client_id = opts.client_id or "mock-client-id",
    client_secret = opts.client_secret or "mock-client-secret",
    tls_cert = opts.tls_cert,
    pipe = pipe,
    stderr_path = temp_stderr and stderr_path or nil,
    stopped = false,
  }
end

return M
