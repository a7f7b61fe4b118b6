-- What every example shares: a client for the real API when JC_API_KEY is set, else for the
-- project's mock JumpCloud server, started here on loopback and stopped at exit.
local jumpcloud = require "jumpcloud"

local M = {}

--- Returns a client, and a table of ids to use: from the environment (JC_EXAMPLE_<NAME>) on the real
-- API, the mock's seed ids otherwise.
function M.connect()
  if os.getenv("JC_API_KEY") and os.getenv("JC_API_KEY") ~= "" then
    local ids = setmetatable({}, { __index = function(_, k) return os.getenv("JC_EXAMPLE_" .. k:upper()) end })
    return jumpcloud.new(), ids
  end
  local mock = require "jumpcloud.mock"
  M.server = mock.start({ api_key = "example-api-key-0123456789abcdef" })
  local client = jumpcloud.new({ api_key = M.server.api_key, base_url = M.server.url })
  local root = jumpcloud.new({ api_key = M.server.api_key, base_url = M.server.root })
  local ids = assert(root:request("GET", "/__mock/ids")).body.ids
  root:close()
  io.stderr:write("(no JC_API_KEY: using the mock JumpCloud server at " .. M.server.url .. ")\n")
  return client, ids
end

--- Stops the mock server if one was started.
function M.done()
  if M.server then M.server:stop() end
end

return M
