--- Request bodies: decoding (JSON, multipart/form-data, octet-stream) and the checks JumpCloud makes before it
-- runs an operation, from the model's facts about the body (required, required fields, field types) and, when
-- the body's schema is named, its enums.
-- @module jumpcloud.mock.body

local json = require "jumpcloud.mock.json"
local model = require "jumpcloud.mock.model"
local schema = require "jumpcloud.mock.schema"
local store = require "jumpcloud.mock.store"

local type, ipairs, pairs, next = type, ipairs, pairs, next
local format, match, find = string.format, string.match, string.find
local null = json.null

local M = {}

local function is_object(v)
  return type(v) == "table" and not json.is_array(v) and (next(v) == nil or v[1] == nil)
end
M.is_object = is_object

local function is_array(v)
  return type(v) == "table" and (json.is_array(v) or v[1] ~= nil or next(v) == nil)
end
M.is_array = is_array

--- The parts of a multipart/form-data body: `{[name] = {data=, filename=, content_type=}}`, or nil and a message.
function M.multipart(content_type, text)
  local boundary = match(content_type or "", "boundary=\"?([^\";]+)\"?")
  if not boundary then return nil, "multipart body without a boundary" end
  local parts = {}
  local delim = "--" .. boundary
  local pos = find(text, delim, 1, true)
  if not pos then return nil, "multipart body without its boundary" end
  while true do
    local start = pos + #delim
    if text:sub(start, start + 1) == "--" then break end
    local head_end = find(text, "\r\n\r\n", start, true)
    if not head_end then return nil, "malformed multipart part" end
    local head = text:sub(start, head_end)
    local nxt = find(text, "\r\n" .. delim, head_end + 4, true)
    if not nxt then return nil, "multipart part without an end" end
    local name = match(head, 'name="([^"]*)"')
    if name then
      parts[name] = { data = text:sub(head_end + 4, nxt - 1), filename = match(head, 'filename="([^"]*)"'),
        content_type = match(head, "[Cc]ontent%-[Tt]ype:%s*([^\r\n]+)") }
    end
    pos = nxt + 2
  end
  return parts
end

--- The request's body decoded as its operation declares it.
-- @return the value (a table for JSON and multipart, the bytes for octet-stream; nil when there is no body), or
--   nil and a message
function M.decode(req, op)
  local text = req.body or ""
  local ctype = (req.headers["content-type"] or ""):lower()
  if match(text, "^%s*$") then return nil end
  local b = op.body
  if (b and b.content_type == "multipart/form-data") or find(ctype, "multipart/form-data", 1, true) then
    return M.multipart(req.headers["content-type"], text)
  end
  if find(ctype, "application/octet-stream", 1, true) then return text end
  local v, err = json.decode(text)
  if v == nil and err then return nil, "invalid JSON in request body: " .. tostring(err) end
  return v
end

local TYPE_CHECKS = {
  string = function(v) return type(v) == "string" end,
  integer = function(v) return math.type(v) == "integer" or (type(v) == "number" and v % 1 == 0) end,
  number = function(v) return type(v) == "number" end,
  boolean = function(v) return type(v) == "boolean" end,
  array = is_array,
  object = is_object,
}
local ARTICLES = { string = "a string", integer = "an integer", number = "a number", boolean = "a boolean",
  array = "an array", object = "an object" }

-- Whether a dotted required path ("template.id", "data[].company.id") is present: a field required below another
-- is required only where that other one is given.
local function present(v, path)
  local head, rest = match(path, "^([^%.]+)%.?(.*)$")
  local each = head:sub(-2) == "[]"
  if each then head = head:sub(1, -3) end
  local x = v[head]
  if x == nil or x == null then
    if rest ~= "" then return true end
    return false, head
  end
  if rest == "" then return true end
  if each then
    if not is_array(x) then return true end
    for _, item in ipairs(x) do
      if type(item) == "table" then
        local ok, missing = present(item, rest)
        if not ok then return false, head .. "[]." .. missing end
      end
    end
    return true
  end
  if type(x) ~= "table" then return true end
  local ok, missing = present(x, rest)
  if not ok then return false, head .. "." .. missing end
  return true
end

--- Checks a decoded body against the operation's model facts.
-- @param v the decoded body
-- @tparam table op the operation
-- @tparam boolean full whether the required fields must be there (POST, PUT; not PATCH)
-- @param[opt] record the schema of the collection's records: its enums stand for those of a body whose schema
--   the model keeps inline (the model keeps the names and types of its fields only)
-- @tparam[opt] string record_api the API of `record`
-- @return nil, or a message for a 400
function M.check(v, op, full, record, record_api)
  local b = op.body
  if not b then return nil end
  if v == nil then
    if b.required then return "request body is required" end
    return nil
  end
  if b.content_type ~= "application/json" and not b.content_types then return nil end
  if type(v) == "string" then return nil end -- octet-stream
  if b.type == "array" then
    if not is_array(v) then return "request body must be a JSON array" end
    return nil
  end
  if not is_object(v) then return "request body must be a JSON object" end
  if full then
    for _, path in ipairs(b.required_fields or {}) do
      local ok, missing = present(v, path)
      if not ok then return (missing or path) .. " is required" end
    end
  end
  for name, t in pairs(b.fields or {}) do
    local x = v[name]
    if x ~= nil and x ~= null and TYPE_CHECKS[t] and not TYPE_CHECKS[t](x) then
      return format("%s must be %s", name, ARTICLES[t])
    end
  end
  -- enums of a named schema's top-level fields
  local s, api = model.body_schema(op), op.api
  if not s and record then s, api = record, record_api or op.api end
  if s then
    local f = schema.flat(api, s)
    for name, ps in pairs(f.properties or {}) do
      local x = v[name]
      if x ~= nil and x ~= null then
        local p = schema.flat(api, ps)
        if p.enum and type(x) ~= "table" then
          local ok = false
          for _, e in ipairs(p.enum) do if e == x then ok = true break end end
          if not ok then
            local names = {}
            for i, e in ipairs(p.enum) do names[i] = tostring(e) end
            return format("%s must be one of: %s", name, table.concat(names, ", "))
          end
        elseif p.const ~= nil and type(x) ~= "table" and x ~= p.const then
          return format("%s must be %s", name, tostring(p.const))
        elseif p.type == "string" and p.minLength and type(x) == "string" and #x < p.minLength then
          return format("%s must hold at least %d characters", name, p.minLength)
        elseif p.type == "array" and p.maxItems and is_array(x) and #x > p.maxItems then
          return format("%s may hold at most %d items", name, p.maxItems)
        elseif p.type == "array" and is_array(x) and p.items then
          local it = schema.flat(api, p.items)
          if it.enum then
            for i, e in ipairs(x) do
              local ok = false
              for _, allowed in ipairs(it.enum) do if allowed == e then ok = true end end
              if not ok then return format("%s[%d] must be one of the allowed values", name, i - 1) end
            end
          end
        end
      end
    end
  end
  return nil
end

--- The dotted value of a decoded body (`template.id`).
M.get = store.get_path

return M
