--- jumpcloud: the Lua 5.4 binding for the JumpCloud API.
-- @module jumpcloud
-- @usage
-- local jumpcloud = require("jumpcloud")
-- local c <close> = jumpcloud.new{ api_key = os.getenv("JC_API_KEY") }
-- local resp = assert(c:request("GET", "/policygroups", { query = { limit = 10 } }))
local core = require "jumpcloud.core"
local client = require "jumpcloud.client"

local M = {
  _VERSION = core.VERSION,
  --- JSON `null`: distinct from an absent key, encodes back to `null`.
  null = core.null,
  --- Marks a table as a JSON array, so that `jumpcloud.array{}` encodes as `[]`.
  array = core.array,
  is_array = core.is_array,
  json = { encode = core.json_encode, decode = core.json_decode },
  new = client.new,
}

-- Loaded on first use: jumpcloud.filter, jumpcloud.errors (and is_error with it).
local LAZY = {
  filter = function() return require "jumpcloud.filter" end,
  errors = function() return require "jumpcloud.errors" end,
  is_error = function() return require("jumpcloud.errors").is end,
}
return setmetatable(M, { __index = function(t, k)
  local load = LAZY[k]
  if load then
    local v = load()
    rawset(t, k, v)
    return v
  end
end })
