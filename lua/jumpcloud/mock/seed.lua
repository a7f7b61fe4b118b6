--- The hand-written seed of the mock server: the collections the suite's specs know record by record (the 50
-- operations of the original reference), and Directory Insights' events. Every other collection is synthesized
-- from the model's schemas (`jumpcloud.mock.data`). Deterministic, realistic, large enough that every list
-- spans several pages; built a group at a time, when one of its collections is first used.
--
-- JumpCloud objects carry 24-hex ObjectIds; Autotask and ConnectWise
-- integrations, password manager devices and Microsoft users carry UUIDs.
-- The same ids come back on every run, and `seed.ids` names the useful ones.
--
-- Sizes (`seed.counts`): 120 policy templates, 250 policies, 1,050 policy
-- results for `ids.policy` (1,227 in all), 37 policy groups, 12 IP lists,
-- 3 LDAP servers, 3 logos, 2 Office 365 instances (14 + 2 domains, 6 translation
-- rules, 257 + 3 import users), 123 organisation cases, 64 password manager
-- devices, one Autotask integration (230 companies, 7 company types,
-- 45 contracts, 4 contract fields, 60 services, 25 mappings) and one
-- ConnectWise integration; 240 Directory Insights events.
-- @module jumpcloud.mock.seed

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"

local array, oid, uuid, iso = json.array, util.object_id, util.uuid, util.iso8601
local format = string.format

local M = {}

-- The collections the seed fills, by key (see `jumpcloud.mock.classify`): the group whose builder fills them,
-- the key field when it is not `id` (false: no key), fields never answered. A `view` is the records of
-- another collection whose `field` equals the parent's id.
M.collections = {
  ["v2/policytemplates"] = {group = "policies"},
  ["v2/policies"] = {group = "policies"},
  ["v2/policyresults"] = {group = "policies"},
  ["seed/policystatuses"] = {group = "policies"},
  ["v2/policies/{}/policyresults"] = {view = "v2/policyresults", field = "policyID"},
  ["v2/policies/{}/policystatuses"] = {view = "seed/policystatuses", field = "policyID"},
  ["v2/systems/{}/policystatuses"] = {view = "seed/policystatuses", field = "systemID"},
  ["v2/policygroups"] = {group = "groups"},
  ["v2/iplists"] = {group = "iplists"},
  ["v2/ldapservers"] = {group = "directories"},
  ["v2/logos"] = {group = "directories"},
  ["v2/office365s"] = {group = "directories"},
  ["seed/domains"] = {group = "directories", id_field = "objectId"},
  ["v2/office365s/{}/domains"] = {view = "seed/domains", field = "resourceObjectId"},
  ["v2/office365s/{}/translationrules"] = {group = "directories"},
  ["v2/office365s/{}/import/users"] = {group = "directories"},
  ["v2/organizations/cases"] = {group = "cases", id_field = "caseNumber"},
  ["v2/passwordmanager/devices"] = {group = "devices"},
  ["v2/integrations/autotask"] = {group = "providers", hidden = {"secret"}},
  ["v2/integrations/autotask/{}/companies"] = {group = "providers"},
  ["v2/integrations/autotask/{}/companytypes"] = {group = "providers"},
  ["v2/integrations/autotask/{}/contracts"] = {group = "providers"},
  ["v2/integrations/autotask/{}/contracts/fields"] = {group = "providers", id_field = false},
  ["v2/integrations/autotask/{}/contracts/services"] = {group = "providers"},
  ["v2/integrations/autotask/{}/mappings"] = {group = "providers", id_field = false},
  ["v2/integrations/connectwise"] = {group = "providers", hidden = {"secret"}},
  ["insights/events"] = {group = "events"},
}

--- The singletons the seed sets, by key.
M.singletons = {
  ["v2/cases/metadata"] = {group = "cases"},
  ["v2/integrations/autotask/{}/settings"] = {group = "providers"},
}

-- ObjectId kinds
local K = {template = 1, policy = 2, result = 3, group = 4, iplist = 5, ldap = 6, logo = 7,
  o365 = 8, domain = 9, rule = 10, system = 11, field = 12, org = 13, device_user = 14}
-- UUID kinds
local U = {autotask = 1, connectwise = 2, device = 3, aad_user = 4}

local BASE_TIME = 1714558500 -- 2024-05-01T10:15:00Z

M.counts = {
  policytemplates = 120, policies = 250, big_policy_results = 1050, small_policies = 59,
  small_policy_results = 3, systems = 150, policygroups = 37, iplists = 12, ldapservers = 3,
  logos = 3, domains = 14, domains_second = 2, translationrules = 6, import_users = 257,
  import_users_second = 3, cases = 123, devices = 64, companies = 230, companytypes = 7,
  contracts = 45, contract_fields = 4, services = 60, mappings = 25, events = 240,
}
local C = M.counts
C.policyresults = C.big_policy_results + C.small_policies * C.small_policy_results

--- Known ids, the same on every run.
M.ids = {
  policy = oid(K.policy, 1),            -- the policy with 1,050 results
  policy_small = oid(K.policy, 2),      -- a policy with 3 results
  policy_no_results = oid(K.policy, C.policies), -- a policy without results
  policy_template = oid(K.template, 1),
  policy_result = oid(K.result, 1),     -- first result of ids.policy
  policy_group = oid(K.group, 1),
  iplist = oid(K.iplist, 1),
  ldapserver = oid(K.ldap, 1),
  logo = oid(K.logo, 1),
  office365 = oid(K.o365, 1),           -- 14 domains, 6 rules, 257 import users
  office365_second = oid(K.o365, 2),    -- 2 domains, no rules, 3 import users
  office365_domain = oid(K.domain, 2),  -- a non-default domain of ids.office365
  translation_rule = oid(K.rule, 1),
  system = oid(K.system, 1),
  case_number = format("%08d", 10001),
  password_device = uuid(U.device, 1),
  autotask_uuid = uuid(U.autotask, 1),
  autotask_company = "1001",
  autotask_contract = "5001",
  autotask_service = "7001",
  connectwise_uuid = uuid(U.connectwise, 1),
  organization = oid(K.org, 1),
  unknown_object_id = "000000000000000000000000", -- never used by any record
  unknown_uuid = "00000000-0000-4000-8000-000000000000",
}

------------------------------------------------------------------------------
-- Word lists
------------------------------------------------------------------------------

local TEMPLATE_BASES = {
  {"screen_lock", "Lock Screen", "Lock the screen after a period of inactivity."},
  {"disable_usb_storage", "Disable USB Storage", "Block removable USB mass storage devices."},
  {"firewall", "Firewall", "Turn the system firewall on and block incoming connections."},
  {"disk_encryption", "Full Disk Encryption", "Require full disk encryption."},
  {"password_complexity", "Password Complexity", "Enforce password length and complexity."},
  {"auto_updates", "Automatic Updates", "Install operating system updates automatically."},
  {"disable_guest", "Disable Guest Account", "Remove the guest account."},
  {"login_banner", "Login Window Message", "Show a message on the login window."},
  {"ssh_root_login", "Disable Root SSH Login", "Refuse SSH logins as root."},
  {"bluetooth", "Bluetooth Control", "Allow or block Bluetooth."},
  {"camera", "Disable Camera", "Turn the built-in camera off."},
  {"app_allowlist", "Application Allow List", "Run only allowed applications."},
  {"wifi_profile", "Wi-Fi Profile", "Install a Wi-Fi network profile."},
  {"vpn_profile", "VPN Profile", "Install a VPN configuration."},
  {"certificate", "Certificate Deployment", "Install a trusted certificate."},
  {"time_server", "Network Time Server", "Set the time server."},
  {"audit_logging", "Audit Logging", "Keep audit logs for security events."},
  {"browser_homepage", "Browser Home Page", "Set the browser home page."},
  {"remote_desktop", "Disable Remote Desktop", "Turn remote desktop access off."},
  {"kernel_hardening", "Kernel Hardening", "Apply kernel security settings."},
  {"software_restriction", "Software Restriction", "Restrict software installation."},
  {"power_settings", "Power Settings", "Set sleep and standby timers."},
  {"mdm_restrictions", "Device Restrictions", "Restrict device features through MDM."},
  {"custom_script", "Custom Command", "Run a custom command on a schedule."},
}
local OS_FAMILIES = {
  {"linux", "Linux", "Ubuntu"}, {"darwin", "macOS", "macOS"}, {"windows", "Windows", "Windows"},
  {"ios", "iOS", "iOS"}, {"universal", "Universal", "Any"},
}
local DEPARTMENTS = {"Engineering", "Finance", "Sales", "Marketing", "Support", "Legal", "Operations",
  "IT", "Design", "Research", "Executive", "Contractors", "Interns"}
local FIRST = {"Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia",
  "Donald", "Frances", "Edsger", "Hedy", "Tim", "Katherine", "Niklaus", "Sophie", "John", "Joan",
  "Guido", "Anita", "Bjarne", "Lynn", "Roberto"}
local LAST = {"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Ritchie", "Liskov",
  "Thompson", "Perlman", "Knuth", "Allen", "Dijkstra", "Lamarr", "Berners-Lee", "Johnson", "Wirth",
  "Wilson", "McCarthy", "Clarke", "van Rossum", "Borg", "Stroustrup", "Conway", "Ierusalimschy"}
local COMPANY_WORDS = {"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell",
  "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Wonka", "Massive", "Aperture", "Oscorp", "Pied Piper",
  "Gringotts", "Monarch", "Dunder", "Sterling", "Prestige", "Nakatomi", "Virtucon"}
local COMPANY_SUFFIX = {"Inc.", "LLC", "Ltd", "GmbH", "Group", "Partners", "Labs", "Holdings", "Co."}
local CASE_SUBJECTS = {"Cannot bind LDAP user", "Agent not reporting", "SSO login loop",
  "MDM enrollment fails", "Password sync delayed", "Feature request: custom attributes",
  "Policy not applied", "RADIUS timeout", "Billing question", "API rate limit", "Okta migration",
  "Device shows offline"}
local CASE_STATUSES = {"New", "In Progress", "Waiting on Customer", "Escalated", "Closed"}
local CASE_LABELS = {"Support", "Feature Request", "Billing"}
local BUILTINS = {"user_alternate_email", "user_business_phones", "user_city", "user_country",
  "user_department", "user_job_title", "user_manager", "user_mobile_phone", "user_office_location",
  "user_postal_code", "user_principal_name_from_alternate_email", "user_state", "user_street_address"}
M.BUILTINS = BUILTINS
local DISPLAY_TYPES = {"checkbox", "number", "select", "text", "textarea"}

local function pick(list, i)
  return list[(i - 1) % #list + 1]
end

------------------------------------------------------------------------------
-- Builders
------------------------------------------------------------------------------

local function os_restrictions(family, i)
  if family ~= "darwin" and family ~= "ios" then
    return array()
  end
  return array{{
    osName = family == "ios" and "iOS" or "macOS",
    earliestVersion = family == "ios" and "15.0" or "12.0",
    deprecatedVersion = "",
    supportedEnrollmentTypes = array{"automated", "device"},
    appleRestrictions = {requiresSupervision = i % 2 == 0,
      supportedEnrollmentTypes = array{"automated"}},
  }}
end

local function build_templates(db)
  local coll = db:coll("v2/policytemplates")
  local n = 0
  for f, fam in ipairs(OS_FAMILIES) do
    for b, base in ipairs(TEMPLATE_BASES) do
      n = n + 1
      local fields = array()
      for k = 1, 1 + (b % 3) do
        local dtype = pick(DISPLAY_TYPES, b + k)
        fields[k] = {
          id = oid(K.field, n * 10 + k),
          name = base[1] .. "_setting_" .. k,
          label = base[2] .. " setting " .. k,
          displayType = dtype,
          defaultValue = dtype == "checkbox" and "true" or (dtype == "number" and tostring(5 * k) or ""),
          displayOptions = {},
          position = k,
          readOnly = false,
          required = k == 1,
          sensitive = base[1] == "vpn_profile" and k == 2,
          tooltip = {template = "{{message}}",
            variables = {icon = "info", message = "Sets " .. base[2]:lower() .. "."}},
        }
      end
      coll:insert{
        id = oid(K.template, n),
        name = base[1] .. "_" .. fam[1],
        displayName = base[2] .. " - " .. fam[2],
        description = base[3],
        activation = "Policy is applied on the next agent check-in.",
        alert = b % 5 == 0 and "Devices may restart." or "",
        behavior = "Settings are enforced until the policy is removed.",
        deliveryTypes = (fam[1] == "ios") and array{"mdm"}
          or (fam[1] == "darwin" and array{"agent", "mdm"} or array{"agent"}),
        osMetaFamily = fam[1],
        osRestrictions = os_restrictions(fam[1], n),
        reference = "https://support.jumpcloud.com/policies/" .. base[1],
        state = (f == 5 and b % 4 == 0) and "beta" or "",
        configFields = fields,
      }
    end
  end
  assert(n == C.policytemplates)
end

-- The template without its configFields, as embedded in policies.
local function template_summary(t)
  local s = json.copy(t)
  s.configFields = nil
  return s
end
M.template_summary = template_summary

local function build_policies(db)
  local templates = db:coll("v2/policytemplates"):all()
  local coll = db:coll("v2/policies")
  for i = 1, C.policies do
    local t = templates[(i * 7 - 1) % #templates + 1]
    local values = array()
    for k, f in ipairs(t.configFields) do
      values[k] = {configFieldID = f.id, value = f.defaultValue ~= "" and f.defaultValue or ("value-" .. i .. "-" .. k),
        sensitive = f.sensitive}
    end
    coll:insert{
      id = oid(K.policy, i),
      name = format("%s (%s) %03d", t.displayName, pick(DEPARTMENTS, i), i),
      notes = i % 3 == 0 and ("Owned by the " .. pick(DEPARTMENTS, i) .. " team.") or "",
      template = template_summary(t),
      configFields = json.copy(t.configFields),
      values = values,
    }
  end
end

local function result(n, policy_id, system_n, t, ok)
  return {
    id = oid(K.result, n),
    policyID = policy_id,
    systemID = oid(K.system, system_n),
    startedAt = iso(t),
    endedAt = iso(t + 3 + n % 40),
    exitStatus = ok and 0 or (n % 3 + 1),
    success = ok,
    state = ok and "success" or "failed",
    detail = ok and "Policy applied." or "Policy could not be applied.",
    stdOut = ok and "applied" or "",
    stdErr = ok and "" or ("error: exit status " .. (n % 3 + 1)),
  }
end

local function build_results(db)
  local results = db:coll("v2/policyresults")
  local rand = util.prng(42)
  local n = 0
  for k = 1, C.big_policy_results do
    n = n + 1
    local ok = rand(10) > 2
    results:insert(result(n, M.ids.policy, (k - 1) % C.systems + 1, BASE_TIME + k * 600, ok))
  end
  for p = 2, C.small_policies + 1 do
    for k = 1, C.small_policy_results do
      n = n + 1
      results:insert(result(n, oid(K.policy, p), (p + k) % C.systems + 1, BASE_TIME + n * 60, rand(10) > 3))
    end
  end
  -- policy statuses: the latest result per (policy, system)
  local latest, order = {}, {}
  for _, r in ipairs(results:all()) do
    local key = r.policyID .. "/" .. r.systemID
    if latest[key] == nil then
      order[#order + 1] = key
    end
    if latest[key] == nil or latest[key].startedAt < r.startedAt then
      latest[key] = r
    end
  end
  local statuses = db:coll("seed/policystatuses")
  for _, key in ipairs(order) do
    statuses:insert(json.copy(latest[key]))
  end
end

local function build_groups(db)
  local coll = db:coll("v2/policygroups")
  for i = 1, C.policygroups do
    local dept = pick(DEPARTMENTS, i)
    coll:insert{
      id = oid(K.group, i),
      name = format("%s Policies %02d", dept, i),
      description = "Policies for the " .. dept .. " team",
      email = "",
      type = "policy_group",
      attributes = {},
    }
  end
end

local function build_iplists(db)
  local coll = db:coll("v2/iplists")
  for i = 1, C.iplists do
    local ips = array()
    for k = 1, i % 4 + 1 do
      if k == 1 then
        ips[k] = format("10.%d.0.0/16", i)
      elseif k == 2 then
        ips[k] = format("192.168.%d.10", i)
      elseif k == 3 then
        ips[k] = format("172.16.%d.1-172.16.%d.254", i, i)
      else
        ips[k] = format("203.0.113.%d", i)
      end
    end
    coll:insert{id = oid(K.iplist, i), name = format("%s Office %02d", pick(DEPARTMENTS, i), i),
      description = "Egress addresses of office " .. i, ips = ips}
  end
end

local function build_directories(db)
  local ldap = db:coll("v2/ldapservers")
  for i = 1, C.ldapservers do
    ldap:insert{id = oid(K.ldap, i), name = format("JumpCloud LDAP %d", i),
      userLockoutAction = i % 2 == 1 and "disable" or "remove",
      userPasswordExpirationAction = i % 2 == 1 and "disable" or "remove"}
  end
  local logos = db:coll("v2/logos")
  for i = 1, C.logos do
    logos:insert{id = oid(K.logo, i), contentType = "image/png"}
  end
  local o365 = db:coll("v2/office365s")
  for i = 1, 2 do
    local id = oid(K.o365, i)
    o365:insert{id = id, name = i == 1 and "Contoso M365" or "Fabrikam M365", groupsEnabled = i == 1,
      userLockoutAction = "suspend", userPasswordExpirationAction = i == 1 and "maintain" or "suspend"}
    local domains = db:coll("seed/domains")
    local nd = i == 1 and C.domains or C.domains_second
    local base = i == 1 and 0 or 100
    for k = 1, nd do
      domains:insert{objectId = oid(K.domain, base + k), resourceObjectId = id, default = k == 1,
        domain = k == 1 and (i == 1 and "contoso.com" or "fabrikam.com")
          or format("%s%02d.%s.com", pick({"mail", "corp", "eu", "us", "dev", "lab"}, k), k,
            i == 1 and "contoso" or "fabrikam")}
    end
    local users = db:coll("v2/office365s/{}/import/users", id)
    local nu = i == 1 and C.import_users or C.import_users_second
    for k = 1, nu do
      local first, last = pick(FIRST, k), pick(LAST, k * 7 + i)
      users:insert{id = uuid(U.aad_user, i * 10000 + k), givenName = first, surname = last,
        userPrincipalName = format("%s.%s%d@%s.onmicrosoft.com", first:lower(), last:lower():gsub("[^%w]", ""), k,
          i == 1 and "contoso" or "fabrikam")}
    end
  end
  local rules = db:coll("v2/office365s/{}/translationrules", M.ids.office365)
  for k = 1, C.translationrules do
    rules:insert{id = oid(K.rule, k), builtIn = BUILTINS[k], direction = "export"}
  end
end

local function build_cases(db)
  local cases = db:coll("v2/organizations/cases")
  for i = 1, C.cases do
    local first, last = pick(FIRST, i * 5), pick(LAST, i * 3)
    cases:insert{
      caseNumber = format("%08d", 10000 + i),
      date = iso(BASE_TIME + i * 86400 // 3),
      subject = pick(CASE_SUBJECTS, i),
      description = "Case " .. i .. ": " .. pick(CASE_SUBJECTS, i) .. ". Steps to reproduce attached.",
      label = pick(CASE_LABELS, i),
      reporter = first .. " " .. last,
      reporterEmail = format("%s.%s@example.com", first:lower(), last:lower():gsub("[^%w]", "")),
      status = pick(CASE_STATUSES, i),
    }
  end
  db:set_singleton("v2/cases/metadata", nil, {results = {
    caseSubmissionProductTypes = array{"Directory", "Device Management", "SSO", "MDM", "Billing"},
    caseTypes = array{"Question", "Problem", "Feature Request"},
    os = array{"Windows", "macOS", "Linux", "iOS", "Android"},
    preferredResponseTimes = array{"1 hour", "4 hours", "1 business day"},
    productServiceGroups = array{"Identity", "Access", "Devices"},
    products = array{"User Management", "Policies", "RADIUS", "LDAP", "Password Manager"},
    severities = array{"Low", "Medium", "High", "Critical"},
    statuses = array(CASE_STATUSES),
  }})
end

local function build_devices(db)
  local devices = db:coll("v2/passwordmanager/devices")
  for i = 1, C.devices do
    local t = BASE_TIME + i * 3600
    devices:insert{
      id = uuid(U.device, i),
      name = format("%s's %s", pick(FIRST, i), pick({"MacBook Pro", "ThinkPad", "iPhone", "Pixel", "Surface"}, i)),
      osName = pick({"macOS", "Windows", "iOS", "Android", "Linux"}, i),
      appVersion = format("1.%d.%d", i % 9, i % 4),
      publicKey = util.base64_encode(format("mock-public-key-%04d-%s", i, string.rep("k", 16))),
      createdAt = iso(t),
      updatedAt = iso(t + 86400 * (i % 30)),
      userUuid = uuid(U.device, 1000 + i % 20),
    }
  end
end

local function build_providers(db)
  local at = M.ids.autotask_uuid
  db:coll("v2/integrations/autotask"):insert{id = at, username = "api-user@acme-msp.example", isMspAuthConfigured = true,
    secret = "mock-autotask-secret"}
  local companies = db:coll("v2/integrations/autotask/{}/companies", at)
  for i = 1, C.companies do
    companies:insert{id = tostring(1000 + i),
      name = format("%s %s %03d", pick(COMPANY_WORDS, i), pick(COMPANY_SUFFIX, i * 5), i)}
  end
  local types = db:coll("v2/integrations/autotask/{}/companytypes", at)
  for i, name in ipairs({"Customer", "Lead", "Prospect", "Dead", "Cancellation", "Vendor", "Partner"}) do
    types:insert{id = i, name = name}
  end
  local contracts = db:coll("v2/integrations/autotask/{}/contracts", at)
  for i = 1, C.contracts do
    contracts:insert{id = tostring(5000 + i), name = format("Managed Services %03d", i),
      companyId = tostring(1000 + (i * 3 - 1) % C.companies + 1)}
  end
  local fields = db:coll("v2/integrations/autotask/{}/contracts/fields", at)
  local field_defs = {
    {"contractType", {{"Time and Materials", "1"}, {"Fixed Price", "3"}, {"Recurring Service", "7"}}},
    {"status", {{"Active", "1"}, {"Inactive", "0"}}},
    {"billingPreference", {{"Manual", "1"}, {"Immediate", "2"}, {"Timesheet", "3"}}},
    {"serviceLevelAgreement", {{"Standard", "1"}, {"Premium", "2"}}},
  }
  for _, def in ipairs(field_defs) do
    local values = array()
    for k, v in ipairs(def[2]) do
      values[k] = {label = v[1], value = v[2]}
    end
    fields:insert{name = def[1], values = values}
  end
  local services = db:coll("v2/integrations/autotask/{}/contracts/services", at)
  for i = 1, C.services do
    services:insert{id = tostring(7000 + i), name = format("JumpCloud Seat %02d", i),
      contractId = tostring(5000 + (i - 1) % C.contracts + 1)}
  end
  local mappings = db:coll("v2/integrations/autotask/{}/mappings", at)
  for i = 1, C.mappings do
    local company = companies:all()[i]
    local contract = contracts:all()[i]
    local service = services:all()[i]
    mappings:insert{
      organization = {id = oid(K.org, i), name = format("Client Org %02d", i)},
      company = {id = company.id, name = company.name},
      contract = {id = contract.id, name = contract.name},
      service = {id = service.id, name = service.name, nonBillableUsers = i % 4},
      lastSyncDateTime = iso(BASE_TIME + i * 7200),
      lastSyncStatus = i % 6 == 0 and "failed" or "success",
    }
  end
  db:set_singleton("v2/integrations/autotask/{}/settings", at, {automaticTicketing = false,
    companyTypeIds = array{1, 3}})
  db:coll("v2/integrations/connectwise"):insert{id = M.ids.connectwise_uuid, username = "cw-api@acme-msp.example",
    companyId = "acmemsp", secret = "mock-connectwise-secret"}
end

local EVENT_KINDS = {
  {"directory", "user_create", "user"}, {"directory", "user_update", "user"}, {"sso", "sso_auth", "application"},
  {"systems", "login_attempt", "system"}, {"directory", "admin_login_attempt", "admin"},
  {"ldap", "ldap_bind", "user"}, {"radius", "radius_auth", "radius_server"}, {"mdm", "mdm_command", "system"},
  {"directory", "group_update", "user_group"}, {"password_manager", "item_shared", "user"},
}
local EVENT_CLIENTS = {"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36", "jumpcloud-agent/1.160.0",
  "python-requests/2.31.0"}

-- Directory Insights events, oldest first, one every 30 minutes from BASE_TIME.
local function build_events(db)
  local events = db:coll("insights/events")
  for i = 1, C.events do
    local kind = pick(EVENT_KINDS, i * 7)
    local first, last = pick(FIRST, i * 3), pick(LAST, i * 5)
    local username = (first:sub(1, 1) .. last):lower():gsub("[^%w]", "")
    events:insert{
      id = format("%08x%016x", BASE_TIME + i * 1800, 0xe000000000000000 + i),
      service = kind[1],
      event_type = kind[2],
      timestamp = iso(BASE_TIME + i * 1800),
      success = i % 9 ~= 0,
      client_ip = format("203.0.113.%d", i % 250 + 1),
      organization = M.ids.organization,
      initiated_by = {id = oid(K.device_user, i % 40 + 1), type = kind[3] == "admin" and "admin" or "user",
        username = username, email = format("%s.%s@example.com", first:lower(), last:lower():gsub("[^%w]", ""))},
      resource = {id = oid(K.device_user, 1000 + i % 60), type = kind[3] == "admin" and "user" or kind[3],
        name = format("%s %s", first, last)},
      geoip = {country_code = pick({"US", "DE", "GB", "IN", "CA"}, i), timezone = "America/Denver",
        region_name = "Colorado"},
      useragent = {name = pick({"Safari", "Chrome", "Agent", "Python Requests"}, i),
        os = pick({"Mac OS X", "Windows", "Linux", "Linux"}, i), raw_user_agent = pick(EVENT_CLIENTS, i)},
      mfa = i % 3 == 0,
    }
  end
end

--- The builders of the seed's groups of collections; a group is built when one of its collections is first
-- used. Each takes the database (`db:coll(key, parent)`, `db:set_singleton(key, parent, record)`).
M.groups = {
  policies = function(db)
    build_templates(db)
    build_policies(db)
    build_results(db)
  end,
  groups = build_groups,
  iplists = build_iplists,
  directories = build_directories,
  cases = build_cases,
  devices = build_devices,
  providers = build_providers,
  events = build_events,
}

--- The seed ids and counts, as answered by `GET /__mock/ids`.
function M.describe()
  local ids = {}
  for k, v in pairs(M.ids) do ids[k] = v end
  local counts = {}
  for k, v in pairs(M.counts) do counts[k] = v end
  return {ids = ids, counts = counts}
end

return M
