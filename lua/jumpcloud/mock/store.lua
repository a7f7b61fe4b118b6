--- In-memory collections and the generic list query of the mock server:
-- filter, sort, skip/limit and `fields` projection, as JumpCloud's v2 lists take them.
--
-- Filters are `<field>:<operator>:<value>` with the operators
-- `eq ne gt ge lt le between search in`. Several filters AND together; they may
-- come as repeated `filter=` parameters or comma-separated in one parameter
-- (the OpenAPI `style: form, explode: false` form). A comma starts a new filter
-- only when the text after it reads `<field>:<operator>:`; any other comma stays
-- inside the current value, so values may hold commas.
--
-- `between`: the reference gives no syntax for its value (nor does any public
-- example we know of). The mock takes `field:between:lo|hi`, written like `in`
-- and as `jumpcloud.filter` writes it, and also `field:between:lo,hi` (the comma
-- stays in the value by the rule above); a `|` wins over a comma. Bounds are
-- inclusive. `in` takes `|`-separated values. `search` is a
-- case-insensitive substring match. In `eq`/`ne` a `*` in the value is a wild
-- card. Field names may be dotted paths (`template.id`); `_id` means the
-- collection's id field. Values compare as numbers against numeric fields, as
-- `true`/`false` against booleans, `null` matches a missing field, and against
-- an array field `eq` matches any element.
-- @module jumpcloud.mock.store

local json = require "jumpcloud.mock.json"

local type, ipairs, tostring, tonumber = type, ipairs, tostring, tonumber
local find, sub, lower, gsub, match = string.find, string.sub, string.lower, string.gsub, string.match
local sort = table.sort
local null = json.null

local M = {}

M.OPERATORS = {eq = true, ne = true, gt = true, ge = true, lt = true, le = true,
  between = true, search = true, ["in"] = true}
M.MAX_LIMIT = 100
M.DEFAULT_LIMIT = 10

------------------------------------------------------------------------------
-- Collections
------------------------------------------------------------------------------

local Collection = {}
Collection.__index = Collection

--- A new collection.
-- @tparam string name
-- @tparam[opt="id"] string|false id_field the key field; false for keyless collections
function M.collection(name, id_field)
  if id_field == nil then id_field = "id" end
  return setmetatable({name = name, id_field = id_field, records = {}, index = {}}, Collection)
end

--- Remove every record.
function Collection:clear()
  self.records, self.index = {}, {}
end

--- The live array of records, in insertion order.
function Collection:all()
  return self.records
end

function Collection:count()
  return #self.records
end

function Collection:get(id)
  return self.index[id]
end

function Collection:insert(rec)
  local idf = self.id_field
  if idf then
    local id = rec[idf]
    assert(id ~= nil, "record without " .. idf .. " in " .. self.name)
    assert(self.index[id] == nil, "duplicate id " .. tostring(id) .. " in " .. self.name)
    self.index[id] = rec
  end
  self.records[#self.records + 1] = rec
  return rec
end

--- Put `rec` in the place of the record with the same id.
function Collection:replace(rec)
  local idf = self.id_field
  local id = rec[idf]
  local old = self.index[id]
  for i, r in ipairs(self.records) do
    if r == old then
      self.records[i] = rec
      break
    end
  end
  self.index[id] = rec
  return rec
end

function Collection:remove(id)
  local rec = self.index[id]
  if rec == nil then
    return nil
  end
  self.index[id] = nil
  for i, r in ipairs(self.records) do
    if r == rec then
      table.remove(self.records, i)
      break
    end
  end
  return rec
end

--- Put `new` in the place of the record `old` (by identity; for keyless collections too).
function Collection:swap(old, new)
  for i, r in ipairs(self.records) do
    if r == old then
      self.records[i] = new
      if self.id_field then
        self.index[old[self.id_field]] = nil
        self.index[new[self.id_field]] = new
      end
      return new
    end
  end
  return self:insert(new)
end

--- Remove a record by identity (for keyless collections).
function Collection:remove_record(rec)
  for i, r in ipairs(self.records) do
    if r == rec then
      table.remove(self.records, i)
      if self.id_field then
        self.index[r[self.id_field]] = nil
      end
      return r
    end
  end
end

--- The first record whose `path` equals `value`.
function Collection:find(path, value)
  for _, r in ipairs(self.records) do
    if M.get_path(r, path) == value then
      return r
    end
  end
end

------------------------------------------------------------------------------
-- Paths
------------------------------------------------------------------------------

local path_cache = setmetatable({}, {__mode = "k"})

local function split_path(path)
  local parts = path_cache[path]
  if parts == nil then
    parts = {}
    for p in path:gmatch("[^%.]+") do
      parts[#parts + 1] = p
    end
    path_cache[path] = parts
  end
  return parts
end

--- Read a dotted path from a record.
function M.get_path(rec, path)
  if not find(path, ".", 1, true) then
    local v = rec[path]
    if v == null then return nil end
    return v
  end
  local v = rec
  for _, p in ipairs(split_path(path)) do
    if type(v) ~= "table" then
      return nil
    end
    v = v[p]
  end
  if v == null then return nil end
  return v
end

--- Write a dotted path into a table, creating intermediate tables.
function M.set_path(t, path, value)
  local parts = split_path(path)
  for i = 1, #parts - 1 do
    local p = parts[i]
    if type(t[p]) ~= "table" then
      t[p] = {}
    end
    t = t[p]
  end
  t[parts[#parts]] = value
end

------------------------------------------------------------------------------
-- Parameters
------------------------------------------------------------------------------

local function bad(msg)
  return nil, "Bad Request: " .. msg
end

-- Split comma lists, trimming blanks and ignoring "" and the literal "[]" that
-- generated SDK docs taught users to send.
local function comma_list(values)
  local out = {}
  for _, v in ipairs(values or {}) do
    for item in v:gmatch("[^,%s]+") do
      item = match(item, "^%s*(.-)%s*$")
      if item ~= "" and item ~= "[]" then
        out[#out + 1] = item
      end
    end
  end
  return out
end
M.comma_list = comma_list

local function starts_filter(piece)
  local op = match(piece, "^%s*[%w_%.%$%-]+:(%a+):")
  return op ~= nil and M.OPERATORS[op] == true
end

--- Parse the `filter` parameter values into `{path, op, value}` clauses.
-- @tparam {string,...} values every `filter=` value, decoded
-- @return clauses, or nil and a "Bad Request: ..." message
function M.parse_filters(values)
  local raw = {}
  for _, v in ipairs(values or {}) do
    if v ~= "" and v ~= "[]" then
      local current
      for piece in (v .. ","):gmatch("(.-),") do
        if current == nil or starts_filter(piece) then
          if current then raw[#raw + 1] = current end
          current = piece
        else
          current = current .. "," .. piece
        end
      end
      if current and current ~= "" then raw[#raw + 1] = current end
    end
  end
  local clauses = {}
  for _, f in ipairs(raw) do
    local field, op, value = match(f, "^([^:]+):([^:]+):(.*)$")
    if not field then
      return bad("invalid filter \"" .. f .. "\": expected <field>:<operator>:<value>")
    end
    if not M.OPERATORS[op] then
      return bad("invalid filter operator \"" .. op .. "\" in \"" .. f
        .. "\": supported operators are eq, ne, gt, ge, lt, le, between, search, in")
    end
    local clause = {path = field, op = op, value = value}
    if op == "in" then
      clause.set = {}
      for item in (value .. "|"):gmatch("(.-)|") do
        clause.set[#clause.set + 1] = item
      end
    elseif op == "between" then
      local lo, hi = match(value, "^(.-)|(.*)$")
      if not lo then
        lo, hi = match(value, "^(.-),(.*)$")
      end
      if not lo then
        return bad("invalid between filter \"" .. f .. "\": expected <field>:between:<low>,<high>")
      end
      clause.lo, clause.hi = lo, hi
    elseif op == "search" then
      clause.needle = lower(value)
    end
    clauses[#clauses + 1] = clause
  end
  return clauses
end

------------------------------------------------------------------------------
-- Matching
------------------------------------------------------------------------------

-- Compare a record value with a filter string: returns -1, 0, 1, or nil when
-- the two cannot be compared.
local function compare(v, s)
  local tv = type(v)
  if tv == "number" then
    local n = tonumber(s)
    if n == nil then return nil end
    return v < n and -1 or (v > n and 1 or 0)
  elseif tv == "string" then
    return v < s and -1 or (v > s and 1 or 0)
  elseif tv == "boolean" then
    if s ~= "true" and s ~= "false" then return nil end
    local b = s == "true"
    if v == b then return 0 end
    return v and 1 or -1
  elseif v == nil then
    if s == "null" then return 0 end
    return nil
  end
  return nil
end

local function glob_to_pattern(s)
  local p = gsub(s, "[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0")
  p = gsub(p, "%*", ".*")
  return "^" .. p .. "$"
end

local function equals(v, s)
  if type(v) == "table" then
    for _, x in ipairs(v) do
      if equals(x, s) then return true end
    end
    return false
  end
  if type(v) == "string" and find(s, "*", 1, true) then
    return find(v, glob_to_pattern(s)) ~= nil
  end
  return compare(v, s) == 0
end

local function matches(rec, c, id_field)
  local path = c.path
  if path == "_id" then path = id_field or "id" end
  local v = M.get_path(rec, path)
  local op = c.op
  if op == "eq" then
    return equals(v, c.value)
  elseif op == "ne" then
    return not equals(v, c.value)
  elseif op == "in" then
    for _, s in ipairs(c.set) do
      if equals(v, s) then return true end
    end
    return false
  elseif op == "search" then
    if v == nil or type(v) == "table" then return false end
    return find(lower(tostring(v)), c.needle, 1, true) ~= nil
  elseif op == "between" then
    local a, b = compare(v, c.lo), compare(v, c.hi)
    return a ~= nil and b ~= nil and a >= 0 and b <= 0
  else
    local r = compare(v, c.value)
    if r == nil then return false end
    if op == "gt" then return r > 0
    elseif op == "ge" then return r >= 0
    elseif op == "lt" then return r < 0
    else return r <= 0 end
  end
end

--- Keep the records matching every clause.
function M.filter(records, clauses, id_field)
  if #clauses == 0 then
    return records
  end
  local out = {}
  for _, rec in ipairs(records) do
    local ok = true
    for _, c in ipairs(clauses) do
      if not matches(rec, c, id_field) then
        ok = false
        break
      end
    end
    if ok then out[#out + 1] = rec end
  end
  return out
end

------------------------------------------------------------------------------
-- Sorting
------------------------------------------------------------------------------

local TYPE_RANK = {["nil"] = 0, boolean = 1, number = 2, string = 3, table = 4}

local function less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    return TYPE_RANK[ta] < TYPE_RANK[tb]
  end
  if ta == "number" or ta == "string" then
    return a < b
  elseif ta == "boolean" then
    return (not a) and b
  end
  return false
end

--- Parse `sort` values into `{path, desc}` keys.
function M.parse_sort(values, id_field)
  local keys = {}
  for _, item in ipairs(comma_list(values)) do
    local desc = false
    if sub(item, 1, 1) == "-" then
      desc, item = true, sub(item, 2)
    elseif sub(item, 1, 1) == "+" then
      item = sub(item, 2)
    end
    if item == "_id" then item = id_field or "id" end
    if item ~= "" then
      keys[#keys + 1] = {path = item, desc = desc}
    end
  end
  return keys
end

--- Sort a copy of `records` by the keys; ties keep their original order.
function M.sort(records, keys)
  local nk = #keys
  if nk == 0 then
    return records
  end
  local get_path = M.get_path
  local descs = {}
  for k = 1, nk do descs[k] = keys[k].desc end
  local decorated = {}
  for i = 1, #records do
    local rec = records[i]
    local vals = {}
    for k = 1, nk do
      vals[k] = get_path(rec, keys[k].path)
    end
    decorated[i] = {rec = rec, vals = vals, pos = i}
  end
  sort(decorated, function(x, y)
    local xv, yv = x.vals, y.vals
    for k = 1, nk do
      local a, b = xv[k], yv[k]
      if a ~= b then
        local ta = type(a)
        local lt
        if ta == type(b) and (ta == "string" or ta == "number") then
          lt = a < b
        elseif less(a, b) then
          lt = true
        elseif less(b, a) then
          lt = false
        end
        if lt ~= nil then
          if descs[k] then return not lt end
          return lt
        end
      end
    end
    return x.pos < y.pos
  end)
  local out = {}
  for i = 1, #decorated do
    out[i] = decorated[i].rec
  end
  return out
end

------------------------------------------------------------------------------
-- Paging and projection
------------------------------------------------------------------------------

--- Read an integer query parameter.
-- @return the integer (or `default`), or nil and a message
function M.int_param(args, name, default)
  local list = args[name]
  if list == nil or list[#list] == "" then
    return default
  end
  local s = list[#list]
  if not match(s, "^%s*%d+%s*$") then
    return bad("request parameter \"" .. name .. "\" must be a non-negative integer")
  end
  return tonumber(s)
end

--- Read the page size and position (`limit` and `skip` unless named otherwise) the way JumpCloud checks them.
-- A size of 0 counts as "not given" (the default, 10).
-- @tparam table args decoded query
-- @tparam[opt=100] integer max_limit
-- @tparam[opt="limit"] string size the page size parameter
-- @tparam[opt="skip"] string position the position parameter
-- @return limit, skip; or nil and the 400 message
function M.paging(args, max_limit, size, position)
  max_limit = max_limit or M.MAX_LIMIT
  size, position = size or "limit", position or "skip"
  local limit, err = M.int_param(args, size, M.DEFAULT_LIMIT)
  if not limit then return nil, err end
  if limit > max_limit then
    return nil, "Bad Request: request parameter \"" .. size .. "\" exceeds maximum value of " .. max_limit
  end
  if limit == 0 then limit = M.DEFAULT_LIMIT end
  local skip
  skip, err = M.int_param(args, position, 0)
  if not skip then return nil, err end
  return limit, skip
end

--- Filter and sort `records` as the query asks.
-- @tparam table records
-- @tparam table args decoded query (name -> values)
-- @tparam table opts `{id_field=, filter=true|false, sort=true|false}`
-- @return the matching records in order, or nil and a "Bad Request: ..." message
function M.select(records, args, opts)
  local id_field = opts.id_field
  local list = records
  if opts.filter ~= false and args.filter then
    local clauses, err = M.parse_filters(args.filter)
    if not clauses then return nil, err end
    list = M.filter(list, clauses, id_field)
  end
  if opts.sort ~= false and args.sort then
    list = M.sort(list, M.parse_sort(args.sort, id_field))
  end
  return list
end

--- Run a whole list query over `records`: filter, sort, then the page at skip/limit.
-- @tparam table records
-- @tparam table args decoded query (name -> values)
-- @tparam table opts `{id_field=, paged=true|false, filter=true|false, sort=true|false, max_limit=, size=,
--   position=}`
-- @return `{items=, total=, skip=, limit=}` or nil and a "Bad Request: ..." message
function M.query(records, args, opts)
  opts = opts or {}
  local limit, skip = M.DEFAULT_LIMIT, 0
  if opts.paged ~= false then
    limit, skip = M.paging(args, opts.max_limit, opts.size, opts.position)
    if not limit then return nil, skip end
  end
  local list, err = M.select(records, args, opts)
  if not list then return nil, err end
  local total = #list
  local items = {}
  if opts.paged == false then
    for i = 1, total do items[i] = list[i] end
    return {items = items, total = total, skip = 0, limit = total}
  end
  for i = skip + 1, math.min(total, skip + limit) do
    items[#items + 1] = list[i]
  end
  return {items = items, total = total, skip = skip, limit = limit}
end

--- Copy `rec` keeping only `fields` (dotted paths allowed) and the id field.
function M.project(rec, fields, id_field)
  if fields == nil or #fields == 0 then
    return rec
  end
  local out = {}
  if id_field and rec[id_field] ~= nil then
    out[id_field] = rec[id_field]
  end
  for _, f in ipairs(fields) do
    local v = M.get_path(rec, f)
    if v ~= nil then
      M.set_path(out, f, v)
    end
  end
  return out
end

return M
