--- The one place that runs an operation of the table: params -> path, query, headers and body
-- -> `client:request` -> data or error. Resource modules and `client:call` both come here.
-- @module jumpcloud.executor
local core = require "jumpcloud.core"
local errors = require "jumpcloud.errors"
local filter = require "jumpcloud.filter"
local operations = require "jumpcloud.operations"

local type, pairs, ipairs, tostring, format, concat = type, pairs, ipairs, tostring, string.format, table.concat
local escape = core.escape

local M = {}

-- Levenshtein distance, for "did you mean" lists.
local function distance(a, b)
  a, b = a:lower(), b:lower()
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

--- The operationIds nearest to `id`, best first (at most 5).
-- @tparam string id
-- @treturn {string,...}
function M.near_names(id)
  local scored = {}
  local lid = id:lower()
  for _, op in ipairs(operations.list) do
    local lop = op.id:lower()
    local d = distance(id, op.id)
    if lop:find(lid, 1, true) or lid:find(lop, 1, true) then d = math.min(d, 2) end
    scored[#scored + 1] = { op.id, d }
  end
  table.sort(scored, function(x, y) return x[2] < y[2] or (x[2] == y[2] and x[1] < y[1]) end)
  local out = {}
  for i = 1, 5 do out[i] = scored[i][1] end
  return out
end

--- The operation named `id`; raises with the near names when there is none.
-- @tparam string id operationId as the reference spells it
-- @tparam[opt=2] integer level error level
function M.operation(id, level)
  if type(id) ~= "string" then
    error(format("bad argument #1 to 'call' (string expected, got %s)", type(id)), (level or 2) + 1)
  end
  local op = operations.by_id[id]
  if not op then
    error(format("unknown operation '%s' (did you mean: %s?)", id, concat(M.near_names(id), ", ")), (level or 2) + 1)
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

local function check_body(op, body, level)
  if body == nil then
    if op.body and op.body.required_body then
      error(format("operation %s needs a body", op.id), level + 1)
    end
    return
  end
  if not op.body then error(format("operation %s takes no body", op.id), level + 1) end
  if type(body) == "string" then return end
  if type(body) ~= "table" then
    error(format("bad parameter 'body' for %s (table or string expected, got %s)", op.id, type(body)), level + 1)
  end
  for _, path in ipairs(op.body.required or {}) do
    local miss = missing_field(body, path)
    if miss then error(format("operation %s: body field '%s' is required", op.id, miss), level + 1) end
  end
end

-- A query value as its declared type wants it.
local function query_value(op, p, v, level)
  local where = format("parameter '%s' for %s", p.name, op.id)
  if p.type == "array" then
    -- a list goes to the query as a list: one key, items joined by literal commas (or repeated keys)
    if p.name == "filter" then
      if op.graph_syntax then
        if type(v) ~= "string" then
          error(format("bad %s (Microsoft Graph syntax: pass a plain string, not a filter builder)", where), level + 1)
        end
        return v
      end
      return filter.items(v, p.name, level + 1)
    end
    filter.list_param(v, p.name, level + 1) -- validates
    return v
  end
  if p.name == "filter" and op.graph_syntax and type(v) ~= "string" then
    error(format("bad %s (Microsoft Graph syntax: pass a plain string, not a filter builder)", where), level + 1)
  end
  if p.name == "sort" and type(v) == "table" then return filter.list_param(v, p.name, level + 1) end
  if p.type == "integer" and math.type(v) ~= "integer" then
    error(format("bad %s (integer expected, got %s)", where, math.type(v) or type(v)), level + 1)
  elseif p.type == "boolean" and type(v) ~= "boolean" then
    error(format("bad %s (boolean expected, got %s)", where, type(v)), level + 1)
  elseif p.type == "string" and type(v) ~= "string" and math.type(v) ~= "integer" then
    error(format("bad %s (string expected, got %s)", where, type(v)), level + 1)
  end
  return v
end

--- Turns an operation and its params into the arguments of `client:request`.
-- @tparam table op an entry of the operations table
-- @tparam table params parameter names as the reference spells them, plus `body`
-- @tparam integer level the error level that blames the public caller, from here
-- @treturn string path
-- @treturn table request options
function M.prepare(op, params, level)
  if params == nil then params = {} end
  if type(params) ~= "table" then
    error(format("bad params for %s (table expected, got %s)", op.id, type(params)), level)
  end
  local known = {}
  for _, p in ipairs(op.params) do known[p.name] = p end
  for k in pairs(params) do
    if k ~= "body" and not known[k] then
      error(format("unknown parameter '%s' for %s (it takes: %s)", tostring(k), op.id, param_names(op)), level)
    end
  end
  -- Accept: JSON is the client's default; binary operations ask for their own types
  local query, headers, explode = {}, op.accept ~= "application/json" and { accept = op.accept } or nil, nil
  local path = op.path:gsub("{([^}]+)}", function(name)
    local v = params[name]
    if v == nil or v == "" then error(format("missing path parameter '%s' for %s", name, op.id), level + 2) end
    if type(v) ~= "string" and math.type(v) ~= "integer" then
      error(format("bad path parameter '%s' for %s (string expected, got %s)", name, op.id, type(v)), level + 2)
    end
    return escape(tostring(v))
  end)
  for _, p in ipairs(op.params) do
    local v = params[p.name]
    if v ~= nil and p["in"] == "query" then
      query[p.name] = query_value(op, p, v, level)
      if p.explode then explode = explode or {}; explode[p.name] = true end
    elseif v ~= nil and p["in"] == "header" then
      if type(v) ~= "string" then error(format("bad header parameter '%s' for %s (string expected)", p.name, op.id), level) end
      headers = headers or {}
      headers[p.name:lower()] = v
    end
  end
  check_body(op, params.body, level)
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
    return nil, errors.new({
      kind = "decode", code = body == nil and "empty_body" or "not_json", status = resp.status,
      message = body == nil and "expected a JSON body, got an empty one"
        or ("expected a JSON body, got content type " .. ct),
      method = method, url = url, operation = op.id, attempts = resp.attempts, correlation_id = resp.correlation_id,
    })
  end
  return body
end

--- Runs operation `op` with `params` on `client`: `data, response` or `nil, err`.
-- @tparam jumpcloud.Client client
-- @tparam table op
-- @tparam table params
-- @tparam[opt] table extra request options (`to_file`)
-- @tparam integer level the error level that blames the public caller, from here
function M.run(client, op, params, extra, level)
  local path, opts = M.prepare(op, params, level + 1)
  if extra then for k, v in pairs(extra) do opts[k] = v end end
  opts.operation = op.id
  local resp, err = client:request(op.method, path, opts)
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
