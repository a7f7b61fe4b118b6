-- luarocks make installs the module (C core, Lua modules, the jumpcloud-mock command), and it works
-- from any directory.
describe("luarocks make #install", function()
  it("installs a module that loads from another directory, with the mock server command", function()
    local tree = os.tmpname()
    os.remove(tree)
    local function run(cmd)
      local p = io.popen(cmd .. " 2>&1")
      local out = p:read("a")
      local ok = p:close()
      return ok, out
    end
    local ok, out = run("luarocks make --lua-version=5.4 --deps-mode=none --tree " .. tree .. " jumpcloud-0.1.0-1.rockspec")
    assert.is_true(ok, out)
    local env = string.format("cd / && LUA_PATH='%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua;;' "
      .. "LUA_CPATH='%s/lib/lua/5.4/?.so;;' ", tree, tree, tree)
    ok, out = run(env .. "lua5.4 -e 'local j = require(\"jumpcloud\"); "
      .. "print(j._VERSION, package.searchpath(\"jumpcloud.core\", package.cpath))'")
    assert.is_true(ok, out)
    assert.matches("^0%.1%.0\t" .. tree:gsub("%p", "%%%0") .. "/lib/lua/5%.4/jumpcloud/core%.so\n$", out)
    local _, first_line = run(env .. "timeout 5 " .. tree .. "/bin/jumpcloud-mock --port 0 | head -1")
    assert.matches("^JUMPCLOUD_MOCK_URL=http://127%.0%.0%.1:%d+/api/v2\n", first_line)
    run("rm -rf " .. tree)
  end)
end)

describe("the rockspec", function()
  it("lists every C source and every Lua module of the tree", function()
    local f = assert(io.open("jumpcloud-0.1.0-1.rockspec"))
    local rockspec = f:read("a")
    f:close()
    local missing = {}
    for path in io.popen("find lua csrc -name '*.lua' -o -name '*.c'"):lines() do
      if not rockspec:find('"' .. path .. '"', 1, true) then missing[#missing + 1] = path end
    end
    assert.are.same({}, missing)
  end)
end)
