--- The 50 operations of the JumpCloud API v2 reference as one declarative table,
-- and the one generic dispatcher that runs them against the mock's database.
--
-- Each route names its handler `kind` (list, token_list, get, create, replace,
-- patch, delete, singleton_get, singleton_patch, bulk_upsert, binary, file), the
-- collection it works on, the list shape and the success status. Extra fields:
--
--   org       true when the reference lists the `x-org-id` header; any other
--             operation answers 403 to a request carrying it
--   parent    `{param=, coll=, field=}`: the path parameter naming a parent record
--             (404 when unknown); with `field`, the records of `coll` whose
--             `field` equals it, without, a collection per parent
--   id_param  the path parameter holding the record id (default `id`)
--   schema    writable body fields and their types; `required` the fields a body
--             must have; `unique` a field no two records may share (409)
--   defaults  fields of a created record the body does not give
--   omit      fields left out of this route's answer (list views)
--   wrap      answer `{[wrap] = record}` instead of the record
--   errors    the error body shape: "message" `{message, error}`, "status"
--             `{code, message, status}` or "rpc" `{code, message, details}`
--   produces  content types of the answer (default application/json)
--   query     false when the list takes no query parameters
--   link      add a `Link: <...>; rel="next"` header while more pages remain
--   hook      name of a function in `hooks` run before a write is stored
-- @module jumpcloud.mock.routes

local json = require "jumpcloud.mock.json"
local store = require "jumpcloud.mock.store"
local seed = require "jumpcloud.mock.seed"
local util = require "jumpcloud.mock.util"
local binary = require "jumpcloud.mock.binary"

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local format, match, find = string.format, string.match, string.find
local null = json.null

local M = {}

local OFFICE365 = {param = "office365_id", coll = "office365s"}
local AUTOTASK = {param = "UUID", coll = "autotask"}
local POLICY = {param = "policy_id", coll = "policies", field = "policyID"}

local IPLIST_SCHEMA = {name = "string", description = "string", ips = {array = "ip"}}
local O365_ACTION = {enum = {"suspend", "maintain"}}
local LDAP_ACTION = {enum = {"disable", "remove"}}
local POLICY_VALUES = {array = "object"}

--- The routes, in the reference's order.
M.list = {
  -- Iplists
  {op = "iplists_patch", method = "PATCH", path = "/iplists/{id}", kind = "patch", coll = "iplists",
    status = 200, org = true, errors = "status", schema = IPLIST_SCHEMA, unique = "name"},
  {op = "iplists_put", method = "PUT", path = "/iplists/{id}", kind = "replace", coll = "iplists",
    status = 200, org = true, errors = "status", schema = IPLIST_SCHEMA, unique = "name",
    defaults = {ips = "array"}},
  -- Ldapservers
  {op = "ldapservers_list", method = "GET", path = "/ldapservers", kind = "list", coll = "ldapservers",
    shape = "array", status = 200, org = true},
  {op = "ldapservers_get", method = "GET", path = "/ldapservers/{id}", kind = "get", coll = "ldapservers",
    status = 200, org = true},
  {op = "ldapservers_patch", method = "PATCH", path = "/ldapservers/{id}", kind = "patch", coll = "ldapservers",
    status = 200, org = true,
    schema = {userLockoutAction = LDAP_ACTION, userPasswordExpirationAction = LDAP_ACTION}},
  -- Logos
  {op = "logos_get", method = "GET", path = "/logos/{id}", kind = "binary", coll = "logos", status = 200,
    produces = {"image/png"}},
  -- Microsoft MDM
  {op = "Enrollments_DownloadConfigFiles", method = "POST", path = "/microsoft-mdm/configuration-files",
    kind = "file", status = 200, produces = {"application/zip", "application/octet-stream"}},
  -- Office 365
  {op = "office365s_get", method = "GET", path = "/office365s/{office365_id}", kind = "get", coll = "office365s",
    id_param = "office365_id", status = 200, org = true},
  {op = "office365s_patch", method = "PATCH", path = "/office365s/{office365_id}", kind = "patch",
    coll = "office365s", id_param = "office365_id", status = 200, org = true, hook = "office365_default_domain",
    schema = {name = "string", groupsEnabled = "boolean", userLockoutAction = O365_ACTION,
      userPasswordExpirationAction = O365_ACTION, defaultDomain = "object"}},
  {op = "Domains_List", method = "GET", path = "/office365s/{office365_id}/domains", kind = "list", coll = "domains",
    parent = {param = "office365_id", coll = "office365s", field = "resourceObjectId"}, shape = "envelope:domains",
    status = 200, errors = "rpc", filter = false, sort = false},
  {op = "Domains_Insert", method = "POST", path = "/office365s/{office365_id}/domains", kind = "create",
    coll = "domains", parent = {param = "office365_id", coll = "office365s", field = "resourceObjectId"},
    status = 201, errors = "rpc", wrap = "domain", schema = {domain = "hostname"}, required = {"domain"},
    unique = "domain", defaults = {default = false}},
  {op = "Domains_Delete", method = "DELETE", path = "/office365s/{office365_id}/domains/{domain_id}", kind = "delete",
    coll = "domains", parent = {param = "office365_id", coll = "office365s", field = "resourceObjectId"},
    id_param = "domain_id", status = 200, errors = "rpc", wrap = "domain"},
  {op = "office365s_listImportUsers", method = "GET", path = "/office365s/{office365_id}/import/users",
    kind = "token_list", coll = "import_users", parent = OFFICE365, shape = "token:users", status = 200},
  {op = "translationRules_office365List", method = "GET", path = "/office365s/{office365_id}/translationrules",
    kind = "list", coll = "translationrules", parent = OFFICE365, shape = "array", status = 200},
  {op = "translationRules_office365Post", method = "POST", path = "/office365s/{office365_id}/translationrules",
    kind = "create", coll = "translationrules", parent = OFFICE365, status = 201, errors = "status",
    schema = {builtIn = {enum = seed.BUILTINS}, direction = {enum = {"export"}}}, required = {"builtIn"},
    unique = "builtIn", unique_status = 400, defaults = {direction = "export"}},
  {op = "translationRules_office365Delete", method = "DELETE",
    path = "/office365s/{office365_id}/translationrules/{id}",
    kind = "delete", coll = "translationrules", parent = OFFICE365, status = 204},
  {op = "translationRules_office365Get", method = "GET", path = "/office365s/{office365_id}/translationrules/{id}",
    kind = "get", coll = "translationrules", parent = OFFICE365, status = 200},
  -- Organizations
  {op = "organizations_orgListCases", method = "GET", path = "/organizations/cases", kind = "list", coll = "cases",
    shape = "envelope:results", status = 200},
  -- Password manager
  {op = "DeviceService_ListDevices", method = "GET", path = "/passwordmanager/devices", kind = "list",
    coll = "devices", shape = "envelope:results", status = 200, errors = "rpc"},
  {op = "DeviceService_GetDevice", method = "GET", path = "/passwordmanager/devices/{UUID}", kind = "get",
    coll = "devices", id_param = "UUID", status = 200, errors = "rpc"},
  -- Policies
  {op = "policies_list", method = "GET", path = "/policies", kind = "list", coll = "policies", shape = "array",
    status = 200, org = true, omit = {"values", "configFields", "notes"}},
  {op = "policies_post", method = "POST", path = "/policies", kind = "create", coll = "policies", status = 201,
    org = true, hook = "policy_template", required = {"name", "template", "template.id"},
    schema = {name = "string", notes = "string", values = POLICY_VALUES, template = "object"}},
  {op = "policies_delete", method = "DELETE", path = "/policies/{id}", kind = "delete", coll = "policies",
    status = 204, org = true},
  {op = "policies_get", method = "GET", path = "/policies/{id}", kind = "get", coll = "policies", status = 200,
    org = true},
  {op = "policies_put", method = "PUT", path = "/policies/{id}", kind = "replace", coll = "policies", status = 200,
    org = true, hook = "policy_values", required = {"name"},
    schema = {name = "string", notes = "string", values = POLICY_VALUES},
    omit = {"values", "configFields", "notes"}},
  {op = "policyresults_list", method = "GET", path = "/policies/{policy_id}/policyresults", kind = "list",
    coll = "policyresults", parent = POLICY, shape = "array", status = 200, org = true},
  {op = "policystatuses_policiesList", method = "GET", path = "/policies/{policy_id}/policystatuses", kind = "list",
    coll = "policystatuses", parent = POLICY, shape = "array", status = 200, org = true},
  {op = "Policies_listAllPolicyResults", method = "GET", path = "/policyresults", kind = "list",
    coll = "policyresults", shape = "array", status = 200, org = true},
  {op = "policyresults_get", method = "GET", path = "/policyresults/{id}", kind = "get", coll = "policyresults",
    status = 200, org = true},
  -- Policy groups
  {op = "PolicyGroups_listAll", method = "GET", path = "/policygroups", kind = "list", coll = "policygroups",
    shape = "array", status = 200, org = true},
  {op = "PolicyGroups_createNew", method = "POST", path = "/policygroups", kind = "create", coll = "policygroups",
    status = 201, org = true, schema = {name = "nonempty"}, required = {"name"}, unique = "name",
    defaults = {type = "policy_group", attributes = "object", description = "", email = ""}},
  {op = "PolicyGroups_deleteGroup", method = "DELETE", path = "/policygroups/{id}", kind = "delete",
    coll = "policygroups", status = 200, org = true},
  {op = "PolicyGroups_getDetails", method = "GET", path = "/policygroups/{id}", kind = "get", coll = "policygroups",
    status = 200, org = true},
  {op = "PolicyGroups_updatePolicyGroup", method = "PUT", path = "/policygroups/{id}", kind = "replace",
    coll = "policygroups", status = 200, org = true, schema = {name = "nonempty"}, required = {"name"},
    unique = "name"},
  -- Policy templates
  {op = "policytemplates_list", method = "GET", path = "/policytemplates", kind = "list", coll = "policytemplates",
    shape = "array", status = 200, org = true, omit = {"configFields"}, link = true},
  {op = "policytemplates_get", method = "GET", path = "/policytemplates/{id}", kind = "get",
    coll = "policytemplates", status = 200, org = true},
  -- Providers
  {op = "organizations_casesMetadata", method = "GET", path = "/cases/metadata", kind = "singleton_get",
    coll = "cases_metadata", status = 200},
  {op = "autotask_deleteConfiguration", method = "DELETE", path = "/integrations/autotask/{UUID}", kind = "delete",
    coll = "autotask", id_param = "UUID", status = 204, errors = "status"},
  {op = "autotask_getConfiguration", method = "GET", path = "/integrations/autotask/{UUID}", kind = "get",
    coll = "autotask", id_param = "UUID", status = 200, errors = "status"},
  {op = "autotask_updateConfiguration", method = "PATCH", path = "/integrations/autotask/{UUID}", kind = "patch",
    coll = "autotask", id_param = "UUID", status = 200, errors = "status", hook = "autotask_credentials",
    schema = {username = "nonempty", secret = "nonempty"}},
  {op = "autotask_retrieveCompanies", method = "GET", path = "/integrations/autotask/{UUID}/companies", kind = "list",
    coll = "companies", parent = AUTOTASK, shape = "envelope:records", status = 200, errors = "status"},
  {op = "autotask_retrieveCompanyTypes", method = "GET", path = "/integrations/autotask/{UUID}/companytypes",
    kind = "list", coll = "companytypes", parent = AUTOTASK, shape = "envelope:records", status = 200,
    errors = "status", query = false},
  {op = "autotask_retrieveContracts", method = "GET", path = "/integrations/autotask/{UUID}/contracts", kind = "list",
    coll = "contracts", parent = AUTOTASK, shape = "envelope:results", status = 200, errors = "status"},
  {op = "autotask_retrieveContractsFields", method = "GET", path = "/integrations/autotask/{UUID}/contracts/fields",
    kind = "list", coll = "contract_fields", parent = AUTOTASK, shape = "envelope:results", status = 200,
    errors = "status", query = false},
  {op = "autotask_retrieveServices", method = "GET", path = "/integrations/autotask/{UUID}/contracts/services",
    kind = "list", coll = "services", parent = AUTOTASK, shape = "envelope:results", status = 200, errors = "status"},
  {op = "autotask_retrieveMappings", method = "GET", path = "/integrations/autotask/{UUID}/mappings", kind = "list",
    coll = "mappings", parent = AUTOTASK, shape = "envelope:records", status = 200, errors = "status"},
  {op = "autotask_patchMappings", method = "PATCH", path = "/integrations/autotask/{UUID}/mappings",
    kind = "bulk_upsert", coll = "mappings", parent = AUTOTASK, status = 204, errors = "status",
    key = "organization.id", items = "data",
    required = {"company", "organization", "company.id", "company.name", "organization.id", "organization.name"},
    schema = {company = "object", organization = "object", contract = "object", service = "object",
      delete = "boolean"}},
  {op = "autotask_retrieveSettings", method = "GET", path = "/integrations/autotask/{UUID}/settings",
    kind = "singleton_get", coll = "autotask_settings", parent = AUTOTASK, status = 200, errors = "status"},
  {op = "autotask_patchSettings", method = "PATCH", path = "/integrations/autotask/{UUID}/settings",
    kind = "singleton_patch", coll = "autotask_settings", parent = AUTOTASK, status = 200, errors = "status",
    schema = {automaticTicketing = "boolean", companyTypeIds = {array = "integer", max = 150}}},
  {op = "connectwise_deleteConfiguration", method = "DELETE", path = "/integrations/connectwise/{UUID}",
    kind = "delete", coll = "connectwise", id_param = "UUID", status = 204, errors = "status"},
}

------------------------------------------------------------------------------
-- Responses and errors
------------------------------------------------------------------------------

local REASONS = {
  [200] = "OK", [201] = "Created", [204] = "No Content", [400] = "Bad Request", [401] = "Unauthorized",
  [403] = "Forbidden", [404] = "Not Found", [405] = "Method Not Allowed", [406] = "Not Acceptable",
  [409] = "Conflict", [415] = "Unsupported Media Type", [422] = "Unprocessable Entity",
  [429] = "Too Many Requests", [500] = "Internal Server Error", [502] = "Bad Gateway",
  [503] = "Service Unavailable", [504] = "Gateway Timeout",
}
M.REASONS = REASONS

local GRPC = {[400] = 3, [401] = 16, [403] = 7, [404] = 5, [409] = 6, [429] = 8, [500] = 13, [503] = 14}

--- A JSON response.
function M.json_response(status, value, headers)
  local h = headers or {}
  h["content-type"] = "application/json; charset=utf-8"
  return {status = status, headers = h, body = json.encode(value)}
end

--- An error body in one of JumpCloud's shapes.
-- @tparam string style "message", "status", "rpc" or "plain" (`{message}` only)
function M.error_body(style, status, message)
  if style == "status" then
    local body = {code = status, message = message, status = REASONS[status] or "Error"}
    if status == 400 then body.details = json.array() end
    return body
  elseif style == "rpc" then
    return {code = GRPC[status] or 2, message = message, details = json.array()}
  elseif style == "plain" then
    return {message = message}
  end
  return {message = message, error = message}
end

--- An error response.
function M.error(style, status, message, headers)
  return M.json_response(status, M.error_body(style, status, message), headers)
end

local function route_error(route, status, message)
  return M.error(route and route.errors or "message", status, message)
end

------------------------------------------------------------------------------
-- Matching
------------------------------------------------------------------------------

local function compile(route)
  local segs = {}
  for seg in route.path:gmatch("[^/]+") do
    local name = match(seg, "^{(.+)}$")
    segs[#segs + 1] = name and {param = name} or {lit = seg}
  end
  route.segs = segs
  route.literals = 0
  for _, s in ipairs(segs) do
    if s.lit then route.literals = route.literals + 1 end
  end
end

for _, r in ipairs(M.list) do
  compile(r)
  r.errors = r.errors or "message"
  r.produces = r.produces or {"application/json"}
end

local function match_route(route, segments)
  if #route.segs ~= #segments then return nil end
  local params = {}
  for i, s in ipairs(route.segs) do
    if s.lit then
      if s.lit ~= segments[i] then return nil end
    else
      if segments[i] == "" then return nil end
      params[s.param] = segments[i]
    end
  end
  return params
end

--- Find the route for a method and decoded path segments (below /api/v2).
-- @return route, params; or nil, allowed-methods list (path known, method not); or nil
function M.find(method, segments)
  if method == "HEAD" then method = "GET" end -- HEAD is GET without the body (lua-http drops it)
  local best, best_params
  local allowed
  for _, r in ipairs(M.list) do
    local params = match_route(r, segments)
    if params then
      if r.method == method then
        if not best or r.literals > best.literals then
          best, best_params = r, params
        end
      else
        allowed = allowed or {}
        allowed[#allowed + 1] = r.method
      end
    end
  end
  if best then return best, best_params end
  return nil, allowed
end

------------------------------------------------------------------------------
-- Content negotiation
------------------------------------------------------------------------------

--- The first of `offered` that the Accept header admits, or nil.
-- A missing or empty Accept header admits anything.
function M.negotiate(accept, offered)
  if accept == nil or match(accept, "^%s*$") then
    return offered[1]
  end
  local ranges = {}
  for item in accept:gmatch("[^,]+") do
    local mtype = match(item, "^%s*([^;%s]+)")
    if mtype then
      local q = tonumber(match(item, ";%s*[qQ]%s*=%s*([%d%.]+)")) or 1
      ranges[#ranges + 1] = {type = mtype:lower(), q = q}
    end
  end
  for _, t in ipairs(offered) do
    local major = match(t, "^([^/]+)/")
    local best_q, best_spec = nil, -1
    for _, r in ipairs(ranges) do
      local spec
      if r.type == t then spec = 2
      elseif r.type == major .. "/*" then spec = 1
      elseif r.type == "*/*" or r.type == "*" then spec = 0 end
      if spec and spec > best_spec then
        best_spec, best_q = spec, r.q
      end
    end
    if best_q and best_q > 0 then
      return t
    end
  end
  return nil
end

------------------------------------------------------------------------------
-- Bodies
------------------------------------------------------------------------------

local function is_object(v)
  return type(v) == "table" and not json.is_array(v) and (next(v) == nil or v[1] == nil)
end

local function is_array(v)
  return type(v) == "table" and (json.is_array(v) or v[1] ~= nil or next(v) == nil)
end

local SCALAR_CHECKS = {
  string = function(v) return type(v) == "string" end,
  nonempty = function(v) return type(v) == "string" and find(v, "%S") ~= nil end,
  boolean = function(v) return type(v) == "boolean" end,
  integer = function(v) return math.type(v) == "integer" or (type(v) == "number" and v % 1 == 0) end,
  number = function(v) return type(v) == "number" end,
  object = is_object,
  ip = function(v) return type(v) == "string" and match(v, "^[%x%.:/%-]+$") ~= nil end,
  hostname = function(v) return type(v) == "string" and match(v, "^[%w][%w%-%.]*%.[%a][%w%-]*$") ~= nil end,
}

local TYPE_NAMES = {string = "a string", nonempty = "a non-empty string", boolean = "a boolean",
  integer = "an integer", number = "a number", object = "an object", ip = "an IP address, range or CIDR",
  hostname = "a domain name"}

-- Check one value against a schema type; returns nil or a message.
local function check_type(name, v, spec)
  if type(spec) == "string" then
    if not SCALAR_CHECKS[spec](v) then
      return format("%s must be %s", name, TYPE_NAMES[spec])
    end
  elseif spec.enum then
    for _, e in ipairs(spec.enum) do
      if v == e then return nil end
    end
    return format("%s must be one of: %s", name, table.concat(spec.enum, ", "))
  elseif spec.array then
    if not is_array(v) then
      return format("%s must be an array", name)
    end
    if spec.max and #v > spec.max then
      return format("%s may hold at most %d items", name, spec.max)
    end
    for i, x in ipairs(v) do
      local err = check_type(format("%s[%d]", name, i - 1), x, spec.array)
      if err then return err end
    end
  end
  return nil
end

-- Validate a decoded body against a route's `required` and `schema`.
local function validate(route, body, need_required, prefix)
  prefix = prefix or ""
  if need_required and route.required then
    for _, path in ipairs(route.required) do
      local v = store.get_path(body, path)
      if v == nil then
        return prefix .. path .. " is required"
      end
    end
  end
  for field, spec in pairs(route.schema or {}) do
    local v = body[field]
    if v ~= nil and v ~= null then
      local err = check_type(prefix .. field, v, spec)
      if err then return err end
    end
  end
  return nil
end

-- Decode the request body as a JSON object. Returns the object, or nil and a message.
local function body_object(req, required)
  local text = req.body
  if text == nil or match(text, "^%s*$") then
    if required then
      return nil, "request body is required"
    end
    return {}
  end
  local v, err = json.decode(text)
  if v == nil and err then
    return nil, "invalid JSON in request body: " .. tostring(err)
  end
  if not is_object(v) then
    return nil, "request body must be a JSON object"
  end
  return v
end

------------------------------------------------------------------------------
-- Presentation
------------------------------------------------------------------------------

local function default_value(v)
  if v == "array" then return json.array() end
  if v == "object" then return {} end
  return v
end

-- Copy a stored record for the answer: hidden and omitted fields removed, then
-- the `fields` projection if any.
-- The copy is shallow: answers are only encoded, never changed, so nested
-- tables may be shared with the store.
local function present(ctx, rec, fields)
  local out = {}
  for k, v in pairs(rec) do out[k] = v end
  local spec = ctx.coll.spec
  for _, f in ipairs(spec.hidden or {}) do out[f] = nil end
  for _, f in ipairs(ctx.route.omit or {}) do out[f] = nil end
  if fields and #fields > 0 then
    out = store.project(out, fields, ctx.coll.id_field)
  end
  return out
end

local function answer(ctx, status, rec)
  local route = ctx.route
  if status == 204 then
    return {status = 204, headers = {}, body = ""}
  end
  local value = rec and present(ctx, rec) or {}
  if route.wrap then
    value = {[route.wrap] = value}
  end
  return M.json_response(status, value)
end

------------------------------------------------------------------------------
-- Hooks: the few resource rules a table cannot say
------------------------------------------------------------------------------

local hooks = {}
M.hooks = hooks

local function check_values(values, config_fields)
  if values == nil then return nil end
  local known = {}
  for _, f in ipairs(config_fields or {}) do known[f.id] = true end
  for i, v in ipairs(values) do
    if not is_object(v) then
      return 400, format("values[%d] must be an object", i - 1)
    end
    if v.configFieldID ~= nil and not known[v.configFieldID] then
      return 400, format("values[%d].configFieldID %q is not a config field of the policy's template", i - 1,
        tostring(v.configFieldID))
    end
  end
  if not json.is_array(values) then json.array(values) end
  return nil
end

-- POST /policies: resolve the template, copy its config fields.
function hooks.policy_template(ctx, rec, body)
  local tid = body.template and body.template.id
  local template = ctx.db:coll("policytemplates"):get(tid)
  if not template then
    return 400, format("template.id %q is not a known policy template", tostring(tid))
  end
  rec.template = seed.template_summary(template)
  rec.configFields = json.copy(template.configFields)
  rec.values = rec.values or json.array()
  rec.notes = rec.notes or ""
  return check_values(rec.values, rec.configFields)
end

-- PUT /policies/{id}: values must name the template's config fields.
function hooks.policy_values(_, rec)
  rec.values = rec.values or json.array()
  return check_values(rec.values, rec.configFields)
end

-- PATCH /office365s/{id}: `defaultDomain: {}` unsets, `{id}` must name a domain of the instance.
function hooks.office365_default_domain(ctx, rec, body)
  local dd = body.defaultDomain
  if dd == nil then return nil end
  if dd == null or next(dd) == nil then
    rec.defaultDomain = nil
    return nil
  end
  local domain = ctx.db:coll("domains"):get(dd.id)
  if not domain or domain.resourceObjectId ~= rec.id then
    return 400, format("defaultDomain.id %q is not a domain of this Office 365 instance", tostring(dd.id))
  end
  rec.defaultDomain = {id = domain.objectId, domain = domain.domain}
  return nil
end

-- PATCH /integrations/autotask/{UUID}: the mock's Autotask refuses the secret "invalid".
function hooks.autotask_credentials(_, rec, body)
  if body.secret == "invalid" then
    return 422, "Unprocessable Entity: the credentials were refused by Autotask"
  end
  if body.secret or body.username then
    rec.isMspAuthConfigured = true
  end
  return nil
end

------------------------------------------------------------------------------
-- Handlers, one per kind
------------------------------------------------------------------------------

local handlers = {}

local function unique_conflict(ctx, rec, self_rec)
  local field = ctx.route.unique
  if not field or rec[field] == nil then return nil end
  for _, r in ipairs(ctx.records()) do
    if r ~= self_rec and r[field] == rec[field] then
      return ctx.route.unique_status or 409,
        format("Conflict: %s %q already exists", field, tostring(rec[field]))
    end
  end
  return nil
end

local function new_id(spec)
  if spec.new_id == "uuid" then return util.new_uuid() end
  return util.new_object_id()
end

local function run_hook(ctx, rec, body, old)
  local hook = ctx.route.hook
  if hook then
    return hooks[hook](ctx, rec, body, old)
  end
end

local function page_link(ctx, page)
  local req = ctx.req
  local nskip = page.skip + page.limit
  if nskip >= page.total then return nil end
  local pairs_list = {}
  local seen_limit = false
  for _, p in ipairs(req.query_pairs) do
    if p[1] == "limit" then seen_limit = true end
    if p[1] ~= "skip" then pairs_list[#pairs_list + 1] = p end
  end
  if not seen_limit then pairs_list[#pairs_list + 1] = {"limit", tostring(page.limit)} end
  pairs_list[#pairs_list + 1] = {"skip", tostring(nskip)}
  return format('<%s%s?%s>; rel="next"', req.origin, req.path, util.build_query(pairs_list))
end

function handlers.list(ctx)
  local route = ctx.route
  local coll = ctx.coll
  local args = route.query == false and {} or ctx.req.args
  local page, err = store.query(ctx.records(), args, {
    id_field = coll.id_field,
    paged = route.query ~= false,
    filter = route.query ~= false and route.filter ~= false,
    sort = route.query ~= false and route.sort ~= false,
  })
  if not page then
    return M.error("plain", 400, err)
  end
  local fields = route.query ~= false and store.comma_list(args.fields) or nil
  local items = json.array()
  for i, rec in ipairs(page.items) do
    items[i] = present(ctx, rec, fields)
  end
  local shape = route.shape
  if shape == "array" then
    local headers = {["x-total-count"] = tostring(page.total)}
    if route.link then
      headers.link = page_link(ctx, page)
    end
    return M.json_response(200, items, headers)
  end
  local key = assert(match(shape, "^envelope:(.+)$"), "bad shape")
  return M.json_response(200, {[key] = items, totalCount = page.total})
end

local TOKEN_MAX_TOP = 999
local TOKEN_DEFAULT_TOP = 100

local function make_token(offset)
  local payload = "skip:" .. offset
  return "X%27" .. payload:gsub(".", function(c) return format("%02x", c:byte()) end) .. "%27"
end

local function read_token(token)
  local hex = match(token, "^X%%27(%x+)%%27$")
  if not hex or #hex % 2 == 1 then return nil end
  local payload = hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
  return tonumber(match(payload, "^skip:(%d+)$"))
end

-- Microsoft Graph style paging: `top` + `skipToken`; the next token comes in the
-- body and is absent on the last page. `filter`, `search`, `orderby` and `count`
-- (Graph syntax) are accepted and ignored.
function handlers.token_list(ctx)
  local args = ctx.req.args
  local top, err = store.int_param(args, "top", TOKEN_DEFAULT_TOP)
  if not top then return M.error("plain", 400, err) end
  if top < 1 or top > TOKEN_MAX_TOP then
    return M.error("plain", 400, format("Bad Request: request parameter \"top\" must be between 1 and %d",
      TOKEN_MAX_TOP))
  end
  local offset = 0
  local token = args.skipToken and args.skipToken[#args.skipToken]
  if token and token ~= "" then
    offset = read_token(token)
    if not offset then
      return M.error("plain", 400, "Bad Request: invalid skipToken")
    end
  end
  local records = ctx.records()
  local users = json.array()
  for i = offset + 1, math.min(#records, offset + top) do
    users[#users + 1] = present(ctx, records[i])
  end
  local body = {users = users, top = top}
  if offset + top < #records then
    body.skipToken = make_token(offset + top)
  end
  return M.json_response(200, body)
end

local function fetch(ctx)
  local id = ctx.params[ctx.route.id_param or "id"]
  local rec = ctx.coll:get(id)
  if rec and ctx.parent_field and rec[ctx.parent_field] ~= ctx.parent_id then
    rec = nil
  end
  return rec, id
end

local function not_found(ctx, id)
  return route_error(ctx.route, 404, format("Not Found: %s %q does not exist", ctx.route.coll, tostring(id)))
end

function handlers.get(ctx)
  local rec, id = fetch(ctx)
  if not rec then return not_found(ctx, id) end
  return answer(ctx, ctx.route.status, rec)
end

function handlers.create(ctx)
  local route = ctx.route
  local body, err = body_object(ctx.req, true)
  if not body then return route_error(route, 400, "Bad Request: " .. err) end
  err = validate(route, body, true)
  if err then return route_error(route, 400, "Bad Request: " .. err) end
  local rec = {}
  for k, v in pairs(route.defaults or {}) do rec[k] = default_value(v) end
  for field in pairs(route.schema or {}) do
    if body[field] ~= nil and body[field] ~= null then rec[field] = json.copy(body[field]) end
  end
  local idf = ctx.coll.id_field
  rec[idf] = new_id(ctx.coll.spec)
  if ctx.parent_field then rec[ctx.parent_field] = ctx.parent_id end
  local status, msg = unique_conflict(ctx, rec)
  if status then return route_error(route, status, msg) end
  status, msg = run_hook(ctx, rec, body)
  if status then return route_error(route, status, msg) end
  ctx.coll:insert(rec)
  return answer(ctx, route.status, rec)
end

-- PUT (full) and PATCH: PUT replaces the writable fields (the schema's) as a whole, so fields
-- the body leaves out are dropped; PATCH changes only the fields present, null removes one.
-- Read-only fields (id, type, template...) stay either way.
local function write(ctx, full)
  local route = ctx.route
  local old, id = fetch(ctx)
  if not old then return not_found(ctx, id) end
  local body, err = body_object(ctx.req, full)
  if not body then return route_error(route, 400, "Bad Request: " .. err) end
  err = validate(route, body, full)
  if err then return route_error(route, 400, "Bad Request: " .. err) end
  local rec = json.copy(old)
  for field in pairs(route.schema or {}) do
    local v = body[field]
    if v ~= nil and v ~= null then
      rec[field] = json.copy(v)
    elseif full then
      rec[field] = route.defaults and default_value(route.defaults[field]) or nil
    elseif v == null then
      rec[field] = nil
    end
  end
  local status, msg = unique_conflict(ctx, rec, old)
  if status then return route_error(route, status, msg) end
  status, msg = run_hook(ctx, rec, body, old)
  if status then return route_error(route, status, msg) end
  ctx.coll:replace(rec)
  return answer(ctx, route.status, rec)
end

function handlers.replace(ctx) return write(ctx, true) end
function handlers.patch(ctx) return write(ctx, false) end

function handlers.delete(ctx)
  local rec, id = fetch(ctx)
  if not rec then return not_found(ctx, id) end
  ctx.coll:remove(rec[ctx.coll.id_field])
  return answer(ctx, ctx.route.status, rec)
end

function handlers.singleton_get(ctx)
  local rec = ctx.coll:all()[1]
  if not rec then return route_error(ctx.route, 404, "Not Found") end
  return answer(ctx, ctx.route.status, rec)
end

function handlers.singleton_patch(ctx)
  local route = ctx.route
  local body, err = body_object(ctx.req, false)
  if not body then return route_error(route, 400, "Bad Request: " .. err) end
  err = validate(route, body, false)
  if err then return route_error(route, 400, "Bad Request: " .. err) end
  local rec = ctx.coll:all()[1]
  if not rec then
    rec = ctx.coll:insert({})
  end
  for field in pairs(route.schema or {}) do
    local v = body[field]
    if v == null then
      rec[field] = nil
    elseif v ~= nil then
      rec[field] = json.copy(v)
    end
  end
  return answer(ctx, route.status, rec)
end

-- PATCH of a keyless list: `body[items]` holds records keyed by `route.key`;
-- each is inserted or replaced, or removed when it says `delete: true`. The reference
-- makes the body and its `data` optional: without them nothing changes.
function handlers.bulk_upsert(ctx)
  local route = ctx.route
  local body, err = body_object(ctx.req, false)
  if not body then return route_error(route, 400, "Bad Request: " .. err) end
  local items = body[route.items]
  if items == nil then items = json.array() end
  if not is_array(items) then
    return route_error(route, 400, "Bad Request: " .. route.items .. " must be an array")
  end
  for i, item in ipairs(items) do
    if not is_object(item) then
      return route_error(route, 400, format("Bad Request: %s[%d] must be an object", route.items, i - 1))
    end
    err = validate(route, item, true, format("%s[%d].", route.items, i - 1))
    if err then return route_error(route, 400, "Bad Request: " .. err) end
  end
  for _, item in ipairs(items) do
    local key = store.get_path(item, route.key)
    local existing = ctx.coll:find(route.key, key)
    if item.delete == true then
      if existing then ctx.coll:remove_record(existing) end
    else
      local rec = existing or {}
      for field in pairs(route.schema) do
        if field ~= "delete" and item[field] ~= nil then rec[field] = json.copy(item[field]) end
      end
      rec.lastSyncStatus = rec.lastSyncStatus or "pending"
      if not existing then ctx.coll:insert(rec) end
    end
  end
  return answer(ctx, route.status)
end

function handlers.binary(ctx)
  local rec, id = fetch(ctx)
  if not rec then return not_found(ctx, id) end
  return {status = 200, headers = {["content-type"] = ctx.content_type}, body = binary.png(rec.id)}
end

-- POST /microsoft-mdm/configuration-files: a zip holding a provisioning XML and the request.
function handlers.file(ctx)
  local body, err = body_object(ctx.req, true)
  if not body then return route_error(ctx.route, 400, "Bad Request: " .. err) end
  local request_json = json.encode(body)
  local xml = table.concat({
    '<?xml version="1.0" encoding="utf-8"?>',
    '<WindowsCustomizations>',
    '  <PackageConfig xmlns="urn:schemas-Microsoft-com:Windows-ICD-Package-Config.v1.0">',
    '    <ID>{' .. util.uuid(77, #request_json) .. '}</ID>',
    '    <Name>JumpCloud MDM enrollment</Name>',
    '  </PackageConfig>',
    '</WindowsCustomizations>', ""}, "\r\n")
  local zip = binary.zip{
    {name = "customizations.xml", data = xml},
    {name = "request.json", data = request_json},
    {name = "jumpcloud.bin", data = binary.byte_ramp(64)},
  }
  return {status = 200, headers = {["content-type"] = ctx.content_type,
    ["content-disposition"] = 'attachment; filename="jumpcloud-mdm-configuration.zip"'}, body = zip}
end

M.handlers = handlers

------------------------------------------------------------------------------
-- The dispatcher
------------------------------------------------------------------------------

M.FORBIDDEN_ORG = "Forbidden: organization selection not allowed via header"

--- Run one API request.
-- @tparam table db the database
-- @tparam table req `{method, path, segments (below /api/v2, decoded), args, query_pairs, headers, body, origin}`
-- @treturn table response `{status, headers, body}`
function M.dispatch(db, req)
  local route, params = M.find(req.method, req.segments)
  if not route then
    if params then
      local res = M.error("message", 405, "Method Not Allowed: " .. req.method .. " " .. req.path)
      res.headers.allow = table.concat(params, ", ")
      return res
    end
    return M.error("message", 404, "Not Found: no route for " .. req.method .. " " .. req.path)
  end
  if req.headers["x-org-id"] ~= nil and not route.org then
    return M.json_response(403, {message = M.FORBIDDEN_ORG, error = M.FORBIDDEN_ORG})
  end
  local content_type = M.negotiate(req.headers["accept"], route.produces)
  if not content_type then
    return route_error(route, 406, "Not Acceptable: this operation answers " .. table.concat(route.produces, ", "))
  end
  local ctx = {db = db, route = route, req = req, params = params, content_type = content_type}
  local parent = route.parent
  if parent then
    local pid = params[parent.param]
    if not db:coll(parent.coll):get(pid) then
      return route_error(route, 404, format("Not Found: %s %q does not exist", parent.coll, tostring(pid)))
    end
    ctx.parent_id = pid
    if parent.field then
      ctx.parent_field = parent.field
      ctx.coll = db:coll(route.coll)
    else
      ctx.coll = db:coll(route.coll, pid)
    end
  elseif route.coll then
    ctx.coll = db:coll(route.coll)
  end
  ctx.records = function()
    local all = ctx.coll:all()
    if not ctx.parent_field then return all end
    local out = {}
    for _, r in ipairs(all) do
      if r[ctx.parent_field] == ctx.parent_id then out[#out + 1] = r end
    end
    return out
  end
  local res = handlers[route.kind](ctx)
  res.route = route
  return res
end

return M
