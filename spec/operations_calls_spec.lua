-- Every one of the 50 operations, called through `client:call` and through its idiomatic resource
-- method against the mock server, with the data checked; the headers of every request checked from
-- the mock's request log (x-org-id exactly where the operation lists it, Accept as the operation
-- says); and the checks `call` makes before anything is sent.
local jumpcloud = require "jumpcloud"
local model = require "jumpcloud.model"
local support = require "spec.support"

-- The 50 operations of the reference, by the reference's names.
local REF = {
  "iplists_patch", "iplists_put", "ldapservers_list", "ldapservers_get", "ldapservers_patch", "logos_get",
  "Enrollments_DownloadConfigFiles", "office365s_get", "office365s_patch", "Domains_List", "Domains_Insert",
  "Domains_Delete", "office365s_listImportUsers", "translationRules_office365List",
  "translationRules_office365Post", "translationRules_office365Delete", "translationRules_office365Get",
  "organizations_orgListCases", "DeviceService_ListDevices", "DeviceService_GetDevice", "policies_list",
  "policies_post", "policies_delete", "policies_get", "policies_put", "policyresults_list",
  "policystatuses_policiesList", "Policies_listAllPolicyResults", "policyresults_get", "PolicyGroups_listAll",
  "PolicyGroups_createNew", "PolicyGroups_deleteGroup", "PolicyGroups_getDetails",
  "PolicyGroups_updatePolicyGroup", "policytemplates_list", "policytemplates_get",
  "organizations_casesMetadata", "autotask_deleteConfiguration", "autotask_getConfiguration",
  "autotask_updateConfiguration", "autotask_retrieveCompanies", "autotask_retrieveCompanyTypes",
  "autotask_retrieveContracts", "autotask_retrieveContractsFields", "autotask_retrieveServices",
  "autotask_retrieveMappings", "autotask_patchMappings", "autotask_retrieveSettings", "autotask_patchSettings",
  "connectwise_deleteConfiguration",
}

local ORG = "5f0000000000000000000042"
local PNG_MAGIC = "\x89PNG\r\n\x1a\n"
local ZIP_MAGIC = "PK\x03\x04"

describe("every operation, through call and its method", function()
  local srv, client, control, ids, counts

  -- called[id] = {call = true, method = true}, filled as the tests run; checked by the last test.
  local called = {}
  -- checked[id] = true once a request of the operation, sent by the org client, had its headers checked.
  local checked = {}
  -- How many entries of the mock's request log have been looked at since the last reset.
  local seen = 0

  support.with_mock(function(e) srv, client, control, ids, counts = e.srv, e.client, e.control, e.ids, e.counts end, { org_id = ORG })

  -- Reseeds the mock and empties its request log.
  local function reset()
    assert(control:request("POST", "/__mock/reset"))
    seen = 0
  end

  before_each(reset)

  local function request_log()
    return assert(control:request("GET", "/__mock/requests")).body
  end

  -- The log entries since the last look.
  local function take_log()
    local log = request_log()
    local out = {}
    for i = seen + 1, #log do out[#out + 1] = log[i] end
    seen = #log
    return out
  end

  local function sync() take_log() end

  -- The operation a logged request ran: method and path matched against the templates, the one
  -- with the most literal segments winning (as a router would).
  local function op_of(entry)
    local rest = assert(entry.path:match("^/api/v2(/.*)$"), "not an API path: " .. entry.path)
    local segs = {}
    for s in rest:gmatch("[^/]+") do segs[#segs + 1] = s end
    local best, best_lits
    for _, name in ipairs(REF) do
      local op = model.find(name)
      if op.method == entry.method then
        local tsegs, lits, ok = {}, 0, true
        for s in op.path:gmatch("[^/]+") do tsegs[#tsegs + 1] = s end
        if #tsegs == #segs then
          for i, t in ipairs(tsegs) do
            if t:match("^{.+}$") then
              if segs[i] == "" then ok = false end
            elseif t == segs[i] then
              lits = lits + 1
            else
              ok = false
            end
          end
          if ok and (not best or lits > best_lits) then best, best_lits = name, lits end
        end
      end
    end
    return best
  end

  -- Every entry ran operation `id` and carried the headers the operation asks for.
  local function check_entries(entries, id, org)
    local op = model.find(id)
    for _, e in ipairs(entries) do
      assert.are.equal(id, op_of(e), e.method .. " " .. e.path)
      assert.are.equal(op.accept, e.headers["accept"], id .. ": Accept")
      if org and op.org_header then
        assert.are.equal(org, e.headers["x-org-id"], id .. ": x-org-id")
      else
        assert.is_nil(e.headers["x-org-id"], id .. ": x-org-id")
      end
      assert.are.equal(support.API_KEY, e.headers["x-api-key"])
    end
    if org == ORG then checked[id] = true end
  end

  local function mark(id, route)
    called[id] = called[id] or {}
    called[id][route] = true
  end

  -- client:call, checked against the log: exactly one request, of that operation, with its headers.
  local function call(id, params)
    sync()
    local data, resp = client:call(id, params)
    local entries = take_log()
    assert.are.equal(1, #entries)
    check_entries(entries, id, ORG)
    mark(id, "call")
    return data, resp
  end

  -- The idiomatic method: `method(id, object, "verb", args...)` or `method(id, function)`. At least one
  -- request, every one of them of operation `id`, with its headers.
  local function method(id, obj, verb, ...)
    sync()
    local r
    if type(obj) == "function" then
      r = table.pack(obj())
    else
      assert.is_function(obj[verb], id .. ": no method " .. tostring(verb))
      r = table.pack(obj[verb](obj, ...))
    end
    local entries = take_log()
    assert.is_true(#entries >= 1, id .. ": no request sent")
    check_entries(entries, id, ORG)
    mark(id, "method")
    return table.unpack(r, 1, r.n)
  end

  local function ids_of(items, field)
    local out = {}
    for i, x in ipairs(items) do out[i] = x[field or "id"] end
    return out
  end

  local function assert_404(data, err)
    assert.is_nil(data)
    assert.is_true(jumpcloud.is_error(err))
    assert.are.equal(404, err.status)
    assert.are.equal("not_found", err.code)
  end

  local function is_object_id(s)
    return type(s) == "string" and s:match("^%x+$") ~= nil and #s == 24
  end

  -- Iplists ---------------------------------------------------------------------------------------

  describe("Iplists", function()
    it("iplists_patch updates the named fields and keeps the others", function()
      local d = assert(call("iplists_patch", { id = ids.iplist, body = { description = "Patched by call" } }))
      assert.are.equal(ids.iplist, d.id)
      assert.are.equal("Engineering Office 01", d.name)
      assert.are.equal("Patched by call", d.description)
      assert.are.same({ "10.1.0.0/16", "192.168.1.10" }, d.ips)

      d = assert(method("iplists_patch", client.iplists, "update", ids.iplist, { name = "Renamed Office" }))
      assert.are.equal(ids.iplist, d.id)
      assert.are.equal("Renamed Office", d.name)
      assert.are.equal("Patched by call", d.description) -- the first patch stayed
      assert.are.same({ "10.1.0.0/16", "192.168.1.10" }, d.ips)
    end)

    it("iplists_put replaces the list as a whole", function()
      local d = assert(call("iplists_put", { id = ids.iplist, body = { name = "Replaced", ips = jumpcloud.array{ "10.9.9.9" } } }))
      assert.are.equal(ids.iplist, d.id)
      assert.are.equal("Replaced", d.name)
      assert.are.same({ "10.9.9.9" }, d.ips)
      assert.is_nil(d.description) -- left out of the PUT, so gone

      d = assert(method("iplists_put", client.iplists, "replace", ids.iplist,
        { name = "Replaced again", description = "Put by method", ips = jumpcloud.array{} }))
      assert.are.equal(ids.iplist, d.id)
      assert.are.equal("Replaced again", d.name)
      assert.are.equal("Put by method", d.description)
      assert.are.same({}, d.ips)
      assert.is_true(jumpcloud.is_array(d.ips))
    end)
  end)

  -- Ldapservers -----------------------------------------------------------------------------------

  describe("Ldapservers", function()
    it("ldapservers_list returns the 3 servers", function()
      local d, resp = assert(call("ldapservers_list", { limit = 10, sort = { "_id" } }))
      assert.are.equal(3, #d)
      assert.are.equal(ids.ldapserver, d[1].id)
      assert.are.same({ "JumpCloud LDAP 1", "JumpCloud LDAP 2", "JumpCloud LDAP 3" }, ids_of(d, "name"))
      assert.are.equal("3", resp.headers["x-total-count"])

      local items, info = method("ldapservers_list", client.ldapservers, "list")
      assert.are.same(ids_of(d), ids_of(assert(items)))
      assert.are.equal(3, info.total)
      assert.is_nil(info.next_skip)
      assert.are.same(ids_of(d), ids_of(assert(method("ldapservers_list", client.ldapservers, "all"))))
    end)

    it("ldapservers_get returns one server", function()
      local d = assert(call("ldapservers_get", { id = ids.ldapserver }))
      assert.are.same({ id = ids.ldapserver, name = "JumpCloud LDAP 1", userLockoutAction = "disable",
        userPasswordExpirationAction = "disable" }, d)
      assert.are.same(d, assert(method("ldapservers_get", client.ldapservers, "get", ids.ldapserver)))
    end)

    it("ldapservers_patch updates some attributes", function()
      local d = assert(call("ldapservers_patch", { id = ids.ldapserver, body = { userLockoutAction = "remove" } }))
      assert.are.equal(ids.ldapserver, d.id)
      assert.are.equal("remove", d.userLockoutAction)
      assert.are.equal("disable", d.userPasswordExpirationAction)

      d = assert(method("ldapservers_patch", client.ldapservers, "update", ids.ldapserver,
        { userPasswordExpirationAction = "remove" }))
      assert.are.equal("remove", d.userLockoutAction)
      assert.are.equal("remove", d.userPasswordExpirationAction)
      assert.are.same(d, assert(client.ldapservers:get(ids.ldapserver)))
    end)
  end)

  -- Logos -----------------------------------------------------------------------------------------

  describe("Logos", function()
    it("logos_get returns the PNG bytes, never decoded", function()
      local bytes, resp = call("logos_get", { id = ids.logo })
      assert.is_string(bytes)
      assert.are.equal(PNG_MAGIC, bytes:sub(1, 8))
      assert.truthy(bytes:find("\0", 1, true))
      assert.are.equal("IHDR", bytes:sub(13, 16))
      assert.are.equal("IEND\xae\x42\x60\x82", bytes:sub(-8))
      assert.are.equal("image/png", resp.headers["content-type"])
      assert.are.equal(200, resp.status)

      local bytes2, content_type = method("logos_get", client.logos, "get", ids.logo)
      assert.are.equal(bytes, bytes2)
      assert.are.equal("image/png", content_type)
    end)

    it("logos_get sends the image types as Accept and no x-org-id", function()
      sync()
      assert(client.logos:get(ids.logo))
      local e = take_log()
      assert.are.equal(1, #e)
      assert.are.equal("image/gif, image/jpeg, image/png", e[1].headers["accept"])
      assert.is_nil(e[1].headers["x-org-id"])
      assert.are.equal("/api/v2/logos/" .. ids.logo, e[1].path)
    end)
  end)

  -- Microsoft MDM ---------------------------------------------------------------------------------

  describe("Microsoftmdm", function()
    it("Enrollments_DownloadConfigFiles returns the zip bytes", function()
      local bytes, resp = call("Enrollments_DownloadConfigFiles", { body = { name = "by call" } })
      assert.is_string(bytes)
      assert.are.equal(ZIP_MAGIC, bytes:sub(1, 4))
      assert.truthy(bytes:find("\0", 1, true))
      assert.truthy(bytes:find("customizations.xml", 1, true))
      assert.truthy(bytes:find('{"name":"by call"}', 1, true)) -- request.json, stored uncompressed
      assert.are.equal("PK\x05\x06", bytes:sub(-22, -19)) -- end of central directory
      assert.are.equal("application/zip", resp.headers["content-type"])

      local bytes2, content_type = method("Enrollments_DownloadConfigFiles", client.microsoft_mdm,
        "download_config_files", { name = "by method" })
      assert.are.equal(ZIP_MAGIC, bytes2:sub(1, 4))
      assert.truthy(bytes2:find('{"name":"by method"}', 1, true))
      assert.are.equal(#bytes + 2, #bytes2) -- "by method" is two bytes longer than "by call", stored once
      assert.are.equal("application/zip", content_type)
    end)

    it("Enrollments_DownloadConfigFiles sends zip/octet-stream as Accept and no x-org-id", function()
      sync()
      assert(client.microsoft_mdm:download_config_files({}))
      local e = take_log()
      assert.are.equal(1, #e)
      assert.are.equal("POST", e[1].method)
      assert.are.equal("/api/v2/microsoft-mdm/configuration-files", e[1].path)
      assert.are.equal("application/zip, application/octet-stream", e[1].headers["accept"])
      assert.are.equal("application/json", e[1].headers["content-type"])
      assert.are.equal("{}", e[1].body)
      assert.is_nil(e[1].headers["x-org-id"])
    end)

    it("Enrollments_DownloadConfigFiles streams to a file", function()
      local path = os.tmpname()
      local file, content_type = client.microsoft_mdm:download_config_files({ name = "file" }, { to_file = path })
      assert.are.equal(path, file)
      assert.are.equal("application/zip", content_type)
      local f = assert(io.open(path, "rb"))
      local bytes = f:read("a")
      f:close()
      os.remove(path)
      assert.are.equal(ZIP_MAGIC, bytes:sub(1, 4))
      assert.truthy(bytes:find('{"name":"file"}', 1, true))
    end)
  end)

  -- Office 365 ------------------------------------------------------------------------------------

  describe("Office365", function()
    it("office365s_get returns one instance", function()
      local d = assert(call("office365s_get", { office365_id = ids.office365 }))
      assert.are.same({ id = ids.office365, name = "Contoso M365", groupsEnabled = true,
        userLockoutAction = "suspend", userPasswordExpirationAction = "maintain" }, d)
      assert.are.same(d, assert(method("office365s_get", client.office365s, "get", ids.office365)))
      local second = assert(client.office365s:get(ids.office365_second))
      assert.are.equal("Fabrikam M365", second.name)
    end)

    it("office365s_patch updates some attributes", function()
      local d = assert(call("office365s_patch", { office365_id = ids.office365,
        body = { name = "Contoso Renamed", groupsEnabled = false } }))
      assert.are.equal(ids.office365, d.id)
      assert.are.equal("Contoso Renamed", d.name)
      assert.is_false(d.groupsEnabled)
      assert.are.equal("maintain", d.userPasswordExpirationAction)

      d = assert(method("office365s_patch", client.office365s, "update", ids.office365,
        { userLockoutAction = "maintain", defaultDomain = { id = ids.office365_domain } }))
      assert.are.equal("Contoso Renamed", d.name)
      assert.are.equal("maintain", d.userLockoutAction)
      assert.are.same({ id = ids.office365_domain, domain = "corp02.contoso.com" }, d.defaultDomain)
    end)

    it("Domains_List returns the domains envelope", function()
      local d = assert(call("Domains_List", { office365_id = ids.office365 }))
      assert.are.equal(14, d.totalCount)
      assert.are.equal(10, #d.domains) -- the API's default page
      assert.are.equal("contoso.com", d.domains[1].domain)
      assert.is_true(d.domains[1].default)
      assert.are.equal(ids.office365, d.domains[1].resourceObjectId)
      d = assert(call("Domains_List", { office365_id = ids.office365, limit = "10", skip = "10" }))
      assert.are.equal(4, #d.domains)

      local domains = client.office365s:domains(ids.office365)
      local items, info = method("Domains_List", domains, "list", { limit = 5 })
      assert.are.equal(5, #assert(items))
      assert.are.equal(14, info.total)
      assert.are.equal(5, info.next_skip)
      assert.are.equal("contoso.com", items[1].domain)
      local all = assert(method("Domains_List", domains, "all"))
      assert.are.equal(14, #all)
      assert.are.same({ "contoso.com", "fabrikam.com" }, {
        all[1].domain, assert(client.office365s:domains(ids.office365_second):all())[1].domain })
    end)

    it("Domains_Insert adds a domain", function()
      local d = assert(call("Domains_Insert", { office365_id = ids.office365, body = { domain = "call.contoso.com" } }))
      assert.are.equal("call.contoso.com", d.domain.domain)
      assert.is_false(d.domain.default)
      assert.are.equal(ids.office365, d.domain.resourceObjectId)
      assert.is_true(is_object_id(d.domain.objectId))

      local m = assert(method("Domains_Insert", client.office365s:domains(ids.office365), "create",
        { domain = "method.contoso.com" }))
      assert.are.equal("method.contoso.com", m.domain.domain)
      assert.is_true(is_object_id(m.domain.objectId))
      assert.are_not.equal(d.domain.objectId, m.domain.objectId)
      local all = assert(client.office365s:domains(ids.office365):all())
      assert.are.equal(16, #all)
      assert.are.same({ "call.contoso.com", "method.contoso.com" }, { all[15].domain, all[16].domain })
    end)

    it("Domains_Delete removes a domain and returns it", function()
      local d = assert(call("Domains_Delete", { office365_id = ids.office365, domain_id = ids.office365_domain }))
      assert.are.equal(ids.office365_domain, d.domain.objectId)
      assert.are.equal("corp02.contoso.com", d.domain.domain)

      local domains = client.office365s:domains(ids.office365)
      local all = assert(domains:all())
      assert.are.equal(13, #all)
      local third = all[2].objectId
      assert.are.equal("eu03.contoso.com", all[2].domain)
      local m = assert(method("Domains_Delete", domains, "delete", third))
      assert.are.equal(third, m.domain.objectId)
      assert.are.equal("eu03.contoso.com", m.domain.domain)
      assert.are.equal(12, #assert(domains:all()))
      assert_404(domains:delete(third))
    end)

    it("office365s_listImportUsers pages with top and skipToken", function()
      local d = assert(call("office365s_listImportUsers", { office365_id = ids.office365, top = 100 }))
      assert.are.equal(100, #d.users)
      assert.are.equal("Ada", d.users[1].givenName)
      assert.are.equal("ada.thompson1@contoso.onmicrosoft.com", d.users[1].userPrincipalName)
      assert.is_string(d.skipToken)
      local d2 = assert(call("office365s_listImportUsers", { office365_id = ids.office365, top = 200,
        skipToken = d.skipToken }))
      assert.are.equal(157, #d2.users)
      assert.is_nil(d2.skipToken)

      local users = client.office365s:import_users(ids.office365)
      local items, info = method("office365s_listImportUsers", users, "list", { limit = 100 })
      assert.are.same(ids_of(d.users), ids_of(assert(items)))
      assert.are.equal(d.skipToken, info.next_token)
      local all = assert(method("office365s_listImportUsers", users, "all"))
      assert.are.equal(257, #all)
      assert.are.equal(d.users[1].id, all[1].id)
      assert.are.equal(d2.users[157].id, all[257].id)
      assert.are.equal(3, #assert(client.office365s:import_users(ids.office365_second):all()))
    end)

    it("translationRules_office365List returns the rules", function()
      local d, resp = assert(call("translationRules_office365List", { office365_id = ids.office365 }))
      assert.are.equal(6, #d)
      assert.are.equal("6", resp.headers["x-total-count"])
      assert.are.same({ "user_alternate_email", "user_business_phones", "user_city", "user_country",
        "user_department", "user_job_title" }, ids_of(d, "builtIn"))

      local rules = client.office365s:translation_rules(ids.office365)
      local items, info = method("translationRules_office365List", rules, "list", { limit = 4 })
      assert.are.same({ d[1].id, d[2].id, d[3].id, d[4].id }, ids_of(assert(items)))
      assert.are.equal(6, info.total)
      assert.are.same(ids_of(d), ids_of(assert(method("translationRules_office365List", rules, "all", { limit = 4 }))))
      assert.are.equal(0, #assert(client.office365s:translation_rules(ids.office365_second):all()))
    end)

    it("translationRules_office365Post creates a rule", function()
      local d = assert(call("translationRules_office365Post", { office365_id = ids.office365,
        body = { builtIn = "user_manager" } }))
      assert.are.equal("user_manager", d.builtIn)
      assert.are.equal("export", d.direction)
      assert.is_true(is_object_id(d.id))

      local rules = client.office365s:translation_rules(ids.office365)
      local m = assert(method("translationRules_office365Post", rules, "create",
        { builtIn = "user_state", direction = "export" }))
      assert.are.equal("user_state", m.builtIn)
      assert.are.same(m, assert(rules:get(m.id)))
      assert.are.equal(8, #assert(rules:all()))
    end)

    it("translationRules_office365Delete deletes a rule", function()
      local d, resp = call("translationRules_office365Delete", { office365_id = ids.office365, id = ids.translation_rule })
      assert.is_true(d)
      assert.are.equal(204, resp.status)
      assert_404(client:call("translationRules_office365Get", { office365_id = ids.office365, id = ids.translation_rule }))

      local rules = client.office365s:translation_rules(ids.office365)
      local second = assert(rules:all())[1].id
      assert.is_true(method("translationRules_office365Delete", rules, "delete", second))
      assert_404(rules:get(second))
      assert.are.equal(4, #assert(rules:all()))
    end)

    it("translationRules_office365Get returns one rule", function()
      local d = assert(call("translationRules_office365Get", { office365_id = ids.office365, id = ids.translation_rule }))
      assert.are.same({ id = ids.translation_rule, builtIn = "user_alternate_email", direction = "export" }, d)
      local rules = client.office365s:translation_rules(ids.office365)
      assert.are.same(d, assert(method("translationRules_office365Get", rules, "get", ids.translation_rule)))
      -- the rule belongs to the first instance only
      assert_404(client.office365s:translation_rules(ids.office365_second):get(ids.translation_rule))
    end)
  end)

  -- Organizations ---------------------------------------------------------------------------------

  describe("Organizations", function()
    it("organizations_orgListCases returns the cases envelope", function()
      local d = assert(call("organizations_orgListCases", { limit = 100, skip = 100, sort = { "caseNumber" } }))
      assert.are.equal(123, d.totalCount)
      assert.are.equal(23, #d.results)
      assert.are.equal("00010101", d.results[1].caseNumber)
      assert.are.equal("00010123", d.results[23].caseNumber)

      local items, info = method("organizations_orgListCases", client.cases, "list", { limit = 3 })
      assert.are.same({ "00010001", "00010002", "00010003" }, ids_of(assert(items), "caseNumber"))
      assert.are.equal(123, info.total)
      local first = assert(items)[1]
      assert.are.same({ caseNumber = "00010001", subject = "Cannot bind LDAP user", status = "New",
        label = "Support", reporter = "Margaret Turing", reporterEmail = "margaret.turing@example.com",
        date = "2024-05-01T18:15:00Z",
        description = "Case 1: Cannot bind LDAP user. Steps to reproduce attached." }, first)
      local all = assert(method("organizations_orgListCases", client.organizations:cases(), "all"))
      assert.are.equal(123, #all)
      assert.are.equal("00010123", all[123].caseNumber)
      local numbers = method("organizations_orgListCases", function()
        local out = {}
        for case in client.cases:each({ limit = 50, max = 60 }) do out[#out + 1] = case.caseNumber end
        return out
      end)
      assert.are.equal(60, #numbers)
      for i = 1, 60 do assert.are.equal(string.format("%08d", 10000 + i), numbers[i]) end
    end)
  end)

  -- Password manager ------------------------------------------------------------------------------

  describe("Passwordmanager", function()
    it("DeviceService_ListDevices returns the devices envelope", function()
      local d = assert(call("DeviceService_ListDevices", { limit = 100, sort = "_id" }))
      assert.are.equal(64, d.totalCount)
      assert.are.equal(64, #d.results)
      for i = 2, 64 do assert.is_true(d.results[i - 1].id < d.results[i].id) end
      local first = assert(call("DeviceService_ListDevices", { limit = 1 })).results[1] -- seed order
      assert.are.equal(ids.password_device, first.id)
      assert.are.equal("Ada's MacBook Pro", first.name)

      local items, info = method("DeviceService_ListDevices", client.passwordmanager, "list", { limit = 10 })
      assert.are.equal(10, #assert(items))
      assert.are.equal(64, info.total)
      assert.are.equal(10, info.next_skip)
      local all = assert(method("DeviceService_ListDevices", client.passwordmanager, "all", { limit = 30 }))
      assert.are.same(ids_of(d.results), ids_of(all))
    end)

    it("DeviceService_GetDevice returns one device", function()
      local d = assert(call("DeviceService_GetDevice", { UUID = ids.password_device }))
      assert.are.equal(ids.password_device, d.id)
      assert.are.equal("Ada's MacBook Pro", d.name)
      assert.are.equal("macOS", d.osName)
      assert.are.equal("1.1.1", d.appVersion)
      assert.are.equal("2024-05-01T11:15:00Z", d.createdAt)
      assert.are.same(d, assert(method("DeviceService_GetDevice", client.passwordmanager, "get", ids.password_device)))
      assert_404(client.passwordmanager:get(ids.unknown_uuid))
    end)
  end)

  -- Policies --------------------------------------------------------------------------------------

  describe("Policies", function()
    it("policies_list returns pages of the 250 policies", function()
      local d, resp = assert(call("policies_list", { limit = 100, sort = { "_id" } }))
      assert.are.equal(100, #d)
      assert.are.equal("250", resp.headers["x-total-count"])
      assert.are.equal(ids.policy, d[1].id)
      assert.is_nil(d[1].values) -- the list view leaves them out

      local items, info = method("policies_list", client.policies, "list", { limit = 5 })
      assert.are.same({ d[1].id, d[2].id, d[3].id, d[4].id, d[5].id }, ids_of(assert(items)))
      assert.are.equal(250, info.total)
      assert.are.equal(5, info.next_skip)
      local all = assert(method("policies_list", client.policies, "all"))
      assert.are.equal(counts.policies, #all)
      for i = 1, 100 do assert.are.equal(d[i].id, all[i].id) end
    end)

    it("policies_post creates a policy from a template", function()
      local d = assert(call("policies_post", { body = { name = "Created by call", notes = "n",
        template = { id = ids.policy_template } } }))
      assert.is_true(is_object_id(d.id))
      assert.are.equal("Created by call", d.name)
      assert.are.equal("n", d.notes)
      assert.are.equal(ids.policy_template, d.template.id)
      assert.are.equal("screen_lock_linux", d.template.name)
      assert.are.equal(2, #d.configFields)
      assert.are.same({}, d.values)

      local m = assert(method("policies_post", client.policies, "create", { name = "Created by method",
        template = { id = ids.policy_template }, values = jumpcloud.array{} }))
      assert.are.equal("Created by method", m.name)
      assert.are.equal(ids.policy_template, m.template.id)
      assert.are.same(m, assert(client.policies:get(m.id)))
      assert.are.equal(252, select(2, assert(client.policies:list{ limit = 1 })).total)
    end)

    it("policies_delete deletes a policy", function()
      local d, resp = call("policies_delete", { id = ids.policy_no_results })
      assert.is_true(d)
      assert.are.equal(204, resp.status)
      assert_404(client:call("policies_get", { id = ids.policy_no_results }))

      assert.is_true(method("policies_delete", client.policies, "delete", ids.policy_small))
      assert_404(client.policies:get(ids.policy_small))
      assert.are.equal(248, select(2, assert(client.policies:list{ limit = 1 })).total)
    end)

    it("policies_get returns one policy with its values", function()
      local d = assert(call("policies_get", { id = ids.policy }))
      assert.are.equal(ids.policy, d.id)
      assert.are.equal("Disable Guest Account - Linux (Engineering) 001", d.name)
      assert.are.equal("disable_guest_linux", d.template.name)
      assert.are.equal(#d.configFields, #d.values)
      assert.are.same(d, assert(method("policies_get", client.policies, "get", ids.policy)))
      assert_404(client.policies:get(ids.unknown_object_id))
    end)

    it("policies_put replaces a policy (and there is no update: update is PATCH only)", function()
      local d = assert(call("policies_put", { id = ids.policy, body = { name = "Put by call" } }))
      assert.are.equal(ids.policy, d.id)
      assert.are.equal("Put by call", d.name)
      assert.are.equal("disable_guest_linux", d.template.name) -- read-only, kept

      local m = assert(method("policies_put", client.policies, "replace", ids.policy, { name = "Put by method" }))
      assert.are.equal("Put by method", m.name)
      assert.has_error(function() return client.policies.update end,
        "client.policies has no method 'update'")
      local got = assert(client.policies:get(ids.policy))
      assert.are.equal("Put by method", got.name)
      assert.is_nil(got.notes) -- a full replace: fields left out are gone
    end)

    it("policyresults_list returns the results of one policy", function()
      local d, resp = assert(call("policyresults_list", { policy_id = ids.policy_small }))
      assert.are.equal(3, #d)
      assert.are.equal("3", resp.headers["x-total-count"])
      for _, r in ipairs(d) do assert.are.equal(ids.policy_small, r.policyID) end

      local results = client.policies:results(ids.policy_small)
      assert.are.same(ids_of(d), ids_of(assert(method("policyresults_list", results, "all"))))
      local items, info = method("policyresults_list", client.policies:results(ids.policy), "list", { limit = 100 })
      assert.are.equal(100, #assert(items))
      assert.are.equal(counts.big_policy_results, info.total)
      assert.are.equal(ids.policy_result, items[1].id)
      local all = assert(method("policyresults_list", client.policies:results(ids.policy), "all"))
      assert.are.equal(1050, #all)
      assert.are.equal(0, #assert(client.policies:results(ids.policy_no_results):all()))
    end)

    it("policystatuses_policiesList returns the latest result per system", function()
      local d, resp = assert(call("policystatuses_policiesList", { policy_id = ids.policy, limit = 100 }))
      assert.are.equal(100, #d)
      assert.are.equal("150", resp.headers["x-total-count"])
      assert.are.equal(ids.policy, d[1].policyID)

      local statuses = client.policies:statuses(ids.policy)
      local all = assert(method("policystatuses_policiesList", statuses, "all"))
      assert.are.equal(150, #all)
      local systems = {}
      for _, s in ipairs(all) do
        assert.is_nil(systems[s.systemID])
        systems[s.systemID] = true
      end
      local items, info = method("policystatuses_policiesList", client.policies:statuses(ids.policy_small), "list")
      assert.are.equal(3, #assert(items))
      assert.are.equal(3, info.total)
    end)

    it("Policies_listAllPolicyResults returns the results of every policy", function()
      local d, resp = assert(call("Policies_listAllPolicyResults", { limit = 100, skip = 1200 }))
      assert.are.equal(27, #d)
      assert.are.equal("1227", resp.headers["x-total-count"])

      local items, info = method("Policies_listAllPolicyResults", client.policyresults, "list", { limit = 100, skip = 1200 })
      assert.are.same(ids_of(d), ids_of(assert(items)))
      assert.are.equal(1227, info.total)
      assert.is_nil(info.next_skip)
      local all = assert(method("Policies_listAllPolicyResults", client.policyresults, "all"))
      assert.are.equal(1227, #all)
      assert.are.equal(ids.policy_result, all[1].id)
    end)

    it("policyresults_get returns one result", function()
      local d = assert(call("policyresults_get", { id = ids.policy_result }))
      assert.are.equal(ids.policy_result, d.id)
      assert.are.equal(ids.policy, d.policyID)
      assert.are.equal(ids.system, d.systemID)
      assert.are.equal("2024-05-01T10:25:00Z", d.startedAt)
      assert.are.same(d, assert(method("policyresults_get", client.policyresults, "get", ids.policy_result)))
    end)
  end)

  -- Policy groups ---------------------------------------------------------------------------------

  describe("Policygroups", function()
    it("PolicyGroups_listAll returns the 37 groups", function()
      local d, resp = assert(call("PolicyGroups_listAll", { limit = 10 }))
      assert.are.equal(10, #d)
      assert.are.equal("37", resp.headers["x-total-count"])
      assert.are.equal(ids.policy_group, d[1].id)
      assert.are.equal("Engineering Policies 01", d[1].name)

      local items, info = method("PolicyGroups_listAll", client.policygroups, "list", { limit = 10 })
      assert.are.same(ids_of(d), ids_of(assert(items)))
      assert.are.equal(37, info.total)
      local all = assert(method("PolicyGroups_listAll", client.policygroups, "all", { limit = 10 }))
      assert.are.equal(counts.policygroups, #all)
      local names = assert(client:call("PolicyGroups_listAll", { filter = jumpcloud.filter.eq("name", "Finance Policies 02") }))
      assert.are.equal(1, #names)
      assert.are.equal("Finance Policies 02", names[1].name)
    end)

    it("PolicyGroups_createNew creates a group with the sent fields", function()
      local d = assert(call("PolicyGroups_createNew", { body = { name = "Group by call" } }))
      assert.is_true(is_object_id(d.id))
      assert.are.equal("Group by call", d.name)
      assert.are.equal("policy_group", d.type)

      local m = assert(method("PolicyGroups_createNew", client.policygroups, "create", { name = "Group by method" }))
      assert.are.equal("Group by method", m.name)
      assert.are.same(m, assert(client.policygroups:get(m.id)))
      local _, err = client.policygroups:create({ name = "Group by method" })
      assert.are.equal(409, err.status)
    end)

    it("PolicyGroups_deleteGroup deletes a group and returns it", function()
      local d, resp = assert(call("PolicyGroups_deleteGroup", { id = ids.policy_group }))
      assert.are.equal(200, resp.status)
      assert.are.equal(ids.policy_group, d.id)
      assert.are.equal("Engineering Policies 01", d.name)
      assert_404(client:call("PolicyGroups_getDetails", { id = ids.policy_group }))

      local second = assert(client.policygroups:list{ limit = 1 })[1]
      local m = assert(method("PolicyGroups_deleteGroup", client.policygroups, "delete", second.id))
      assert.are.same(second, m)
      assert_404(client.policygroups:get(second.id))
      assert.are.equal(35, #assert(client.policygroups:all()))
    end)

    it("PolicyGroups_getDetails returns one group", function()
      local d = assert(call("PolicyGroups_getDetails", { id = ids.policy_group }))
      assert.are.same({ id = ids.policy_group, name = "Engineering Policies 01", type = "policy_group",
        description = "Policies for the Engineering team", email = "", attributes = {} }, d)
      assert.are.same(d, assert(method("PolicyGroups_getDetails", client.policygroups, "get", ids.policy_group)))
    end)

    it("PolicyGroups_updatePolicyGroup replaces a group (and there is no update: update is PATCH only)", function()
      local d = assert(call("PolicyGroups_updatePolicyGroup", { id = ids.policy_group, body = { name = "Put by call" } }))
      assert.are.equal(ids.policy_group, d.id)
      assert.are.equal("Put by call", d.name)
      assert.are.equal("policy_group", d.type)

      local m = assert(method("PolicyGroups_updatePolicyGroup", client.policygroups, "replace", ids.policy_group,
        { name = "Put by method" }))
      assert.are.equal("Put by method", m.name)
      assert.has_error(function() return client.policygroups.update end,
        "client.policygroups has no method 'update'")
      assert.are.equal("Put by method", assert(client.policygroups:get(ids.policy_group)).name)
    end)
  end)

  -- Policy templates ------------------------------------------------------------------------------

  describe("Policytemplates", function()
    it("policytemplates_list returns the 120 templates", function()
      local d, resp = assert(call("policytemplates_list", { limit = 100, skip = 100 }))
      assert.are.equal(20, #d)
      assert.are.equal("120", resp.headers["x-total-count"])
      assert.is_nil(d[1].configFields) -- left out of the list view

      local items, info = method("policytemplates_list", client.policytemplates, "list", { limit = 2 })
      assert.are.same({ "screen_lock_linux", "disable_usb_storage_linux" }, ids_of(assert(items), "name"))
      assert.are.equal(ids.policy_template, items[1].id)
      assert.are.equal(120, info.total)
      local all = assert(method("policytemplates_list", client.policytemplates, "all"))
      assert.are.equal(counts.policytemplates, #all)
      assert.are.same(ids_of(d), { table.unpack(ids_of(all), 101, 120) })
    end)

    it("policytemplates_get returns one template with its config fields", function()
      local d = assert(call("policytemplates_get", { id = ids.policy_template }))
      assert.are.equal(ids.policy_template, d.id)
      assert.are.equal("screen_lock_linux", d.name)
      assert.are.equal("Lock Screen - Linux", d.displayName)
      assert.are.equal("linux", d.osMetaFamily)
      assert.are.equal(2, #d.configFields)
      assert.are.equal("5", d.configFields[1].defaultValue)
      assert.are.same(d, assert(method("policytemplates_get", client.policytemplates, "get", ids.policy_template)))
    end)
  end)

  -- Providers -------------------------------------------------------------------------------------

  describe("Providers", function()
    it("organizations_casesMetadata returns the metadata object", function()
      local d = assert(call("organizations_casesMetadata"))
      assert.are.same({ "Question", "Problem", "Feature Request" }, d.results.caseTypes)
      assert.are.same({ "Low", "Medium", "High", "Critical" }, d.results.severities)
      assert.are.same({ "New", "In Progress", "Waiting on Customer", "Escalated", "Closed" }, d.results.statuses)
      assert.are.same(d, assert(method("organizations_casesMetadata", client.cases, "metadata")))
    end)

    it("autotask_deleteConfiguration removes the integration", function()
      local d, resp = call("autotask_deleteConfiguration", { UUID = ids.autotask_uuid })
      assert.is_true(d)
      assert.are.equal(204, resp.status)
      assert_404(client:call("autotask_getConfiguration", { UUID = ids.autotask_uuid }))
      assert_404(method("autotask_deleteConfiguration", client.autotask, "delete", ids.autotask_uuid))
      reset()
      assert.is_true(method("autotask_deleteConfiguration", client.autotask, "delete", ids.autotask_uuid))
      assert_404(client.autotask:get(ids.autotask_uuid))
    end)

    it("autotask_getConfiguration returns the integration without its secret", function()
      local d = assert(call("autotask_getConfiguration", { UUID = ids.autotask_uuid }))
      assert.are.same({ id = ids.autotask_uuid, username = "api-user@acme-msp.example", isMspAuthConfigured = true }, d)
      assert.are.same(d, assert(method("autotask_getConfiguration", client.autotask, "get", ids.autotask_uuid)))
      assert_404(client.autotask:get(ids.unknown_uuid))
    end)

    it("autotask_updateConfiguration updates the credentials", function()
      local d = assert(call("autotask_updateConfiguration", { UUID = ids.autotask_uuid,
        body = { username = "call-user@acme-msp.example", secret = "s3cret" } }))
      assert.are.same({ id = ids.autotask_uuid, username = "call-user@acme-msp.example", isMspAuthConfigured = true }, d)

      local m = assert(method("autotask_updateConfiguration", client.autotask, "update", ids.autotask_uuid,
        { username = "method-user@acme-msp.example" }))
      assert.are.equal("method-user@acme-msp.example", m.username)
      assert.are.equal("method-user@acme-msp.example", assert(client.autotask:get(ids.autotask_uuid)).username)
      local _, err = client.autotask:update(ids.autotask_uuid, { secret = "invalid" })
      assert.are.equal(422, err.status)
    end)

    it("autotask_retrieveCompanies returns the companies envelope", function()
      local d = assert(call("autotask_retrieveCompanies", { UUID = ids.autotask_uuid, limit = 100, skip = 200 }))
      assert.are.equal(230, d.totalCount)
      assert.are.equal(30, #d.records)
      assert.are.equal("1201", d.records[1].id)

      local companies = client.autotask:companies(ids.autotask_uuid)
      local items, info = method("autotask_retrieveCompanies", companies, "list", { limit = 2 })
      assert.are.same({ ids.autotask_company, "1002" }, ids_of(assert(items)))
      assert.are.equal("Acme Group 001", items[1].name)
      assert.are.equal(230, info.total)
      local all = assert(method("autotask_retrieveCompanies", companies, "all"))
      assert.are.equal(counts.companies, #all)
      assert.are.equal("1230", all[230].id)
    end)

    it("autotask_retrieveCompanyTypes returns the company types", function()
      local d = assert(call("autotask_retrieveCompanyTypes", { UUID = ids.autotask_uuid }))
      assert.are.equal(7, d.totalCount)
      assert.are.same({ "Customer", "Lead", "Prospect", "Dead", "Cancellation", "Vendor", "Partner" },
        ids_of(d.records, "name"))
      assert.are.same({ 1, 2, 3, 4, 5, 6, 7 }, ids_of(d.records))
      assert.are.equal("integer", math.type(d.records[1].id))

      local types = client.autotask:company_types(ids.autotask_uuid)
      local items, info = method("autotask_retrieveCompanyTypes", types, "list")
      assert.are.same(d.records, items)
      assert.are.equal(7, info.total)
      assert.are.same(d.records, assert(method("autotask_retrieveCompanyTypes", types, "all")))
    end)

    it("autotask_retrieveContracts returns the contracts envelope", function()
      local d = assert(call("autotask_retrieveContracts", { UUID = ids.autotask_uuid, limit = 5 }))
      assert.are.equal(45, d.totalCount)
      assert.are.equal(5, #d.results)
      assert.are.same({ id = ids.autotask_contract, name = "Managed Services 001", companyId = "1003" }, d.results[1])

      local contracts = client.autotask:contracts(ids.autotask_uuid)
      local items, info = method("autotask_retrieveContracts", contracts, "list", { limit = 5 })
      assert.are.same(d.results, items)
      assert.are.equal(45, info.total)
      assert.are.equal(45, #assert(method("autotask_retrieveContracts", contracts, "all", { limit = 20 })))
    end)

    it("autotask_retrieveContractsFields returns the contract fields", function()
      local d = assert(call("autotask_retrieveContractsFields", { UUID = ids.autotask_uuid }))
      assert.are.equal(4, d.totalCount)
      assert.are.same({ "contractType", "status", "billingPreference", "serviceLevelAgreement" }, ids_of(d.results, "name"))
      assert.are.same({ { label = "Active", value = "1" }, { label = "Inactive", value = "0" } }, d.results[2].values)

      local fields = client.autotask:contract_fields(ids.autotask_uuid)
      local items, info = method("autotask_retrieveContractsFields", fields, "list")
      assert.are.same(d.results, items)
      assert.are.equal(4, info.total)
      assert.are.same(d.results, assert(method("autotask_retrieveContractsFields", fields, "all")))
    end)

    it("autotask_retrieveServices returns the services envelope", function()
      local d = assert(call("autotask_retrieveServices", { UUID = ids.autotask_uuid, limit = 100 }))
      assert.are.equal(60, d.totalCount)
      assert.are.equal(60, #d.results)
      assert.are.same({ id = ids.autotask_service, name = "JumpCloud Seat 01", contractId = "5001" }, d.results[1])

      local services = client.autotask:services(ids.autotask_uuid)
      local items, info = method("autotask_retrieveServices", services, "list", { limit = 7 })
      assert.are.same({ table.unpack(d.results, 1, 7) }, items)
      assert.are.equal(60, info.total)
      assert.are.same(d.results, assert(method("autotask_retrieveServices", services, "all", { limit = 7 })))
    end)

    it("autotask_retrieveMappings returns the mappings envelope", function()
      local d = assert(call("autotask_retrieveMappings", { UUID = ids.autotask_uuid, limit = 100 }))
      assert.are.equal(25, d.totalCount)
      assert.are.equal(25, #d.records)
      assert.are.same({ id = ids.organization, name = "Client Org 01" }, d.records[1].organization)
      assert.are.same({ id = ids.autotask_company, name = "Acme Group 001" }, d.records[1].company)

      local mappings = client.autotask:mappings(ids.autotask_uuid)
      local items, info = method("autotask_retrieveMappings", mappings, "list", { limit = 10 })
      assert.are.same({ table.unpack(d.records, 1, 10) }, items)
      assert.are.equal(25, info.total)
      assert.are.same(d.records, assert(method("autotask_retrieveMappings", mappings, "all", { limit = 10 })))
    end)

    -- The bodies go as JSON text: a table body with items in `data` cannot be sent (see the BUG test below).
    it("autotask_patchMappings creates, edits and deletes mappings", function()
      local encode = jumpcloud.json.encode
      local new_org = { id = "5fd0000000000000000000aa", name = "New Client" }
      local d, resp = call("autotask_patchMappings", { UUID = ids.autotask_uuid, body = encode({ data = jumpcloud.array{
        { company = { id = "1100", name = "Company 100" }, organization = new_org } } }) })
      assert.is_true(d)
      assert.are.equal(204, resp.status)
      local mappings = client.autotask:mappings(ids.autotask_uuid)
      local all = assert(mappings:all())
      assert.are.equal(26, #all)
      assert.are.same(new_org, all[26].organization)
      assert.are.same({ id = "1100", name = "Company 100" }, all[26].company)
      assert.are.equal("pending", all[26].lastSyncStatus)

      assert.is_true(method("autotask_patchMappings", mappings, "update", encode({ data = jumpcloud.array{
        { company = { id = "1100", name = "Company 100" }, organization = new_org, delete = true },
        { company = { id = "1002", name = "Moved" }, organization = { id = ids.organization, name = "Client Org 01" } },
      } })))
      all = assert(mappings:all())
      assert.are.equal(25, #all)
      assert.are.same({ id = "1002", name = "Moved" }, all[1].company)
      assert.are.same({ id = ids.organization, name = "Client Org 01" }, all[1].organization)

      -- the body is optional: without one nothing changes
      assert.is_true(mappings:update())
      assert.are.equal(25, #assert(mappings:all()))
    end)

    it("autotask_patchMappings takes a table body with complete data items, an empty data or none", function()
      local org = { id = ids.organization, name = "Client Org 01" }
      local complete = { data = jumpcloud.array{ { company = { id = "1003", name = "Remapped" }, organization = org } } }
      local mappings = client.autotask:mappings(ids.autotask_uuid)
      local function try(f, ...)
        local ok, err = pcall(f, ...)
        return ok, not ok and (tostring(err):gsub("^.-:%d+: ", "")) or nil
      end
      local before = support.stats(control).requests
      local ok1, err1 = try(client.call, client, "autotask_patchMappings", { UUID = ids.autotask_uuid, body = complete })
      local ok2, err2 = try(mappings.update, mappings, complete)
      local ok3, err3 = try(mappings.update, mappings, { data = jumpcloud.array{} })
      local ok4, err4 = try(mappings.update, mappings, {})
      for _, r in ipairs({ { ok1, err1 }, { ok2, err2 }, { ok3, err3 }, { ok4, err4 } }) do
        assert.is_true(r[1], r[2])
      end
      assert.are.equal(before + 4, support.stats(control).requests)
      assert.are.same({ id = "1003", name = "Remapped" }, assert(mappings:all())[1].company)
      assert.has_error(function()
        client:call("autotask_patchMappings", { UUID = ids.autotask_uuid, body = { data = jumpcloud.array{
          { company = { id = "1001", name = "ok" }, organization = org },
          { company = { name = "no id" }, organization = org } } } })
      end, "autotask_patchMappings: body field 'data[2].company.id' is required")
      assert.has_error(function()
        mappings:update({ data = jumpcloud.array{ { company = { id = "1001", name = "ok" }, organization = { id = "x" } } } })
      end, "client.autotask:mappings(...):update: body field 'data[1].organization.name' is required")
    end)

    it("autotask_retrieveSettings returns the settings", function()
      local d = assert(call("autotask_retrieveSettings", { UUID = ids.autotask_uuid }))
      assert.are.same({ automaticTicketing = false, companyTypeIds = { 1, 3 } }, d)
      assert.are.same(d, assert(method("autotask_retrieveSettings", client.autotask:settings(ids.autotask_uuid), "get")))
      assert_404(client.autotask:settings(ids.unknown_uuid):get())
    end)

    it("autotask_patchSettings updates the settings", function()
      local d = assert(call("autotask_patchSettings", { UUID = ids.autotask_uuid, body = { automaticTicketing = true } }))
      assert.are.same({ automaticTicketing = true, companyTypeIds = { 1, 3 } }, d)

      local settings = client.autotask:settings(ids.autotask_uuid)
      local m = assert(method("autotask_patchSettings", settings, "update", { companyTypeIds = jumpcloud.array{} }))
      assert.are.same({ automaticTicketing = true, companyTypeIds = {} }, m)
      assert.is_true(jumpcloud.is_array(m.companyTypeIds))
      assert.are.same(m, assert(settings:get()))
    end)

    it("connectwise_deleteConfiguration removes the integration", function()
      local d, resp = call("connectwise_deleteConfiguration", { UUID = ids.connectwise_uuid })
      assert.is_true(d)
      assert.are.equal(204, resp.status)
      assert_404(method("connectwise_deleteConfiguration", client.connectwise, "delete", ids.connectwise_uuid))
      reset()
      assert.is_true(method("connectwise_deleteConfiguration", client.connectwise, "delete", ids.connectwise_uuid))
      assert_404(client.connectwise:delete(ids.connectwise_uuid))
    end)
  end)

  -- Headers ---------------------------------------------------------------------------------------

  describe("headers", function()
    it("a client without org_id sends x-org-id on no operation", function()
      local c <close> = support.client(srv)
      sync()
      assert(c.policies:get(ids.policy))
      assert(c.policygroups:list{ limit = 1 })
      assert(c.logos:get(ids.logo))
      assert(c.cases:metadata())
      local e = take_log()
      assert.are.equal(4, #e)
      check_entries({ e[1] }, "policies_get")
      check_entries({ e[2] }, "PolicyGroups_listAll")
      check_entries({ e[3] }, "logos_get")
      check_entries({ e[4] }, "organizations_casesMetadata")
    end)

    it("a batch and a parallel walk send x-org-id exactly where a single call does", function()
      sync()
      local results = client:batch({
        { call = "policies_get", params = { id = ids.policy } },
        { call = "logos_get", params = { id = ids.logo } },
        { call = "organizations_casesMetadata" },
        { call = "PolicyGroups_listAll", params = { limit = 1 } },
      }, { concurrency = 4 })
      for i, r in ipairs(results) do assert(r[1], "request " .. i .. ": " .. tostring(r[2])) end
      local n = 0
      for _ in client.policies:each({ limit = 10, max = 30, concurrency = 3 }) do n = n + 1 end
      assert.are.equal(30, n)
      local by_id = {}
      for _, e in ipairs(take_log()) do
        local id = op_of(e)
        by_id[id] = by_id[id] or {}
        table.insert(by_id[id], e)
      end
      check_entries(by_id.policies_get, "policies_get", ORG)
      check_entries(by_id.logos_get, "logos_get", ORG)
      check_entries(by_id.organizations_casesMetadata, "organizations_casesMetadata", ORG)
      check_entries(by_id.PolicyGroups_listAll, "PolicyGroups_listAll", ORG)
      assert.are.equal(3, #by_id.policies_list)
      check_entries(by_id.policies_list, "policies_list", ORG)
    end)

    it("an x-org-id parameter overrides the client's org on operations that take it", function()
      sync()
      assert(client:call("policies_get", { id = ids.policy, ["x-org-id"] = "5f00000000000000000000ff" }))
      assert(client.policies:get(ids.policy, { ["x-org-id"] = "5f00000000000000000000fe" }))
      local e = take_log()
      assert.are.equal("5f00000000000000000000ff", e[1].headers["x-org-id"])
      assert.are.equal("5f00000000000000000000fe", e[2].headers["x-org-id"])
      -- and operations that do not list it refuse it before sending
      assert.has_error(function() client:call("logos_get", { id = ids.logo, ["x-org-id"] = "x" }) end,
        "unknown parameter 'x-org-id' for logos_get (it takes: id)")
      assert.are.equal(0, #take_log())
    end)

    it("Office 365 import users sends ConsistencyLevel and Graph filters as given", function()
      sync()
      local d = assert(client:call("office365s_listImportUsers", { office365_id = ids.office365, top = 2,
        ConsistencyLevel = "eventual", filter = "startswith(givenName,'Ada')", orderby = "surname", count = true }))
      assert.are.equal(2, #d.users)
      local e = take_log()
      assert.are.equal(1, #e)
      assert.are.equal("eventual", e[1].headers["consistencylevel"])
      assert.is_nil(e[1].headers["x-org-id"])
      assert.are.equal("count=true&filter=startswith%28givenName%2C%27Ada%27%29&orderby=surname&top=2", e[1].query)
    end)
  end)

  -- Checks before sending -------------------------------------------------------------------------

  describe("checks before anything is sent", function()
    local function requests()
      return support.stats(control).requests
    end

    it("an unknown operationId raises listing the near names", function()
      local before = requests()
      assert.has_error(function() client:call("PolicyGroup_listAll") end,
        "unknown operation 'PolicyGroup_listAll' (did you mean: PolicyGroups_listAll?)")
      assert.has_error(function() client:call("policies_lst") end,
        "unknown operation 'policies_lst' (did you mean: policies_list, policies_get, policies_post, "
          .. "policies_put, policies_delete?)")
      assert.has_error(function() client:call(42) end, "bad argument #1 to 'call' (operation id expected, got number)")
      assert.are.equal(before, requests())
    end)

    it("an unknown parameter name raises naming the ones the operation takes", function()
      local before = requests()
      assert.has_error(function() client:call("PolicyGroups_getDetails", { id = ids.policy_group, limt = 5 }) end,
        "unknown parameter 'limt' for PolicyGroups_getDetails (it takes: id, x-org-id)")
      assert.has_error(function() client:call("PolicyGroups_listAll", { Limit = 5 }) end,
        "unknown parameter 'Limit' for PolicyGroups_listAll (did you mean 'limit'?)")
      assert.has_error(function() client:call("organizations_casesMetadata", { body = {} }) end,
        "organizations_casesMetadata takes no body")
      assert.are.equal(before, requests())
    end)

    it("a missing required path parameter raises", function()
      local before = requests()
      assert.has_error(function() client:call("PolicyGroups_getDetails", {}) end,
        "missing path parameter 'id' for PolicyGroups_getDetails")
      assert.has_error(function() client:call("Domains_Delete", { office365_id = ids.office365 }) end,
        "missing path parameter 'domain_id' for Domains_Delete")
      assert.has_error(function() client:call("autotask_retrieveSettings") end,
        "missing path parameter 'UUID' for autotask_retrieveSettings")
      assert.has_error(function() client:call("policies_get", { id = "" }) end,
        "missing path parameter 'id' for policies_get")
      assert.has_error(function() client.policies:get() end, "bad argument #1 to 'get' (id string expected, got nil)")
      assert.are.equal(before, requests())
    end)

    it("a missing required body field raises", function()
      local before = requests()
      assert.has_error(function() client:call("PolicyGroups_createNew", { body = {} }) end,
        "PolicyGroups_createNew: body field 'name' is required")
      assert.has_error(function() client.policygroups:create({}) end,
        "client.policygroups:create: body field 'name' is required")
      assert.has_error(function() client:call("policies_post", { body = { name = "p", template = {} } }) end,
        "policies_post: body field 'template.id' is required")
      assert.has_error(function() client.policies:create({ name = "p" }) end,
        "client.policies:create: body field 'template' is required")
      -- data[] items missing company.id raise before sending, naming the field
      local org = { id = ids.organization, name = "Client Org 01" }
      local ok, err = pcall(client.call, client, "autotask_patchMappings", { UUID = ids.autotask_uuid,
        body = { data = jumpcloud.array{ { company = { name = "no id" }, organization = org } } } })
      assert.is_false(ok)
      assert.matches(": autotask_patchMappings: body field 'data%[1%]%.company%.id' is required$", err)
      ok, err = pcall(client.autotask.mappings(client.autotask, ids.autotask_uuid).update,
        client.autotask:mappings(ids.autotask_uuid), { data = jumpcloud.array{ { organization = org } } })
      assert.is_false(ok)
      assert.matches(": client%.autotask:mappings%(%.%.%.%):update: body field 'data%[1%]%.company' is required$", err)
      assert.has_error(function() client:call("Enrollments_DownloadConfigFiles") end,
        "Enrollments_DownloadConfigFiles needs a body")
      assert.are.equal(before, requests())
    end)

    it("the Office 365 import users filter refuses a filter builder and passes a plain string", function()
      local before = requests()
      local msg = "bad parameter 'filter' for office365s_listImportUsers "
        .. "(Microsoft Graph syntax: pass a plain string, not a filter builder)"
      assert.has_error(function()
        client:call("office365s_listImportUsers", { office365_id = ids.office365,
          filter = jumpcloud.filter.eq("givenName", "Ada") })
      end, msg)
      assert.has_error(function()
        client.office365s:import_users(ids.office365):list({ filter = jumpcloud.filter.eq("givenName", "Ada") })
      end, "bad parameter 'filter' for client.office365s:import_users(...):list "
        .. "(Microsoft Graph syntax: pass a plain string, not a filter builder)")
      assert.are.equal(before, requests())

      sync()
      local d = assert(client:call("office365s_listImportUsers", { office365_id = ids.office365, top = 1,
        filter = "givenName eq 'Ada'" }))
      assert.are.equal(1, #d.users)
      local items = assert(client.office365s:import_users(ids.office365):list({ limit = 1, filter = "givenName eq 'Ada'" }))
      assert.are.equal(1, #items)
      local e = take_log()
      assert.are.equal(2, #e)
      assert.are.equal("filter=givenName%20eq%20%27Ada%27&top=1", e[1].query)
      assert.are.equal("filter=givenName%20eq%20%27Ada%27&top=1", e[2].query)
    end)
  end)

  -- Coverage: checked once every test of the file has run, whatever their order (busted --shuffle).
  teardown(function()
    local want, got_call, got_method, extra, got_checked, known = {}, {}, {}, {}, {}, {}
    for _, id in ipairs(REF) do
      known[id] = true
      want[#want + 1] = id
      if called[id] and called[id].call then got_call[#got_call + 1] = id end
      if called[id] and called[id].method then got_method[#got_method + 1] = id end
      if checked[id] then got_checked[#got_checked + 1] = id end
    end
    for id in pairs(called) do
      if not known[id] then extra[#extra + 1] = id end
    end
    assert.are.equal(50, #want)
    assert.are.same(want, got_call, "called through client:call")
    assert.are.same(want, got_method, "called through its idiomatic method")
    assert.are.same({}, extra)
    assert.are.same(want, got_checked, "x-org-id and Accept checked")
  end)
end)
