--- Start the mock JumpCloud API v2 server as a child process, for tests and examples.
--
-- The child is `lua5.4` running `jumpcloud.mock.cli` on an ephemeral loopback
-- port, with the caller's `package.path`/`package.cpath` (through
-- `LUA_PATH_5_4`/`LUA_CPATH_5_4`) so it loads the same modules. It exits when
-- `stop()` is called, when the handle is closed or collected, and on its own
-- when its parent process goes away.
-- @module jumpcloud.mock
-- @usage
-- local mock = require "jumpcloud.mock"
-- local srv = mock.start{api_key = "k"}
-- -- srv.url == "http://127.0.0.1:PORT/api/v2"
-- srv:stop()
-- local tls = mock.start{tls_cert = "cert.pem", tls_key = "key.pem"} -- https://127.0.0.1:PORT/api/v2

local M = {}

local format = string.format

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

local Mock = {}
Mock.__index = Mock

--- Stop the server process and reap it. Safe to call more than once.
-- @treturn boolean true
function Mock:stop()
  if self.stopped then
    return true
  end
  self.stopped = true
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
  return true
end

Mock.__gc = Mock.stop
Mock.__close = Mock.stop

--- Start a mock server.
-- @tparam[opt] table opts `api_key` (default "test-key"), `seed` (default true),
--   `lua` (the interpreter, default "lua5.4"), `verbose` (log server errors),
--   `stderr` (a file for the child's stderr; default a temporary file removed by stop),
--   `tls_cert` and `tls_key` (paths of a PEM certificate and its key: serve HTTPS, and
--   `url`/`root` start with `https://`)
-- @treturn table `{url=, root=, port=, pid=, api_key=, stop=}`; `srv:stop()` ends it.
-- @raise an error naming the cause when the server does not start
function M.start(opts)
  opts = opts or {}
  local api_key = opts.api_key or "test-key"
  local argv = {"--port", "0", "--host", "127.0.0.1", "--exit-with-parent"}
  if opts.seed == false then argv[#argv + 1] = "--no-seed" end
  if opts.verbose then argv[#argv + 1] = "--verbose" end
  if opts.tls_cert or opts.tls_key then
    if type(opts.tls_cert) ~= "string" or type(opts.tls_key) ~= "string" then
      error("jumpcloud.mock: tls_cert and tls_key go together (two file paths)", 2)
    end
    table.move({"--tls-cert", opts.tls_cert, "--tls-key", opts.tls_key}, 1, 4, #argv + 1, argv)
  end
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
    error("jumpcloud.mock: cannot start the server: " .. tostring(perr), 2)
  end
  local pid = tonumber(pipe:read("l"))
  local line = pipe:read("l")
  local url = line and line:match("^JUMPCLOUD_MOCK_URL=(%S+)$")
  if not url then
    local _, how, code_ = pipe:close()
    local diag = read_file(stderr_path)
    if temp_stderr then os.remove(stderr_path) end
    error(format("jumpcloud.mock: the server did not start (%s %s)%s", tostring(how), tostring(code_),
      diag ~= "" and (": " .. diag:gsub("%s+$", "")) or ""), 2)
  end
  local port = tonumber(url:match(":(%d+)/"))
  local self = setmetatable({
    url = url,
    root = url:match("^(https?://[^/]+)"),
    port = port,
    pid = pid,
    api_key = api_key,
    pipe = pipe,
    stderr_path = temp_stderr and stderr_path or nil,
    stopped = false,
  }, Mock)
  self.stop = Mock.stop
  return self
end

return M
