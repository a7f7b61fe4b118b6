--- Values from the model's schemas: `synth` makes a value valid against a schema (realistic where a field's name
-- says what it holds), `conform` makes a stored value valid against an operation's schema (fields the schema
-- does not name left out, required ones filled in, wrong types replaced). Deterministic: every choice comes from
-- the generator `g` (a persona with its random source, see `jumpcloud.mock.realistic`).
--
-- The schemas are the model's stripped copies (`jumpcloud.model.schemas_<api>`): type, format, enum, const,
-- bounds, required, properties, additionalProperties, items, allOf, oneOf, anyOf.
-- @module jumpcloud.mock.schema

local json = require "jumpcloud.mock.json"
local model = require "jumpcloud.mock.model"
local realistic = require "jumpcloud.mock.realistic"
local util = require "jumpcloud.mock.util"

local type, pairs, ipairs, next, math_type = type, pairs, ipairs, next, math.type
local null, array, is_array = json.null, json.array, json.is_array

local M = {}

M.OPTIONAL_DEPTH = 3 -- optional fields are synthesized down to this depth, required ones always
M.MAX_DEPTH = 12

--- The JSON type of a Lua value: "null", "boolean", "integer", "number", "string", "array", "object".
local function jtype(v)
  if v == nil or v == null then return "null" end
  local t = type(v)
  if t == "table" then
    if is_array(v) or v[1] ~= nil then return "array" end
    return "object"
  end
  if t == "number" then
    if math_type(v) == "integer" or (v % 1 == 0 and v == v and v > -2^53 and v < 2^53) then return "integer" end
    return "number"
  end
  return t
end
M.jtype = jtype

------------------------------------------------------------------------------------------------------------------
-- Flattened schemas: references followed, allOf merged
------------------------------------------------------------------------------------------------------------------

local flat_cache = setmetatable({}, { __mode = "k" })

local function copy_list(l)
  local out = {}
  for i, v in ipairs(l or {}) do out[i] = v end
  return out
end

local MERGE_FIRST = { "type", "format", "enum", "const", "items", "oneOf", "anyOf", "minimum", "maximum",
  "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
  "uniqueItems" }

--- A schema with its references followed and its allOf parts merged into one (cached).
local function flat(api, s)
  s = model.resolve(api, s)
  local f = flat_cache[s]
  if f then return f end
  if not s.allOf then
    f = s
  else
    f = {}
    for k, v in pairs(s) do if k ~= "allOf" then f[k] = v end end
    local props = {}
    for k, v in pairs(s.properties or {}) do props[k] = v end
    local req, seen = copy_list(s.required), {}
    for _, r in ipairs(req) do seen[r] = true end
    local ap = s.additionalProperties
    for _, part in ipairs(s.allOf) do
      local p = flat(api, part)
      for k, v in pairs(p.properties or {}) do if props[k] == nil then props[k] = v end end
      for _, r in ipairs(p.required or {}) do
        if not seen[r] then seen[r] = true req[#req + 1] = r end
      end
      for _, k in ipairs(MERGE_FIRST) do if f[k] == nil then f[k] = p[k] end end
      if p.additionalProperties ~= nil and ap == nil then ap = p.additionalProperties end
    end
    if next(props) then f.properties = props end
    if #req > 0 then f.required = req end
    f.additionalProperties = ap
    if f.type == nil and f.properties then f.type = "object" end
  end
  flat_cache[s] = f
  return f
end
M.flat = flat

local keys_cache = setmetatable({}, { __mode = "k" })

-- The property names of a schema, sorted (cached): synthesis visits them in a fixed order.
local function sorted_keys(props)
  local ks = keys_cache[props]
  if not ks then
    ks = {}
    for k in pairs(props) do ks[#ks + 1] = k end
    table.sort(ks)
    keys_cache[props] = ks
  end
  return ks
end

local function types_of(s)
  local t = s.type
  if t == nil then return nil end
  if type(t) == "string" then return { [t] = true }, t end
  local set, first = {}, nil
  for _, x in ipairs(t) do
    set[x] = true
    if x ~= "null" and not first then first = x end
  end
  return set, first or "null"
end

--- Whether a value's JSON type is allowed by a (flattened) schema's `type`.
local function type_ok(v, s)
  local set = types_of(s)
  if not set then return true end
  local jt = jtype(v)
  if set[jt] then return true end
  if jt == "integer" and set.number then return true end
  if jt == "object" and set.array and type(v) == "table" and next(v) == nil then return true end
  return false
end
M.type_ok = type_ok

-- The main type a schema describes, inferred when it does not say.
local function main_type(api, s)
  local _, first = types_of(s)
  if first then return first end
  if s.const ~= nil then return jtype(s.const) end
  if s.enum and s.enum[1] ~= nil then return jtype(s.enum[1]) end
  if s.properties or s.additionalProperties ~= nil then return "object" end
  if s.items then return "array" end
  local alts = s.oneOf or s.anyOf
  if alts then
    for _, a in ipairs(alts) do
      local t = main_type(api, flat(api, a))
      if t ~= "null" then return t end
    end
  end
  return "string"
end

------------------------------------------------------------------------------------------------------------------
-- Generators
------------------------------------------------------------------------------------------------------------------

--- A generator: the persona of record `n` drawn from a random source seeded by `key`.
-- @tparam string|integer key what the values are for (collection and record)
-- @tparam[opt=1] integer n the record's number
-- @tparam[opt] table opts `kind` ("person", "device", "group", "thing"), `label`, `seed`
function M.generator(key, n, opts)
  opts = opts or {}
  local h = type(key) == "number" and key or util.crc32(tostring(key))
  local rand = util.prng(h * 31 + (opts.seed or 1) * 1000003 + (n or 1))
  local g = realistic.persona(n or 1, rand)
  g.kind, g.label = opts.kind, opts.label
  g.optional_depth = opts.optional_depth or M.OPTIONAL_DEPTH
  return g
end

local function clamp_number(s, v)
  local lo, hi = s.minimum, s.maximum
  if type(s.exclusiveMinimum) == "number" then lo = s.exclusiveMinimum + 1 end
  if type(s.exclusiveMaximum) == "number" then hi = s.exclusiveMaximum - 1 end
  if lo and v < lo then v = lo end
  if hi and v > hi then v = hi end
  return v
end

local EMAIL_PATTERN_HINT = "@"
local BASE64_PATTERN_HINT = "A-Za-z0-9+/"

local function fit_string(s, v, g, name)
  if s.pattern then
    if s.pattern:find(EMAIL_PATTERN_HINT, 1, true) and not v:match("^[%w%.%+%-_]+@[%w%-]+%.[%w%.%-]+$") then
      v = g.email
    elseif s.pattern:find(BASE64_PATTERN_HINT, 1, true) and not v:match("^[%w%+/]*=*$") then
      v = util.base64_encode(v)
    elseif s.pattern:find(BASE64_PATTERN_HINT, 1, true) and #v % 4 ~= 0 then
      v = util.base64_encode(v)
    end
  end
  if s.minLength and utf8.len(v) and utf8.len(v) < s.minLength then v = realistic.pad(v, s.minLength) end
  if s.maxLength and #v > s.maxLength then v = v:sub(1, s.maxLength) end
  return v, name
end

local synth

local function pick_alternative(api, alts)
  -- the first alternative that is not null alone; objects first when a record is wanted
  for _, a in ipairs(alts) do
    local fa = flat(api, a)
    if main_type(api, fa) ~= "null" then return fa end
  end
  return flat(api, alts[1])
end

local function synth_object(api, s, g, depth, name)
  local out = {}
  local props = s.properties
  local req = {}
  for _, r in ipairs(s.required or {}) do req[r] = true end
  if props then
    local deep = depth > g.optional_depth
    for _, k in ipairs(sorted_keys(props)) do
      if req[k] or not deep then
        local v = synth(api, props[k], g, depth + 1, k, req[k])
        if v ~= nil then out[k] = v end
      end
    end
  end
  for _, r in ipairs(s.required or {}) do
    if out[r] == nil then out[r] = realistic.string(g, r, nil, g.kind, g.label) end
  end
  if not props and type(s.additionalProperties) == "table" and next(s.additionalProperties) and depth <= 2 then
    local v = synth(api, s.additionalProperties, g, depth + 1, name)
    if v ~= nil then out[g.word] = v end
  end
  return out
end

--- A value valid against a schema.
-- @tparam string api the API whose schemas `{ref=}` names
-- @param s the schema (or a reference)
-- @tparam table g a generator (`M.generator`)
-- @tparam[opt=0] integer depth
-- @tparam[opt] string name the field's name, for realistic values
-- @treturn any the value (nil only for an optional field that can only be null)
function synth(api, s, g, depth, name, required)
  depth = depth or 0
  s = flat(api, s)
  if s.const ~= nil then return json.copy(s.const) end
  if s.enum then
    local n = #s.enum
    if n > 0 then
      local v = s.enum[(g.n + depth + #(name or "")) % n + 1]
      if v == null and n > 1 then v = s.enum[1] == null and s.enum[2] or s.enum[1] end
      return json.copy(v)
    end
  end
  local alts = s.oneOf or s.anyOf
  if alts and #alts > 0 then
    local a = pick_alternative(api, alts)
    if s.properties and main_type(api, a) == "object" then
      -- own properties beside the alternatives: both apply
      local merged = {}
      for k, v in pairs(a) do merged[k] = v end
      local props = {}
      for k, v in pairs(s.properties) do props[k] = v end
      for k, v in pairs(a.properties or {}) do props[k] = v end
      merged.properties = props
      return synth_object(api, merged, g, depth, name)
    end
    return synth(api, a, g, depth, name, required)
  end
  local t = main_type(api, s)
  if depth > M.MAX_DEPTH and not required then
    if t == "array" then return array() end
    if t == "object" then return {} end
  end
  if t == "object" then
    return synth_object(api, s, g, depth, name)
  elseif t == "array" then
    local out = array()
    local n = s.minItems or ((depth <= g.optional_depth and s.items) and 1 + (g.n % 2) or 0)
    if s.maxItems and n > s.maxItems then n = s.maxItems end
    if s.items then
      local item = flat(api, s.items)
      local seen = {}
      for i = 1, n do
        local v = synth(api, item, g, depth + 1, name, true)
        if s.uniqueItems or type(v) == "string" then
          local key = type(v) == "table" and json.encode(v) or tostring(v)
          if seen[key] then
            if type(v) == "string" and not item.enum and not item.format then v = v .. "-" .. i
            elseif math_type(v) == "integer" and not item.enum then v = v + i
            else v = nil end
          end
          if v ~= nil then seen[type(v) == "table" and json.encode(v) or tostring(v)] = true end
        end
        if v ~= nil then out[#out + 1] = v end
      end
    end
    return out
  elseif t == "string" then
    local v = realistic.string(g, name, s.format, g.kind, g.label)
    return (fit_string(s, v, g, name))
  elseif t == "integer" then
    return math.tointeger(clamp_number(s, realistic.integer(g, name))) or 0
  elseif t == "number" then
    local v = realistic.integer(g, name)
    if s.format == "double" or s.format == "float" then v = v + 0.5 end
    return clamp_number(s, v)
  elseif t == "boolean" then
    return realistic.boolean(g, name)
  elseif t == "null" then
    return null
  end
  return realistic.string(g, name, nil, g.kind, g.label)
end
M.synth = synth

------------------------------------------------------------------------------------------------------------------
-- Conformance
------------------------------------------------------------------------------------------------------------------

local function deep_equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do if not deep_equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function in_enum(v, enum)
  for _, e in ipairs(enum) do
    if deep_equal(v, e) then return true end
  end
  return false
end

-- Whether `v` could be an instance of alternative `a` without changing its JSON type.
local function fits(api, v, a)
  if a.const ~= nil then return deep_equal(v, a.const) end
  if a.enum then return in_enum(v, a.enum) end
  if a.type == nil and (a.oneOf or a.anyOf) then
    for _, x in ipairs(a.oneOf or a.anyOf) do
      if fits(api, v, flat(api, x)) then return true end
    end
    return false
  end
  local jt = jtype(v)
  local mt = main_type(api, a)
  return type_ok(v, a) and (a.type ~= nil or jt == mt or (jt == "integer" and mt == "number"))
end

local conform

local function conform_object(api, v, s, g, depth)
  local props = s.properties
  local ap = s.additionalProperties
  local out = {}
  local changed = false
  for k, x in pairs(v) do
    local ps = props and props[k]
    if ps then
      local c = conform(api, x, ps, g, depth + 1, k)
      if c ~= x then changed = true end
      if c ~= nil then out[k] = c else changed = true end
    elseif ap == false or (props and ap == nil) then
      changed = true -- a field the schema does not name
    elseif type(ap) == "table" then
      local c = conform(api, x, ap, g, depth + 1, k)
      if c ~= x then changed = true end
      out[k] = c
    else
      out[k] = x
    end
  end
  for _, r in ipairs(s.required or {}) do
    if out[r] == nil then
      changed = true
      local ps = props and props[r]
      out[r] = ps and synth(api, ps, g(), depth + 1, r, true) or realistic.string(g(), r)
    end
  end
  if not changed then return v end
  return out
end

--- `v` made valid against a schema: what fits is kept (the same table when nothing changes), what does not is
-- replaced by synthesized values; object fields the schema does not name are left out.
-- @tparam string api
-- @param v the value
-- @param s the schema
-- @tparam function g returns the generator used for missing values (called only when one is needed)
-- @treturn any
function conform(api, v, s, g, depth, name)
  depth = depth or 0
  s = flat(api, s)
  if v == nil then return nil end
  if v == null then
    local set = types_of(s)
    if (set and set.null) or (s.enum and in_enum(null, s.enum)) then return null end
    if s.type == nil and not s.enum and s.const == nil and not s.oneOf and not s.anyOf and not s.properties
      and not s.items then return null end
    return synth(api, s, g(), depth, name, true)
  end
  if s.const ~= nil then
    if deep_equal(v, s.const) then return v end
    return json.copy(s.const)
  end
  if s.enum then
    if in_enum(v, s.enum) then return v end
    return synth(api, s, g(), depth, name, true)
  end
  local alts = s.oneOf or s.anyOf
  if alts then
    local chosen
    for _, a in ipairs(alts) do
      local fa = flat(api, a)
      if fits(api, v, fa) then chosen = fa break end
    end
    if not chosen then return synth(api, s, g(), depth, name, true) end
    v = conform(api, v, chosen, g, depth, name)
    if s.properties and jtype(v) == "object" then
      return conform_object(api, v, { properties = s.properties, additionalProperties = true, required = s.required },
        g, depth)
    end
    return v
  end
  if not type_ok(v, s) then return synth(api, s, g(), depth, name, true) end
  local jt = jtype(v)
  if jt == "object" then
    if type(v) == "table" and next(v) == nil and types_of(s) and types_of(s).array and not (types_of(s)).object then
      return array()
    end
    return conform_object(api, v, s, g, depth)
  elseif jt == "array" then
    local items = s.items
    local out, changed = v, false
    if items then
      local fi = flat(api, items)
      for i = 1, #v do
        local c = conform(api, v[i], fi, g, depth + 1, name)
        if c ~= v[i] then
          if not changed then
            changed = true
            out = array()
            for j = 1, #v do out[j] = v[j] end
          end
          out[i] = c
        end
      end
    end
    if s.maxItems and #out > s.maxItems then
      local cut = array()
      for i = 1, s.maxItems do cut[i] = out[i] end
      out = cut
    end
    if s.minItems and #out < s.minItems and items then
      local pad = array()
      for i = 1, #out do pad[i] = out[i] end
      for _ = #pad + 1, s.minItems do pad[#pad + 1] = synth(api, items, g(), depth + 1, name, true) end
      out = pad
    end
    return out
  elseif jt == "string" then
    return (fit_string(s, v, g and (s.pattern and g() or nil) or nil, name))
  elseif jt == "integer" or jt == "number" then
    local c = clamp_number(s, v)
    if jt == "number" and types_of(s) and types_of(s).integer and not types_of(s).number then
      c = math.floor(c)
    end
    return c
  end
  return v
end
M.conform = conform

--- The single field an answer wraps its record in (`{domain = {...}}`), or nil: a schema whose only property
-- holds an object.
function M.wrapper(api, s)
  if s == nil then return nil end
  s = flat(api, s)
  local props = s.properties
  if not props then return nil end
  local key, n = nil, 0
  for k in pairs(props) do
    key, n = k, n + 1
    if n > 1 then return nil end
  end
  local inner = flat(api, props[key])
  if main_type(api, inner) == "object" and inner.properties then return key, inner end
  return nil
end

return M
