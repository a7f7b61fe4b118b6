--- JSON for the mock server: lua-cjson with a marker for arrays.
--
-- lua-cjson 2.1.0 encodes an empty Lua table as `{}` and decodes `[]` to a plain
-- empty table, so an empty array would come back as an object. This module keeps
-- arrays apart from objects:
--
-- * `array(t)` marks `t` as an array; an empty marked array encodes as `[]`.
-- * `decode(s)` marks every array it reads that is empty (non-empty arrays are
--   sequences and encode as arrays anyway).
-- * `encode(v)` substitutes a placeholder for each empty marked array, lets cjson
--   encode, then swaps the placeholders for `[]`.
--
-- Integers stay integers (`5`, never `5.0`): cjson prints numbers with `%.14g`.
-- `null` is cjson's null sentinel.
-- @module jumpcloud.mock.json

local cjson = require "cjson"

local type, pairs, next, setmetatable, getmetatable = type, pairs, next, setmetatable, getmetatable
local find, sub = string.find, string.sub

local M = {}

local codec = cjson.new()
codec.encode_sparse_array(true)
codec.decode_max_depth(200)
codec.encode_max_depth(200)

--- The JSON null value.
M.null = cjson.null

local array_mt = {__name = "jumpcloud.mock.array"}
M.array_mt = array_mt

local PLACEHOLDER = "\1jcmock_empty_array\1"
local QUOTED_PLACEHOLDER = codec.encode(PLACEHOLDER)

--- Mark a table as a JSON array.
-- @tparam[opt] table t the sequence (a new empty one if nil)
-- @treturn table t
function M.array(t)
  return setmetatable(t or {}, array_mt)
end

--- Whether a table is marked as an array.
function M.is_array(t)
  return type(t) == "table" and getmetatable(t) == array_mt
end

-- Collect the slots holding an empty marked array: `slots` gets table, key, array triples.
local function scan(t, slots, depth)
  if depth > 200 then return end
  for k, x in next, t do
    if type(x) == "table" then
      if x[1] == nil and getmetatable(x) == array_mt then
        local n = #slots
        slots[n + 1], slots[n + 2], slots[n + 3] = t, k, x
      else
        scan(x, slots, depth + 1)
      end
    end
  end
end

--- Encode a value as JSON text.
-- Each empty marked array is swapped for a placeholder in place while cjson encodes (no copy of the value),
-- then put back, even when encoding fails.
-- @param v a Lua value (tables, strings, numbers, booleans, `null`)
-- @treturn string JSON text
function M.encode(v)
  if type(v) == "table" and v[1] == nil and getmetatable(v) == array_mt then
    return "[]"
  end
  local slots = {}
  if type(v) == "table" then scan(v, slots, 0) end
  for i = 1, #slots, 3 do slots[i][slots[i + 1]] = PLACEHOLDER end
  local ok, text = pcall(codec.encode, v)
  for i = 1, #slots, 3 do slots[i][slots[i + 1]] = slots[i + 2] end
  if not ok then error(text, 2) end
  if #slots > 0 then
    text = M.replace(text, QUOTED_PLACEHOLDER, "[]")
  end
  -- cjson escapes every "/" as "\/"; in its output a "\/" is always that escape.
  return M.replace(text, "\\/", "/")
end

--- `text` with every occurrence of `needle` replaced by `repl` (plain text, no patterns).
function M.replace(text, needle, repl)
  local s, e = find(text, needle, 1, true)
  if not s then return text end
  local parts, n, pos = {}, 0, 1
  while s do
    n = n + 1; parts[n] = sub(text, pos, s - 1)
    n = n + 1; parts[n] = repl
    pos = e + 1
    s, e = find(text, needle, pos, true)
  end
  parts[n + 1] = sub(text, pos)
  return table.concat(parts)
end

-- Replace every `[ ]` found outside string literals by the quoted placeholder.
local function mark_empty_arrays(text)
  if not find(text, "%[%s*%]") then
    return text, false
  end
  local parts, n, pos, len = {}, 0, 1, #text
  local i = 1
  while i <= len do
    local s = find(text, '["%[]', i)
    if not s then
      break
    end
    if sub(text, s, s) == '"' then
      -- skip the string literal, honouring backslash escapes
      local j = s + 1
      while true do
        local q = find(text, '["\\]', j)
        if not q then
          j = len + 1
          break
        end
        if sub(text, q, q) == "\\" then
          j = q + 2
        else
          j = q + 1
          break
        end
      end
      i = j
    else
      local _, e = find(text, "^%[%s*%]", s)
      if e then
        n = n + 1; parts[n] = sub(text, pos, s - 1)
        n = n + 1; parts[n] = QUOTED_PLACEHOLDER
        pos = e + 1
        i = e + 1
      else
        i = s + 1
      end
    end
  end
  if n == 0 then
    return text, false
  end
  parts[n + 1] = sub(text, pos)
  return table.concat(parts), true
end

local function restore(v)
  if v == PLACEHOLDER then
    return setmetatable({}, array_mt)
  end
  if type(v) == "table" then
    for k, x in next, v do
      if x == PLACEHOLDER or type(x) == "table" then
        v[k] = restore(x)
      end
    end
  end
  return v
end

--- Decode JSON text; empty arrays come back marked with `array_mt`.
-- @tparam string text
-- @return the value, or nil and an error message
function M.decode(text)
  local marked, hit = mark_empty_arrays(text)
  local ok, v = pcall(codec.decode, marked)
  if not ok then
    return nil, v
  end
  if hit then
    v = restore(v)
  end
  return v
end

--- Deep copy of a decoded or seeded value, keeping array marks.
function M.copy(v)
  if type(v) ~= "table" then
    return v
  end
  local out = {}
  for k, x in pairs(v) do
    out[k] = M.copy(x)
  end
  local mt = getmetatable(v)
  if mt == array_mt then
    setmetatable(out, array_mt)
  end
  return out
end

return M
