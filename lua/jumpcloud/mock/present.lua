--- Stored values made into answers: each conformed to the schema of the operation answering (see
-- `jumpcloud.mock.schema.conform`), credentials left out, wrapped where the answer wraps its record
-- (`{domain = {...}}`). Conformed records are cached per record and schema: stored records are never changed in
-- place (a write stores a new table).
-- @module jumpcloud.mock.present

local json = require "jumpcloud.mock.json"
local model = require "jumpcloud.mock.model"
local schema = require "jumpcloud.mock.schema"
local respond = require "jumpcloud.mock.respond"

local pairs, ipairs, tostring = pairs, ipairs, tostring

local M = {}

local cache = setmetatable({}, { __mode = "k" })

local function generator_for(ctx, rec)
  local spec = ctx.coll or {}
  return function()
    local id = rec and spec.id_field and rec[spec.id_field]
    return schema.generator((spec.key or ctx.route.key) .. "#" .. tostring(id), 1,
      { seed = ctx.data.seed, kind = spec.kind, label = spec.label })
  end
end

local function hide(ctx, v)
  local hidden = ctx.coll and ctx.coll.hidden
  if not hidden or type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = x end
  for _, f in ipairs(hidden) do out[f] = nil end
  return out
end

--- A record as an answer's item: conformed to `s` (flattened, of `api`), hidden fields left out.
function M.record(ctx, rec, s, api)
  if s == nil then return hide(ctx, rec) end
  local per = cache[rec]
  if per then
    local out = per[s]
    if out then return out end
  else
    per = setmetatable({}, { __mode = "k" })
    cache[rec] = per
  end
  local out = hide(ctx, schema.conform(api, rec, s, generator_for(ctx, rec)))
  per[s] = out
  return out
end

local shape_cache = setmetatable({}, { __mode = "k" })

--- The schema of an operation's JSON answer, flattened; and, when it wraps one record, the key and the
-- record's schema.
function M.shape(op)
  local c = shape_cache[op]
  if c then return c.s, c.wrap, c.inner end
  local s = model.response_schema(op)
  local f, wrap, inner
  if s then
    f = schema.flat(op.api, s)
    wrap, inner = schema.wrapper(op.api, f)
  end
  shape_cache[op] = { s = f, wrap = wrap, inner = inner }
  return f, wrap, inner
end

--- An answer of one record (or none): the operation's success status, its schema, its wrapper.
-- @tparam table ctx
-- @param rec the stored record (nil: a value synthesized from the schema)
-- @tparam[opt] integer status default the route's
function M.one(ctx, rec, status)
  local op = ctx.op
  status = status or ctx.route.status
  if op.response.kind == "none" or status == 204 then return respond.empty(status) end
  local s, wrap, inner = M.shape(op)
  if not s then return respond.json(status, rec and hide(ctx, rec) or {}) end
  local api = op.api
  local value
  if wrap and rec and type(rec[wrap]) ~= "table" then
    value = { [wrap] = M.record(ctx, rec, inner, api) }
    value = schema.conform(api, value, s, generator_for(ctx, rec))
  elseif rec then
    value = M.record(ctx, rec, s, api)
  else
    value = schema.synth(api, s, generator_for(ctx, nil)())
  end
  if type(value) == "string" and op.accept:find("text/csv", 1, true) then
    -- a document answered as a JSON string or as itself: CSV text either way
    value = require("jumpcloud.mock.binary").csv({ { "id", "timestamp", "event_type", "username" },
      { ctx.req.path:match("([^/]+)/content$") or "1", "2024-05-01T10:15:00Z", "user_login", "ada" } })
  end
  return M.value(ctx, status, value)
end

--- A JSON (or text) answer of a value already valid for the operation, in the content type negotiated.
function M.value(ctx, status, value, headers)
  local ct = ctx.content_type
  if ct and ct ~= "application/json" and not ct:find("json", 1, true) then
    headers = headers or {}
    headers["content-type"] = ct
    local body = type(value) == "string" and value or json.encode(value)
    return { status = status, headers = headers, body = body }
  end
  return respond.json(status, value, headers)
end

return M
