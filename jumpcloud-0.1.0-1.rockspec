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
build = {
  type = "builtin",
  modules = {
    -- jumpcloud.core loads jumpcloud.core_impl (the C core) with lazy binding: see csrc/loader.c
    ["jumpcloud.core"] = { sources = { "csrc/loader.c" } },
    ["jumpcloud.core_impl"] = {
      sources = { "csrc/module.c", "csrc/client.c", "csrc/transfer.c", "csrc/multi.c", "csrc/json.c", "csrc/jsondec.c",
        "csrc/encode.c", "csrc/headers.c" },
      libraries = { "curl" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
    ["jumpcloud"] = "lua/jumpcloud/init.lua",
    ["jumpcloud.attempt"] = "lua/jumpcloud/attempt.lua",
    ["jumpcloud.batch"] = "lua/jumpcloud/batch.lua",
    ["jumpcloud.client"] = "lua/jumpcloud/client.lua",
    ["jumpcloud.errors"] = "lua/jumpcloud/errors.lua",
    ["jumpcloud.executor"] = "lua/jumpcloud/executor.lua",
    ["jumpcloud.filter"] = "lua/jumpcloud/filter.lua",
    ["jumpcloud.flight"] = "lua/jumpcloud/flight.lua",
    ["jumpcloud.mock"] = "lua/jumpcloud/mock/init.lua",
    ["jumpcloud.mock.binary"] = "lua/jumpcloud/mock/binary.lua",
    ["jumpcloud.mock.cli"] = "lua/jumpcloud/mock/cli.lua",
    ["jumpcloud.mock.faults"] = "lua/jumpcloud/mock/faults.lua",
    ["jumpcloud.mock.json"] = "lua/jumpcloud/mock/json.lua",
    ["jumpcloud.mock.routes"] = "lua/jumpcloud/mock/routes.lua",
    ["jumpcloud.mock.seed"] = "lua/jumpcloud/mock/seed.lua",
    ["jumpcloud.mock.server"] = "lua/jumpcloud/mock/server.lua",
    ["jumpcloud.mock.store"] = "lua/jumpcloud/mock/store.lua",
    ["jumpcloud.mock.util"] = "lua/jumpcloud/mock/util.lua",
    ["jumpcloud.operations"] = "lua/jumpcloud/operations.lua",
    ["jumpcloud.paging"] = "lua/jumpcloud/paging.lua",
    ["jumpcloud.resource"] = "lua/jumpcloud/resource.lua",
    ["jumpcloud.resources.autotask"] = "lua/jumpcloud/resources/autotask.lua",
    ["jumpcloud.resources.cases"] = "lua/jumpcloud/resources/cases.lua",
    ["jumpcloud.resources.connectwise"] = "lua/jumpcloud/resources/connectwise.lua",
    ["jumpcloud.resources.iplists"] = "lua/jumpcloud/resources/iplists.lua",
    ["jumpcloud.resources.ldapservers"] = "lua/jumpcloud/resources/ldapservers.lua",
    ["jumpcloud.resources.logos"] = "lua/jumpcloud/resources/logos.lua",
    ["jumpcloud.resources.microsoft_mdm"] = "lua/jumpcloud/resources/microsoft_mdm.lua",
    ["jumpcloud.resources.office365s"] = "lua/jumpcloud/resources/office365s.lua",
    ["jumpcloud.resources.organizations"] = "lua/jumpcloud/resources/organizations.lua",
    ["jumpcloud.resources.passwordmanager"] = "lua/jumpcloud/resources/passwordmanager.lua",
    ["jumpcloud.resources.policies"] = "lua/jumpcloud/resources/policies.lua",
    ["jumpcloud.resources.policygroups"] = "lua/jumpcloud/resources/policygroups.lua",
    ["jumpcloud.resources.policyresults"] = "lua/jumpcloud/resources/policyresults.lua",
    ["jumpcloud.resources.policytemplates"] = "lua/jumpcloud/resources/policytemplates.lua",
    ["jumpcloud.retry"] = "lua/jumpcloud/retry.lua",
    ["jumpcloud.transport"] = "lua/jumpcloud/transport.lua",
    ["jumpcloud.url"] = "lua/jumpcloud/url.lua",
  },
  install = { bin = { ["jumpcloud-mock"] = "bin/jumpcloud-mock" } },
}
test = { type = "busted" }
