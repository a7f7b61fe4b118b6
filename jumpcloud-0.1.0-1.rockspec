rockspec_format = "3.0"
package = "jumpcloud"
version = "0.1.0-1"
source = { url = "git+file:///work/main" }
description = {
  summary = "Lua 5.4 binding for the JumpCloud API v2 (C core over libcurl)",
  detailed = "A client for the JumpCloud API v2: a C core doing HTTP with libcurl and JSON with lua-cjson, "
    .. "thin Lua modules per resource, paging iterators, filter builders and a mock server for tests.",
  license = "MIT",
}
dependencies = { "lua >= 5.4, < 5.5", "lua-cjson >= 2.1.0" }
-- header omitted: Debian keeps curl/curl.h under a multiarch include directory gcc finds by itself
external_dependencies = { CURL = { library = "curl" } }
-- CMakeLists.txt builds the C core and installs it with the Lua modules, precompiled to bytecode by
-- the interpreter the rock is for (tools/precompile.lua)
build = {
  type = "cmake",
  variables = { LUA = "$(LUA)", LUA_INCDIR = "$(LUA_INCDIR)", LUADIR = "$(LUADIR)", LIBDIR = "$(LIBDIR)" },
  install = { bin = { ["jumpcloud-mock"] = "bin/jumpcloud-mock" } },
}
test = { type = "busted" }
