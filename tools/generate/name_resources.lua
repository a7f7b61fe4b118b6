--- Names resources and their methods: gives every operation exactly one idiomatic method, as data.
--
-- The naming rules (the overrides' `paths` rewrite a path first, for the cases these rules name badly):
--   * The resource (family) is the first literal path segment, lower-cased, "-" to "_" (`/usergroups` ->
--     usergroups, `/microsoft-mdm/...` -> microsoft_mdm); `/integrations/<name>/...` -> <name> (autotask,
--     connectwise, syncro).
--   * At a collection `/x`: GET -> `list` (when the answer is a list or the operation pages; `get` otherwise),
--     POST -> `create` (`list` when it answers a list it pages), PUT -> `replace`, PATCH -> `update`, DELETE -> `delete`.
--   * At an item `/x/{id}` (or `/x/{a}/{b}`): GET -> `get`, PUT -> `replace`, PATCH -> `update`, DELETE -> `delete`,
--     POST -> `create`, each taking the id(s).
--   * A literal segment after an item, `/x/{id}/y`, is a sub-resource taking the parent id(s)
--     (`client.usergroups:members(group_id)`), whose own paths follow the same rules; when `y` is a leaf with one
--     operation it is instead a method of the parent: a GET of a list stays a sub-resource (`:results(id):each{}`),
--     any other GET is a method that gets (`:totpinfo(id)`), any other call is an action (`:resetmfa(id, body)`).
--   * A literal segment with no id before it, `/x/y`, is the same without a parent id: a leaf GET that is not a
--     list is a method that gets (`client.cases:metadata()`), a leaf call an action, anything else a
--     sub-resource without parent id (`client.organizations:cases():each{}`).
--   * A literal segment with no operation and no id of its own is a namespace: its children are named
--     "<segment>_<child>" where it stands (`/x/{id}/import/users` -> `:import_users(id)`).
--   * Graph: `/x/{id}/associations` (GET list, POST manage) -> `{graph = "associations"}`, `/x/{id}/members` whose
--     answer or body is a graph connection -> `{graph = "members", type = <the member type>}`, `/x/{id}/memberof`
--     -> `{graph = "memberof"}`, a GET answering GraphObjectWithPaths -> `{graph = "traverse"}` named after the target.
--   * Literal segments become snake_case identifiers (camelCase split, "-" to "_", lower case); a Lua keyword or
--     anything that is not an identifier is an error for the overrides to resolve.
--   * Methods of one resource object share one namespace (verbs, subs, and list's list/each/all): two operations
--     that would get the same name make the generator fail, naming both; the overrides resolve it.
local M = {}

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or repeat return then true
  until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local STANDARD = { list = true, get = true, create = true, update = true, replace = true, delete = true }

local function is_name(s)
  return s:match("^[%l][%l%d_]*$") ~= nil and not KEYWORDS[s]
end

--- A literal path segment as a snake_case name.
function M.snake(s)
  s = s:gsub("(%l)(%u)", "%1_%2"):gsub("(%u)(%u%l)", "%1_%2")
  s = s:gsub("[^%w]+", "_"):gsub("_+", "_"):gsub("^_", ""):gsub("_$", "")
  return s:lower()
end

--- The family name of a first path segment.
function M.family_name(seg)
  return (seg:lower():gsub("%-", "_"))
end

-- Does a rewrite rule match an operation? Returns the rewritten token list or nil.
local function rewrite(rule, op, tokens)
  if rule.api and rule.api ~= op.api then return nil end
  if rule.method and rule.method ~= op.method then return nil end
  local from = rule._from
  if #from > #tokens or (rule.exact and #from ~= #tokens) then return nil end
  local params, star = {}, nil
  for i, f in ipairs(from) do
    local t = tokens[i]
    if f.param then
      if not t.param then return nil end
      params[#params + 1] = t
    elseif f.text == "*" and t.text then
      star = t.text
    elseif t.param or t.text ~= f.text then
      return nil
    end
  end
  local out, n = {}, 0
  for _, t in ipairs(rule._to) do
    if t.param then
      n = n + 1
      out[#out + 1] = params[n] or error("rewrite " .. rule.from .. " -> " .. rule.to .. ": more {} than it takes")
    else
      local text = star and t.text:gsub("%*", star) or t.text
      out[#out + 1] = { text = text, name = text:match("^[%l][%l%d_]*$") and text or nil }
    end
  end
  for i = #from + 1, #tokens do out[#out + 1] = tokens[i] end
  rule._used = true
  return out
end

local function tokens_of(path)
  local out = {}
  for seg in path:gmatch("[^/]+") do
    out[#out + 1] = seg == "{}" and { param = "" } or (seg:match("^{(.+)}$") and { param = seg:match("^{(.+)}$") })
      or { text = seg }
  end
  return out
end

local function new_node()
  return { lits = {}, items = {}, ops = {} }
end

local function describe(op)
  return ("%s %s (%s)"):format(op.method, op.path, op.legacy or op.id)
end

-- Inserts an operation in the tree at its tokens.
local function insert(node, tokens, i, op, errors)
  if i > #tokens then
    local other = node.ops[op.method]
    if other then
      errors[#errors + 1] = ("%s and %s land on the same place: rewrite one in overrides.lua"):format(
        describe(other), describe(op))
    else
      node.ops[op.method] = op
    end
    return
  end
  local t = tokens[i]
  if t.param then
    local k = 0
    while tokens[i + k] and tokens[i + k].param do k = k + 1 end
    node.items[k] = node.items[k] or new_node()
    return insert(node.items[k], tokens, i + k, op, errors)
  end
  local name = t.name or M.snake(t.text)
  node.lits[name] = node.lits[name] or new_node()
  node.lits[name].literal = node.lits[name].literal or t.text
  return insert(node.lits[name], tokens, i + 1, op, errors)
end

local function count_ops(node)
  local n = 0
  for _ in pairs(node.ops) do n = n + 1 end
  return n
end

-- A literal node without operations or ids of its own is a namespace, not a resource: its children hang
-- off its parent, named "<namespace>_<child>" (`/x/{id}/import/users` -> import_users).
local function flatten(node)
  local changed = true
  while changed do
    changed = false
    for name, child in pairs(node.lits) do
      if next(child.ops) == nil and next(child.items) == nil and next(child.lits) ~= nil then
        node.lits[name] = nil
        for sub, grandchild in pairs(child.lits) do
          local joined = name .. "_" .. sub
          if node.lits[joined] then error("flattening " .. name .. " gives " .. joined .. " twice") end
          node.lits[joined] = grandchild
        end
        changed = true
        break
      end
    end
  end
  for _, child in pairs(node.lits) do flatten(child) end
  for _, item in pairs(node.items) do flatten(item) end
end

local function is_leaf(node)
  return next(node.lits) == nil and next(node.items) == nil
end

local sorted = require("generate.write_lua").keys -- keys in order (no order given: sorted)

local function is_list_op(op)
  return op.response.list ~= nil -- paged but no list in its answer (an empty schema): a get
end

local Builder = {}
Builder.__index = Builder

-- Claims a method name in a resource object; records a clash.
function Builder:claim(space, name, what)
  if not is_name(name) then
    self.errors[#self.errors + 1] = ("%s: %q is not a usable Lua name: rename it in overrides.lua"):format(what, name)
    return false
  end
  if space[name] then
    self.errors[#self.errors + 1] = ("%s and %s would both be %q: resolve it in overrides.lua"):format(
      space[name], what, name)
    return false
  end
  space[name] = what
  return true
end

-- Records where an operation's method is: the chain of subs from the family and the verb.
function Builder:place(op, chain, verb, kind, graph_role)
  if self.placed[op] then
    self.errors[#self.errors + 1] = describe(op) .. " got two methods"
    return
  end
  local steps = {}
  for i, s in ipairs(chain) do steps[i] = s end
  self.placed[op] = { family = self.family, steps = steps, verb = verb, kind = kind, graph = graph_role }
end

local function verb_entry(name, op, kind)
  if STANDARD[name] and name == kind then return op.id end
  return { op = op.id, as = kind }
end

-- Adds a verb to a spec.
function Builder:verb(spec, space, chain, name, op, kind, forced)
  if forced and forced.as then kind = forced.as end
  local what = describe(op)
  local ok
  if kind == "list" and name == "list" then
    ok = self:claim(space, "list", what) and self:claim(space, "each", what) and self:claim(space, "all", what)
  else
    ok = self:claim(space, name, what)
  end
  if not ok then return end
  spec.verbs = spec.verbs or {}
  spec.verbs[name] = verb_entry(name, op, kind)
  self:place(op, chain, name, kind)
end

local COLLECTION = { GET = "get", POST = "create", PUT = "replace", PATCH = "update", DELETE = "delete" }

-- Verbs for the operations at a collection node (no id) or an item node (ids).
function Builder:node_verbs(spec, space, chain, node, at_item)
  for _, method in ipairs(sorted(node.ops)) do
    local op = node.ops[method]
    local kind = COLLECTION[method] or "action"
    if not at_item and is_list_op(op) and (method == "GET" or method == "POST") then kind = "list" end
    local name = STANDARD[kind] and kind or method:lower()
    self:verb(spec, space, chain, name, op, kind, op._method)
  end
end

local function graph_of(node)
  local g
  for _, op in pairs(node.ops) do
    if op.graph then
      if g and g ~= op.graph then return nil end
      g = op.graph
    else
      return nil
    end
  end
  return g
end

-- A graph sub-resource at a leaf node.
function Builder:graph_sub(spec, space, chain, name, node, ids, g)
  local what = describe(self:any_op(node))
  if not self:claim(space, name, what) then return end
  local sub = { graph = g }
  if ids > 1 then sub.ids = ids end
  local step = { name = name, ids = ids, graph = g }
  chain[#chain + 1] = step
  for method, op in pairs(node.ops) do
    if method == "GET" then
      sub.list = op.id
      self:place(op, chain, "list", "list", g)
    elseif method == "POST" and (g == "associations" or g == "members") then
      sub.manage = op.id
      self:place(op, chain, "manage", "manage", g)
    else
      self.errors[#self.errors + 1] = describe(op) .. ": a graph path with an unexpected method"
    end
    if op._graph_types then
      if g == "members" and #op._graph_types == 1 then sub.type = op._graph_types[1]
      elseif g == "associations" and method == "POST" then sub.types = op._graph_types end
    end
  end
  if g == "associations" and not sub.types then
    local get = node.ops.GET
    if get and get._graph_types then sub.types = get._graph_types end
  end
  chain[#chain] = nil
  spec.subs = spec.subs or {}
  spec.subs[name] = sub
end

-- The methods of the literal children of a node; `ids` is how many ids the children's subs take (0: none).
function Builder:children(spec, space, chain, lits, ids)
  for _, name in ipairs(sorted(lits)) do
    local child = lits[name]
    local g = is_leaf(child) and graph_of(child)
    local single = is_leaf(child) and count_ops(child) == 1 and select(2, next(child.ops)) or nil
    if g then
      self:graph_sub(spec, space, chain, name, child, ids, g)
    elseif single and not is_list_op(single) then
      local kind = single.method == "GET" and "get" or "action"
      self:verb(spec, space, chain, name, single, kind, single._method)
    else
      local what = "the sub-resource " .. name .. " (" .. describe(self:any_op(child)) .. ")"
      if self:claim(space, name, what) then
        local sub = self:resource(child, chain, { name = name, ids = ids })
        if ids == 0 then sub.no_parent = true elseif ids > 1 then sub.ids = ids end
        spec.subs = spec.subs or {}
        spec.subs[name] = sub
      end
    end
  end
end

-- An operation at or below a node, for messages (the first by method, literal, id count).
function Builder:any_op(node)
  local methods = sorted(node.ops)
  if methods[1] then return node.ops[methods[1]] end
  local lits, items = sorted(node.lits), sorted(node.items)
  if lits[1] then return self:any_op(node.lits[lits[1]]) end
  if items[1] then return self:any_op(node.items[items[1]]) end
end

-- The spec of one resource object (the family's, or a sub-resource's) from its tree node.
function Builder:resource(node, chain, step)
  local spec, space = {}, {}
  if step then chain[#chain + 1] = step end
  self:node_verbs(spec, space, chain, node, false)
  self:children(spec, space, chain, node.lits, 0)
  for _, k in ipairs(sorted(node.items)) do
    local item = node.items[k]
    self:node_verbs(spec, space, chain, item, true)
    self:children(spec, space, chain, item.lits, k)
    -- a further id straight after (`/x/{a}/{b}` with ops at `{a}` too) is reached through the item's own items
    for _, k2 in ipairs(sorted(item.items)) do
      local deeper = item.items[k2]
      self.errors[#self.errors + 1] = ("%s: ids %d and %d in a row: rewrite it in overrides.lua"):format(
        describe(self:any_op(deeper)), k, k2)
    end
  end
  if step then chain[#chain] = nil end
  return spec
end

--- Names everything. `ops` as build_operations gives them; `overrides` the overrides table.
-- Returns `{families = {name = {resource = spec, ops = {op...}}}, placed = {[op] = placement}}` and a list of errors.
function M.build(ops, overrides)
  local errors = {}
  local rules = {}
  for i, r in ipairs(overrides.paths or {}) do
    r._from, r._to, r._used = tokens_of(r.from), tokens_of(r.to), false
    rules[i] = r
  end
  local trees, family_ops = {}, {}
  for _, op in ipairs(ops) do
    local tokens = {}
    for i, t in ipairs(op._segments) do tokens[i] = t end
    for _, r in ipairs(rules) do
      local out = rewrite(r, op, tokens)
      if out then tokens = out op._method = r.as and { as = r.as } or op._method break end
    end
    -- `/integrations/<name>/...` belongs to <name>
    if tokens[1] and tokens[1].text == "integrations" and tokens[2] and tokens[2].text then
      table.remove(tokens, 1)
    end
    if not tokens[1] or tokens[1].param then
      errors[#errors + 1] = describe(op) .. ": no literal first segment to name a resource after"
    else
      local family = tokens[1].name or M.family_name(tokens[1].text)
      if not is_name(family) then
        errors[#errors + 1] = ("%s: the resource %q is not a usable Lua name: rewrite it in overrides.lua"):format(
          describe(op), family)
      end
      op._family = family
      trees[family] = trees[family] or new_node()
      family_ops[family] = family_ops[family] or {}
      table.insert(family_ops[family], op)
      insert(trees[family], tokens, 2, op, errors)
    end
  end
  for _, r in ipairs(rules) do
    if not r._used then errors[#errors + 1] = ("the rewrite %s -> %s matches nothing"):format(r.from, r.to) end
  end
  for _, tree in pairs(trees) do flatten(tree) end
  local b = setmetatable({ errors = errors, placed = {} }, Builder)
  local families = {}
  for _, family in ipairs(sorted(trees)) do
    b.family = family
    families[family] = { resource = b:resource(trees[family], {}), ops = family_ops[family] }
  end
  for _, op in ipairs(ops) do
    if op._family and not b.placed[op] then errors[#errors + 1] = describe(op) .. " got no method" end
  end
  return { families = families, placed = b.placed }, errors
end

return M
