-- The binding's JSON decoder against lua-cjson, the reference: the same values for the same
-- documents, plus the rules cjson 2.1.0 lacks (integers, empty arrays, array marks).
local jumpcloud = require "jumpcloud"
local core = require "jumpcloud.core"
local cjson = require "cjson"
local support = require "spec.support"

-- Compares a value decoded by the binding with cjson's: numbers as numbers (cjson has only
-- floats), arrays marked, everything else equal.
local function same(ours, ref, path)
  path = path or "$"
  if type(ref) == "table" then
    assert(type(ours) == "table", path .. ": table expected")
    local n = 0
    for k, v in pairs(ref) do
      n = n + 1
      same(ours[k], v, path .. "." .. tostring(k))
    end
    for _ in pairs(ours) do n = n - 1 end
    assert(n == 0, path .. ": different keys")
    if #ref > 0 then assert(jumpcloud.is_array(ours), path .. ": array mark expected") end
  elseif type(ref) == "number" then
    assert(type(ours) == "number" and ours == ref, path .. ": " .. tostring(ours) .. " ~= " .. tostring(ref))
    if ref == math.floor(ref) and math.abs(ref) < 2 ^ 53 then
      assert(math.type(ours) == "integer", path .. ": integer expected")
    end
  else
    assert(ours == ref, path .. ": " .. tostring(ours) .. " ~= " .. tostring(ref))
  end
end

describe("JSON decoding", function()
  local srv, client

  setup(function()
    srv = support.start_server()
    client = support.client(srv)
  end)

  teardown(function()
    client:close()
    srv:stop()
  end)

  it("gives cjson's values for every page of the mock's lists", function()
    local raw = jumpcloud.new({ api_key = support.API_KEY, base_url = srv.url })
    local checked = 0
    for _, path in ipairs({ "/policies?limit=100", "/policytemplates?limit=100", "/policyresults?limit=100",
      "/organizations/cases?limit=100", "/passwordmanager/devices?limit=100", "/policygroups?limit=100" }) do
      local resp = assert(raw:request("GET", path, { raw = true }))
      local text = resp.body
      assert.is_string(text)
      same(core.json_decode(text), cjson.decode(text))
      -- and as a response: decoded by the core straight from libcurl's buffer
      same(assert(raw:request("GET", path)).body, cjson.decode(text))
      checked = checked + #text
    end
    raw:close()
    assert.is_true(checked > 100000)
  end)

  it("gives cjson's values for hand-made documents", function()
    for _, text in ipairs({
      '{}', '[]', '0', '-0', '1.5', '-12.25e-3', '1E+2', '"x"', 'true', 'false', 'null',
      '{"a":[1,[2,[3,{}]]],"b":"\\u00e9\\ud83d\\ude80\\n\\t\\"\\\\\\/","c":null}',
      '  [ 1 , 2 ,\n\t3 ]  ', '{"dup":1,"dup":2}', '"' .. string.rep("long ", 5000) .. '"',
      '[9007199254740991,-9007199254740991,123456789,0.1,1e-300,1e300]',
    }) do
      local ours = core.json_decode(text)
      local ref = cjson.decode(text)
      if type(ref) == "table" or type(ref) == "number" then same(ours, ref) else assert.are.equal(ref, ours) end
    end
  end)

  it("keeps keys right through the key cache: thousands of keys, evictions, collections between", function()
    -- more distinct keys than the cache has slots, many of the same length and ends (they
    -- collide), repeated in later documents after a full collection, and arrays longer than the
    -- elements the decoder gathers before it makes the table
    local parts, arr = {}, {}
    for i = 1, 3000 do parts[#parts + 1] = string.format('"k%05dz":%d', i, i) end
    for i = 1, 100 do arr[#arr + 1] = string.format('{"id":%d,"k%05dz":"v"}', i, i) end
    local text = "{" .. table.concat(parts, ",") .. ',"list":[' .. table.concat(arr, ",") .. "]}"
    for _ = 1, 3 do
      same(core.json_decode(text), cjson.decode(text))
      collectgarbage()
    end
    for n = 0, 70 do -- every array length around the gathering size
      local items = {}
      for i = 1, n do items[i] = tostring(i) end
      local array = "[" .. table.concat(items, ",") .. "]"
      same(core.json_decode(array), cjson.decode(array))
    end
  end)

  it("keeps what cjson loses: 64-bit integers, empty arrays, integral floats as integers", function()
    local v = core.json_decode('{"big":9223372036854775807,"neg":-9223372036854775808,"e":[],"one":1.0,"k":2e3}')
    assert.are.equal(math.maxinteger, v.big)
    assert.are.equal(math.mininteger, v.neg)
    assert.is_true(jumpcloud.is_array(v.e))
    assert.are.equal("[]", core.json_encode(v.e))
    assert.are.equal("integer", math.type(v.one))
    assert.are.equal(2000, v.k)
    assert.are.equal("float", math.type(core.json_decode("18446744073709551616")))
  end)

  it("refuses what cjson refuses, with the position, and is stricter on numbers", function()
    for _, text in ipairs({ "", " ", "{", "[1,]", "[1 2]", '{"a" 1}', '{"a":}', "-", "1e", ".5",
      "[nul]", '"\\x"', '"\\u12"', '"\\ud800"', '"\\udc00"', '"abc', "[1]x", "{1:2}" }) do
      local v, err = core.json_decode(text)
      assert.is_nil(v, text)
      assert.matches("^invalid JSON at character %d+: ", err)
      assert.is_false((pcall(cjson.decode, text)), "cjson accepts " .. text)
    end
    -- strict JSON (RFC 8259) where cjson's default is lenient
    for _, text in ipairs({ "01", "-01", "1.", "+1", "0x10", "NaN", "Infinity" }) do
      assert.is_nil((core.json_decode(text)), text)
    end
  end)

  it("refuses a long escaped string that goes wrong, whatever room the Lua stack has left", function()
    -- A string with escapes is built in a luaL_Buffer, which past 1 KB becomes a to-be-closed box
    -- on the stack. Left there when the string turned out bad, it was closed by the lua_settop
    -- that clears the stack after the error; Lua 5.4.4's lua_settop keeps a pointer into the
    -- stack across that close, and when the close had to grow the stack, the decoder wrote into
    -- freed memory. The stack's room varies with the caller's frames and with the values gathered
    -- before the string. In a plain run the results still read right; bin/valgrind runs this spec
    -- under memcheck, where the writes show (24 invalid accesses without the fix).
    local bad_string = '"' .. string.rep("\\n", 1100) .. '\\q"'
    local function at_depth(frames, text)
      if frames > 0 then
        local mark = frames
        local v, err = at_depth(frames - 1, text)
        assert(mark == frames, "a caller's local changed")
        return v, err
      end
      return core.json_decode(text)
    end
    for gathered = 20, 31 do
      local text = "[" .. string.rep("1,", gathered) .. bad_string
      for frames = 0, 60 do -- each in a new coroutine: a small stack, the same layout every run
        local v, err = coroutine.wrap(at_depth)(frames, text)
        assert.is_nil(v)
        assert.are.equal("invalid JSON at character " .. (#text - 2) .. ": invalid escape in string", err)
      end
    end
  end)

  it("refuses nesting deeper than 128 levels, and takes 128", function()
    assert.is_table(core.json_decode(string.rep("[", 128) .. string.rep("]", 128)))
    local v, err = core.json_decode(string.rep("[", 129) .. string.rep("]", 129))
    assert.is_nil(v)
    assert.matches("too deeply nested", err)
    assert.is_nil(core.json_decode(string.rep('{"a":', 200) .. "1" .. string.rep("}", 200)))
  end)
end)
