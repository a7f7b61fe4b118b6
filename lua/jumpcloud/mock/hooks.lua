--- The few resource rules of the seed's collections that no schema can say, named by `overrides.hooks`. Each
-- runs before a write is stored: `hook(ctx, record, body, old)` returns nothing, or a status and a message.
-- @module jumpcloud.mock.hooks

local json = require "jumpcloud.mock.json"
local seed = require "jumpcloud.mock.seed"

local type, ipairs, next, tostring = type, ipairs, next, tostring
local format = string.format
local null = json.null

local M = {}

local function is_object(v)
  return type(v) == "table" and not json.is_array(v) and (next(v) == nil or v[1] == nil)
end

local function check_values(values, config_fields)
  if values == nil then return nil end
  local known = {}
  for _, f in ipairs(config_fields or {}) do known[f.id] = true end
  for i, v in ipairs(values) do
    if not is_object(v) then
      return 400, format("Bad Request: values[%d] must be an object", i - 1)
    end
    if v.configFieldID ~= nil and not known[v.configFieldID] then
      return 400, format("Bad Request: values[%d].configFieldID %q is not a config field of the policy's template",
        i - 1, tostring(v.configFieldID))
    end
  end
  if not json.is_array(values) then json.array(values) end
  return nil
end

--- POST /policies: the template must exist; the policy copies its config fields.
function M.policy_template(ctx, rec, body)
  local tid = body.template and body.template.id
  local template = ctx.data:source("v2/policytemplates"):get(tid)
  if not template then
    return 400, format("Bad Request: template.id %q is not a known policy template", tostring(tid))
  end
  rec.template = seed.template_summary(template)
  rec.configFields = json.copy(template.configFields)
  rec.values = rec.values or json.array()
  rec.notes = rec.notes or ""
  return check_values(rec.values, rec.configFields)
end

--- PUT /policies/{id}: values must name the template's config fields.
function M.policy_values(_, rec)
  rec.values = rec.values or json.array()
  return check_values(rec.values, rec.configFields)
end

--- PATCH /office365s/{id}: `defaultDomain: {}` unsets it, `{id}` must name a domain of the instance.
function M.office365_default_domain(ctx, rec, body)
  local dd = body.defaultDomain
  if dd == nil then return nil end
  if dd == null or (type(dd) == "table" and next(dd) == nil) then
    rec.defaultDomain = nil
    return nil
  end
  local domain = type(dd) == "table" and ctx.data:source("v2/office365s/{}/domains", rec.id):get(dd.id)
  if not domain then
    return 400, format("Bad Request: defaultDomain.id %q is not a domain of this Office 365 instance",
      tostring(type(dd) == "table" and dd.id))
  end
  rec.defaultDomain = { id = domain.objectId, domain = domain.domain }
  return nil
end

--- PATCH /integrations/autotask/{UUID}: the mock's Autotask refuses the secret "invalid".
function M.autotask_credentials(_, rec, body)
  if body.secret == "invalid" then
    return 422, "Unprocessable Entity: the credentials were refused by Autotask"
  end
  if body.secret or body.username then
    rec.isMspAuthConfigured = true
  end
  return nil
end

return M
