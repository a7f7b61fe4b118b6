--- Actions: any other POST (run a command, expire a password, lock a device, bulk jobs...). The body is checked,
-- the parent records must exist; an action named in `overrides.action_effects` changes its record (a suspended
-- user is `SUSPENDED`); a count below a collection counts its records; the answer is the operation's schema,
-- with the body's fields where the schema names them. The multipart upload (an application's logo) needs its
-- image part.
-- @module jumpcloud.mock.kinds.actions

local json = require "jumpcloud.mock.json"
local body = require "jumpcloud.mock.body"
local present = require "jumpcloud.mock.present"
local schema = require "jumpcloud.mock.schema"
local records = require "jumpcloud.mock.kinds.records"
local lists = require "jumpcloud.mock.kinds.lists"
local overrides = require "jumpcloud.mock.overrides"

local type, pairs, ipairs = type, pairs, ipairs
local null = json.null

local M = {}

-- The record of the route's last checked parent, and its source.
local function parent_record(ctx)
  for i = #ctx.route.refs, 1, -1 do
    local ref = ctx.route.refs[i]
    if ref.check and ref.coll then
      local src = ctx.data:source(ref.coll.key, ctx.ref_parents[i])
      return src:get(ctx.params[ref.name]), src, ref.coll
    end
  end
end

local function apply_effect(ctx)
  local path = ctx.op.path
  for suffix, fields in pairs(overrides.action_effects) do
    if path:sub(-#suffix - 1) == "/" .. suffix then
      local rec, src, coll = parent_record(ctx)
      if rec then
        local new = json.copy(rec)
        local props = coll.schema and schema.flat(coll.schema_api or coll.api, coll.schema).properties or {}
        for k, v in pairs(fields) do
          if props[k] then new[k] = v end
        end
        src:replace(new)
        return new
      end
    end
  end
end

-- A count action below a collection of records (`/events/count`): the records its body selects.
local function count(ctx, b)
  local s = present.shape(ctx.op)
  if not (s and s.properties and s.properties.count) then return nil end
  local base = ctx.route.key:match("^(.*)/count$")
  local spec = base and ctx.data:spec(base)
  if not spec then return nil end
  local recs = ctx.data:source(base):all()
  if base == "insights/events" then recs = lists.events(recs, b) end
  return present.value(ctx, ctx.route.status, { count = #recs })
end

function M.action(ctx)
  local b, res = records.read_body(ctx, true)
  if not b then return res end
  if ctx.op.body and ctx.op.body.content_type == "multipart/form-data" then
    local part = type(b) == "table" and (b.image or b.file or b.logo)
    if not part or #(part.data or "") == 0 then
      return records.fail(ctx, 400, "Bad Request: the upload needs its image part")
    end
    ctx.data.uploads = ctx.data.uploads or {}
    ctx.data.uploads[ctx.req.path] = part
  end
  local counted = count(ctx, b)
  if counted then return counted end
  local rec = apply_effect(ctx)
  local op = ctx.op
  if op.response.kind == "none" or ctx.route.status == 204 then return present.one(ctx, nil) end
  local s = present.shape(op)
  if not s then return present.value(ctx, ctx.route.status, {}) end
  local function fresh()
    return schema.generator(ctx.route.key .. "#" .. ctx.req.path, 1, { seed = ctx.data.seed })
  end
  local value = schema.synth(op.api, s, fresh())
  if type(value) == "table" and not json.is_array(value) then
    local props = s.properties or {}
    local sources = { rec or {}, body.is_object(b) and b or {} }
    for _, src in ipairs(sources) do
      for k, v in pairs(src) do
        if props[k] and v ~= null then value[k] = json.copy(v) end
      end
    end
    value = schema.conform(op.api, value, s, fresh)
  end
  return present.value(ctx, ctx.route.status, value)
end

return M
