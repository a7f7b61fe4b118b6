--- Routes from the operations model: each operation's behaviour kind and the collection it works on, decided by
-- rules over its method, path and the model's facts (list shape, graph, body, response kind), never by its id.
--
-- Kinds:
--
--   list, get, create, replace (PUT), patch (PATCH), delete   a record collection: the path below its root
--                                                              names it (`v2/usergroups`), `{}` standing for a
--                                                              parent record (`v2/office365s/{}/domains`)
--   bulk                                                       PATCH of a list's own path: records in bulk
--   singleton_get, singleton_put, singleton_patch,             one object at a path (settings, configurations)
--   singleton_delete
--   graph                                                      associations, members, memberof, traversals
--   file                                                       a non-JSON answer (images, PDF, zip, PEM...)
--   action                                                     any other POST: checks its body and its parents
--
-- A path parameter names a record of the collection before it (`/usergroups/{group_id}/members`) when its name
-- says so: `id`, or the collection's word with `Id`, `_id` or `ObjectId` (`group_id`, `deviceObjectId`); such
-- a parent must exist (404 otherwise). Other parameters (`organizationObjectId` below `/applemdms`) are taken as
-- they come.
-- @module jumpcloud.mock.classify

local model = require "jumpcloud.mock.model"
local overrides = require "jumpcloud.mock.overrides"
local schema = require "jumpcloud.mock.schema"
local realistic = require "jumpcloud.mock.realistic"

local M = {}

local function split(path)
  local segs = {}
  for s in path:gmatch("[^/]+") do
    segs[#segs + 1] = { lit = not s:match("^{.+}$") and s or nil, param = s:match("^{(.+)}$") }
  end
  return segs
end

-- The collection key of segments 1..n: "v2/office365s/{}/domains".
local function key_of(api, segs, n)
  local parts = { api }
  for i = 1, n do parts[#parts + 1] = segs[i].lit or "{}" end
  return table.concat(parts, "/")
end
M.key_of = key_of

local function alias(key)
  return overrides.aliases[key] or key
end

local function norm(s)
  return (s:lower():gsub("[_%-%.]", ""))
end

local function singular(word)
  word = norm(word)
  if word:match("ies$") then return (word:gsub("ies$", "y")) end
  if word:match("sses$") then return (word:gsub("es$", "")) end
  if word:match("s$") then return (word:gsub("s$", "")) end
  return word
end

-- Whether path parameter `name` names a record of the collection whose last word is `word`.
local function names_record(name, word)
  local n = norm(name)
  if n == "id" or n == "uuid" then return true end
  local base = n:gsub("objectid$", ""):gsub("uuid$", ""):gsub("id$", "")
  if #base < 2 or base == n then return false end
  local w = singular(word)
  return w:find(base, 1, true) ~= nil or base:find(w, 1, true) ~= nil
end

-- The error style of a collection key: the longest matching prefix of overrides.error_styles.
local function error_style(key)
  local best, len = "message", 0
  for prefix, style in pairs(overrides.error_styles) do
    if #prefix > len and key:sub(1, #prefix) == prefix then best, len = style, #prefix end
  end
  return best
end
M.error_style = error_style

local function record_kind(key)
  for _, rule in ipairs(overrides.record_kinds) do
    if key:find(rule[1], 1, true) then return rule[2] end
  end
  return "thing"
end

-- The items schema of a list operation's answer.
local function list_items(op)
  local s = model.response_schema(op)
  if not s then return nil end
  local f = schema.flat(op.api, s)
  local list = op.response.list
  if list.shape == "envelope" and f.properties and f.properties[list.key] then
    f = schema.flat(op.api, f.properties[list.key])
  end
  return f.items
end
M.list_items = list_items

--- Builds the routes and collections of every operation of the model.
-- @treturn table `{routes = {route...}, by_id = {[op id] = route}, by_key = {[key] = {[method] = route}},
--   collections = {[key] = collection}}`
function M.build()
  local ops = model.operations()
  local colls = {}
  local function coll(key)
    key = alias(key)
    local c = colls[key]
    if not c then
      local api, path = key:match("^([^/]+)(/.*)$")
      c = { key = key, api = api, path = path, ops = {}, parents = select(2, key:gsub("{}", "")) }
      c.name = key:gsub("^[^/]+/", "")
      c.word = path:match("([^/{}]+)/?$") or path
      c.label = realistic.label(c.word)
      c.kind = record_kind(key)
      c.errors = error_style(key)
      colls[key] = c
    end
    return c
  end

  -- Which normalized paths have an item below them, and which have a list.
  local item_below, list_at = {}, {}
  for _, op in ipairs(ops) do
    local segs = split(op.path)
    if not op.graph and #segs > 0 and segs[#segs].param and op.method ~= "POST" then
      item_below[key_of(op.api, segs, #segs - 1)] = true
    end
    if op.response.list and not op.graph then list_at[key_of(op.api, segs, #segs)] = true end
  end

  local routes, by_id, by_key = {}, {}, {}
  for _, op in ipairs(ops) do
    local segs = split(op.path)
    local n = #segs
    local full = key_of(op.api, segs, n)
    local last = segs[n] or {}
    local r = { op = op, id = op.id, method = op.method, api = op.api, segs = segs, root = model.ROOTS[op.api] }
    local kind, ckey
    if op.graph then
      kind = "graph"
    elseif op.response.kind == "binary" or op.response.kind == "text" then
      kind = "file"
      if last.param and op.method == "GET" and item_below[key_of(op.api, segs, n - 1)] then
        ckey = key_of(op.api, segs, n - 1)
      end
    elseif op.response.list then
      kind = "list"
      local search = op.api == "v1" and op.path:sub(1, #overrides.search_prefix) == overrides.search_prefix
      ckey = search and ("v1/" .. op.path:sub(#overrides.search_prefix + 1)) or full
    elseif op.method == "GET" then
      if last.param then kind, ckey = "get", key_of(op.api, segs, n - 1) else kind = "singleton_get" end
    elseif op.method == "POST" then
      if list_at[full] or item_below[full] then kind, ckey = "create", full else kind = "action" end
    elseif op.method == "PUT" or op.method == "PATCH" then
      local verb = op.method == "PUT" and "replace" or "patch"
      if last.param then
        kind, ckey = verb, key_of(op.api, segs, n - 1)
      elseif op.method == "PATCH" and list_at[full] then
        kind, ckey = "bulk", full
      else
        kind = "singleton_" .. op.method:lower()
      end
    elseif op.method == "DELETE" then
      if last.param then kind, ckey = "delete", key_of(op.api, segs, n - 1) else kind = "singleton_delete" end
    end
    r.kind = kind
    if ckey then
      r.coll = coll(ckey)
      local role = (kind == "file") and "file" or kind
      local list = r.coll.ops[role]
      if not list then list = {} r.coll.ops[role] = list end
      list[#list + 1] = op
      if last.param and kind ~= "list" and kind ~= "create" and kind ~= "bulk" then r.item_param = last.param end
    end
    -- parents: the path parameters naming records of the collections before them
    r.refs = {}
    for i, s in ipairs(segs) do
      if s.param and s.param ~= r.item_param then
        local pkey = key_of(op.api, segs, i - 1)
        local target = alias(pkey)
        local word = segs[i - 1] and segs[i - 1].lit or ""
        local aword = target:match("([^/{}]+)$") or ""
        r.refs[#r.refs + 1] = { name = s.param, key = target,
          check = names_record(s.param, word) or names_record(s.param, aword) }
      end
    end
    r.errors = error_style(ckey and alias(ckey) or full)
    r.key = full
    r.status = op.response.status
    if kind == "create" then
      for _, st in ipairs(op.success) do if st == 201 then r.status = 201 end end
    end
    routes[#routes + 1] = r
    by_id[op.id] = r
    by_key[full] = by_key[full] or {}
    by_key[full][op.method] = r
  end

  -- collections: the schema of a record, its id field and its id kind
  for _, c in pairs(colls) do
    M.describe_collection(c)
  end
  -- parent references are checked only against collections that exist
  for _, r in ipairs(routes) do
    for _, ref in ipairs(r.refs) do
      ref.coll = colls[ref.key]
      if not ref.coll then ref.check = false end
    end
  end
  return { routes = routes, by_id = by_id, by_key = by_key, collections = colls }
end

local ID_FIELDS = { "id", "_id", "objectId", "ID", "uuid", "UUID", "object_id" }

--- Fills in a collection's record schema (`schema`, `schema_api`), `id_field` and `id_kind`.
function M.describe_collection(c)
  local ops = c.ops
  local rs, api
  -- the first object schema found: the get answer's (unwrapped), the list's items, the create answer's...
  local function try(op, s)
    if rs == nil and s ~= nil then
      local f = schema.flat(op.api, s)
      local _, inner = schema.wrapper(op.api, f)
      f = inner or f
      if f.properties or f.type == "object" or f.type == nil then rs, api = f, op.api end
    end
  end
  for _, role in ipairs({ "get", "list", "create", "replace", "patch" }) do
    for _, op in ipairs(ops[role] or {}) do
      if op.api == c.api then
        if role == "list" then
          local items = list_items(op)
          try(op, items)
        elseif role == "create" or role == "replace" or role == "patch" then
          try(op, model.response_schema(op))
          try(op, model.body_schema(op))
        else
          try(op, model.response_schema(op))
        end
      end
    end
  end
  for _, role in ipairs({ "get", "list" }) do
    for _, op in ipairs(ops[role] or {}) do
      if role == "list" then try(op, list_items(op)) else try(op, model.response_schema(op)) end
    end
  end
  c.schema, c.schema_api = rs or { type = "object" }, api or c.api
  local props = c.schema.properties or {}
  local item_param
  for _, role in ipairs({ "get", "replace", "patch", "delete", "file" }) do
    for _, op in ipairs(ops[role] or {}) do
      item_param = item_param or op.path:match("{([^}]+)}$")
    end
  end
  c.item_param = item_param
  local idf
  if item_param and props[item_param] then idf = item_param end
  for _, f in ipairs(ID_FIELDS) do
    if not idf and props[f] then idf = f end
  end
  -- a record schema without an id (v1's `command`, the create body's): the list's items name it
  for _, op in ipairs(idf == nil and ops.list or {}) do
    local items = list_items(op)
    local iprops = items and schema.flat(op.api, items).properties or {}
    for _, f in ipairs(ID_FIELDS) do
      if not idf and iprops[f] then idf = f end
    end
  end
  c.id_field = idf or "id"
  local idschema = props[c.id_field] and schema.flat(c.schema_api, props[c.id_field]) or {}
  local t = idschema.type
  if t == "integer" or (type(t) == "table" and t[1] == "integer") then
    c.id_kind = "integer"
  elseif idschema.format == "uuid" or (item_param and item_param:lower():find("uuid")) then
    c.id_kind = "uuid"
  else
    c.id_kind = "objectid"
  end
  return c
end

return M
