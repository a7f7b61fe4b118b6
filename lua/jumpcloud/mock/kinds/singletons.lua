--- Singletons: one object at a path (settings, configurations, stats), read with GET, replaced with PUT, updated
-- with PATCH, removed with DELETE (a GET then answers 404). Until set, an object synthesized from the schema of
-- the path's GET answer.
-- @module jumpcloud.mock.kinds.singletons

local json = require "jumpcloud.mock.json"
local body = require "jumpcloud.mock.body"
local present = require "jumpcloud.mock.present"
local records = require "jumpcloud.mock.kinds.records"

local pairs = pairs
local null = json.null

local M = {}

-- The state's schema: that of the path's GET answer when there is one, else the operation's.
local function state_schema(ctx)
  local get = ctx.routes.by_key[ctx.route.key] and ctx.routes.by_key[ctx.route.key].GET
  local op = get and get.op or ctx.op
  local s = present.shape(op)
  return op.api, s
end

local function current(ctx)
  local api, s = state_schema(ctx)
  return ctx.data:singleton(ctx.route.key, ctx.parent, api, s or { type = "object" })
end

local function not_found(ctx)
  return records.fail(ctx, 404, "Not Found: " .. ctx.req.path)
end

function M.singleton_get(ctx)
  local v = current(ctx)
  if v == nil then return not_found(ctx) end
  return present.one(ctx, v)
end

local function write(ctx, full)
  local b, res = records.read_body(ctx, full)
  if not b then return res end
  local state
  if full or not body.is_object(b) then
    state = json.copy(b)
  else
    state = json.copy(current(ctx) or {})
    for k, v in pairs(b) do
      if v == null then state[k] = nil else state[k] = json.copy(v) end
    end
  end
  ctx.data:set_singleton(ctx.route.key, ctx.parent, state)
  return present.one(ctx, state)
end

function M.singleton_put(ctx) return write(ctx, true) end
function M.singleton_patch(ctx) return write(ctx, false) end

function M.singleton_delete(ctx)
  local b, res = records.read_body(ctx, false)
  if not b then return res end
  local v = current(ctx)
  ctx.data:delete_singleton(ctx.route.key, ctx.parent)
  return present.one(ctx, v)
end

return M
