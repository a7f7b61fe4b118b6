--- Operations of the model: an operation and its params become one Request (path, query, headers
-- and body checked against what JumpCloud's description says of them), and its response becomes
-- data. `client:call`, the resources, paging and batches all come here.
-- @module jumpcloud.operation
local core = require "jumpcloud.core"
local check = require "jumpcloud.check"
local errors = require "jumpcloud.errors"
local request = require "jumpcloud.request"
local execute = require "jumpcloud.execute"
local model = require "jumpcloud.model"

local type, pairs, ipairs, tostring, format, math_type = type, pairs, ipairs, tostring, string.format, math.type
local escape = core.escape

local M = {}

local JSON = "application/json"

M.find = model.find

--- How errors name an operation: its legacy id where it has one (readable), else its id.
function M.name(op)
  return op.legacy or op.id
end
local name_of = M.name

-- The params an operation takes, as a set (built once per operation).
local function param_set(op)
  local set = op.param_set
  if not set then
    set = {}
    for _, p in ipairs(op.params) do set[p.name] = p end
    if op.body then set.body = true end
    op.param_set = set
  end
  return set
end
M.param_set = param_set

-- ---- values -----------------------------------------------------------------------------------------

local function type_name(v)
  return math_type(v) or type(v)
end

-- Whether v is of the model's type `t` ("any" and unknown types accept anything).
local function is_type(v, t)
  if t == "string" then return type(v) == "string"
  elseif t == "integer" then return math_type(v) == "integer"
  elseif t == "number" then return type(v) == "number"
  elseif t == "boolean" then return type(v) == "boolean"
  elseif t == "array" then return type(v) == "table"
  elseif t == "object" then return type(v) == "table" or v == core.null
  end
  return true
end

local function check_enum(p, v, where)
  if p.enum and type(v) == "string" then
    for _, e in ipairs(p.enum) do if e == v then return end end
    local list = {}
    for i, e in ipairs(p.enum) do list[i] = tostring(e) end
    check.fail("bad %s ('%s' is not one of: %s)%s", where, v, table.concat(list, ", "), check.suggest(v, list, 1))
  end
end

-- A query value as its declared type wants it.
local function query_value(op, p, v, label)
  local where = format("parameter '%s' for %s", p.name, label)
  local filter = require "jumpcloud.filter"
  if p.name == "filter" and op.graph_syntax then
    if type(v) ~= "string" then
      check.fail("bad %s (Microsoft Graph syntax: pass a plain string, not a filter builder)", where)
    end
    return v
  end
  if p.type == "array" then
    -- a list goes to the query as a list: one key, items joined by literal commas (or repeated keys)
    if p.name == "filter" then return filter.items(v, p.name) end
    if p.name == "sort" or p.name == "fields" then -- names: a string, or a list of them without commas
      filter.list_param(v, p.name)
      return v
    end
    if type(v) ~= "table" then v = { v } end
    for i, item in ipairs(v) do
      if type(item) ~= "string" and type(item) ~= "number" and type(item) ~= "boolean" then
        check.fail("bad %s (item %d: string expected, got %s)", where, i, type(item))
      end
    end
    return v
  end
  if p.name == "sort" and type(v) == "table" then return filter.list_param(v, p.name) end
  if p.name == "filter" and p.type == "string" and type(v) == "table" then -- (v1's filter is one string)
    return filter.encode(v, p.name)
  end
  if p.type == "string" and math_type(v) == "integer" then return v end
  if not is_type(v, p.type) or type(v) == "table" then
    check.fail("bad %s (%s expected, got %s)", where, p.type, type_name(v))
  end
  check_enum(p, v, where)
  return v
end

-- ---- bodies -----------------------------------------------------------------------------------------

-- The first missing field of the dotted path in body ("template.id"; "data[].x" checks every item
-- of data).
local function missing_field(body, path)
  local head, rest = path:match("^([^.]+)%.?(.*)$")
  local list = head:match("^(.-)%[%]$")
  if list then -- "data[].x": every item of data needs x; data itself may be absent
    local items = body[list]
    if items == nil or items == core.null then return nil end
    if type(items) ~= "table" then return list end
    for i, item in ipairs(items) do
      local miss
      if rest ~= "" then
        if type(item) == "table" then miss = missing_field(item, rest) else miss = rest end
      end
      if miss then return format("%s[%d].%s", list, i, miss) end
    end
    return nil
  end
  local v = body[head]
  -- a field required inside an optional object is required only when the object is there (the
  -- object's own entry in the list, when it has one, says whether it must be)
  if rest ~= "" then
    if type(v) ~= "table" then return nil end
    local miss = missing_field(v, rest)
    return miss and (head .. "." .. miss)
  end
  if v == nil or v == core.null then return head end
  return nil
end

-- A JSON body table checked against the schema's fields; fields declared as arrays become arrays
-- even when empty (`{ips = {}}` sends `[]`). Returns the body to encode (a copy when it changed).
local function check_json_body(label, spec, body, unchecked)
  local fields, out = spec.fields, body
  if spec.type == "array" then
    if not core.is_array(body) then
      for k in pairs(body) do
        if math_type(k) ~= "integer" then
          check.fail("bad body for %s (a list expected, got key '%s')", label, tostring(k))
        end
      end
      out = core.array({})
      for i, v in ipairs(body) do out[i] = v end
    end
    return out
  end
  if fields and not unchecked then
    for k, v in pairs(body) do
      local t = fields[k]
      if t == nil and not spec.open then
        if type(k) ~= "string" then check.fail("bad body for %s (field names are strings, got %s)", label, type(k)) end
        check.fail("unknown body field '%s' for %s%s (or pass unchecked = true to send it anyway)", k, label,
          check.suggest(k, fields))
      end
      if t and v ~= core.null and not is_type(v, t) then
        check.fail("bad body field '%s' for %s (%s expected, got %s)", k, label, t, type_name(v))
      end
    end
  end
  for _, path in ipairs(spec.required_fields or {}) do
    local miss = missing_field(body, path)
    if miss then check.fail("%s: body field '%s' is required", label, miss) end
  end
  if fields then -- arrays stay arrays, empty or not
    for k, t in pairs(fields) do
      local v = body[k]
      if t == "array" and type(v) == "table" and next(v) == nil and not core.is_array(v) then
        if out == body then
          out = {}
          for bk, bv in pairs(body) do out[bk] = bv end
        end
        out[k] = core.array({})
      end
    end
  end
  return out
end

-- Reads a file for an upload; raises when it cannot.
local function file_bytes(path, where)
  local f, err = io.open(path, "rb")
  if not f then check.fail("bad %s (cannot read the file: %s)", where, tostring(err)) end
  local data = f:read("a")
  f:close()
  return data
end

-- A part's bytes: a string, or `{file = path}`; and its file name and type.
local function part_of(v, where)
  if type(v) == "string" then return v end
  if type(v) == "table" and type(v.file) == "string" then
    return file_bytes(v.file, where), v.filename or v.file:match("[^/]+$"), v.content_type
  end
  check.fail("bad %s (bytes, or {file = path} expected, got %s)", where, type(v))
end

-- A multipart/form-data body of the fields of `body` (each bytes or {file = path}); a string is the
-- path of the file of a form's one field (the logo upload's image).
local function multipart(label, spec, body)
  local only = spec.fields and next(spec.fields)
  if type(body) == "string" and only and next(spec.fields, only) == nil then body = { [only] = { file = body } } end
  if type(body) ~= "table" then check.fail("bad body for %s (a table of form fields, or a file's path, expected)", label) end
  local boundary = format("jc-%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  local parts, names = {}, {}
  for k in pairs(body) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    if spec.fields and not spec.fields[k] then
      check.fail("unknown form field '%s' for %s%s", tostring(k), label, check.suggest(tostring(k), spec.fields))
    end
    local bytes, filename, ctype = part_of(body[k], format("form field '%s' for %s", k, label))
    parts[#parts + 1] = format('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s\r\n\r\n',
      boundary, k, filename or k, ctype or "application/octet-stream") .. bytes .. "\r\n"
  end
  return table.concat(parts) .. "--" .. boundary .. "--\r\n", "multipart/form-data; boundary=" .. boundary
end

-- The body to send and its content type.
local function body_of(op, body, unchecked, label)
  local spec = op.body
  if body == nil then
    if spec and spec.required then check.fail("%s needs a body", label) end
    return nil
  end
  if not spec then check.fail("%s takes no body", label) end
  local ctype = spec.content_type
  if ctype == "multipart/form-data" then return multipart(label, spec, body) end
  if type(body) == "string" then return body, ctype end
  if ctype ~= JSON and type(body) == "table" and type(body.file) == "string" then -- an upload from a file
    return file_bytes(body.file, "body for " .. label), ctype
  end
  if type(body) ~= "table" then
    check.fail("bad parameter 'body' for %s (table or string expected, got %s)", label, type(body))
  end
  if ctype ~= JSON then
    check.fail("bad parameter 'body' for %s (%s: bytes or {file = path} expected)", label, ctype)
  end
  return check_json_body(label, spec, body, unchecked), JSON
end

-- ---- requests ---------------------------------------------------------------------------------------

-- Options of the request a caller may add to an operation's params.
M.REQUEST_OPTIONS = { to_file = true, retry = true, unchecked = true }

--- The Request of operation `op` with `params` (raises at the caller's line on bad params).
-- @tparam table st the client's state
-- @tparam table op an operation of the model
-- @tparam[opt] table params parameters named as the description names them, plus `body`
-- @tparam[opt] table extra request options: `to_file`, `retry`, `unchecked`
-- @tparam[opt] string label how mistakes name the operation (the name it was called by)
function M.request(st, op, params, extra, label)
  label = label or name_of(op)
  if params == nil then params = {} end
  if type(params) ~= "table" then check.fail("bad params for %s (table expected, got %s)", label, type(params)) end
  local known = param_set(op)
  if params.body ~= nil and not op.body then check.fail("%s takes no body", label) end
  for k in pairs(params) do
    if not known[k] then
      if type(k) ~= "string" then check.fail("bad params for %s (names are strings, got %s)", label, type(k)) end
      local hint = check.suggest(k, known)
      if hint == "" then
        local takes = {}
        for name in pairs(known) do takes[#takes + 1] = name end
        table.sort(takes)
        hint = #takes == 0 and " (it takes no parameters)" or (" (it takes: " .. table.concat(takes, ", ") .. ")")
      end
      check.fail("unknown parameter '%s' for %s%s", k, label, hint)
    end
  end
  extra = extra or {}
  local path = op.path:gsub("{([^}]+)}", function(name)
    local v = params[name]
    if v == nil or v == "" then check.fail("missing path parameter '%s' for %s", name, label) end
    if v == "." or v == ".." then
      check.fail("bad path parameter '%s' for %s ('.' and '..' would change the path)", name, label)
    end
    if type(v) ~= "string" and math_type(v) ~= "integer" then
      check.fail("bad path parameter '%s' for %s (string expected, got %s)", name, label, type(v))
    end
    return escape(tostring(v))
  end)
  local query, headers, explode = {}, nil, nil
  if op.accept ~= JSON then headers = { accept = op.accept } end -- JSON is the client's default
  for _, p in ipairs(op.params) do
    local v = params[p.name]
    if v ~= nil and p["in"] == "query" then
      query[p.name] = query_value(op, p, v, label)
      if p.explode then explode = explode or {}; explode[p.name] = true end
    elseif v ~= nil and p["in"] == "header" then
      if type(v) ~= "string" then check.fail("bad header parameter '%s' for %s (string expected)", p.name, label) end
      headers = headers or {}
      headers[p.name:lower()] = v
    end
  end
  local body, content_type = body_of(op, params.body, extra.unchecked, label)
  local kind = op.response.kind
  return request.build(st, op.method, path, {
    query = query, explode = explode, headers = headers, body = body, content_type = content_type,
    -- the client's org id goes as x-org-id exactly where the description allows the header (an
    -- x-org-id parameter, above, replaces it)
    org_header = op.org_header,
    raw = kind == "binary" or kind == "text", to_file = extra.to_file, retry = extra.retry,
  }, st.roots[op.api].url, op.id)
end

-- ---- results ----------------------------------------------------------------------------------------

-- A JSON media type, as the core decides what to decode: application/json, application/...+json.
local function is_json(ct)
  if type(ct) ~= "string" then return false end
  ct = ct:lower()
  return ct:find("^application/json") ~= nil or ct:find("^application/[%w.+-]*%+json") ~= nil
end

--- The data of a response of `op`: decoded JSON, the bytes of a binary or text answer (or the
-- file it went to), or true when there is nothing to return; or nil and an error.
function M.result(op, resp)
  local body, kind = resp.body, op.response.kind
  if resp.file then return resp.file end
  if kind == "binary" or kind == "text" then return body or "" end
  if kind == "none" or resp.status == 204 then return true end
  if body == nil then
    if op.method ~= "GET" then return true end -- a write answered with no content: nothing was lost
    return nil, errors.new("empty_body", { status = resp.status, message = "expected a JSON body, got an empty one",
      method = op.method, url = resp.url, operation = op.id, attempts = resp.attempts,
      correlation_id = resp.correlation_id })
  end
  if type(body) == "string" and not is_json(resp.headers["content-type"]) then -- (a JSON string decodes to one)
    return nil, errors.new("not_json", { status = resp.status,
      message = "expected a JSON body, got content type " .. (resp.headers["content-type"] or "none"),
      method = op.method, url = resp.url, operation = op.id, attempts = resp.attempts,
      correlation_id = resp.correlation_id })
  end
  return body
end

--- What a call of `op` returns for a response or an error: `data, response` or `nil, err`.
function M.finish(op, resp, err)
  if not resp then
    err.operation = op.id
    return nil, err
  end
  local data, derr = M.result(op, resp)
  if derr then return nil, derr end
  return data, { status = resp.status, headers = resp.headers, operation = op.id, file = resp.file, bytes = resp.bytes,
    attempts = resp.attempts, url = resp.url }
end

--- Runs operation `op` with `params`: `data, response` or `nil, err`.
function M.run(st, op, params, extra, label)
  local resp, err = execute.run(st, M.request(st, op, params, extra, label))
  return M.finish(op, resp, err)
end

return M
