--- The one generic resource: it turns a resource spec of the model (verbs naming operations, subs,
-- graph subs) into methods. Specs are data generated with the model; nothing here is per resource.
--
-- Verbs (`as`): `list` (gives `list`, `each`, `pages` and `all`), `get`, `create` (POST), `update`
-- (PATCH, and only PATCH), `replace` (PUT), `delete`, `action` (any other call: the ids, then a body
-- where the operation takes one). Subs: `client.usergroups:members(group_id)`. Graph subs:
-- `associations(id, type)` and `members(id)` list and `add`/`remove`; `memberof(id)` and the
-- traversals (`client.users:systems(id)`) list.
-- @module jumpcloud.resource
local check = require "jumpcloud.check"
local model = require "jumpcloud.model"
local operation = require "jumpcloud.operation"

local type, pairs, ipairs = type, pairs, ipairs

local M = {}

--- The names of the resources (`client.<name>`).
function M.names() return model.index().resources end

--- True when `name` is a resource.
function M.exists(name) return model.is_resource(name) end

local function op_of(id)
  return model.operation(id) or error("the model names an unknown operation: " .. tostring(id))
end

local function path_params(op)
  local names = {}
  for name in op.path:gmatch("{([^}]+)}") do names[#names + 1] = name end
  return names
end

-- The params of op that the ids bound so far give: its first path parameters, in order (parents'
-- ids come first in every path, whatever each operation calls them), and its other path parameters.
local function bind_ids(op, ids)
  local names, params = path_params(op), {}
  for i = 1, math.min(#ids, #names) do params[names[i]] = ids[i] end
  local rest = {}
  for i = #ids + 1, #names do rest[#rest + 1] = names[i] end
  return params, rest
end

-- The name of the resource whose methods are being built ("client.policies"), for the message of
-- a dot used for a colon (then `self` is not the resource, and cannot say).
local building = "client.<resource>"

-- `self` of a method: a resource, or the mistake of a dot for a colon.
local function resource_of(self, name, owner)
  if type(self) ~= "table" or rawget(self, "_st") == nil then
    check.fail("use %s:%s(...) (with a colon)", owner or "client.<resource>", name)
  end
  if not self._st.open then check.closed() end
  return self
end

local function check_id(v, n, fname)
  if (type(v) ~= "string" and math.type(v) ~= "integer") or v == "" then
    check.fail("bad argument #%d to '%s' (id string expected, got %s)", n, fname,
      v == "" and "an empty string" or type(v))
  end
end

local function check_table(v, n, fname, what)
  if v ~= nil and type(v) ~= "table" then
    check.fail("bad argument #%d to '%s' (%s expected, got %s)", n, fname, what or "table", type(v))
  end
end

-- Params for one call: the bound ones, the caller's extra params; request options apart.
local function params_of(bound, extra)
  local p, run_opts = bound, nil
  for k, v in pairs(extra or {}) do
    if operation.REQUEST_OPTIONS[k] then
      run_opts = run_opts or {}
      run_opts[k] = v
    else
      p[k] = v
    end
  end
  return p, run_opts
end

-- What a verb returns: data and response, with a binary or text answer's content type between.
local function result(op, data, resp)
  local kind = op.response.kind
  if data ~= nil and (kind == "binary" or kind == "text") then return data, resp.headers["content-type"], resp end
  return data, resp
end

local PAGING = { "list", "each", "pages", "all" }

-- The paging methods over `op` (the walk's params: the bound ids, and `fixed` ones taken from fields
-- of the resource object).
local function paging_methods(methods, op, fixed)
  local owner = building
  for _, w in ipairs(PAGING) do
    methods[w] = function(self, opts)
      resource_of(self, w, owner)
      check_table(opts, 1, w, "table of options")
      local base = bind_ids(op, self._ids)
      for k, field in pairs(fixed or {}) do base[k] = self[field] end
      return require("jumpcloud.paging")[w](self._st, op, base, opts, self._name .. ":" .. w)
    end
  end
end

-- The method for a verb `name` running operation `op`: the ids the bound ones do not
-- give, then a body where the operation takes one (a DELETE may), then the extra params and options.
local function make_verb(name, op)
  local takes_body = op.body ~= nil
  local owner = building
  return function(self, ...)
    resource_of(self, name, owner)
    local args = { ... }
    local bound, rest = bind_ids(op, self._ids)
    for i, pname in ipairs(rest) do
      check_id(args[i], i, name)
      bound[pname] = args[i]
    end
    local n, body = #rest + 1, nil
    if takes_body then
      body = args[n]
      if body ~= nil and type(body) ~= "table" and type(body) ~= "string" then
        check.fail("bad argument #%d to '%s' (table expected, got %s)", n, name, type(body))
      end
      n = n + 1
    end
    check_table(args[n], n, name)
    local params, run_opts = params_of(bound, args[n])
    if takes_body then params.body = body end
    return result(op, operation.run(self._st, op, params, run_opts, self._name .. ":" .. name))
  end
end

local bind

-- Whether op takes the parameter, or the body field, `name`.
local function takes(op, name)
  return operation.param_set(op)[name] ~= nil
end
local function body_takes(op, name)
  local b = op.body
  return b ~= nil and (b.open or b.fields == nil or b.fields[name] ~= nil)
end

-- Graph subs: members(id) and associations(id, type) list, add and remove; the rest list.
local function graph_methods(spec)
  local methods = {}
  if spec.list then
    local list = op_of(spec.list)
    local typed = spec.graph == "associations" and takes(list, "targets")
    paging_methods(methods, list, typed and { targets = "_type" } or nil)
  end
  if spec.manage then
    local manage, owner = op_of(spec.manage), building
    local typed = body_takes(manage, "type")
    local function edge(verb)
      return function(self, id, attributes)
        resource_of(self, verb, owner)
        check_id(id, 1, verb)
        check_table(attributes, 2, verb)
        local params = bind_ids(manage, self._ids)
        params.body = { op = verb, id = id, attributes = attributes, type = typed and (self._type or spec.type) or nil }
        return operation.run(self._st, manage, params, nil, self._name .. ":" .. verb)
      end
    end
    methods.add, methods.remove = edge("add"), edge("remove")
  end
  return methods
end

local function sub_method(sub_name, sub)
  local nids = sub.no_parent and 0 or sub.ids or 1
  local owner = building
  return function(self, ...)
    resource_of(self, sub_name, owner)
    local args, ids = { ... }, {}
    for i, v in ipairs(self._ids) do ids[i] = v end
    for i = 1, nids do
      check_id(args[i], i, sub_name)
      ids[#ids + 1] = args[i]
    end
    local r = bind(self._st, sub, ids, self._name .. ":" .. sub_name .. "(...)")
    if sub.graph == "associations" then
      local t = args[nids + 1]
      if type(t) ~= "string" then
        check.fail("bad argument #%d to '%s' (target type expected: %s)", nids + 1, sub_name, table.concat(sub.types or {}, ", "))
      end
      local types = sub.types and #sub.types > 0 and sub.types or { t } -- none declared: any
      local ok = false
      for _, x in ipairs(types) do ok = ok or x == t end
      if not ok then
        check.fail("bad argument #%d to '%s' ('%s' is not a target type of %s: %s)%s", nids + 1, sub_name, t, self._name,
          table.concat(sub.types, ", "), check.suggest(t, sub.types, 1))
      end
      rawset(r, "_type", t)
    end
    return r
  end
end

local function build_methods(spec)
  if spec.graph then return graph_methods(spec) end
  local methods = {}
  for name, v in pairs(spec.verbs or {}) do
    local as, id = name, v
    if type(v) == "table" then as, id = v.as, v.op end
    local op = op_of(id)
    if as == "list" then paging_methods(methods, op)
    else methods[name] = make_verb(name, op) end
  end
  for sub_name, sub in pairs(spec.subs or {}) do methods[sub_name] = sub_method(sub_name, sub) end
  return methods
end

local cache = setmetatable({}, { __mode = "k" })

-- The metatable of the resources of `spec`: its methods, and near misses raise with a suggestion.
local function meta(spec, name)
  local mt = cache[spec]
  if mt then return mt end
  building = name
  local methods = build_methods(spec)
  mt = { __name = "jumpcloud.Resource" }
  mt.__index = function(self, k)
    local m = methods[k]
    if m then return m end
    if type(k) == "string" and k:sub(1, 1) ~= "_" then
      check.fail("%s has no method '%s'%s", rawget(self, "_name") or "this resource", k, check.suggest(k, methods))
    end
  end
  mt.__tostring = function(self) return "jumpcloud.Resource (" .. self._name .. ")" end
  cache[spec] = mt
  return mt
end

bind = function(st, spec, ids, name)
  return setmetatable({ _st = st, _ids = ids, _name = name }, meta(spec, name))
end

--- The resource `name` of the client whose state is `st`.
function M.new(st, name)
  return bind(st, model.resource(name), {}, "client." .. name)
end

--- The method names of a resource spec, sorted (for the documentation and the specs).
function M.methods(spec)
  local out = {}
  for k in pairs(build_methods(spec)) do out[#out + 1] = k end
  table.sort(out)
  return out
end

return M
