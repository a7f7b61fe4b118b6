--- The one generic resource: it turns a resource's table of verbs (each naming an operation)
-- into methods. Resource modules under `jumpcloud.resources` are data; nothing is per resource here.
--
-- Verbs: `get`, `list` (one page), `each` (iterator), `all` (collect), `create` (POST),
-- `update` (PATCH), `replace` (PUT), `delete`. Where a resource has `replace` but no `update`,
-- `update` is an alias of `replace`. A verb may also be `{op = id, as = "get"}` to give an
-- operation its own name with the behaviour of a standard verb.
-- @module jumpcloud.resource
local core = require "jumpcloud.core"
local executor = require "jumpcloud.executor"
local operations = require "jumpcloud.operations"
local paging = require "jumpcloud.paging"

local type, pairs, ipairs, format = type, pairs, ipairs, string.format

local M = {}

local function path_params(op)
  local names = {}
  for name in op.path:gmatch("{([^}]+)}") do names[#names + 1] = name end
  return names
end

-- The path parameter that names the item (the one the parents do not give), if any.
local function item_param(op, parents)
  local names = path_params(op)
  for i = #names, 1, -1 do
    if parents[names[i]] == nil then return names[i] end
  end
end

local function check_id(v, n, fname)
  if type(v) ~= "string" or v == "" then
    error(format("bad argument #%d to '%s' (id string expected, got %s)", n, fname, v == "" and "an empty string" or type(v)), 3)
  end
end

local function check_table(v, n, fname, what)
  if v ~= nil and type(v) ~= "table" then
    error(format("bad argument #%d to '%s' (%s expected, got %s)", n, fname, what or "table", type(v)), 3)
  end
end

-- Params for one call: the parents' ids, the item id, the caller's extra params.
local function params_of(self, item, id, extra)
  local p = {}
  for k, v in pairs(self._parents) do p[k] = v end
  if item then p[item] = id end
  local run_opts
  for k, v in pairs(extra or {}) do
    if k == "to_file" or k == "retry" then -- options of the request, not parameters of the operation
      run_opts = run_opts or {}
      run_opts[k] = v
    else
      p[k] = v
    end
  end
  return p, run_opts
end

local function run(self, op, params, run_opts)
  if not core.is_open(self._client) then error("attempt to use a closed jumpcloud.Client", 3) end
  local data, resp = executor.run(self._client, op, params, run_opts, 4)
  if data ~= nil and op.response == "binary" then return data, resp.headers["content-type"], resp end
  return data, resp
end

-- The method for standard verb `verb` running operation `op`.
local function make_verb(verb, op, name)
  if verb == "list" or verb == "each" or verb == "all" then
    return function(self, opts)
      check_table(opts, 1, name, "table of options")
      return paging[verb](self._client, op, self._parents, opts)
    end
  end
  local takes_body = verb == "create" or verb == "update" or verb == "replace"
  return function(self, ...)
    local item = item_param(op, self._parents)
    local args, n, id = { ... }, 1, nil
    if item then
      id = args[1]
      check_id(id, 1, name)
      n = 2
    end
    local body, extra
    if takes_body then
      body = args[n]
      if body ~= nil and type(body) ~= "table" and type(body) ~= "string" then
        error(format("bad argument #%d to '%s' (table expected, got %s)", n, name, type(body)), 2)
      end
      extra = args[n + 1]
      check_table(extra, n + 1, name)
    else
      extra = args[n]
      check_table(extra, n, name)
    end
    local params, run_opts = params_of(self, item, id, extra)
    params.body = body
    return run(self, op, params, run_opts)
  end
end

local function op_of(id)
  return operations.by_id[id] or error("resource names unknown operation " .. tostring(id))
end

local function build_methods(spec)
  local methods = {}
  for name, v in pairs(spec.verbs or {}) do
    local verb, id = name, v
    if type(v) == "table" then verb, id = v.as, v.op end
    local op = op_of(id)
    if verb == "list" then
      for _, w in ipairs({ "list", "each", "all" }) do methods[w] = make_verb(w, op, w) end
    else
      methods[name] = make_verb(verb, op, name)
    end
  end
  if methods.replace and not methods.update then methods.update = methods.replace end
  for sub_name, sub in pairs(spec.subs or {}) do
    methods[sub_name] = function(self, parent_id)
      if sub.no_parent then return M.new(self._client, sub, self._parents) end
      check_id(parent_id, 1, sub_name)
      return M.new(self._client, sub, self._parents, parent_id)
    end
  end
  return methods
end

local cache = setmetatable({}, { __mode = "k" })

--- A resource object bound to a client (and to the ids of its parents).
-- @tparam jumpcloud.Client client
-- @tparam table spec `{verbs = {...}, subs = {name = spec}}`
-- @tparam[opt] table parents ids of the enclosing resources, by path parameter name
-- @tparam[opt] string parent_id the id this sub-collection hangs off
function M.new(client, spec, parents, parent_id)
  local mt = cache[spec]
  if not mt then
    mt = { __index = build_methods(spec), __name = "jumpcloud.Resource" }
    cache[spec] = mt
  end
  local bound = {}
  for k, v in pairs(parents or {}) do bound[k] = v end
  if parent_id then
    -- a sub-collection's parent is the first path parameter its operations do not already have
    local _, any = next(spec.verbs)
    local op = op_of(type(any) == "table" and any.op or any)
    for _, name in ipairs(path_params(op)) do
      if bound[name] == nil then bound[name] = parent_id break end
    end
  end
  return setmetatable({ _client = client, _parents = bound }, mt)
end

return M
