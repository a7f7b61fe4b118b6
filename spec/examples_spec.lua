-- Every example in examples/ runs to the end against the mock server (JC_API_KEY unset).
describe("examples", function()
  local names = {}
  for name in io.popen("ls examples"):lines() do
    if name:match("%.lua$") and name ~= "common.lua" then names[#names + 1] = name end
  end

  it("are there", function()
    assert.is_true(#names >= 7)
  end)

  for _, name in ipairs(names) do
    it(name .. " runs against the mock server", function()
      local cmd = "env -u JC_API_KEY LUA_PATH='./lua/?.lua;./lua/?/init.lua;./examples/?.lua;;' "
        .. "LUA_CPATH='./build/?.so;;' lua5.4 examples/" .. name .. " 2>&1"
      local p = io.popen(cmd)
      local out = p:read("a")
      local ok, how, code = p:close()
      assert.is_true(ok, string.format("%s exited with %s %s:\n%s", name, how, tostring(code), out))
      assert.is_true(#out > 0)
      assert.is_nil(out:find("traceback", 1, true), out)
    end)
  end
end)
