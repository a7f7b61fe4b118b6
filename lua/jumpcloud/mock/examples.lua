--- A valid request for each operation, against the mock's state as it is: path parameters naming records that
-- exist, the required query and header parameters, and the smallest body the operation takes (its required
-- fields; for graph changes an edge that can be added). `GET /__mock/examples` answers them, and the validation
-- spec sends them all.
-- @module jumpcloud.mock.examples

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"
local model = require "jumpcloud.mock.model"
local schema = require "jumpcloud.mock.schema"
local binary = require "jumpcloud.mock.binary"
local overrides = require "jumpcloud.mock.overrides"
local graph_kind = require "jumpcloud.mock.kinds.graph"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring

local M = {}

M.BOUNDARY = "jumpcloud-mock-boundary-7f3a"

-- A value for a parameter the path, query or headers need and no record names.
local function param_value(p, g)
  if p.enum and p.enum[1] ~= nil then return p.enum[1] end
  if p.default ~= nil then return p.default end
  local t = p.type
  if t == "integer" or t == "number" then
    local v = p.min or 1
    if p.max and v > p.max then v = p.max end
    return math.tointeger(v) or v
  end
  if t == "boolean" then return true end
  if t == "array" then return g and g.word or "value" end
  local n = p.name:lower()
  if n:find("uuid", 1, true) then return util.uuid(7, 1) end
  if n:find("id$") or n:find("objectid", 1, true) then return util.object_id(7, 1) end
  if n:find("time") or n:find("date") then return "2024-05-01T10:15:00Z" end
  return g and g.word or "value"
end

-- The first record's id of a collection under a parent, or nil.
local function first_id(app, key, parent, last)
  local spec = app.data:spec(key)
  if not spec then return nil end
  local all = app.data:source(key, parent):all()
  local rec = last and all[#all] or all[1]
  return rec and spec.id_field and rec[spec.id_field]
end

-- The minimal body of a schema: its required fields, all the way down.
local function minimal(api, s, g)
  g.optional_depth = -1
  return schema.synth(api, s, g, 0)
end

-- A body from the model's required fields (dotted, "[]" through arrays) when the schema is inline.
local function from_fields(b, g)
  local out = {}
  local required = {}
  for _, path in ipairs(b.required_fields or {}) do required[(path:gsub("%[%]", ""))] = true end
  -- a field required below another is needed only when that other one is required too
  local function needed(path)
    local prefix = path:gsub("%[%]", ""):match("^(.*)%.[^%.]+$")
    while prefix do
      if not required[prefix] then return false end
      prefix = prefix:match("^(.*)%.[^%.]+$")
    end
    return true
  end
  for _, path in ipairs(b.required_fields or {}) do
    if not needed(path) then goto continue end
    local node = out
    local parts = {}
    for part in path:gmatch("[^%.]+") do parts[#parts + 1] = part end
    for i, part in ipairs(parts) do
      local each = part:sub(-2) == "[]"
      local name = each and part:sub(1, -3) or part
      if i == #parts then
        if node[name] == nil then
          local t = i == 1 and b.fields and b.fields[name] or "string"
          if t == "integer" or t == "number" then node[name] = 1
          elseif t == "boolean" then node[name] = true
          elseif t == "array" then node[name] = json.array()
          elseif t == "object" then node[name] = {}
          else node[name] = g.word .. "-" .. name end
        end
      elseif each then
        if type(node[name]) ~= "table" then node[name] = json.array() end
        if type(node[name][1]) ~= "table" then node[name][1] = {} end
        node = node[name][1]
      else
        if type(node[name]) ~= "table" then node[name] = {} end
        node = node[name]
      end
    end
    ::continue::
  end
  if b.type == "array" then return json.array({ out }) end
  return out
end

-- A graph change that can be made: add an object of an allowed type that is not yet associated.
local function graph_body(app, route, params)
  local op = route.op
  local s = model.body_schema(op)
  local f = s and schema.flat(op.api, s)
  local tp = f and f.properties and f.properties.type and schema.flat(op.api, f.properties.type)
  local types = {}
  if tp and tp.const then types = { tp.const } elseif tp and tp.enum then types = tp.enum end
  if #types == 0 then types = { overrides.graph_default_target } end
  local g = app.data:edges()
  local st, sid = graph_kind.source_of({ route = route, params = params })
  for _, t in ipairs(types) do
    local key = overrides.graph_types[t]
    local spec = key and app.data:spec(key)
    if spec then
      for _, r in ipairs(app.data:source(key):all()) do
        local id = r[spec.id_field]
        if id ~= sid and (sid == nil or not g:find(st, sid, t, id)) then
          local body = { op = "add", type = t, id = id }
          if tp == nil then body.type = nil end
          return body
        end
      end
    elseif key == nil then
      local body = { op = "add", type = t, id = util.object_id(9, 1) }
      if tp == nil then body.type = nil end
      return body
    end
  end
  return { op = "add", type = types[1], id = util.object_id(9, 2) }
end

local function targets_for(app, route, params)
  local post = app.routes.by_key[route.key] and app.routes.by_key[route.key].POST
  if post then
    local b = graph_body(app, post, params)
    if b and b.type then return b.type end
  end
  return "user"
end

--- The example request of a route: `{id, method, path (from the server's root, with the query), headers, body
-- (text, or nil), content_type}`.
function M.example(app, route)
  local op = route.op
  local g = schema.generator(route.key, 1, { seed = app.data.seed })
  local params = {}
  local values = {}
  local parts = { model.ROOTS[op.api] }
  local refs_by_name, graph_source = {}, false
  for _, ref in ipairs(route.refs) do refs_by_name[ref.name] = ref end
  for _, s in ipairs(route.segs) do
    if s.lit then
      parts[#parts + 1] = s.lit
    else
      local v
      local ref = refs_by_name[s.param]
      local n_before = #values
      local function parent_of(key)
        local k = select(2, key:gsub("{}", ""))
        if k == 0 then return nil end
        local out = {}
        for i = n_before - k + 1, n_before do out[#out + 1] = values[i] end
        return table.concat(out, "/")
      end
      if s.param == route.item_param and route.coll then
        v = first_id(app, route.coll.key, parent_of(route.coll.key), op.method == "DELETE")
      elseif ref and ref.check and app.data:spec(ref.key) then
        v = first_id(app, ref.key, parent_of(ref.key))
      elseif route.kind == "graph" and not graph_source then
        -- the object a graph path starts from, in its type's collection
        local st, _, sparam = graph_kind.source_of({ route = route, params = {} })
        if sparam == s.param then
          graph_source = true
          local key = overrides.graph_types[st]
          if key and app.data:spec(key) then v = first_id(app, key, nil) end
        end
      end
      if v == nil and ref and app.data:spec(ref.key) then
        v = first_id(app, ref.key, parent_of(ref.key))
      end
      if v == nil then
        local p
        for _, x in ipairs(op.params) do if x.name == s.param then p = x end end
        v = param_value(p or { name = s.param, type = "string" }, g)
      end
      v = tostring(v)
      values[#values + 1] = v
      params[s.param] = v
      parts[#parts + 1] = util.escape_query(v)
    end
  end
  local query, headers = {}, {}
  for _, p in ipairs(op.params) do
    if p.required and p["in"] == "query" then
      local v = p.name == "targets" and targets_for(app, route, params) or param_value(p, g)
      query[#query + 1] = { p.name, tostring(v) }
    elseif p.required and p["in"] == "header" then
      headers[p.name] = tostring(param_value(p, g))
    end
  end
  local path = table.concat(parts, "/")
  if #query > 0 then path = path .. "?" .. util.build_query(query) end
  local ex = { id = op.id, method = op.method, path = path, headers = headers, kind = route.kind }
  local b = op.body
  if b then
    local value
    if route.kind == "graph" then
      value = graph_body(app, route, params)
    elseif b.content_type == "multipart/form-data" then
      local png = binary.png("example")
      ex.content_type = "multipart/form-data; boundary=" .. M.BOUNDARY
      ex.body = table.concat({ "--" .. M.BOUNDARY,
        'Content-Disposition: form-data; name="image"; filename="logo.png"', "Content-Type: image/png", "", png,
        "--" .. M.BOUNDARY .. "--", "" }, "\r\n")
      ex.body_base64 = util.base64_encode(ex.body)
      return ex
    elseif overrides.example_bodies[op.id] then
      value = json.copy(overrides.example_bodies[op.id])
    elseif b.schema then
      value = minimal(op.api, { ref = b.schema }, g)
      if b.type == "array" and not json.is_array(value) then value = json.array({ value }) end
    else
      value = from_fields(b, g)
    end
    -- body fields that must name a record
    for field_path, key in pairs(overrides.example_refs[op.id] or {}) do
      local id = first_id(app, key, nil)
      local node = value
      local names = {}
      for part in field_path:gmatch("[^%.]+") do names[#names + 1] = part end
      for i = 1, #names - 1 do
        if type(node[names[i]]) ~= "table" then node[names[i]] = {} end
        node = node[names[i]]
      end
      node[names[#names]] = id
    end
    ex.content_type = "application/json"
    ex.json = value
    ex.body = json.encode(value)
  end
  return ex
end

--- Every route's example, sorted by operation id.
function M.all(app)
  local out = json.array()
  for _, r in ipairs(app.routes.routes) do out[#out + 1] = M.example(app, r) end
  table.sort(out, function(a, b) return a.id < b.id end)
  return out
end

return M
