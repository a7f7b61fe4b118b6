--- Command line entry of the mock server (`bin/jumpcloud-mock`).
--
--     jumpcloud-mock [--host 127.0.0.1] [--port 0] [--api-key KEY] [--seed N | --empty]
--                    [--records FILE.json] [--routes MODULE|FILE.lua] [--faults FILE.json]
--                    [--client-id ID --client-secret SECRET] [--token-ttl SECONDS]
--                    [--tls-cert CERT.pem --tls-key KEY.pem]
--
-- Prints `JUMPCLOUD_MOCK_URL=http://127.0.0.1:PORT/api/v2` as its first line
-- (`https://` when given `--tls-cert` and `--tls-key`: HTTPS only, HTTP/1.1),
-- flushes, then serves until SIGTERM or SIGINT. Only loopback addresses are
-- accepted for `--host`.
--
-- `--records` reads `{"<collection>": [records...]}`, `--faults` a JSON array of fault rules, `--routes` a module
-- name or a Lua file returning `{[operation id] = function(req) ... end}`.
-- @module jumpcloud.mock.cli

local server = require "jumpcloud.mock.server" -- also makes lua-http, cqueues and argparse findable
local json = require "jumpcloud.mock.json"
local argparse = require "argparse"
local cqueues = require "cqueues"
local signal = require "cqueues.signal"

local M = {}

--- Normalise a loopback host, or return nil and a message.
function M.loopback_host(host)
  local h = host:match("^%[(.*)%]$") or host
  if h == "localhost" then
    return "127.0.0.1"
  end
  if h == "::1" then
    return h
  end
  local a, b, c, d = h:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if a and tonumber(a) == 127 and tonumber(b) <= 255 and tonumber(c) <= 255 and tonumber(d) <= 255 then
    return h
  end
  return nil, "refusing to listen on " .. host .. ": only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed"
end

local function parent_pid()
  local f = io.open("/proc/self/stat", "r")
  if not f then return nil end
  local stat = f:read("a")
  f:close()
  -- the command name (field 2) may hold spaces and parentheses: skip past its last ")"
  return tonumber(stat:match("^.*%)%s+%S+%s+(%d+)"))
end

local function integer(name, min)
  return function(s)
    local n = tonumber(s)
    if not n or n % 1 ~= 0 or n < min then
      return nil, name .. " must be an integer of at least " .. min
    end
    return math.tointeger(n)
  end
end

local function build_parser()
  local parser = argparse("jumpcloud-mock",
    "A mock JumpCloud server (API v1, v2, Directory Insights, OAuth tokens) on loopback, for tests and examples.")
  parser:option("--host", "Address to listen on (loopback only).", "127.0.0.1")
  parser:option("--port", "Port to listen on; 0 picks a free one.", "0"):convert(function(s)
    local n = tonumber(s)
    if not n or n % 1 ~= 0 or n < 0 or n > 65535 then
      return nil, "port must be an integer from 0 to 65535"
    end
    return math.tointeger(n)
  end)
  parser:option("--api-key", "The x-api-key the server accepts (default: $JC_API_KEY, else test-key).")
  parser:option("--seed", "The seed of the synthesized data (an integer; default 1)."):convert(integer("seed", 0))
  parser:flag("--empty --no-seed", "Start with empty collections instead of the seed data.")
  parser:option("--records", "A JSON file {\"<collection>\": [records...]}: what those collections hold at start.")
  parser:option("--routes", "A module name or Lua file returning {[operation id] = function(req) ... end}.")
  parser:option("--faults", "A JSON file holding an array of fault rules, kept across resets.")
  parser:option("--client-id", "The OAuth client id the token endpoint accepts (default mock-client-id).")
  parser:option("--client-secret", "The OAuth client secret (default mock-client-secret).")
  parser:option("--token-ttl", "Lifetime of OAuth tokens in seconds (default 3600)."):convert(integer("token-ttl", 1))
  parser:option("--options", "A Lua file of start options (used by jumpcloud.mock.start)."):hidden(true)
  parser:option("--tls-cert", "Serve HTTPS with this PEM certificate (needs --tls-key).")
  parser:option("--tls-key", "The PEM private key of --tls-cert.")
  parser:flag("--exit-with-parent", "Exit when the parent process goes away (used by jumpcloud.mock.start).")
  parser:flag("-v --verbose", "Log server errors to stderr.")
  return parser
end

--- The route handlers of a module name or a Lua file: a table {[operation id] = function(req)}.
-- @raise when it cannot be loaded or is not such a table
function M.load_handlers(spec)
  local handlers
  if spec:find("/", 1, true) or spec:match("%.lua$") then
    local chunk, err = loadfile(spec)
    if not chunk then error("jumpcloud.mock: routes: " .. tostring(err), 0) end
    handlers = chunk()
  else
    handlers = require(spec)
  end
  if type(handlers) ~= "table" then
    error("jumpcloud.mock: routes: " .. spec .. " must return a table {[operation id] = function(req) ... end}", 0)
  end
  return handlers
end

local function read_json(path, what)
  local f, err = io.open(path, "rb")
  if not f then error("jumpcloud.mock: " .. what .. ": " .. tostring(err), 0) end
  local text = f:read("a")
  f:close()
  local v, jerr = json.decode(text)
  if v == nil then error("jumpcloud.mock: " .. what .. ": " .. path .. ": " .. tostring(jerr), 0) end
  return v
end

-- The server options of the command line (and of an --options file).
local function server_options(args)
  local o = {seed = args.seed, empty = args.empty or nil, client_id = args.client_id,
    client_secret = args.client_secret, token_ttl = args.token_ttl}
  if args.records then o.records = read_json(args.records, "--records") end
  if args.faults then o.faults = read_json(args.faults, "--faults") end
  if args.routes then o.handlers = M.load_handlers(args.routes) end
  if args.options then
    local chunk, err = loadfile(args.options)
    if not chunk then error("jumpcloud.mock: --options: " .. tostring(err), 0) end
    local f = chunk()
    for _, k in ipairs({"seed", "empty", "client_id", "client_secret", "token_ttl"}) do
      if f[k] ~= nil then o[k] = f[k] end
    end
    if f.records_json then o.records = assert(json.decode(f.records_json)) end
    if f.faults_json then o.faults = assert(json.decode(f.faults_json)) end
    if f.routes then o.handlers = M.load_handlers(f.routes) end
    if f.dumped then
      o.handlers = {}
      for id, code in pairs(f.dumped) do
        local fn = assert(load(code, "=routes." .. id, "b"))
        if debug.getupvalue(fn, 1) == "_ENV" then debug.setupvalue(fn, 1, _G) end
        o.handlers[id] = fn
      end
    end
  end
  return o
end

--- Run the command line.
-- @tparam table argv the arguments (without the program name)
-- @treturn integer exit status
function M.main(argv)
  local parser = build_parser()
  local ok, args = parser:pparse(argv)
  if not ok then
    io.stderr:write(parser:get_usage(), "\n\njumpcloud-mock: error: ", args, "\n")
    return 2
  end
  local host, err = M.loopback_host(args.host)
  if not host then
    io.stderr:write("jumpcloud-mock: ", err, "\n")
    return 2
  end
  if (args.tls_cert == nil) ~= (args.tls_key == nil) then
    io.stderr:write("jumpcloud-mock: --tls-cert and --tls-key go together\n")
    return 2
  end
  local api_key = args.api_key or os.getenv("JC_API_KEY")
  if api_key == nil or api_key == "" then
    api_key = "test-key"
  end

  -- Turn SIGTERM and SIGINT into events of the loop.
  signal.block(signal.SIGTERM, signal.SIGINT)
  local listener = signal.listen(signal.SIGTERM, signal.SIGINT)

  local ok_opts, o = pcall(server_options, args)
  if not ok_opts then
    io.stderr:write(tostring(o), "\n")
    return 2
  end
  o.api_key, o.host, o.port = api_key, host, args.port
  o.tls_cert, o.tls_key = args.tls_cert, args.tls_key
  o.log = args.verbose and function(line) io.stderr:write(line, "\n") end or nil
  local ok_new, srv = pcall(server.new, o)
  if not ok_new then
    io.stderr:write(tostring(srv), "\n")
    return 2
  end
  local port, lerr = srv:listen()
  if not port then
    io.stderr:write("jumpcloud-mock: cannot listen on ", host, ":", tostring(args.port), ": ", tostring(lerr), "\n")
    return 1
  end
  io.stdout:write("JUMPCLOUD_MOCK_URL=", srv:url(), "\n")
  io.stdout:flush()

  srv:spawn(function()
    listener:wait()
    srv:stop()
  end)
  if args.exit_with_parent then
    local ppid = parent_pid()
    if ppid then
      srv:spawn(function()
        while true do
          cqueues.sleep(0.5)
          if parent_pid() ~= ppid then
            srv:stop()
            return
          end
        end
      end)
    end
  end
  srv:loop()
  srv:close()
  return 0
end

return M
