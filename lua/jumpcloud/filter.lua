--- Filter builders for the JumpCloud API v2 `filter` query parameter (exposed as `jumpcloud.filter`).
--
-- A v2 filter is the string `<field>:<operator>:<value>`, with the operators `eq ne gt ge lt le between
-- search in` and nothing else. Each builder checks its arguments at once and returns a filter object:
-- `tostring(f)` is the filter string, and `is_filter(f)` tells it from a plain string.
--
-- Several filters travel in one parameter, joined with `,`, and they all apply (AND). Because the API
-- has no escape for that comma, a field or value containing `,` raises. Values are not percent-encoded
-- here: that is the job of whoever builds the URL.
--
-- Value syntax: `in` joins its values with `|` (`id:in:a|b|c`); `between` writes its two bounds the
-- same way, `lo|hi` (`created:between:2024-01-01|2024-12-31`). The reference gives no syntax for
-- `between`, so this one is this library's choice, and the mock server must accept the same.
--
-- @module jumpcloud.filter
-- @usage
-- local F = require("jumpcloud.filter")
-- local f = F.eq("name", "Test Group")        -- tostring(f) == "name:eq:Test Group"
-- F.encode({ f, F["in"]("type", { "a", "b" }) }) --> "name:eq:Test Group,type:in:a|b"

local check = require "jumpcloud.check"

local M = {}

local type, tostring, tonumber, setmetatable, getmetatable = type, tostring, tonumber, setmetatable, getmetatable
local format, find, concat, select = string.format, string.find, table.concat, select
local math_type, tointeger, huge = math.type, math.tointeger, math.huge

--- The operators of the v2 filter syntax, in the reference's order.
M.operators = { "eq", "ne", "gt", "ge", "lt", "le", "between", "search", "in" }

local KNOWN = {}
for _, op in ipairs(M.operators) do KNOWN[op] = true end

-- What people type instead of a v2 operator: v1 operators, other APIs' names, symbols.
local HINTS = {
  gte = "ge", lte = "le", neq = "ne", equals = "eq", like = "search", contains = "search",
  ["$eq"] = "eq", ["$ne"] = "ne", ["$gt"] = "gt", ["$gte"] = "ge", ["$lt"] = "lt", ["$lte"] = "le", ["$in"] = "in",
  ["=="] = "eq", ["="] = "eq", ["!="] = "ne", ["<>"] = "ne", ["~="] = "ne",
  [">"] = "gt", [">="] = "ge", ["<"] = "lt", ["<="] = "le",
}

local COMMA = "; filters are comma-joined in the query, so it cannot carry a comma"

local Filter = { __name = "jumpcloud.Filter" }
Filter.__tostring = function(self) return self.text end

local function badarg(fname, n, msg)
  if type(n) == "string" then return format("bad argument '%s' (%s)", n, msg) end
  return format("bad argument #%d to '%s' (%s)", n, fname, msg)
end

-- A builder's result, or its error raised at the caller's line.
local function checked(f, err)
  if f == nil then check.usage(err) end
  return f
end

-- A scalar as the API wants it: true/false, integers with %d, floats in the fewest digits that read back
-- as the same number.
local function scalar(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "boolean" then return v and "true" or "false" end
  if t == "number" then
    local i = math_type(v) == "integer" and v or tointeger(v)
    if i then return format("%d", i) end
    if v ~= v or v == huge or v == -huge then return nil, "finite number expected, got " .. tostring(v) end
    -- Any decimal of up to 15 digits survives a trip through a double, so %.15g is already the shortest
    -- form when it reads back; otherwise 16 or, at worst, 17 digits do.
    for digits = 15, 17 do
      local s = format("%." .. digits .. "g", v)
      if digits == 17 or tonumber(s) == v then return s end
    end
  end
  return nil, "string, number or boolean expected, got " .. t
end

local function check_field(field)
  if type(field) ~= "string" then return nil, "string expected, got " .. type(field) end
  if field == "" then return nil, "field is empty" end
  if find(field, ":", 1, true) then return nil, "field contains ':', which separates field, operator and value" end
  if find(field, ",", 1, true) then return nil, "field contains ','" .. COMMA end
  return field
end

-- `what` names the value in messages: "value", "item 2", ...; `bar` is set where `|` separates values.
local function value_text(v, what, bar)
  local s, err = scalar(v)
  if not s then return nil, (what == "value" and "" or what .. ": ") .. err end
  if find(s, ",", 1, true) then return nil, what .. " contains ','" .. COMMA end
  if bar and find(s, "|", 1, true) then return nil, what .. " contains '|', which separates " .. bar end
  return s
end

local function in_values(values)
  if type(values) ~= "table" then return nil, "table expected, got " .. type(values) end
  if #values == 0 then return nil, "list of values is empty" end
  local out = {}
  for i = 1, #values do
    local s, err = value_text(values[i], "item " .. i, "'in' values")
    if not s then return nil, err end
    out[i] = s
  end
  return concat(out, "|")
end

-- Builds the filter `field:op:value`; the field is argument number `n` of `fname`, the values follow it.
-- Returns the filter object, or nil and the whole error message.
local function make(fname, n, op, field, a, b)
  local _, err = check_field(field)
  if err then return nil, badarg(fname, n, err) end
  local value
  if op == "in" then
    value, err = in_values(a)
  elseif op == "between" then
    value, err = value_text(a, "value", "the 'between' bounds")
    if not err then
      local hi
      hi, err = value_text(b, "value", "the 'between' bounds")
      if err then return nil, badarg(fname, n + 2, err) end
      value = value .. "|" .. hi
    end
  else
    value, err = value_text(a, "value")
  end
  if err then return nil, badarg(fname, n + 1, err) end
  return setmetatable({ field = field, op = op, value = value, text = field .. ":" .. op .. ":" .. value }, Filter)
end

--- Is `x` a filter object made by this module?
-- @param x any value
-- @treturn boolean
-- @usage if F.is_filter(v) then ... end
function M.is_filter(x)
  return getmetatable(x) == Filter
end

--- `field:eq:value`: field equals value.
-- @tparam string field a field of the endpoint's records, without `:` or `,`
-- @tparam string|number|boolean value the value (case sensitive; wild cards are the API's business)
-- @treturn table a filter object
-- @usage F.eq("name", "Test Group")   -- name:eq:Test Group
function M.eq(field, value) return checked(make("eq", 1, "eq", field, value)) end

--- `field:ne:value`: field differs from value.
-- @tparam string field
-- @tparam string|number|boolean value
-- @treturn table a filter object
-- @usage F.ne("disabled", true)       -- disabled:ne:true
function M.ne(field, value) return checked(make("ne", 1, "ne", field, value)) end

--- `field:gt:value`: field greater than value.
-- @tparam string field
-- @tparam string|number|boolean value
-- @treturn table a filter object
-- @usage F.gt("exitStatus", 0)        -- exitStatus:gt:0
function M.gt(field, value) return checked(make("gt", 1, "gt", field, value)) end

--- `field:ge:value`: field greater than or equal to value.
-- @tparam string field
-- @tparam string|number|boolean value
-- @treturn table a filter object
-- @usage F.ge("version", 2.5)         -- version:ge:2.5
function M.ge(field, value) return checked(make("ge", 1, "ge", field, value)) end

--- `field:lt:value`: field less than value.
-- @tparam string field
-- @tparam string|number|boolean value
-- @treturn table a filter object
-- @usage F.lt("startedAt", "2024-06-01T00:00:00Z")
function M.lt(field, value) return checked(make("lt", 1, "lt", field, value)) end

--- `field:le:value`: field less than or equal to value.
-- @tparam string field
-- @tparam string|number|boolean value
-- @treturn table a filter object
-- @usage F.le("exitStatus", 1)        -- exitStatus:le:1
function M.le(field, value) return checked(make("le", 1, "le", field, value)) end

--- `field:search:text`: field contains text.
-- @tparam string field
-- @tparam string|number|boolean text
-- @treturn table a filter object
-- @usage F.search("name", "mac")      -- name:search:mac
function M.search(field, text) return checked(make("search", 1, "search", field, text)) end

--- `field:between:lo|hi`: field within the two bounds. Neither bound may contain `|` or `,`.
-- @tparam string field
-- @tparam string|number|boolean lo lower bound
-- @tparam string|number|boolean hi upper bound
-- @treturn table a filter object
-- @usage F.between("date", "2024-01-01", "2024-12-31")   -- date:between:2024-01-01|2024-12-31
function M.between(field, lo, hi) return checked(make("between", 1, "between", field, lo, hi)) end

--- `field:in:a|b|c`: field equals one of the values. `F["in"]`, or `F.in_` (`in` being a keyword).
-- @tparam string field
-- @tparam {string|number|boolean,...} values a non-empty list; no item may contain `|` or `,`
-- @treturn table a filter object
-- @usage F["in"]("type", { "linux", "darwin" })   -- type:in:linux|darwin
function M.in_(field, values) return checked(make("in", 1, "in", field, values)) end
M["in"] = M.in_

--- Any operator by name, from the closed set in `operators`. A wrong name raises, with a hint where one
-- is known (`gte` -> `ge`, `$eq` -> `eq`, `!=` -> `ne`, ...).
-- @tparam string op one of `eq ne gt ge lt le between search in`
-- @tparam string field
-- @param ... the operator's values: one value, `lo, hi` for `between`, a list for `in`
-- @treturn table a filter object
-- @usage F.op("ge", "exitStatus", 1)   -- exitStatus:ge:1
function M.op(op, field, ...)
  if type(op) ~= "string" then return checked(nil, badarg("op", 1, "string expected, got " .. type(op))) end
  if not KNOWN[op] then
    local lower = op:lower()
    local hint = HINTS[op] or HINTS[lower] or (KNOWN[lower] and lower)
    local msg = hint and format("unknown operator '%s', did you mean '%s'?", op, hint)
      or format("unknown operator '%s', expected one of: %s", op, concat(M.operators, " "))
    return checked(nil, badarg("op", 1, msg))
  end
  return checked(make("op", 2, op, field, ...))
end

--- A filter string passed through unchanged: the escape hatch for what the builders refuse.
-- @tparam string s a non-empty filter string, sent as is
-- @treturn table a filter object (its `field`, `op` and `value` are nil)
-- @usage F.raw("name:eq:a,b")   -- two filters, or a value with a comma: the caller's call
function M.raw(s)
  if type(s) ~= "string" then return checked(nil, badarg("raw", 1, "string expected, got " .. type(s))) end
  if s == "" then return checked(nil, badarg("raw", 1, "filter string is empty")) end
  return setmetatable({ text = s, raw = true }, Filter)
end

-- The strings of a filter, a string, or a list of them. Returns the list, or nil and a message.
local function filter_strings(v)
  if type(v) == "string" or M.is_filter(v) then v = { v } end
  if type(v) ~= "table" then return nil, "filter, string or list of them expected, got " .. type(v) end
  local n = #v
  for k in pairs(v) do
    if math_type(k) ~= "integer" or k < 1 or k > n then
      return nil, "list expected, got a table with key " .. tostring(k)
    end
  end
  local out = {}
  for i = 1, n do
    local item = v[i]
    if M.is_filter(item) then
      out[i] = item.text
    elseif item == "" then
      return nil, format("item %d is an empty string", i)
    elseif type(item) == "string" then
      out[i] = item
    else
      return nil, format("item %d: filter or string expected, got %s", i, type(item))
    end
  end
  return out
end

--- The filter strings of `v`, one per item: for endpoints that repeat `filter=` once per filter.
-- @param v a filter object, a string, or a list of them
-- @tparam[opt] string argname the option to name in errors (default: argument #1 of `items`)
-- @treturn {string,...}
-- @usage F.items({ F.eq("a", 1), "b:ne:2" })   --> { "a:eq:1", "b:ne:2" }
function M.items(v, argname)
  local out, err = filter_strings(v)
  if not out then check.usage(badarg("items", argname or 1, err)) end
  return out
end

--- The value of the `filter` parameter: a filter, a string, or the items of a list joined with `,`
-- (the API applies them all). Strings are used unchanged, like `raw`.
-- @param v a filter object, a string, or a list of them
-- @tparam[opt] string argname the option to name in errors (default: argument #1 of `encode`)
-- @treturn ?string the parameter value, or nil for an empty list (leave the parameter out)
-- @usage F.encode({ F.eq("name", "x"), F.gt("n", 2) })   --> "name:eq:x,n:gt:2"
function M.encode(v, argname)
  local out, err = filter_strings(v)
  if not out then check.usage(badarg("encode", argname or 1, err)) end
  if #out == 0 then return nil end
  return concat(out, ",")
end

--- Several filters joined into one `filter` parameter value, as `encode` does for a list.
-- @param ... filter objects or strings
-- @treturn string
-- @usage F.all(F.eq("disabled", false), F.search("name", "mac"))   --> "disabled:eq:false,name:search:mac"
function M.all(...)
  local n = select("#", ...)
  local args = { ... }
  for i = 1, n do
    local item = args[i]
    if not (M.is_filter(item) or (type(item) == "string" and item ~= "")) then
      local got = item == "" and "an empty string" or type(item)
      check.usage(badarg("all", i, "filter or string expected, got " .. got))
    end
    args[i] = tostring(item)
  end
  if n == 0 then check.usage(badarg("all", 1, "filter or string expected, got no value")) end
  return concat(args, ",", 1, n)
end

--- The value of a list parameter such as `sort` or `fields`: a string is used unchanged, a list of
-- names is joined with `,`. Prefix a sort field with `-` for descending order.
-- @param v a string, or a list of strings without `,`
-- @tparam[opt] string argname the option to name in errors (default: argument #1 of `list_param`)
-- @treturn ?string the parameter value, or nil for an empty list (leave the parameter out)
-- @usage F.list_param({ "name", "-id" }, "sort")   --> "name,-id"
function M.list_param(v, argname)
  local function fail(msg) check.usage(badarg("list_param", argname or 1, msg)) end
  if type(v) == "string" then return v end
  if type(v) ~= "table" then fail("string or list of strings expected, got " .. type(v)) end
  local n = #v
  for k in pairs(v) do
    if math_type(k) ~= "integer" or k < 1 or k > n then fail("list expected, got a table with key " .. tostring(k)) end
  end
  for i = 1, n do
    local item = v[i]
    if type(item) ~= "string" then fail(format("item %d: string expected, got %s", i, type(item))) end
    if item == "" then fail(format("item %d is an empty string", i)) end
    if find(item, ",", 1, true) then fail(format("item %d contains ',', which separates the items", i)) end
  end
  if n == 0 then return nil end
  return concat(v, ",")
end

return M
