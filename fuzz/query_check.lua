-- Checker of fuzz_query (see lua_harness.c): check(bytes) -> nil, or a message.
-- The bytes become a parameter table: records split on \30; a record is name \31 value (no \31:
-- an empty string value); a name starting with \28 is exploded (the mark is dropped); a value
-- starting with \29 is an array of the items after it, split on \29 ("\29" alone: empty array);
-- a value or item starting with \27 is a number (tonumber of the rest) or else a boolean (rest
-- "t" is true). core.encode_query(params, explode) must give only unreserved characters, %XX,
-- '&', '=' and ',' and read back as: names in byte order; a scalar as name=value; an array as
-- one name=item,item,... (commas literal, commas in items escaped) or, exploded, one name=item
-- per item; an empty array as nothing. A name with a NUL byte must raise instead.
local core = ...
local encode_query = core.encode_query
local byte, char, sub, find, gsub, tostring, type = string.byte, string.char, string.sub, string.find,
  string.gsub, tostring, type
local fmt = string.format

local function show(s) return fmt("%q", #s > 60 and sub(s, 1, 60) .. "..." or s) end

local function split(s, sep)
  local out, i = {}, 1
  while true do
    local j = find(s, sep, i, true)
    if not j then
      out[#out + 1] = sub(s, i)
      return out
    end
    out[#out + 1] = sub(s, i, j - 1)
    i = j + 1
  end
end

local function scalar(s)
  if byte(s, 1) ~= 27 then return s end
  local rest = sub(s, 2)
  local n = tonumber(rest)
  if n ~= nil then return n end
  return rest == "t"
end

local function build(input)
  local params, explode = {}, nil
  for _, rec in ipairs(split(input, "\30")) do
    local sep = find(rec, "\31", 1, true)
    local name, value = rec, ""
    if sep then name, value = sub(rec, 1, sep - 1), sub(rec, sep + 1) end
    if byte(name, 1) == 28 then
      name = sub(name, 2)
      explode = explode or {}
      explode[name] = true
    end
    if byte(value, 1) == 29 then
      local items = {}
      if #value > 1 then
        for i, item in ipairs(split(sub(value, 2), "\29")) do items[i] = scalar(item) end
      end
      params[name] = items
    else
      params[name] = scalar(value)
    end
  end
  return params, explode
end

local function text(v)
  if type(v) == "boolean" then return v and "true" or "false" end
  return tostring(v) -- strings as they are, numbers as lua_tolstring writes them
end

local function decode(s)
  if find(s, "[^%w%-%._~%%&=,]") then return nil, "reserved character" end
  local bad
  local out = gsub(s, "%%(..)", function(h)
    if not h:match("^[0-9A-F][0-9A-F]$") then bad = true return "" end
    return char(tonumber(h, 16))
  end)
  if bad or find(s, "%%.?$") then return nil, "bad escape" end
  return out
end

return function(input)
  local params, explode = build(input)
  local ok, q = pcall(encode_query, params, explode)
  local nul = false
  for name in pairs(params) do nul = nul or find(name, "\0", 1, true) ~= nil end
  if nul then -- refused: a name with a NUL cannot be looked up as a C string
    if ok then return "encode_query took a name with a NUL byte: " .. show(q) end
    if not find(tostring(q), "parameter names must not contain NUL bytes", 1, true) then
      return "encode_query raised: " .. tostring(q)
    end
    return nil
  end
  if not ok then return "encode_query raised: " .. tostring(q) end
  if type(q) ~= "string" then return "encode_query returned a " .. type(q) end
  -- what it wrote, as (name, raw value) pairs
  local pairs_ = {}
  if q ~= "" then
    for _, part in ipairs(split(q, "&")) do
      local eq = find(part, "=", 1, true)
      if not eq then return "pair without '=': " .. show(part) end
      local name, err = decode(sub(part, 1, eq - 1))
      if not name then return err .. " in name " .. show(part) end
      if find(part, "=", eq + 1, true) then return "second '=' in " .. show(part) end
      pairs_[#pairs_ + 1] = { name, sub(part, eq + 1) }
    end
  end
  -- what it should have written
  local names = {}
  for name in pairs(params) do names[#names + 1] = name end
  table.sort(names)
  local i = 1
  local function expect(name, raw_items)
    local p = pairs_[i]
    if not p then return "missing " .. show(name) end
    if p[1] ~= name then return "got name " .. show(p[1]) .. " where " .. show(name) .. " was due" end
    local got = split(p[2], ",")
    if #got ~= #raw_items then return show(name) .. ": " .. #got .. " items, expected " .. #raw_items end
    for j, want in ipairs(raw_items) do
      local g, err = decode(got[j])
      if not g then return err .. " in value of " .. show(name) end
      if g ~= want then return show(name) .. ": value " .. show(g) .. ", expected " .. show(want) end
    end
    i = i + 1
  end
  for _, name in ipairs(names) do
    local v, e = params[name], nil
    if type(v) ~= "table" then
      e = expect(name, { text(v) })
    elseif explode and explode[name] then
      for _, item in ipairs(v) do
        e = e or expect(name, { text(item) })
      end
    elseif #v > 0 then
      local items = {}
      for j, item in ipairs(v) do items[j] = text(item) end
      e = expect(name, items)
    end
    if e then return e .. " in " .. show(q) end
  end
  if pairs_[i] then return "unexpected pair " .. show(pairs_[i][1]) .. " in " .. show(q) end
end
