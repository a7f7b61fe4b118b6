--- Resolves `$ref`s of one description and answers questions about its schemas: the type of a schema, the
-- properties of an object schema (allOf merged), and a stripped copy of a schema (facts only: no prose).
local lyaml = require "lyaml"

local M = {}
M.__index = M

local NULL = lyaml.null

--- A resolver for one parsed description.
function M.new(doc)
  return setmetatable({ doc = doc }, M)
end

local function unescape(part)
  return (part:gsub("~1", "/"):gsub("~0", "~"))
end

--- The node a local `$ref` ("#/a/b/c") points to; raises on a dangling reference.
function M:pointer(ref)
  assert(ref:sub(1, 2) == "#/", "only local references are supported: " .. ref)
  local node = self.doc
  for part in ref:sub(3):gmatch("[^/]+") do
    node = type(node) == "table" and node[unescape(part)] or nil
    if node == nil then error("dangling $ref " .. ref) end
  end
  return node
end

--- The component schema name of a `{$ref = "#/components/schemas/Name"}`, else nil.
function M.schema_ref(x)
  local ref = type(x) == "table" and x["$ref"]
  return ref and ref:match("^#/components/schemas/(.+)$") and unescape(ref:match("^#/components/schemas/(.+)$")) or nil
end

--- Follows `$ref`s until a node that is not a reference.
function M:resolve(x)
  local n = 0
  while type(x) == "table" and x["$ref"] do
    x = self:pointer(x["$ref"])
    n = n + 1
    if n > 50 then error("$ref loop") end
  end
  if x == NULL then return nil end
  return x
end

local SCALARS = { string = true, integer = true, number = true, boolean = true, array = true, object = true }

local function value_type(v)
  if math.type(v) == "integer" then return "integer" end
  local t = type(v)
  if t == "number" then return "number" end
  if t == "string" or t == "boolean" then return t end
  return nil
end

local function same(list)
  local first
  for _, t in ipairs(list) do
    if first == nil then first = t elseif t ~= first then return nil end
  end
  return first
end

--- The type of a schema: "string", "integer", "number", "boolean", "array", "object" or "any" (a union or unknown).
function M:type_of(s, depth)
  depth = (depth or 0) + 1
  s = self:resolve(s)
  if type(s) ~= "table" or depth > 20 then return "any" end
  local t = s.type
  if type(t) == "table" then
    local rest = {}
    for _, x in ipairs(t) do if x ~= "null" then rest[#rest + 1] = x end end
    t = #rest == 1 and rest[1] or nil
    if t == nil then return "any" end
  end
  if SCALARS[t] then return t end
  if t ~= nil then return "any" end -- "null" alone
  if s.allOf then
    local types = {}
    for _, part in ipairs(s.allOf) do
      local pt = self:type_of(part, depth)
      if pt == "object" then return "object" end
      if pt ~= "any" then types[#types + 1] = pt end
    end
    return same(types) or "any"
  end
  local alts = s.oneOf or s.anyOf
  if alts then
    local types = {}
    for _, alt in ipairs(alts) do
      local a = self:resolve(alt)
      if not (type(a) == "table" and a.type == "null") then types[#types + 1] = self:type_of(a, depth) end
    end
    return same(types) or "any"
  end
  if s.properties or (s.additionalProperties ~= nil and s.additionalProperties ~= false) then return "object" end
  if s.items then return "array" end
  if type(s.enum) == "table" then
    local types = {}
    for _, v in ipairs(s.enum) do
      if v ~= NULL then types[#types + 1] = value_type(v) or "any" end
    end
    return same(types) or "any"
  end
  if s.const ~= nil and s.const ~= NULL then return value_type(s.const) or "any" end
  return "any"
end

--- The shape of an object schema, allOf parts merged and alternatives (oneOf/anyOf) united:
-- `{ props = {name = schema}, required = {names in declared order}, open = bool, has_props = bool }`.
-- `open` is true when the schema allows fields it does not name.
function M:object_shape(s)
  local props, required, seen_req = {}, {}, {}
  local open, has_props, closed = false, false, false
  local function walk(x, depth)
    x = self:resolve(x)
    if type(x) ~= "table" or depth > 20 then open = true return end
    for _, part in ipairs(x.allOf or {}) do walk(part, depth + 1) end
    if type(x.properties) == "table" then
      for k, v in pairs(x.properties) do
        has_props = true
        if props[k] == nil then props[k] = v end
      end
    end
    for _, r in ipairs(type(x.required) == "table" and x.required or {}) do
      if not seen_req[r] then seen_req[r] = true required[#required + 1] = r end
    end
    local ap = x.additionalProperties
    if ap == true or (type(ap) == "table" and ap ~= NULL) then open = true end
    if ap == false then closed = true end
    local alts = x.oneOf or x.anyOf
    if alts then
      for _, alt in ipairs(alts) do
        local a = self:object_shape(alt)
        for k, v in pairs(a.props) do
          has_props = true
          if props[k] == nil then props[k] = v end
        end
        if a.open then open = true end
      end
    end
  end
  walk(s, 0)
  if not has_props and not closed then open = true end
  return { props = props, required = required, open = open, has_props = has_props }
end

--- The item schema of an array schema (allOf parts searched), or nil.
function M:items_of(s)
  s = self:resolve(s)
  if type(s) ~= "table" then return nil end
  if s.items then return s.items end
  for _, part in ipairs(s.allOf or {}) do
    local it = self:items_of(part)
    if it then return it end
  end
  return nil
end

-- Keys of a schema that are facts and are copied as they are.
local COPY = {
  "type", "format", "enum", "const", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties",
  "maxProperties", "required", "nullable", "readOnly", "writeOnly", "deprecated",
}

local function copy_value(v)
  if v == NULL then return nil end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do
    local c = copy_value(x)
    if c ~= nil then out[k] = c end
  end
  -- a list with a null in it keeps its other values in order
  if #v > 0 then
    local list = {}
    for i = 1, #v do if v[i] ~= NULL then list[#list + 1] = copy_value(v[i]) end end
    return list
  end
  return out
end

--- A copy of a schema with only its facts: structure, types, formats, enums, bounds, required lists. A reference to a
-- component schema becomes `{ref = "Name"}`; descriptions, titles, examples and extensions are left out.
function M:strip(s, depth)
  depth = (depth or 0) + 1
  if depth > 40 then return {} end
  if s == NULL or type(s) ~= "table" then return {} end
  local name = M.schema_ref(s)
  if name then return { ref = name } end
  if s["$ref"] then return self:strip(self:resolve(s), depth) end
  local out = {}
  for _, k in ipairs(COPY) do
    local v = copy_value(s[k])
    if v ~= nil then out[k] = v end
  end
  if type(s.properties) == "table" then
    out.properties = {}
    for k, v in pairs(s.properties) do out.properties[k] = self:strip(v, depth) end
  end
  if s.items ~= nil and s.items ~= NULL then out.items = self:strip(s.items, depth) end
  local ap = s.additionalProperties
  if type(ap) == "boolean" then out.additionalProperties = ap
  elseif type(ap) == "table" and ap ~= NULL then out.additionalProperties = self:strip(ap, depth) end
  for _, k in ipairs({ "allOf", "oneOf", "anyOf" }) do
    if type(s[k]) == "table" then
      out[k] = {}
      for i, part in ipairs(s[k]) do out[k][i] = self:strip(part, depth) end
    end
  end
  if type(s["not"]) == "table" then out["not"] = self:strip(s["not"], depth) end
  if type(s.discriminator) == "table" then
    local d = { propertyName = s.discriminator.propertyName }
    if type(s.discriminator.mapping) == "table" then
      d.mapping = {}
      for k, v in pairs(s.discriminator.mapping) do
        d.mapping[k] = type(v) == "string" and (v:match("^#/components/schemas/(.+)$") or v) or nil
      end
    end
    out.discriminator = d
  end
  return out
end

return M
