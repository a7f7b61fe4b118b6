--- Command line entry of the mock server (`bin/jumpcloud-mock`).
--
--     jumpcloud-mock [--host 127.0.0.1] [--port 0] [--api-key KEY] [--no-seed]
--                    [--tls-cert CERT.pem --tls-key KEY.pem]
--
-- Prints `JUMPCLOUD_MOCK_URL=http://127.0.0.1:PORT/api/v2` as its first line
-- (`https://` when given `--tls-cert` and `--tls-key`: HTTPS only, HTTP/1.1),
-- flushes, then serves until SIGTERM or SIGINT. Only loopback addresses are
-- accepted for `--host`.
-- @module jumpcloud.mock.cli

local server = require "jumpcloud.mock.server" -- also makes lua-http, cqueues and argparse findable
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

local function build_parser()
  local parser = argparse("jumpcloud-mock", "A mock JumpCloud API v2 server on loopback, for tests and examples.")
  parser:option("--host", "Address to listen on (loopback only).", "127.0.0.1")
  parser:option("--port", "Port to listen on; 0 picks a free one.", "0"):convert(function(s)
    local n = tonumber(s)
    if not n or n % 1 ~= 0 or n < 0 or n > 65535 then
      return nil, "port must be an integer from 0 to 65535"
    end
    return math.tointeger(n)
  end)
  parser:option("--api-key", "The x-api-key the server accepts (default: $JC_API_KEY, else test-key).")
  parser:flag("--no-seed", "Start with empty collections instead of the seed data.")
  parser:option("--tls-cert", "Serve HTTPS with this PEM certificate (needs --tls-key).")
  parser:option("--tls-key", "The PEM private key of --tls-cert.")
  parser:flag("--exit-with-parent", "Exit when the parent process goes away (used by jumpcloud.mock.start).")
  parser:flag("-v --verbose", "Log server errors to stderr.")
  return parser
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

  local srv = server.new{
    api_key = api_key,
    host = host,
    port = args.port,
    seed = not args.no_seed,
    tls_cert = args.tls_cert,
    tls_key = args.tls_key,
    log = args.verbose and function(line) io.stderr:write(line, "\n") end or nil,
  }
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
