--- The one generic resource: it turns a resource's table of verbs (each naming an operation)
-- into methods. Resource tables are data; nothing is per resource here.
--
-- Verbs: `get`, `list` (gives `list`, `each`, `pages` and `all`), `create` (POST), `update`
-- (PATCH), `replace` (PUT), `delete`, and `{op = id, as = verb}` to give an operation its own
-- name with the behaviour of a standard verb. `subs` are sub-resources: `client.policies:results(id)`.
-- @module jumpcloud.resource
local check = require "jumpcloud.check"
local operation = require "jumpcloud.operation"

local type, pairs, ipairs = type, pairs, ipairs

local M = {}

--- The resources a client carries, each a module of `jumpcloud.resources`: `client.policies`, ...
M.NAMES = { "autotask", "cases", "connectwise", "iplists", "ldapservers", "logos", "microsoft_mdm", "office365s",
  "organizations", "passwordmanager", "policies", "policygroups", "policyresults", "policytemplates" }
local NAME_SET = {}
for _, n in ipairs(M.NAMES) do NAME_SET[n] = true end

--- The names of the resources.
function M.names() return M.NAMES end

--- True when `name` is a resource.
function M.exists(name) return NAME_SET[name] == true end

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

-- `self` of a method: a resource, or the mistake of a dot for a colon.
local function resource_of(self, verb)
  if type(self) ~= "table" or rawget(self, "_st") == nil then
    check.fail("use client.<resource>:%s(...) (with a colon)", verb)
  end
  if not self._st.open then check.closed() end
  return self
end

local function check_id(v, n, fname)
  if type(v) ~= "string" and math.type(v) ~= "integer" or v == "" then
    check.fail("bad argument #%d to '%s' (id string expected, got %s)", n, fname, v == "" and "an empty string" or type(v))
  end
end

local function check_table(v, n, fname, what)
  if v ~= nil and type(v) ~= "table" then
    check.fail("bad argument #%d to '%s' (%s expected, got %s)", n, fname, what or "table", type(v))
  end
end

-- Options of the request, not parameters of the operation.
local RUN_OPTIONS = { to_file = true, retry = true }

-- Params for one call: the parents' ids, the item id, the caller's extra params.
local function params_of(self, item, id, extra)
  local p = {}
  for k, v in pairs(self._parents) do p[k] = v end
  if item then p[item] = id end
  local run_opts
  for k, v in pairs(extra or {}) do
    if RUN_OPTIONS[k] then
      run_opts = run_opts or {}
      run_opts[k] = v
    else
      p[k] = v
    end
  end
  return p, run_opts
end

local function run(self, op, params, run_opts)
  local data, resp = operation.run(self._st, op, params, run_opts)
  if data ~= nil and op.response == "binary" then return data, resp.headers["content-type"], resp end
  return data, resp
end

local PAGING_VERBS = { list = true, each = true, all = true, pages = true }

-- The method for standard verb `verb` running operation `op`.
local function make_verb(verb, op, name)
  if PAGING_VERBS[verb] then
    return function(self, opts)
      resource_of(self, name)
      check_table(opts, 1, name, "table of options")
      return require("jumpcloud.paging")[verb](self._st, op, self._parents, opts)
    end
  end
  local takes_body = verb == "create" or verb == "update" or verb == "replace"
  return function(self, ...)
    resource_of(self, name)
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
        check.fail("bad argument #%d to '%s' (table expected, got %s)", n, name, type(body))
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
  return require("jumpcloud.operations").by_id[id] or error("resource names unknown operation " .. tostring(id))
end

local function build_methods(spec)
  local methods = {}
  for name, v in pairs(spec.verbs or {}) do
    local verb, id = name, v
    if type(v) == "table" then verb, id = v.as, v.op end
    local op = op_of(id)
    if verb == "list" then
      for w in pairs(PAGING_VERBS) do methods[w] = make_verb(w, op, w) end
    else
      methods[name] = make_verb(verb, op, name)
    end
  end
  if methods.replace and not methods.update then methods.update = methods.replace end
  for sub_name, sub in pairs(spec.subs or {}) do
    methods[sub_name] = function(self, parent_id)
      resource_of(self, sub_name)
      if sub.no_parent then return M.bind(self._st, sub, self._parents) end
      check_id(parent_id, 1, sub_name)
      return M.bind(self._st, sub, self._parents, parent_id)
    end
  end
  return methods
end

local cache = setmetatable({}, { __mode = "k" })

--- A resource object bound to a client's state (and to the ids of its parents).
-- @tparam table st the client's state
-- @tparam table spec `{verbs = {...}, subs = {name = spec}}`
-- @tparam[opt] table parents ids of the enclosing resources, by path parameter name
-- @tparam[opt] string parent_id the id this sub-collection hangs off
function M.bind(st, spec, parents, parent_id)
  local mt = cache[spec]
  if not mt then
    local methods = build_methods(spec)
    mt = { __name = "jumpcloud.Resource", __index = function(_, k)
      if methods[k] then return methods[k] end
      if type(k) == "string" then
        local near = check.near(k, methods, 1)
        if near[1] then check.fail("no method '%s' (did you mean '%s'?)", k, near[1]) end
      end
    end }
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
  return setmetatable({ _st = st, _parents = bound }, mt)
end

--- The resource `name` of the client whose state is `st`.
function M.new(st, name)
  return M.bind(st, (require("jumpcloud.resources." .. name)))
end

return M
