-- Checker of fuzz_json_decode (see lua_harness.c): check(text) -> nil, or a message.
-- Every decoder of the module is checked: core.json_decode (jsondec.c, the binding's own
-- decoder) and, when the module has it, core.json_decode_cjson (the text rewriting of json.c
-- around lua-cjson). For each:
--   1. It returns a value or nil, message; it never raises.
--   2. It accepts the text when the text is JSON by RFC 8259 (LPeg grammar below: no lone
--      surrogate escapes, nesting up to 128), and refuses it when neither that grammar (with raw
--      control characters allowed in strings, as both decoders do) nor a plain lua-cjson instance
--      with the same settings (depth 128, strict numbers) reads it: leniency shared with cjson,
--      the reference, is no bug. The cjson path must also accept whatever cjson accepts.
--   3. Where cjson reads the text, the value is cjson's: same keys and strings, numbers equal
--      once integers are read as floats (cjson's own reading), null as null.
--   4. The value is well formed: integral floats within 64 bits are integers (but -2^63, which an
--      integer literal past 64 bits rounds to), tables marked
--      jumpcloud.array have keys 1..n only, other tables string keys only.
--   5. Where dkjson (an independent decoder) also reads the text, every JSON array is a marked
--      table and every object an unmarked one: [] stays an empty array.
--   6. core.json_encode(value) succeeds (unless the value holds an infinity, which JSON cannot
--      carry: cjson refuses it by design), its text is JSON to plain cjson too, and decoding it
--      again gives a deeply equal value: same integer/float subtypes, null, array marks, keys.
-- The two decoders must also agree: both accept or both refuse the grammar's JSON, and give
-- deeply equal values when both accept. Values that forge a placeholder (see forged below) are
-- only checked for 1 and 2.
local core = ...
local cjson = require("cjson")
local dkjson = require("dkjson")
local lpeg = require("lpeg")
-- the reference grammar recurses per nesting level and backtracks per level too: room for far
-- deeper inputs than the 128 levels a decoder accepts (the default of 400 entries is not)
lpeg.setmaxstack(100000)

local ref = cjson.new()
ref.decode_max_depth(128)
ref.decode_invalid_numbers(false)

-- RFC 8259 JSON text, strictly: no raw control characters in strings, no lone surrogates,
-- nesting counted at every [ and { (the grammar is LL(1): a failed bracket fails the match).
local strict, lenient
do
  local P, R, S, V, Cmt = lpeg.P, lpeg.R, lpeg.S, lpeg.V, lpeg.Cmt
  local depth, too_deep = 0, false
  local function open(c)
    return Cmt(P(c), function()
      depth = depth + 1
      if depth > 128 then too_deep = true end
      return true
    end)
  end
  local function close(c)
    return Cmt(P(c), function()
      depth = depth - 1
      return true
    end)
  end
  local ws = S(" \t\n\r") ^ 0
  local digit = R("09")
  local number = P("-") ^ -1 * (P("0") + R("19") * digit ^ 0) * (P(".") * digit ^ 1) ^ -1
    * (S("eE") * S("+-") ^ -1 * digit ^ 1) ^ -1
  local hex = R("09", "af", "AF")
  local hex4 = hex * hex * hex * hex
  local u = P("\\u") * (lpeg.C(hex4) / function(h) return tonumber(h, 16) end)
  local pair = Cmt(u * u, function(_, _, hi, lo)
    return hi >= 0xD800 and hi <= 0xDBFF and lo >= 0xDC00 and lo <= 0xDFFF
  end)
  local single = Cmt(u, function(_, _, c) return c < 0xD800 or c > 0xDFFF end)
  local escape = P("\\") * S("\"\\/bfnrt") + pair + single
  local function grammar(char)
    local str = P('"') * (char + escape) ^ 0 * P('"')
    return P({
      "text",
      text = ws * V("value") * ws * P(-1),
      value = V("object") + V("array") + str + number + P("true") + P("false") + P("null"),
      member = str * ws * P(":") * ws * V("value"),
      object = open("{") * ws * (V("member") * (ws * P(",") * ws * V("member")) ^ 0) ^ -1 * ws * close("}"),
      array = open("[") * ws * (V("value") * (ws * P(",") * ws * V("value")) ^ 0) ^ -1 * ws * close("]"),
    })
  end
  local function check(g)
    return function(text)
      depth, too_deep = 0, false
      if not g:match(text) then return false end
      return too_deep and "deep" or true
    end
  end
  -- each: true, false (not JSON) or "deep" (JSON nested more than 128 levels)
  strict = check(grammar(P(1) - S("\"\\") - R("\0\31")))
  -- raw control characters in strings allowed: cjson reads them (all but NUL, its end of text),
  -- and so does jsondec.c, NUL too; no other leniency
  lenient = check(grammar(P(1) - S("\"\\")))
end

local null, is_array = core.null, core.is_array
local mtype, tointeger, huge = math.type, math.tointeger, math.huge
local type, pairs, pcall, getmetatable, rawequal, rawget, tostring = type, pairs, pcall, getmetatable, rawequal,
  rawget, tostring
local fmt = string.format

local function show(v)
  local t = type(v)
  if t == "string" then return fmt("%q", #v > 40 and v:sub(1, 40) .. "..." or v) end
  if t == "number" then return mtype(v) == "float" and fmt("%.17g (float)", v) or fmt("%d", v) end
  if rawequal(v, null) then return "null" end
  if t == "table" then return is_array(v) and "array" or "object" end
  return tostring(v)
end

local function at(path, k) return path .. "[" .. show(k) .. "]" end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function well_formed(v, path)
  local t = type(v)
  if t == "number" then
    if v ~= v then return path .. ": NaN" end
    -- (-2^63 as a float is the one integral float an integer literal gives: one past 64 bits,
    -- -9223372036854775809 and its neighbours, rounds to it and stays a float, as its positive twin does)
    if mtype(v) == "float" and tointeger(v) and v ~= -2.0 ^ 63 then
      return path .. ": integral float " .. show(v) .. " not an integer"
    end
  elseif t == "table" then
    local mt = getmetatable(v)
    if is_array(v) then
      local n = #v
      for k in pairs(v) do
        if mtype(k) ~= "integer" or k < 1 or k > n then return at(path, k) .. ": key in an array" end
      end
      if count(v) ~= n then return path .. ": array with holes" end
    else
      if mt ~= nil then return path .. ": object with a metatable" end
      for k in pairs(v) do
        if type(k) ~= "string" then return at(path, k) .. ": non-string key in an object" end
      end
    end
    for k, x in pairs(v) do
      local e = well_formed(x, at(path, k))
      if e then return e end
    end
  elseif t ~= "boolean" and t ~= "string" and not rawequal(v, null) then
    return path .. ": unexpected " .. t
  end
end

-- A document whose strings hold "@@jc-<16 hex digits>-" forges a placeholder: that takes the
-- process's secret random nonce, which no server can know, but libFuzzer can learn it from the
-- memcmp that looks for placeholders (its comparison hooks). Such inputs are left out.
local function forged(v)
  if type(v) == "string" then return v:find("@@jc%-" .. ("%x"):rep(16) .. "%-") ~= nil end
  if type(v) == "table" then
    for k, x in pairs(v) do
      if forged(k) or forged(x) then return true end
    end
  end
  return false
end

local function same_as_cjson(c, r, path)
  if type(c) ~= type(r) then return path .. ": core " .. show(c) .. ", cjson " .. show(r) end
  if type(c) == "number" then
    local cf = mtype(c) == "integer" and c + 0.0 or c
    if cf ~= r then return path .. ": core " .. show(c) .. ", cjson " .. show(r) end
  elseif type(c) == "table" then
    if count(c) ~= count(r) then return path .. ": " .. count(c) .. " members, cjson " .. count(r) end
    for k, x in pairs(c) do
      local y = rawget(r, k)
      if y == nil then return at(path, k) .. ": not in cjson's value" end
      local e = same_as_cjson(x, y, at(path, k))
      if e then return e end
    end
  elseif not rawequal(c, r) then
    return path .. ": core " .. show(c) .. ", cjson " .. show(r)
  end
end

local function same_shape_as_dkjson(c, d, path)
  if type(c) ~= "table" or type(d) ~= "table" then return end
  local kind = (getmetatable(d) or {}).__jsontype
  if is_array(c) ~= (kind == "array") then return path .. ": JSON " .. tostring(kind) .. " decoded as " .. show(c) end
  for k, x in pairs(c) do
    local e = same_shape_as_dkjson(x, rawget(d, k), at(path, k))
    if e then return e end
  end
end

local function has_infinity(v)
  if v == huge or v == -huge then return true end
  if type(v) == "table" then
    for _, x in pairs(v) do
      if has_infinity(x) then return true end
    end
  end
  return false
end

local function equal(a, b, path)
  if type(a) ~= type(b) then return path .. ": " .. show(a) .. " came back as " .. show(b) end
  if type(a) == "number" then
    -- the float -2^63 (from a literal past 64 bits) is written -9.2233720368547758e+18, which reads
    -- back as the integer of the same value (integral numbers within 64 bits are integers)
    local same_min = a == -2.0 ^ 63 and b == math.mininteger and mtype(a) == "float" and mtype(b) == "integer"
    if not same_min and (mtype(a) ~= mtype(b) or a ~= b) then
      return path .. ": " .. show(a) .. " came back as " .. show(b)
    end
  elseif type(a) == "table" then
    if is_array(a) ~= is_array(b) then return path .. ": " .. show(a) .. " came back as " .. show(b) end
    if count(a) ~= count(b) then return path .. ": " .. count(a) .. " members came back as " .. count(b) end
    for k, x in pairs(a) do
      local y = rawget(b, k)
      if y == nil then return at(path, k) .. ": lost" end
      local e = equal(x, y, at(path, k))
      if e then return e end
    end
  elseif not rawequal(a, b) then
    return path .. ": " .. show(a) .. " came back as " .. show(b)
  end
end

local decoders = { { "json_decode", core.json_decode } }
if core.json_decode_cjson then decoders[2] = { "json_decode_cjson", core.json_decode_cjson } end

-- Checks one decoder; returns an error message, or nil and the value (nil when refused).
local function check_decoder(name, decode, input, is_json, ref_ok, r)
  local ok, v, err = pcall(decode, input)
  if not ok then return name .. " raised: " .. tostring(v) end
  if v == nil then
    if type(err) ~= "string" then return name .. " failed without a message" end
    if is_json == true then return name .. " refused JSON: " .. err end
    if ref_ok and name == "json_decode_cjson" then return name .. " refused what cjson reads: " .. err end
    return nil
  end
  if is_json ~= true and not ref_ok then
    local loose = lenient(input)
    if loose ~= true then
      return name .. " accepted what is not JSON (" .. (loose == "deep" and "too deep" or "grammar") ..
        ") and cjson refuses (" .. tostring(r) .. "): got " .. show(v)
    end
  end
  if forged(v) then return nil, v end
  local e = well_formed(v, "$") or (ref_ok and same_as_cjson(v, r, "$"))
  if e then return name .. ": " .. e end
  local dk = dkjson.decode(input, 1, null)
  if dk ~= nil then
    e = same_shape_as_dkjson(v, dk, "$")
    if e then return name .. ": " .. e end
  end
  local enc_ok, text = pcall(core.json_encode, v)
  if not enc_ok then
    if has_infinity(v) then return nil, v end
    return name .. ": json_encode failed on a decoded value: " .. tostring(text)
  end
  if not pcall(ref.decode, text) then return name .. ": json_encode wrote what cjson cannot read: " .. text end
  local v2, err2 = decode(text)
  if v2 == nil then return name .. ": decoding json_encode's text failed: " .. tostring(err2) .. " in " .. text end
  e = equal(v, v2, "$")
  if e then return name .. " after a round trip: " .. e end
  return nil, v
end

return function(input)
  local is_json = strict(input)
  local ref_ok, r = pcall(ref.decode, input)
  local values = {}
  for i, d in ipairs(decoders) do
    local e, v = check_decoder(d[1], d[2], input, is_json, ref_ok, r)
    if e then return e end
    values[i] = v
  end
  if #decoders == 2 and is_json == true then
    local a, b = values[1], values[2]
    if a ~= nil and b ~= nil and not forged(a) and not forged(b) then
      local e = equal(b, a, "$")
      if e then return "json_decode and json_decode_cjson differ: " .. e end
    end
  end
end
