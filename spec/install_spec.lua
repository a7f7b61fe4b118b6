-- luarocks make installs the module (C core, Lua modules, the jumpcloud-mock command), and it works
-- from any directory; the Lua modules go in precompiled, with their debug information.
local function run(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- the files below a directory, as paths relative to it ("jumpcloud/client.lua"), sorted
local function files_below(dir)
  local list = {}
  for path in io.popen("cd '" .. dir .. "' && find . -type f | sort"):lines() do list[#list + 1] = path:sub(3) end
  return list
end

describe("luarocks make #install", function()
  local tree, env
  setup(function()
    tree = os.tmpname()
    os.remove(tree)
    local ok, out = run("luarocks make --lua-version=5.4 --deps-mode=none --tree " .. tree .. " jumpcloud-0.1.0-1.rockspec")
    assert.is_true(ok, out)
    env = string.format("cd / && LUA_PATH='%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua;;' "
      .. "LUA_CPATH='%s/lib/lua/5.4/?.so;;' ", tree, tree, tree)
  end)
  teardown(function()
    if tree then run("rm -rf " .. tree) end
  end)

  it("installs a module that loads from another directory, with the mock server command", function()
    local ok, out = run(env .. "lua5.4 -e 'local j = require(\"jumpcloud\"); "
      .. "print(j._VERSION, package.searchpath(\"jumpcloud.core\", package.cpath))'")
    assert.is_true(ok, out)
    assert.matches("^0%.1%.0\t" .. tree:gsub("%p", "%%%0") .. "/lib/lua/5%.4/jumpcloud/core%.so\n$", out)
    local _, first_line = run(env .. "timeout 5 " .. tree .. "/bin/jumpcloud-mock --port 0 | head -1")
    assert.matches("^JUMPCLOUD_MOCK_URL=http://127%.0%.0%.1:%d+/api/v2\n", first_line)
  end)

  it("installs every Lua module of the tree and nothing else: the client's as bytecode, the mock's as source", function()
    assert.are.same(files_below("lua"), files_below(tree .. "/share/lua/5.4"))
    local kinds = {}
    for _, module in ipairs(files_below("lua")) do
      local installed = read(tree .. "/share/lua/5.4/" .. module)
      local want = module:find("^jumpcloud/mock/") and "source" or "bytecode"
      local got = installed:sub(1, 4) == "\27Lua" and "bytecode" or installed == read("lua/" .. module) and "source"
        or "neither bytecode nor the source"
      if got ~= want then kinds[module] = got end
    end
    assert.are.same({}, kinds)
  end)

  it("keeps the debug information: file and line of client.new and request.build, and of an error", function()
    local ok, out = run(env .. "lua5.4 -e 'local c = require(\"jumpcloud.client\"); "
      .. "local r = require(\"jumpcloud.request\"); "
      .. "for _, f in ipairs{c.new, r.build} do local i = debug.getinfo(f, \"S\"); "
      .. "print(i.source, i.linedefined) end; "
      .. "print(select(2, pcall(r.build, nil, \"GET\", \"/x\")))'")
    assert.is_true(ok, out)
    local function line_of(file, pattern)
      local n = 0
      for line in io.lines("lua/jumpcloud/" .. file) do
        n = n + 1
        if line:find(pattern) then return n end
      end
    end
    local new_line, request_line = line_of("client.lua", "^function M%.new%("), line_of("request.lua", "^function M%.build%(")
    assert.is_number(new_line)
    assert.is_number(request_line)
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.are.equal("@jumpcloud/client.lua\t" .. new_line, lines[1])
    assert.are.equal("@jumpcloud/request.lua\t" .. request_line, lines[2])
    -- an error raised inside an installed module names it and its line
    assert.matches("^jumpcloud/request%.lua:%d+: attempt to index a nil value %(local 'cfg'%)", lines[3])
  end)
end)

describe("CMakeLists.txt", function()
  it("builds every C source of csrc/", function()
    local cmake = read("CMakeLists.txt")
    local missing = {}
    for path in io.popen("find csrc -name '*.c'"):lines() do
      if not cmake:find(path, 1, true) then missing[#missing + 1] = path end
    end
    assert.are.same({}, missing)
  end)
end)
