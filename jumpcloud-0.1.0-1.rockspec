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
external_dependencies = { CURL = { header = "curl/curl.h", library = "curl" } }
build = {
  type = "builtin",
  modules = {
    ["jumpcloud.core"] = {
      sources = { "csrc/module.c", "csrc/client.c", "csrc/json.c", "csrc/encode.c", "csrc/headers.c" },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
    ["jumpcloud"] = "lua/jumpcloud/init.lua",
    ["jumpcloud.client"] = "lua/jumpcloud/client.lua",
    ["jumpcloud.errors"] = "lua/jumpcloud/errors.lua",
    ["jumpcloud.filter"] = "lua/jumpcloud/filter.lua",
    ["jumpcloud.operations"] = "lua/jumpcloud/operations.lua",
  },
  install = { bin = { ["jumpcloud-mock"] = "bin/jumpcloud-mock" } },
}
test = { type = "busted" }
