--- The operations model as the mock reads it: every operation of `jumpcloud.model` (all families loaded at
-- once: the mock routes them all) and the component schemas of each API, with their references resolved.
--
-- The mock and the client read the same generated model (lua/jumpcloud/model/) and nothing else of each other.
-- @module jumpcloud.mock.model

local index = require "jumpcloud.model.index"

local M = {}

--- The root of each API on the server.
M.ROOTS = { v1 = "/api", v2 = "/api/v2", insights = "/insights/directory/v1" }

local ops_list, ops_by_id
local schemas = {}

--- Every operation, sorted by id.
function M.operations()
  if ops_list then return ops_list end
  ops_list, ops_by_id = {}, {}
  for _, family in ipairs(index.resources) do
    for id, op in pairs(require("jumpcloud.model." .. family).operations) do
      ops_by_id[id] = op
      ops_list[#ops_list + 1] = op
    end
  end
  table.sort(ops_list, function(a, b) return a.id < b.id end)
  return ops_list
end

--- The operation of an id (canonical, legacy or the reference's name), or nil.
function M.operation(name)
  M.operations()
  local id = index.names[name] or name
  return ops_by_id[id]
end

--- The canonical id of a name, or nil; and the candidates of an ambiguous legacy id.
function M.canonical(name)
  return index.names[name], index.ambiguous[name]
end

--- Every accepted operation name (canonical, legacy, the reference's), sorted.
function M.names()
  local out = {}
  for name in pairs(index.names) do out[#out + 1] = name end
  table.sort(out)
  return out
end

--- The component schemas of an API ("v1", "v2", "insights").
function M.schemas(api)
  local s = schemas[api]
  if not s then
    s = require("jumpcloud.model.schemas_" .. api)
    schemas[api] = s
  end
  return s
end

--- Follows `{ref = "Name"}` nodes; returns the schema (an empty table for nil).
function M.resolve(api, s)
  local all = M.schemas(api)
  local n = 0
  while type(s) == "table" and s.ref ~= nil do
    s = all[s.ref]
    n = n + 1
    if n > 50 then error("schema reference loop") end
  end
  return s or {}
end

--- The schema of an operation's 2xx JSON answer, resolved (nil when it has none).
function M.response_schema(op)
  local s = op.response.schema
  if s == nil then return nil end
  if type(s) == "string" then s = { ref = s } end
  return M.resolve(op.api, s), s
end

--- The schema of an operation's request body, resolved (nil when it has none or it is not named).
function M.body_schema(op)
  local b = op.body
  if not b or not b.schema then return nil end
  return M.resolve(op.api, { ref = b.schema })
end

return M
