--- The 50 operations of the JumpCloud API v2 that this binding covers, as one declarative table.
--
-- Written by hand from the project's reference (`shared/reference/jumpcloud-api-v2.txt`, with response
-- schemas and content types from `shared/reference/openapi-v2.yaml`); `spec/operations_spec.lua` checks it
-- against both reference files. Data only: no functions, nothing about transport.
--
-- Each entry of `list` (in the reference's order) and of `by_id` (keyed by operationId):
--
--   id          operationId, spelled as in the reference
--   method      HTTP method
--   path        path template below `/api/v2`, with `{name}` placeholders
--   summary     the reference's one-line summary
--   params      every path, query and header parameter, in the reference's order:
--               `{name=, ["in"]="path"|"query"|"header", type="string"|"integer"|"boolean"|"array", required=true?}`.
--               Array query parameters are `style: form, explode: false` (one comma-joined value) unless
--               the entry says `explode = true` (the name repeated once per item).
--   body        nil when the operation takes no request body, else a JSON body description:
--               `{schema=, required={top-level or dotted field paths; "data[].x" for items of the data array},
--               required_body=true when the reference marks the body itself as required}`
--   response    "array" (a bare JSON array), "object", "none" (no content), "binary" (never JSON-decode),
--               `{envelope = "<key>"}` (the items under that key, next to a `totalCount`), or
--               `{token = "<items key>", token_param = "<query param>", size_param = "<query param>",
--               token_field = "<body field holding the next token>"}`
--   accept      the Accept header value to send
--   success     the 2xx statuses the reference lists
--   org_header  true exactly when the reference lists the `x-org-id` header for the operation
--   paging      "skip" (limit/skip), "token" (top/skipToken) or nil
--   sort_param  true when the operation takes a `sort` query parameter
--   graph_syntax  true where filter/search/orderby take Microsoft Graph syntax, not JumpCloud's
--
-- @module jumpcloud.operations

local M = {}

local JSON = "application/json"

M.list = {
  -- Iplists -------------------------------------------------------------------------------------------
  {
    id = "iplists_patch", method = "PATCH", path = "/iplists/{id}",
    summary = "Update a specific IP list.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "IPListRequest", required = {}, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },
  {
    id = "iplists_put", method = "PUT", path = "/iplists/{id}",
    summary = "Replace a specific IP list.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "IPListRequest", required = {}, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },

  -- Ldapservers ---------------------------------------------------------------------------------------
  {
    id = "ldapservers_list", method = "GET", path = "/ldapservers",
    summary = "This endpoint returns the object IDs of your LDAP servers.",
    params = {
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = true,
    paging = "skip", sort_param = true,
  },
  {
    id = "ldapservers_get", method = "GET", path = "/ldapservers/{id}",
    summary = "This endpoint returns a specific LDAP server.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },
  {
    id = "ldapservers_patch", method = "PATCH", path = "/ldapservers/{id}",
    summary = "This endpoint allows updating some attributes of an LDAP server.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "LdapserversPatchRequest", required = {}, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },

  -- Logos ---------------------------------------------------------------------------------------------
  {
    id = "logos_get", method = "GET", path = "/logos/{id}",
    summary = "Return the logo image associated with the specified id",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
    },
    -- The reference declares even the 404 and 500 answers as images.
    response = "binary", accept = "image/gif, image/jpeg, image/png", success = { 200 }, org_header = false,
  },

  -- Microsoftmdm --------------------------------------------------------------------------------------
  {
    id = "Enrollments_DownloadConfigFiles", method = "POST", path = "/microsoft-mdm/configuration-files",
    summary = "This endpoint allows you to download the config file.",
    params = {},
    body = { schema = "jumpcloud.microsoft_mdm.DownloadConfigFilesRequest", required = {}, required_body = true },
    response = "binary", accept = "application/zip, application/octet-stream", success = { 200 },
    org_header = false,
  },

  -- Office365 -----------------------------------------------------------------------------------------
  {
    id = "office365s_get", method = "GET", path = "/office365s/{office365_id}",
    summary = "This endpoint returns a specific Office 365 instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },
  {
    id = "office365s_patch", method = "PATCH", path = "/office365s/{office365_id}",
    summary = "This endpoint allows updating some attributes of an Office 365 instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "office365", required = {}, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },
  {
    id = "Domains_List", method = "GET", path = "/office365s/{office365_id}/domains",
    summary = "List the domains configured for a specific M365/Azure AD directory sync integration instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "limit", ["in"] = "query", type = "string" },   -- string, as the reference says
      { name = "skip", ["in"] = "query", type = "string" },
    },
    response = { envelope = "domains" }, accept = JSON, success = { 200 }, org_header = false,
    paging = "skip",
  },
  {
    id = "Domains_Insert", method = "POST", path = "/office365s/{office365_id}/domains",
    summary = "Add a domain to a specific M365/Azure AD directory sync integration instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
    },
    body = { schema = "DomainsInsertRequest", required = {}, required_body = true },
    response = "object", accept = JSON, success = { 200, 201 }, org_header = false,
  },
  {
    id = "Domains_Delete", method = "DELETE", path = "/office365s/{office365_id}/domains/{domain_id}",
    summary = "Delete a domain from a specific M365/Azure AD directory sync integration instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "domain_id", ["in"] = "path", type = "string", required = true },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "office365s_listImportUsers", method = "GET", path = "/office365s/{office365_id}/import/users",
    summary = "Lists Office 365 users available for import.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "ConsistencyLevel", ["in"] = "header", type = "string" },
      { name = "top", ["in"] = "query", type = "integer" },
      { name = "skipToken", ["in"] = "query", type = "string" },
      { name = "filter", ["in"] = "query", type = "string" },
      { name = "search", ["in"] = "query", type = "string" },
      { name = "orderby", ["in"] = "query", type = "string" },
      { name = "count", ["in"] = "query", type = "boolean" },
    },
    response = { token = "users", token_param = "skipToken", size_param = "top", token_field = "skipToken" },
    accept = JSON, success = { 200 }, org_header = false,
    paging = "token", graph_syntax = true,
  },
  {
    id = "translationRules_office365List", method = "GET", path = "/office365s/{office365_id}/translationrules",
    summary = "This endpoint returns all translation rules for a specific Office 365 instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = false,
    paging = "skip", sort_param = true,
  },
  {
    id = "translationRules_office365Post", method = "POST", path = "/office365s/{office365_id}/translationrules",
    summary = "This endpoint allows you to create a translation rule for a specific Office 365 instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
    },
    body = { schema = "Office365TranslationRuleRequest", required = {}, required_body = false },
    response = "object", accept = JSON, success = { 201 }, org_header = false,
  },
  {
    id = "translationRules_office365Delete", method = "DELETE",
    path = "/office365s/{office365_id}/translationrules/{id}",
    summary = "This endpoint allows you to delete a translation rule for a specific Office 365 instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "id", ["in"] = "path", type = "string", required = true },
    },
    response = "none", accept = JSON, success = { 204 }, org_header = false,
  },
  {
    id = "translationRules_office365Get", method = "GET", path = "/office365s/{office365_id}/translationrules/{id}",
    summary = "This endpoint returns a specific translation rule for a specific Office 365 instance.",
    params = {
      { name = "office365_id", ["in"] = "path", type = "string", required = true },
      { name = "id", ["in"] = "path", type = "string", required = true },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },

  -- Organizations -------------------------------------------------------------------------------------
  {
    id = "organizations_orgListCases", method = "GET", path = "/organizations/cases",
    summary = "This endpoint returns the cases (Support/Feature requests) for the organization",
    params = {
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "filter", ["in"] = "query", type = "array" },
    },
    response = { envelope = "results" }, accept = JSON, success = { 200 }, org_header = false,
    paging = "skip", sort_param = true,
  },

  -- Passwordmanager -----------------------------------------------------------------------------------
  {
    id = "DeviceService_ListDevices", method = "GET", path = "/passwordmanager/devices",
    summary = "List Devices",
    params = {
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "string" },   -- a single string here, not an array
      -- No style/explode given: OpenAPI's default for query arrays, one `name=item` pair per item.
      { name = "fields", ["in"] = "query", type = "array", explode = true },
      { name = "filter", ["in"] = "query", type = "array", explode = true },
    },
    response = { envelope = "results" }, accept = JSON, success = { 200 }, org_header = false,
    paging = "skip", sort_param = true,
  },
  {
    id = "DeviceService_GetDevice", method = "GET", path = "/passwordmanager/devices/{UUID}",
    summary = "Get Device",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },

  -- Policies ------------------------------------------------------------------------------------------
  {
    id = "policies_list", method = "GET", path = "/policies",
    summary = "This endpoint returns all policies.",
    params = {
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = true,
    paging = "skip", sort_param = true,
  },
  {
    id = "policies_post", method = "POST", path = "/policies",
    summary = "This endpoint allows you to create a policy.",
    params = {
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "PolicyCreateRequest", required = { "name", "template", "template.id" }, required_body = false },
    response = "object", accept = JSON, success = { 201 }, org_header = true,
  },
  {
    id = "policies_delete", method = "DELETE", path = "/policies/{id}",
    summary = "This endpoint allows you to delete a policy.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "none", accept = JSON, success = { 204 }, org_header = true,
  },
  {
    id = "policies_get", method = "GET", path = "/policies/{id}",
    summary = "This endpoint returns a specific policy.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },
  {
    id = "policies_put", method = "PUT", path = "/policies/{id}",
    summary = "This endpoint allows you to update a policy.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "PolicyUpdateRequest", required = { "name" }, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },
  {
    id = "policyresults_list", method = "GET", path = "/policies/{policy_id}/policyresults",
    summary = "This endpoint returns all policies results for a specific policy.",
    params = {
      { name = "policy_id", ["in"] = "path", type = "string", required = true },
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "x-org-id", ["in"] = "header", type = "string" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = true,
    paging = "skip", sort_param = true,
  },
  {
    id = "policystatuses_policiesList", method = "GET", path = "/policies/{policy_id}/policystatuses",
    summary = "This endpoint returns the latest policy results for a specific policy.",
    params = {
      { name = "policy_id", ["in"] = "path", type = "string", required = true },
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = true,
    paging = "skip", sort_param = true,
  },
  {
    id = "Policies_listAllPolicyResults", method = "GET", path = "/policyresults",
    summary = "This endpoint returns all policy results for an organization.",
    params = {
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "x-org-id", ["in"] = "header", type = "string" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = true,
    paging = "skip", sort_param = true,
  },
  {
    id = "policyresults_get", method = "GET", path = "/policyresults/{id}",
    summary = "This endpoint will return the policy results for a specific policy.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },

  -- Policygroups --------------------------------------------------------------------------------------
  {
    id = "PolicyGroups_listAll", method = "GET", path = "/policygroups",
    summary = "This endpoint returns all Policy Groups.",
    params = {
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = true,
    paging = "skip", sort_param = true,
  },
  {
    id = "PolicyGroups_createNew", method = "POST", path = "/policygroups",
    summary = "This endpoint allows you to create a new Policy Group.",
    params = {
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "PolicyGroupData", required = { "name" }, required_body = false },
    response = "object", accept = JSON, success = { 201 }, org_header = true,
  },
  {
    id = "PolicyGroups_deleteGroup", method = "DELETE", path = "/policygroups/{id}",
    summary = "This endpoint allows you to delete a Policy Group.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    -- 200 carries the deleted group, 204 carries nothing: both succeed.
    response = "object", accept = JSON, success = { 200, 204 }, org_header = true,
  },
  {
    id = "PolicyGroups_getDetails", method = "GET", path = "/policygroups/{id}",
    summary = "This endpoint returns the details of a Policy Group.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },
  {
    id = "PolicyGroups_updatePolicyGroup", method = "PUT", path = "/policygroups/{id}",
    summary = "This endpoint allows you to do a full update of the Policy Group.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    body = { schema = "PolicyGroupData", required = { "name" }, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },

  -- Policytemplates -----------------------------------------------------------------------------------
  {
    id = "policytemplates_list", method = "GET", path = "/policytemplates",
    summary = "This endpoint returns all policy templates.",
    params = {
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "array", accept = JSON, success = { 200 }, org_header = true,
    paging = "skip", sort_param = true,
  },
  {
    id = "policytemplates_get", method = "GET", path = "/policytemplates/{id}",
    summary = "This endpoint returns a specific policy template.",
    params = {
      { name = "id", ["in"] = "path", type = "string", required = true },
      { name = "x-org-id", ["in"] = "header", type = "string" },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = true,
  },

  -- Providers -----------------------------------------------------------------------------------------
  {
    id = "organizations_casesMetadata", method = "GET", path = "/cases/metadata",
    summary = "This endpoint returns the metadata for cases",
    params = {},
    -- `{results = {...}}` where results is one object of lists, not a list of items.
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "autotask_deleteConfiguration", method = "DELETE", path = "/integrations/autotask/{UUID}",
    summary = "Removes a Autotask integration.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    response = "none", accept = JSON, success = { 204 }, org_header = false,
  },
  {
    id = "autotask_getConfiguration", method = "GET", path = "/integrations/autotask/{UUID}",
    summary = "Retrieves configuration for given Autotask integration id.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "autotask_updateConfiguration", method = "PATCH", path = "/integrations/autotask/{UUID}",
    summary = "Update the Autotask integration configuration.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    body = { schema = "AutotaskIntegrationPatchReq", required = {}, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "autotask_retrieveCompanies", method = "GET", path = "/integrations/autotask/{UUID}/companies",
    summary = "Retrieves a list of Autotask companies for the given Autotask id.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
    },
    response = { envelope = "records" }, accept = JSON, success = { 200 }, org_header = false,
    paging = "skip", sort_param = true,
  },
  {
    id = "autotask_retrieveCompanyTypes", method = "GET", path = "/integrations/autotask/{UUID}/companytypes",
    summary = "Retrieves a list of user defined company types from Autotask for the given Autotask id.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    response = { envelope = "records" }, accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "autotask_retrieveContracts", method = "GET", path = "/integrations/autotask/{UUID}/contracts",
    summary = "Retrieves a list of Autotask contracts for the given Autotask integration id.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
    },
    response = { envelope = "results" }, accept = JSON, success = { 200 }, org_header = false,
    paging = "skip", sort_param = true,
  },
  {
    id = "autotask_retrieveContractsFields", method = "GET", path = "/integrations/autotask/{UUID}/contracts/fields",
    summary = "Retrieves a list of Autotask contract fields for the given Autotask integration id.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    response = { envelope = "results" }, accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "autotask_retrieveServices", method = "GET", path = "/integrations/autotask/{UUID}/contracts/services",
    summary = "Retrieves a list of Autotask contract services for the given Autotask integration id.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
    },
    response = { envelope = "results" }, accept = JSON, success = { 200 }, org_header = false,
    paging = "skip", sort_param = true,
  },
  {
    id = "autotask_retrieveMappings", method = "GET", path = "/integrations/autotask/{UUID}/mappings",
    summary = "Retrieves the list of mappings for this Autotask integration.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
      { name = "fields", ["in"] = "query", type = "array" },
      { name = "filter", ["in"] = "query", type = "array" },
      { name = "limit", ["in"] = "query", type = "integer" },
      { name = "skip", ["in"] = "query", type = "integer" },
      { name = "sort", ["in"] = "query", type = "array" },
    },
    response = { envelope = "records" }, accept = JSON, success = { 200 }, org_header = false,
    paging = "skip", sort_param = true,
  },
  {
    id = "autotask_patchMappings", method = "PATCH", path = "/integrations/autotask/{UUID}/mappings",
    summary = "Create, edit, and/or delete mappings between Jumpcloud organizations and Autotask "
      .. "companies/contracts/services.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    -- `data` itself is optional; each item of it needs company{id,name} and organization{id,name}.
    body = {
      schema = "AutotaskMappingRequest",
      required = {
        "data[].company", "data[].organization",
        "data[].company.id", "data[].company.name",
        "data[].organization.id", "data[].organization.name",
      },
      required_body = false,
    },
    response = "none", accept = JSON, success = { 204 }, org_header = false,
  },
  {
    id = "autotask_retrieveSettings", method = "GET", path = "/integrations/autotask/{UUID}/settings",
    summary = "Retrieve the Autotask integration settings.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "autotask_patchSettings", method = "PATCH", path = "/integrations/autotask/{UUID}/settings",
    summary = "Create, edit, and/or delete Autotask settings.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    body = { schema = "AutotaskSettingsPatchReq", required = {}, required_body = false },
    response = "object", accept = JSON, success = { 200 }, org_header = false,
  },
  {
    id = "connectwise_deleteConfiguration", method = "DELETE", path = "/integrations/connectwise/{UUID}",
    summary = "Removes a ConnectWise integration.",
    params = {
      { name = "UUID", ["in"] = "path", type = "string", required = true },
    },
    response = "none", accept = JSON, success = { 204 }, org_header = false,
  },
}

M.by_id = {}
for _, op in ipairs(M.list) do
  M.by_id[op.id] = op
end

return M
