--- Record collections: get, create, replace (PUT), patch (PATCH), delete, and bulk updates (PATCH of a list's
-- own path), with 404 for unknown ids, 409 on a duplicate unique field, 400 for bodies JumpCloud refuses.
--
-- PUT replaces the fields its body's schema names as a whole (a field left out is gone); PATCH changes the fields
-- present (null removes one). Fields outside the body's schema (ids, read-only fields) stay either way.
-- @module jumpcloud.mock.kinds.records

local json = require "jumpcloud.mock.json"
local body = require "jumpcloud.mock.body"
local present = require "jumpcloud.mock.present"
local hooks = require "jumpcloud.mock.hooks"
local overrides = require "jumpcloud.mock.overrides"
local store = require "jumpcloud.mock.store"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format = string.format
local null = json.null

local M = {}

--- A 4xx answer in the route's error shape.
function M.fail(ctx, status, message)
  return ctx.respond.error(ctx.route.errors, status, message)
end
local fail = M.fail

--- The record the route's item parameter names, and the id.
function M.fetch(ctx)
  local id = ctx.params[ctx.route.item_param]
  local rec = ctx.source:get(id)
  if rec == nil and ctx.coll.id_kind == "integer" then
    id = math.tointeger(tonumber(id)) or id
    rec = ctx.source:get(id)
  end
  return rec, id
end

function M.not_found(ctx, id)
  return fail(ctx, 404, format("Not Found: %s %q does not exist", ctx.coll.name or ctx.coll.key, tostring(id)))
end

local function unique_conflict(ctx, rec, self_rec)
  local rule = overrides.unique[ctx.coll.key]
  if not rule then return nil end
  for _, field in ipairs(rule) do
    local v = rec[field]
    if v ~= nil and v ~= null then
      for _, r in ipairs(ctx.source:all()) do
        if r ~= self_rec and r[field] == v then
          return rule.status or 409, format("Conflict: %s %q already exists", field, tostring(v))
        end
      end
    end
  end
  return nil
end

local function run_hook(ctx, behaviour, rec, b, old)
  local names = overrides.hooks[ctx.coll.key]
  local name = names and names[behaviour]
  if name then return hooks[name](ctx, rec, b, old) end
end

-- The decoded, checked body; or nil and a response.
local function read_body(ctx, full)
  local v, err = body.decode(ctx.req, ctx.op)
  if err then return nil, fail(ctx, 400, "Bad Request: " .. err) end
  local coll = ctx.coll
  err = body.check(v, ctx.op, full, coll and coll.schema, coll and (coll.schema_api or coll.api))
  if err then return nil, fail(ctx, 400, "Bad Request: " .. err) end
  if v == nil then v = {} end
  return v
end
M.read_body = read_body

local function graph_type_of(key)
  for t, k in pairs(overrides.graph_types) do
    if k == key then return t end
  end
end

function M.get(ctx)
  local rec, id = M.fetch(ctx)
  if not rec then return M.not_found(ctx, id) end
  return present.one(ctx, rec)
end

function M.create(ctx)
  local b, res = read_body(ctx, true)
  if not b then return res end
  if not body.is_object(b) then return present.one(ctx, nil) end
  local rec = {}
  for k, v in pairs(b) do
    if v ~= null then rec[k] = json.copy(v) end
  end
  local spec = ctx.coll
  if spec.id_field then
    rec[spec.id_field] = nil
    ctx.data:set_id(spec, rec, ctx.data:new_id(spec))
  end
  ctx.data:complete(spec, rec, nil, true)
  local status, msg = unique_conflict(ctx, rec)
  if status then return fail(ctx, status, msg) end
  status, msg = run_hook(ctx, "create", rec, b)
  if status then return fail(ctx, status, msg) end
  ctx.source:insert(rec)
  return present.one(ctx, rec)
end

-- PUT (full) and PATCH.
local function write(ctx, full)
  local old, id = M.fetch(ctx)
  if not old then return M.not_found(ctx, id) end
  local b, res = read_body(ctx, full)
  if not b then return res end
  if not body.is_object(b) then return present.one(ctx, old) end
  local rec = json.copy(old)
  local fields = ctx.op.body and ctx.op.body.fields
  local idf = ctx.coll.id_field
  if full and fields and next(fields) then
    for field in pairs(fields) do
      if field ~= idf then rec[field] = nil end
    end
  end
  for k, v in pairs(b) do
    if k ~= idf then
      if v == null then rec[k] = nil else rec[k] = json.copy(v) end
    end
  end
  ctx.data:complete(ctx.coll, rec)
  local status, msg = unique_conflict(ctx, rec, old)
  if status then return fail(ctx, status, msg) end
  status, msg = run_hook(ctx, full and "replace" or "patch", rec, b, old)
  if status then return fail(ctx, status, msg) end
  ctx.source:replace(rec)
  return present.one(ctx, rec)
end

function M.replace(ctx) return write(ctx, true) end
function M.patch(ctx) return write(ctx, false) end

function M.delete(ctx)
  local rec, id = M.fetch(ctx)
  if not rec then return M.not_found(ctx, id) end
  ctx.source:remove(rec[ctx.coll.id_field])
  local t = graph_type_of(ctx.coll.key)
  if t and ctx.data.graph then ctx.data.graph:forget(t, rec[ctx.coll.id_field]) end
  return present.one(ctx, rec)
end

--- PATCH of a keyless list: the body's `data` holds records keyed by `organization.id`; each is inserted or
-- replaced, or removed when it says `delete: true`. Without `data` nothing changes.
function M.bulk(ctx)
  local b, res = read_body(ctx, true)
  if not b then return res end
  local items_key, key = overrides.bulk.items, overrides.bulk.key
  local items = type(b) == "table" and b[items_key] or nil
  if items == nil then items = json.array() end
  if not body.is_array(items) then return fail(ctx, 400, "Bad Request: " .. items_key .. " must be an array") end
  for i, item in ipairs(items) do
    if not body.is_object(item) then
      return fail(ctx, 400, format("Bad Request: %s[%d] must be an object", items_key, i - 1))
    end
  end
  for _, item in ipairs(items) do
    local k = store.get_path(item, key)
    local existing = ctx.source:find(key, k)
    if item.delete == true then
      if existing then ctx.source:remove_record(existing) end
    else
      local rec = existing and json.copy(existing) or {}
      for field, v in pairs(item) do
        if field ~= "delete" then rec[field] = json.copy(v) end
      end
      rec.lastSyncStatus = rec.lastSyncStatus or "pending"
      if existing then ctx.source:swap(existing, rec) else ctx.source:insert(rec) end
    end
  end
  return present.one(ctx, nil)
end

return M
