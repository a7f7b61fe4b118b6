--- What the mock knows that the operations model cannot say: data only, each entry with its reason.
--
-- Collections are named by their API and path, parameters written `{}`: `v1/systemusers`,
-- `v2/office365s/{}/translationrules`. Everything here is keyed that way.
-- @module jumpcloud.mock.overrides

local M = {}

--- v2 paths that name v1's objects: the graph and the v2 sub-resources of users, systems, commands,
-- applications and RADIUS servers use the ids of v1's collections (v2 has no list of its own for them).
M.aliases = {
  ["v2/users"] = "v1/systemusers",
  ["v2/systems"] = "v1/systems",
  ["v2/commands"] = "v1/commands",
  ["v2/radiusservers"] = "v1/radiusservers",
  ["v2/applications"] = "v1/applications",
  ["v2/administrators"] = "v1/users", -- v1's /users are the administrators
}

--- Graph object types (JumpCloud's GraphType) and the collection holding each; types without one (agent,
-- organization...) take any id.
M.graph_types = {
  user = "v1/systemusers", system = "v1/systems", user_group = "v2/usergroups", system_group = "v2/systemgroups",
  policy = "v2/policies", policy_group = "v2/policygroups", application = "v1/applications",
  command = "v1/commands", radius_server = "v1/radiusservers", ldap_server = "v2/ldapservers",
  active_directory = "v2/activedirectories", g_suite = "v2/gsuites", office_365 = "v2/office365s",
  software_app = "v2/softwareapps", idp_routing_policy = "v2/identity-provider/policies",
  rule = "v2/healthmonitoring/rules", organization = "v1/organizations",
}

--- The graph type each path segment names, in graph paths (`/usergroups/{id}/systems`): the model says an
-- operation is a traversal, not which type its path's words are.
M.graph_segments = {
  users = "user", systems = "system", usergroups = "user_group", systemgroups = "system_group",
  policies = "policy", policygroups = "policy_group", applications = "application", commands = "command",
  radiusservers = "radius_server", ldapservers = "ldap_server", activedirectories = "active_directory",
  gsuites = "g_suite", g_suites = "g_suite", office365s = "office_365", softwareapps = "software_app",
  rules = "rule", passwordmanageritems = "password_manager_item",
}

--- Group types and the type of their members.
M.group_members = { user_group = "user", system_group = "system", policy_group = "policy" }

--- Traversal targets that stand for several types.
M.graph_families = { directories = { "active_directory", "g_suite", "ldap_server", "office_365" } }

--- The target type of association bodies that name none (the providers' sharing endpoints share with
-- organizations).
M.graph_default_target = "organization"

--- The edges of the seed's graph: `{from type, to type, kind, per}`: each `from` object gets `per` edges to
-- objects of `to`, chosen by position (deterministic). "member" edges go from a group to its members.
M.graph_seed = {
  { "user_group", "user", "member", 6 },
  { "system_group", "system", "member", 6 },
  { "policy_group", "policy", "member", 4 },
  { "user_group", "system_group", "association", 1 },
  { "user_group", "application", "association", 1 },
  { "user_group", "ldap_server", "association", 1 },
  { "user_group", "radius_server", "association", 1 },
  { "user_group", "office_365", "association", 1 },
  { "user_group", "g_suite", "association", 1 },
  { "user_group", "active_directory", "association", 1 },
  { "system_group", "policy", "association", 2 },
  { "system_group", "policy_group", "association", 1 },
  { "command", "system_group", "association", 1 },
  { "command", "system", "association", 2 },
  { "user", "system", "association", 1 },
  { "software_app", "system_group", "association", 1 },
}

--- JumpCloud's error body shapes by collection prefix (the model keeps no error responses): "status"
-- `{code, message, status}`, "rpc" `{code, message, details}` (gRPC gateways), else "message"
-- `{message, error}`. The longest matching prefix wins.
M.error_styles = {
  ["v2/integrations/"] = "status",
  ["v2/iplists"] = "status",
  ["v2/office365s/{}/translationrules"] = "status",
  ["v2/gsuites/{}/translationrules"] = "status",
  ["v2/passwordmanager/"] = "rpc",
  ["v2/office365s/{}/domains"] = "rpc",
  ["v2/gsuites/{}/domains"] = "rpc",
  ["v2/password-vault/"] = "rpc",
  ["v2/privileged-access/"] = "rpc",
}

--- Fields no two records of a collection may share (409 Conflict on create, replace and update), and the
-- status when JumpCloud answers otherwise.
M.unique = {
  ["v2/policygroups"] = { "name" },
  ["v2/usergroups"] = { "name" },
  ["v2/systemgroups"] = { "name" },
  ["v2/iplists"] = { "name" },
  ["v1/systemusers"] = { "username", "email" },
  ["v2/office365s/{}/domains"] = { "domain" },
  ["v2/gsuites/{}/domains"] = { "domain" },
  ["v2/office365s/{}/translationrules"] = { "builtIn", status = 400 }, -- JumpCloud answers 400 here
}

--- How many records the synthesized collections hold (default: `default`; `per_parent` for collections under
-- another record), so that lists span several pages of the API's default 10.
M.counts = {
  default = 25, per_parent = 12,
  ["v1/systemusers"] = 120, ["v1/systems"] = 150, ["v2/usergroups"] = 30, ["v2/systemgroups"] = 20,
  ["insights/events"] = 240, ["insights/reports"] = 12,
}

--- Collections whose synthesized ids follow the seed's numbering, so the seed's records point at them (policy
-- results name systems 1..150).
M.id_kinds = { ["v1/systems"] = 11 }

--- What a record is, for realistic names: collections whose name holds one of these words.
M.record_kinds = {
  { "group", "group" }, { "systemuser", "person" }, { "users", "person" }, { "administrator", "person" },
  { "systems", "device" }, { "devices", "device" },
}

--- List answers that also carry a `Link: <...>; rel="next"` header (JumpCloud sends one on policy templates).
M.link_header = { ["v2/policytemplates"] = true }

--- Fields kept in the store but never answered (credentials).
M.hidden = { ["v2/integrations/autotask"] = { "secret" }, ["v2/integrations/connectwise"] = { "secret" },
  ["v2/integrations/syncro"] = { "secret" } }

--- PATCH on a list's own path updates its records in bulk (the PSA integrations' mappings): the body's
-- `items` array holds records keyed by `key`; an item with `delete = true` is removed.
M.bulk = { items = "data", key = "organization.id" }

--- v1's searches (`POST /search/<collection>`) list the collection their path names.
M.search_prefix = "/search/"

--- The effect of an action on its record, by the action path's last words (JumpCloud's user state changes).
M.action_effects = {
  ["state/suspend"] = { state = "SUSPENDED", suspended = true },
  ["state/activate"] = { state = "ACTIVATED", suspended = false, activated = true },
  ["expire"] = { password_expired = true },
  ["unlock"] = { account_locked = false },
  ["reactivate"] = { state = "ACTIVATED", suspended = false },
}

--- Body fields of the examples (`GET /__mock/examples`) that must name a record of a collection: the schema
-- cannot say which.
M.example_refs = {
  postApiV2Policies = { ["template.id"] = "v2/policytemplates" },
}

--- Example bodies of operations whose body schema the model keeps inline (field names and types only): the
-- nested types, enums and bounds these need are not in the model.
M.example_bodies = {
  postApiV2SampleData = { resourceTypes = { "users" } }, -- items enum, minItems 1
  putApiV2ReportsScheduledByObjectid = { -- a component schema the model does not name
    scheduledReport = { displayName = "Weekly users", scheduleFrequency = "weekly", scheduleTime = "09:00 AM",
      timeZone = "America/Denver", exportType = "csv", isActive = true, days = { "MONDAY" },
      recipients = { { channelType = "email", value = { "it@example.com" } } } },
  },
}

--- The resource rules of the seed's collections that no schema can say (functions in `jumpcloud.mock.hooks`),
-- by collection and behaviour.
M.hooks = {
  ["v2/policies"] = { create = "policy_template", replace = "policy_values" },
  ["v2/office365s"] = { patch = "office365_default_domain" },
  ["v2/integrations/autotask"] = { patch = "autotask_credentials" },
}

return M
