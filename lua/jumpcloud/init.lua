--- jumpcloud: the Lua 5.4 binding for the JumpCloud API v2.
-- @module jumpcloud
-- @usage
-- local jumpcloud = require("jumpcloud")
-- local c <close> = jumpcloud.new{ api_key = os.getenv("JC_API_KEY") }
-- local resp = assert(c:request("GET", "/policygroups", { query = { limit = 10 } }))
local core = require "jumpcloud.core"
local client = require "jumpcloud.client"
local errors = require "jumpcloud.errors"

local M = {
  _VERSION = core.VERSION,
  --- JSON `null`: distinct from an absent key, encodes back to `null`.
  null = core.null,
  --- Marks a table as a JSON array, so that `jumpcloud.array{}` encodes as `[]`.
  array = core.array,
  is_array = core.is_array,
  json = { encode = core.json_encode, decode = core.json_decode },
  errors = errors,
  is_error = errors.is,
  new = client.new,
}

-- jumpcloud.filter is loaded on first use
return setmetatable(M, { __index = function(t, k)
  if k == "filter" then
    local filter = require "jumpcloud.filter"
    rawset(t, k, filter)
    return filter
  end
end })
