local F = require("jumpcloud.filter")

-- The reason given whenever a field or value holds a comma.
local COMMA = "; filters are comma-joined in the query, so it cannot carry a comma)"

describe("jumpcloud.filter", function()
  describe("builders", function()
    for _, op in ipairs({ "eq", "ne", "gt", "ge", "lt", "le", "search" }) do
      it(op .. " builds field:" .. op .. ":value", function()
        local f = F[op]("name", "Test Group")
        assert.are.equal("name:" .. op .. ":Test Group", tostring(f))
        assert.are.equal("name", f.field)
        assert.are.equal(op, f.op)
        assert.are.equal("Test Group", f.value)
        assert.is_true(F.is_filter(f))
      end)
    end

    it("between joins its two bounds with '|'", function()
      local f = F.between("date", "2024-01-01", "2024-12-31")
      assert.are.equal("date:between:2024-01-01|2024-12-31", tostring(f))
      assert.are.equal("exitStatus:between:1|5", tostring(F.between("exitStatus", 1, 5)))
    end)

    it("in joins its values with '|'", function()
      assert.are.equal("type:in:linux|darwin|windows", tostring(F["in"]("type", { "linux", "darwin", "windows" })))
      assert.are.equal("n:in:1|2.5|true", tostring(F["in"]("n", { 1, 2.5, true })))
      assert.are.equal("id:in:only", tostring(F["in"]("id", { "only" })))
    end)

    it("offers in_ as an alias of in", function()
      assert.are.equal(F["in"], F.in_)
      assert.are.equal("a:in:x|y", tostring(F.in_("a", { "x", "y" })))
    end)

    it("lists the operators of the v2 syntax", function()
      assert.are.same({ "eq", "ne", "gt", "ge", "lt", "le", "between", "search", "in" }, F.operators)
    end)

    it("keeps strings as they are: spaces, colons, '+', '&', wild cards, empty", function()
      assert.are.equal("name:eq:a b:c+d&e*", tostring(F.eq("name", "a b:c+d&e*")))
      assert.are.equal("name:eq:", tostring(F.eq("name", "")))
    end)

    it("tells filter objects from anything else", function()
      assert.is_false(F.is_filter("name:eq:x"))
      assert.is_false(F.is_filter({ text = "name:eq:x" }))
      assert.is_false(F.is_filter(nil))
    end)
  end)

  describe("value formatting", function()
    it("writes booleans as true and false", function()
      assert.are.equal("disabled:eq:true", tostring(F.eq("disabled", true)))
      assert.are.equal("disabled:ne:false", tostring(F.ne("disabled", false)))
    end)

    it("writes integers with %d", function()
      assert.are.equal("n:gt:0", tostring(F.gt("n", 0)))
      assert.are.equal("n:lt:-42", tostring(F.lt("n", -42)))
      assert.are.equal("n:le:9223372036854775807", tostring(F.le("n", math.maxinteger)))
    end)

    it("writes floats in the fewest digits that read back the same", function()
      assert.are.equal("v:ge:2.5", tostring(F.ge("v", 2.5)))
      assert.are.equal("v:eq:0.1", tostring(F.eq("v", 0.1)))
      assert.are.equal("v:eq:0.30000000000000004", tostring(F.eq("v", 0.1 + 0.2)))
      assert.are.equal("v:eq:0.3333333333333333", tostring(F.eq("v", 1 / 3)))
      assert.are.equal("v:eq:1e+300", tostring(F.eq("v", 1e300)))
      assert.are.equal("v:eq:1e-07", tostring(F.eq("v", 1e-7)))
    end)

    it("writes integral floats as integers", function()
      assert.are.equal("v:eq:3", tostring(F.eq("v", 3.0)))
      assert.are.equal("v:eq:0", tostring(F.eq("v", -0.0)))
      assert.are.equal("v:eq:9007199254740992", tostring(F.eq("v", 2.0 ^ 53)))
    end)

    it("round-trips every float it writes", function()
      local floats = { 0.1, 1 / 3, 2 / 3, math.pi, -math.pi, 1e-300, 5e-324, 1.7976931348623157e308, 123456.789 }
      for _, v in ipairs(floats) do
        local text = F.eq("v", v).value
        assert.are.equal(v, tonumber(text), text)
        assert.is_true(#text <= #string.format("%.17g", v), text)
      end
    end)

    it("refuses NaN and infinities", function()
      assert.has_error(function() F.eq("v", 0 / 0) end,
        "bad argument #2 to 'eq' (finite number expected, got " .. tostring(0 / 0) .. ")")
      assert.has_error(function() F.gt("v", math.huge) end, "bad argument #2 to 'gt' (finite number expected, got inf)")
      assert.has_error(function() F.lt("v", -math.huge) end,
        "bad argument #2 to 'lt' (finite number expected, got -inf)")
    end)
  end)

  describe("argument checks", function()
    it("wants a string field", function()
      assert.has_error(function() F.eq(nil, 1) end, "bad argument #1 to 'eq' (string expected, got nil)")
      assert.has_error(function() F.search(5, "x") end, "bad argument #1 to 'search' (string expected, got number)")
      assert.has_error(function() F.between({}, 1, 2) end, "bad argument #1 to 'between' (string expected, got table)")
      assert.has_error(function() F["in"](true, { 1 }) end, "bad argument #1 to 'in' (string expected, got boolean)")
    end)

    it("refuses an empty field", function()
      assert.has_error(function() F.ne("", 1) end, "bad argument #1 to 'ne' (field is empty)")
    end)

    it("refuses a field with ':' or ','", function()
      assert.has_error(function() F.eq("a:b", 1) end,
        "bad argument #1 to 'eq' (field contains ':', which separates field, operator and value)")
      assert.has_error(function() F.eq("a,b", 1) end,
        "bad argument #1 to 'eq' (field contains ','" .. COMMA)
    end)

    it("refuses a value with ',' and says why", function()
      assert.has_error(function() F.eq("name", "Smith, John") end,
        "bad argument #2 to 'eq' (value contains ','" .. COMMA)
      assert.has_error(function() F.search("name", ",") end,
        "bad argument #2 to 'search' (value contains ','" .. COMMA)
    end)

    it("wants a string, number or boolean value", function()
      assert.has_error(function() F.eq("name", nil) end,
        "bad argument #2 to 'eq' (string, number or boolean expected, got nil)")
      assert.has_error(function() F.ge("name", {}) end,
        "bad argument #2 to 'ge' (string, number or boolean expected, got table)")
      assert.has_error(function() F.le("name", print) end,
        "bad argument #2 to 'le' (string, number or boolean expected, got function)")
    end)

    it("checks both bounds of between", function()
      assert.has_error(function() F.between("d", nil, 2) end,
        "bad argument #2 to 'between' (string, number or boolean expected, got nil)")
      assert.has_error(function() F.between("d", 1) end,
        "bad argument #3 to 'between' (string, number or boolean expected, got nil)")
      assert.has_error(function() F.between("d", "a|b", "c") end,
        "bad argument #2 to 'between' (value contains '|', which separates the 'between' bounds)")
      assert.has_error(function() F.between("d", "a", "b,c") end,
        "bad argument #3 to 'between' (value contains ','" .. COMMA)
    end)

    it("checks the values of in", function()
      assert.has_error(function() F["in"]("t", "a|b") end, "bad argument #2 to 'in' (table expected, got string)")
      assert.has_error(function() F["in"]("t", {}) end, "bad argument #2 to 'in' (list of values is empty)")
      assert.has_error(function() F["in"]("t", { "a", "b|c" }) end,
        "bad argument #2 to 'in' (item 2 contains '|', which separates 'in' values)")
      assert.has_error(function() F["in"]("t", { "a,b" }) end,
        "bad argument #2 to 'in' (item 1 contains ','" .. COMMA)
      assert.has_error(function() F["in"]("t", { "a", {} }) end,
        "bad argument #2 to 'in' (item 2: string, number or boolean expected, got table)")
      assert.has_error(function() F.in_("t", { 0 / 0 }) end,
        "bad argument #2 to 'in' (item 1: finite number expected, got " .. tostring(0 / 0) .. ")")
    end)

    it("blames the line that called the builder", function()
      local line
      local ok, err = pcall(function()
        line = debug.getinfo(1, "l").currentline; F.eq(nil, 1)
      end)
      assert.is_false(ok)
      assert.are.equal(tostring(line), err:match("filter_spec%.lua:(%d+): bad argument #1 to 'eq'"))
      ok, err = pcall(function()
        line = debug.getinfo(1, "l").currentline; F.op("gte", "x", 1)
      end)
      assert.is_false(ok)
      assert.are.equal(tostring(line), err:match("filter_spec%.lua:(%d+): bad argument #1 to 'op'"))
    end)
  end)

  describe("op", function()
    it("builds any of the nine operators", function()
      assert.are.equal("n:ge:1", tostring(F.op("ge", "n", 1)))
      assert.are.equal("d:between:1|2", tostring(F.op("between", "d", 1, 2)))
      assert.are.equal("t:in:a|b", tostring(F.op("in", "t", { "a", "b" })))
      for _, op in ipairs(F.operators) do
        local a, b = "x", "y"
        if op == "in" then a = { "x" } end
        assert.are.equal(op, F.op(op, "f", a, b).op)
      end
    end)

    local hints = {
      gte = "ge", lte = "le", ["$eq"] = "eq", ["$gte"] = "ge", ["$lte"] = "le", ["$in"] = "in",
      neq = "ne", ["!="] = "ne", ["=="] = "eq", ["="] = "eq",
      [">="] = "ge", ["<="] = "le", [">"] = "gt", ["<"] = "lt",
      EQ = "eq", Between = "between", GTE = "ge", like = "search",
    }
    for wrong, right in pairs(hints) do
      it("hints '" .. right .. "' for '" .. wrong .. "'", function()
        assert.has_error(function() F.op(wrong, "n", 1) end,
          "bad argument #1 to 'op' (unknown operator '" .. wrong .. "', did you mean '" .. right .. "'?)")
      end)
    end

    it("lists the operators when it has no hint", function()
      assert.has_error(function() F.op("startswith", "n", "a") end,
        "bad argument #1 to 'op' (unknown operator 'startswith', expected one of: eq ne gt ge lt le between search in)")
    end)

    it("wants a string operator", function()
      assert.has_error(function() F.op(nil, "n", 1) end, "bad argument #1 to 'op' (string expected, got nil)")
    end)

    it("numbers the field and values after the operator", function()
      assert.has_error(function() F.op("eq", nil, 1) end, "bad argument #2 to 'op' (string expected, got nil)")
      assert.has_error(function() F.op("eq", "n", "a,b") end,
        "bad argument #3 to 'op' (value contains ','" .. COMMA)
      assert.has_error(function() F.op("between", "n", 1) end,
        "bad argument #4 to 'op' (string, number or boolean expected, got nil)")
    end)
  end)

  describe("raw", function()
    it("passes a string through unchanged, as a filter object", function()
      local f = F.raw("name:eq:a,b")
      assert.are.equal("name:eq:a,b", tostring(f))
      assert.is_true(F.is_filter(f))
      assert.is_nil(f.op)
    end)

    it("wants a non-empty string", function()
      assert.has_error(function() F.raw(nil) end, "bad argument #1 to 'raw' (string expected, got nil)")
      assert.has_error(function() F.raw("") end, "bad argument #1 to 'raw' (filter string is empty)")
    end)
  end)

  describe("encode", function()
    it("turns one filter or one string into the parameter value", function()
      assert.are.equal("name:eq:x", F.encode(F.eq("name", "x")))
      assert.are.equal("name:eq:x", F.encode("name:eq:x"))
    end)

    it("joins a list of filters and strings with ','", function()
      local v = F.encode({ F.eq("name", "x"), "type:ne:y", F.raw("a:gt:1"), F["in"]("t", { 1, 2 }) })
      assert.are.equal("name:eq:x,type:ne:y,a:gt:1,t:in:1|2", v)
    end)

    it("gives nil for an empty list", function()
      assert.is_nil(F.encode({}))
    end)

    it("refuses what is not a filter, a string or a list of them", function()
      assert.has_error(function() F.encode(5) end,
        "bad argument #1 to 'encode' (filter, string or list of them expected, got number)")
      assert.has_error(function() F.encode({ F.eq("a", 1), 5 }) end,
        "bad argument #1 to 'encode' (item 2: filter or string expected, got number)")
      assert.has_error(function() F.encode({ "" }) end, "bad argument #1 to 'encode' (item 1 is an empty string)")
      assert.has_error(function() F.encode({ name = "x" }) end,
        "bad argument #1 to 'encode' (list expected, got a table with key name)")
    end)

    it("names the option it was given", function()
      assert.has_error(function() F.encode(true, "filter") end,
        "bad argument 'filter' (filter, string or list of them expected, got boolean)")
    end)

    it("blames the first line outside the library, however deep the check", function()
      local line
      local function helper(v)
        line = debug.getinfo(1, "l").currentline; local s = F.encode(v, "filter") return s
      end
      local ok, err = pcall(function() helper(7) end)
      assert.is_false(ok)
      assert.are.equal(tostring(line), err:match("filter_spec%.lua:(%d+): bad argument 'filter'"))
    end)
  end)

  describe("items", function()
    it("gives one string per filter", function()
      assert.are.same({ "a:eq:1", "b:ne:2" }, F.items({ F.eq("a", 1), "b:ne:2" }))
      assert.are.same({ "a:eq:1" }, F.items(F.eq("a", 1)))
      assert.are.same({}, F.items({}))
    end)

    it("refuses what encode refuses", function()
      assert.has_error(function() F.items({ {} }, "filter") end,
        "bad argument 'filter' (item 1: filter or string expected, got table)")
    end)
  end)

  describe("all", function()
    it("joins its arguments with ','", function()
      assert.are.equal("disabled:eq:false,name:search:mac",
        F.all(F.eq("disabled", false), F.search("name", "mac")))
      assert.are.equal("a:eq:1,b:eq:2", F.all("a:eq:1", F.eq("b", 2)))
      assert.are.equal("a:eq:1", F.all(F.eq("a", 1)))
    end)

    it("checks every argument", function()
      assert.has_error(function() F.all(F.eq("a", 1), 3) end,
        "bad argument #2 to 'all' (filter or string expected, got number)")
      assert.has_error(function() F.all(F.eq("a", 1), nil, "b:eq:2") end,
        "bad argument #2 to 'all' (filter or string expected, got nil)")
      assert.has_error(function() F.all("") end,
        "bad argument #1 to 'all' (filter or string expected, got an empty string)")
      assert.has_error(function() F.all() end, "bad argument #1 to 'all' (filter or string expected, got no value)")
    end)
  end)

  describe("list_param", function()
    it("passes a string through", function()
      assert.are.equal("name,-id", F.list_param("name,-id"))
    end)

    it("joins a list of names with ','", function()
      assert.are.equal("name,-id", F.list_param({ "name", "-id" }, "sort"))
      assert.are.equal("_id", F.list_param({ "_id" }, "sort"))
    end)

    it("gives nil for an empty list", function()
      assert.is_nil(F.list_param({}, "fields"))
    end)

    it("refuses bad lists, naming the option", function()
      assert.has_error(function() F.list_param(5, "sort") end,
        "bad argument 'sort' (string or list of strings expected, got number)")
      assert.has_error(function() F.list_param({ "name", 3 }, "fields") end,
        "bad argument 'fields' (item 2: string expected, got number)")
      assert.has_error(function() F.list_param({ "a,b" }, "sort") end,
        "bad argument 'sort' (item 1 contains ',', which separates the items)")
      assert.has_error(function() F.list_param({ "" }, "sort") end, "bad argument 'sort' (item 1 is an empty string)")
      assert.has_error(function() F.list_param({ x = 1 }, "sort") end,
        "bad argument 'sort' (list expected, got a table with key x)")
    end)

    it("names itself when no option is given", function()
      assert.has_error(function() F.list_param(nil) end,
        "bad argument #1 to 'list_param' (string or list of strings expected, got nil)")
    end)

    it("blames its caller by default", function()
      local line
      local ok, err = pcall(function()
        line = debug.getinfo(1, "l").currentline; F.list_param(1, "sort")
      end)
      assert.is_false(ok)
      assert.are.equal(tostring(line), err:match("filter_spec%.lua:(%d+): bad argument 'sort'"))
    end)
  end)
end)
