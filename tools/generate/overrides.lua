--- The one hand-written input of bin/generate besides JumpCloud's descriptions: only what the descriptions cannot
-- say, each entry with its reason. Any accepted name of an operation (standardized or legacy id) may key an entry.
--
--   names       extra names callers may use: [extra name] = an existing name of the operation
--   operations  patches of one operation: params = {[name] = {field = value, false removes}}, list, paging
--               (false removes), accept, graph_syntax
--   paths       rewrites of a path before naming (tools/generate/name_resources.lua has the rules): `from` matches
--               the start of a path ({} any parameter, * any literal, reused as * in `to`), limited to an `api`
--               or `method` when given, to the whole path with `exact`; `to` replaces the matched part, its
--               literals taken as method names; `as` forces the kind of the method
--   aliases     methods kept from the reference's resources beside the operation's own method
return {
  names = {
    -- The reference's own names (from a third-party copy of JumpCloud's description), kept for its callers:
    -- the reference's name of JumpCloud's groups_policy_list
    PolicyGroups_listAll = "groups_policy_list",
    -- the reference's name of JumpCloud's groups_policy_post
    PolicyGroups_createNew = "groups_policy_post",
    -- the reference's name of JumpCloud's groups_policy_delete
    PolicyGroups_deleteGroup = "groups_policy_delete",
    -- the reference's name of JumpCloud's groups_policy_get
    PolicyGroups_getDetails = "groups_policy_get",
    -- the reference's name of JumpCloud's groups_policy_put
    PolicyGroups_updatePolicyGroup = "groups_policy_put",
    -- the reference's name of JumpCloud's policyresults_org_list
    Policies_listAllPolicyResults = "policyresults_org_list",
  },

  operations = {
    -- the reference's Accept (from JumpCloud's 2022 description) also takes octet-stream; today's says zip alone
    Enrollments_DownloadConfigFiles = { accept = "application/zip, application/octet-stream" },
    -- filter, search and orderby take Microsoft Graph's syntax, not JumpCloud's field:op:value
    office365s_listImportUsers = { graph_syntax = true },
    -- two arrays in the answer: results is the one totalCount counts (the key of every other pwm list)
    ItemMetadataService_GetMetadata = { list = { shape = "envelope", key = "results", total = "totalCount" } },
    -- the same answer per user: results, as above
    ItemMetadataService_GetMetadataPerUser = { list = { shape = "envelope", key = "results", total = "totalCount" } },
    -- the next position comes in the X-Search_after response header, which the description does not declare;
    -- the body's limit may be 10,000, which it does not declare either
    directoryInsights_eventsPost = { paging = { kind = "search_after", size = "limit", position = "search_after",
      next = "x-search_after", in_body = true, max = 10000 } },
    -- records is typed as one template, but it is the page: paged by limit/skip, counted by totalCount
    policyGroupTemplates_listConfiguredPolicyTemplates = {
      list = { shape = "envelope", key = "records", total = "totalCount" } },
    -- a list of identities (limit-sized) beside two summary figures, not an object
    RiskStatsService_GetRiskyIdentities = { list = { shape = "envelope", key = "identities" } },
  },

  paths = {
    -- v1's system users are the users of v2's graph (/users/{user_id}/...): one resource
    { api = "v1", from = "/systemusers", to = "/users" },
    -- v1's /users are the console administrators' own accounts, not the directory's users
    { api = "v1", from = "/users/reactivate/{}", to = "/administrators/{}/reactivate" },
    -- an administrator's TOTP reset, by id: client.administrators:resettotp(id)
    { api = "v1", from = "/users/resettotp/{}", to = "/administrators/{}/resettotp" },
    -- the administrator's own account: client.administrators:replace(id, body)
    { api = "v1", from = "/users", to = "/administrators" },
    -- v1's POST /runCommand runs a command: client.commands:run(body)
    { api = "v1", from = "/runCommand", to = "/commands/run" },
    -- a command's webhook trigger, by trigger name: client.commands:trigger(name, body)
    { api = "v1", from = "/command/trigger/{}", to = "/commands/{}/trigger" },
    -- the files of a command: client.commands:files(id)
    { api = "v1", from = "/files/command/{}", to = "/commands/{}/files" },
    -- v1's searches (POST with the filter in the body, paged by limit/skip) belong to what they search
    { api = "v1", from = "/search/systemusers", to = "/users/search" },
    -- the other searches: client.systems:search(), commands, commandresults, organizations
    { api = "v1", from = "/search/*", to = "/*/search" },
    -- the built-in commands are actions on a system: client.systems:erase(id)
    { api = "v1", from = "/systems/{}/command/builtin", to = "/systems/{}" },
    -- Directory Insights (its own host) is one resource, apart from v2's /reports
    { api = "insights", from = "/events", to = "/directory_insights/events" },
    -- Directory Insights' reports: client.directory_insights:reports(), not v2's client.reports
    { api = "insights", from = "/reports", to = "/directory_insights/reports" },
    -- v2's view of one application lands where v1's applications_get is: client.applications:get_v2(id)
    { api = "v2", method = "GET", from = "/applications/{}", to = "/applications/{}/get_v2", exact = true },

    -- the reference's client.policies:results(policy_id) (its names: lua/jumpcloud/resources/, README)
    { from = "/policies/{}/policyresults", to = "/policies/{}/results" },
    -- the reference's client.policies:statuses(policy_id)
    { from = "/policies/{}/policystatuses", to = "/policies/{}/statuses" },
    -- the reference's client.office365s:translation_rules(office365_id)
    { from = "/office365s/{}/translationrules", to = "/office365s/{}/translation_rules" },
    -- the reference's client.autotask:company_types(UUID)
    { from = "/integrations/autotask/{}/companytypes", to = "/autotask/{}/company_types" },
    -- the reference's client.autotask:contract_fields(UUID)
    { from = "/integrations/autotask/{}/contracts/fields", to = "/autotask/{}/contract_fields" },
    -- the reference's client.autotask:services(UUID)
    { from = "/integrations/autotask/{}/contracts/services", to = "/autotask/{}/services" },
    -- the reference's client.microsoft_mdm:download_config_files(body), a create (POST with a body)
    { from = "/microsoft-mdm/configuration-files", to = "/microsoft_mdm/download_config_files", as = "create" },

    -- the name autotask's company types have: client.connectwise:company_types(UUID)
    { from = "/integrations/connectwise/{}/companytypes", to = "/connectwise/{}/company_types" },
    -- the name Office 365's translation rules have: client.gsuites:translation_rules(gsuite_id)
    { from = "/gsuites/{}/translationrules", to = "/gsuites/{}/translation_rules" },

    -- the preview is an action of the resource, not a second translation_rules beside the per-directory one
    { from = "/activedirectories/translation-rules/preview", to = "/activedirectories/preview_translation_rules" },
    -- recommendations per provider, next to the directory's translation_rules(id)
    { from = "/activedirectories/{}/translation-rules/recommendation",
      to = "/activedirectories/{}/translation_rule_recommendations" },
    -- "all" is taken by the paged list's all{}: the unpaged list of every group
    { from = "/password-vault/groups/all", to = "/password-vault/groups/all_groups" },
    -- the privileged-access twin of that list, named alike
    { from = "/privileged-access/groups/all", to = "/privileged-access/groups/all_groups" },
    -- traversals of an IdP routing policy's associations: usergroups(id) and users(id) beside associations(id, type)
    { from = "/identity-provider/policies/{}/associations/*", to = "/identity-provider/policies/{}/*" },
    -- DELETE of the collection deletes the policies a body names; delete(id) deletes one
    { method = "DELETE", from = "/passwordpolicies", to = "/passwordpolicies/batch_delete", exact = true },
    -- a provider's ticketing alert configurations, per integration (autotask, connectwise, syncro)
    { from = "/providers/{}/integrations/*/alerts/configuration/options",
      to = "/providers/{}/*_alert_configuration_options" },
    -- a configuration sub-resource and an {alert_UUID}/configuration action would clash: one list per integration
    { from = "/providers/{}/integrations/*/alerts/configuration", to = "/providers/{}/*_alert_configurations" },
    -- one alert's configuration is an item of that list: replace(alert_UUID, body)
    { from = "/providers/{}/integrations/*/alerts/{}/configuration", to = "/providers/{}/*_alert_configurations/{}" },
    -- the runs of one scheduled report, beside the runs of all of them
    { from = "/reports/scheduled/{}/runs", to = "/reports/scheduled/{}/report_runs" },
    -- POST /workflows/{id}/runs starts a run: client.workflows:trigger(id, body), beside the runs() list
    { method = "POST", from = "/workflows/{}/runs", to = "/workflows/{}/trigger" },
  },

  aliases = {
    -- the reference's client.cases:each{} (also client.organizations:cases():each{})
    { family = "cases", verb = "list", as = "list", op = "organizations_orgListCases" },
    -- the reference's client.passwordmanager:each{} (also client.passwordmanager:devices():each{})
    { family = "passwordmanager", verb = "list", as = "list", op = "DeviceService_ListDevices" },
    -- the reference's client.passwordmanager:get(UUID) (also :devices():get(UUID))
    { family = "passwordmanager", verb = "get", as = "get", op = "DeviceService_GetDevice" },
  },
}
