--- Operations: an operation and its params become one Request (path, query, headers, body
-- checked against the operation), and its response becomes data. `client:call`, the resources,
-- paging and batches all come here.
-- @module jumpcloud.operation
local core = require "jumpcloud.core"
local check = require "jumpcloud.check"
local errors = require "jumpcloud.errors"
local filter = require "jumpcloud.filter"
local operations = require "jumpcloud.operations"
local request = require "jumpcloud.request"
local execute = require "jumpcloud.execute"

local type, pairs, ipairs, tostring, format, concat = type, pairs, ipairs, tostring, string.format, table.concat
local escape = core.escape

local M = {}

local ALL_IDS
local function all_ids()
  if not ALL_IDS then
    ALL_IDS = {}
    for _, op in ipairs(operations.list) do ALL_IDS[#ALL_IDS + 1] = op.id end
  end
  return ALL_IDS
end

--- The operation named `id`; raises at the caller's line with the nearest names when there is none.
-- @tparam string id
function M.find(id)
  if type(id) ~= "string" then check.fail("bad argument #1 to 'call' (string expected, got %s)", type(id)) end
  local op = operations.by_id[id]
  if not op then
    local near = check.near(id, all_ids(), 5, math.huge)
    check.fail("unknown operation '%s' (did you mean: %s?)", id, concat(near, ", "))
  end
  return op
end

local function param_names(op)
  local names = {}
  for _, p in ipairs(op.params) do names[#names + 1] = p.name end
  if op.body then names[#names + 1] = "body" end
  return concat(names, ", ")
end

-- The value of a dotted path in body ("template.id"; "data[].company.id" checks every item).
local function missing_field(body, path)
  local head, rest = path:match("^([^.]+)%.?(.*)$")
  local list = head:match("^(.-)%[%]$")
  if list then -- "data[].x": every item of data needs x; data itself may be absent
    local items = body[list]
    if items == nil or items == core.null then return nil end
    if type(items) ~= "table" then return list end
    for i, item in ipairs(items) do
      local miss = rest
      if type(item) == "table" then miss = missing_field(item, rest) end
      if miss then return format("%s[%d].%s", list, i, miss) end
    end
    return nil
  end
  local v = body[head]
  if v == nil or v == core.null then return head end
  if rest == "" then return nil end
  if type(v) ~= "table" then return path end
  local miss = missing_field(v, rest)
  return miss and (head .. "." .. miss)
end

local function check_body(op, body)
  if body == nil then
    if op.body and op.body.required_body then
      check.fail("operation %s needs a body", op.id)
    end
    return
  end
  if not op.body then check.fail("operation %s takes no body", op.id) end
  if type(body) == "string" then return end
  if type(body) ~= "table" then
    check.fail("bad parameter 'body' for %s (table or string expected, got %s)", op.id, type(body))
  end
  for _, path in ipairs(op.body.required or {}) do
    local miss = missing_field(body, path)
    if miss then check.fail("operation %s: body field '%s' is required", op.id, miss) end
  end
end

-- A query value as its declared type wants it.
local function query_value(op, p, v)
  local where = format("parameter '%s' for %s", p.name, op.id)
  if p.type == "array" then
    -- a list goes to the query as a list: one key, items joined by literal commas (or repeated keys)
    if p.name == "filter" then
      if op.graph_syntax then
        if type(v) ~= "string" then
          check.fail("bad %s (Microsoft Graph syntax: pass a plain string, not a filter builder)", where)
        end
        return v
      end
      return filter.items(v, p.name)
    end
    filter.list_param(v, p.name) -- validates
    return v
  end
  if p.name == "filter" and op.graph_syntax and type(v) ~= "string" then
    check.fail("bad %s (Microsoft Graph syntax: pass a plain string, not a filter builder)", where)
  end
  if p.name == "sort" and type(v) == "table" then return filter.list_param(v, p.name) end
  if p.type == "integer" and math.type(v) ~= "integer" then
    check.fail("bad %s (integer expected, got %s)", where, math.type(v) or type(v))
  elseif p.type == "boolean" and type(v) ~= "boolean" then
    check.fail("bad %s (boolean expected, got %s)", where, type(v))
  elseif p.type == "string" and type(v) ~= "string" and math.type(v) ~= "integer" then
    check.fail("bad %s (string expected, got %s)", where, type(v))
  end
  return v
end

--- Turns an operation and its params into the path and options of its request (raises at the
-- caller's line on bad params).
-- @tparam table op an entry of the operations table
-- @tparam table params parameter names as the reference spells them, plus `body`
-- @treturn string path
-- @treturn table request options
function M.prepare(op, params)
  if params == nil then params = {} end
  if type(params) ~= "table" then check.fail("bad params for %s (table expected, got %s)", op.id, type(params)) end
  local known = {}
  for _, p in ipairs(op.params) do known[p.name] = p end
  for k in pairs(params) do
    if k ~= "body" and not known[k] then
      check.fail("unknown parameter '%s' for %s (it takes: %s)", tostring(k), op.id, param_names(op))
    end
  end
  -- Accept: JSON is the client's default; binary operations ask for their own types
  local query, headers, explode = {}, op.accept ~= "application/json" and { accept = op.accept } or nil, nil
  local path = op.path:gsub("{([^}]+)}", function(name)
    local v = params[name]
    if v == nil or v == "" then check.fail("missing path parameter '%s' for %s", name, op.id) end
    if v == "." or v == ".." then
      check.fail("bad path parameter '%s' for %s ('.' and '..' would change the path)", name, op.id)
    end
    if type(v) ~= "string" and math.type(v) ~= "integer" then
      check.fail("bad path parameter '%s' for %s (string expected, got %s)", name, op.id, type(v))
    end
    return escape(tostring(v))
  end)
  for _, p in ipairs(op.params) do
    local v = params[p.name]
    if v ~= nil and p["in"] == "query" then
      query[p.name] = query_value(op, p, v)
      if p.explode then explode = explode or {}; explode[p.name] = true end
    elseif v ~= nil and p["in"] == "header" then
      if type(v) ~= "string" then check.fail("bad header parameter '%s' for %s (string expected)", p.name, op.id) end
      headers = headers or {}
      headers[p.name:lower()] = v
    end
  end
  check_body(op, params.body)
  return path, {
    query = query, explode = explode, headers = headers, body = params.body,
    -- the client's org id goes as x-org-id exactly where the reference lists the header (an
    -- x-org-id parameter, above, replaces it)
    org_header = op.org_header,
    raw = op.response == "binary",
  }
end

--- Turns a response into the data the operation returns.
-- @treturn any data (a table, the bytes of a binary body, or true when there is no content)
-- @treturn table|nil error
function M.result(op, resp, method, url)
  local body = resp.body
  if op.response == "binary" then
    if resp.file then return resp.file end
    return body or ""
  end
  if op.response == "none" or resp.status == 204 then return true end
  if resp.file then return resp.file end
  if body == nil or type(body) == "string" then
    local ct = resp.headers["content-type"] or "none"
    return nil, errors.new(body == nil and "empty_body" or "not_json", {
      status = resp.status,
      message = body == nil and "expected a JSON body, got an empty one"
        or ("expected a JSON body, got content type " .. ct),
      method = method, url = url, operation = op.id, attempts = resp.attempts, correlation_id = resp.correlation_id,
    })
  end
  return body
end

--- The Request of operation `op` with `params` on the client whose state is `st`.
-- @tparam[opt] table extra request options (`to_file`, `retry`)
function M.request(st, op, params, extra)
  local path, opts = M.prepare(op, params)
  if extra then for k, v in pairs(extra) do opts[k] = v end end
  return request.build(st, op.method, path, opts, nil, op.id)
end

--- Runs operation `op` with `params`: `data, response` or `nil, err`.
function M.run(st, op, params, extra)
  local resp, err = execute.run(st, M.request(st, op, params, extra))
  return M.finish(op, resp, err)
end

--- What a call of `op` returns for the result of `client:request`: `data, response` or `nil, err`.
function M.finish(op, resp, err)
  if not resp then
    err.operation = op.id
    return nil, err
  end
  local data, derr = M.result(op, resp, op.method, resp.url)
  if derr then return nil, derr end
  return data, { status = resp.status, headers = resp.headers, operation = op.id, file = resp.file, bytes = resp.bytes,
    attempts = resp.attempts }
end

return M
