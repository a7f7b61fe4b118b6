--- Non-JSON answers: images, PDF, zip, PEM, Apple configuration profiles, octet-stream, HTML, CSV. The content
-- type is negotiated among those the operation declares that the mock can make; a record the path names must
-- exist (404 otherwise).
-- @module jumpcloud.mock.kinds.files

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"
local binary = require "jumpcloud.mock.binary"
local records = require "jumpcloud.mock.kinds.records"

local format = string.format

local M = {}

-- What the mock makes for each content type: function(ctx, name, request body) -> bytes.
local MAKERS = {}

MAKERS["image/png"] = function(_, name) return binary.png(name) end

MAKERS["application/pdf"] = function(_, name) return binary.pdf("JumpCloud " .. name) end

MAKERS["application/x-pem-file"] = function(_, name) return binary.pem("PUBLIC KEY", name) end

MAKERS["application/octet-stream"] = function(ctx, name)
  if ctx.op.path:find("csr$") then return binary.pem("CERTIFICATE REQUEST", name) end
  return binary.byte_ramp(256)
end

MAKERS["application/x-apple-aspen-config"] = function(_, name) return binary.apple_profile(name) end

MAKERS["text/html"] = function(ctx, name)
  return binary.html("JumpCloud " .. (ctx.op.path:match("([^/]+)$") or "report"),
    { { "id", "name" }, { name, "TPM 2.0" } })
end

MAKERS["text/csv"] = function(_, name)
  return binary.csv({ { "id", "timestamp", "event_type" }, { name, "2024-05-01T10:15:00Z", "user_login" } })
end

MAKERS["text/plain"] = function(_, name) return name .. "\n" end

-- The Microsoft MDM configuration file: a zip holding a provisioning XML and the request.
MAKERS["application/zip"] = function(ctx)
  local request_json = ctx.req.body ~= "" and ctx.req.body or "{}"
  local decoded = json.decode(request_json)
  if decoded ~= nil then request_json = json.encode(decoded) end
  local xml = table.concat({
    '<?xml version="1.0" encoding="utf-8"?>',
    '<WindowsCustomizations>',
    '  <PackageConfig xmlns="urn:schemas-Microsoft-com:Windows-ICD-Package-Config.v1.0">',
    '    <ID>{' .. util.uuid(77, #request_json) .. '}</ID>',
    '    <Name>JumpCloud MDM enrollment</Name>',
    '  </PackageConfig>',
    '</WindowsCustomizations>', "" }, "\r\n")
  return binary.zip{
    { name = "customizations.xml", data = xml },
    { name = "request.json", data = request_json },
    { name = "jumpcloud.bin", data = binary.byte_ramp(64) },
  }
end

local FILENAMES = { ["application/zip"] = "jumpcloud-mdm-configuration.zip", ["application/pdf"] = "document.pdf",
  ["application/x-apple-aspen-config"] = "enrollment.mobileconfig", ["application/x-pem-file"] = "key.pem" }

--- The content types of an operation the mock can make, in the operation's order.
function M.offered(op)
  local out = {}
  for t in op.accept:gmatch("[^,%s]+") do
    if MAKERS[t] then out[#out + 1] = t end
  end
  return out
end

function M.file(ctx)
  local name
  if ctx.coll and ctx.route.item_param then
    local rec, id = records.fetch(ctx)
    if not rec then return records.not_found(ctx, id) end
    name = tostring(rec[ctx.coll.id_field])
  else
    name = ctx.params[ctx.route.refs[#ctx.route.refs] and ctx.route.refs[#ctx.route.refs].name or ""] or "jumpcloud"
  end
  if ctx.op.body then
    local b, res = records.read_body(ctx, true)
    if not b then return res end
  end
  local ct = ctx.content_type
  local headers = { ["content-type"] = ct }
  if FILENAMES[ct] then headers["content-disposition"] = format('attachment; filename="%s"', FILENAMES[ct]) end
  return { status = ctx.route.status, headers = headers, body = MAKERS[ct](ctx, name) }
end

return M
