--- The graph: one store of typed edges between objects, serving every associations, members, memberof and
-- traversal operation.
--
-- An edge joins two objects (`{type, id}`); a "member" edge goes from a group to its member, an "association"
-- edge joins any two objects either way. A traversal walks edges through groups only (user groups, system
-- groups, policy groups), at most three edges, and answers each object it reaches with the `paths` it went
-- through, as JumpCloud's GraphObjectWithPaths does: a user reaches a system through a user group bound to a
-- system group that holds the system.
-- @module jumpcloud.mock.graph

local overrides = require "jumpcloud.mock.overrides"

local ipairs, pairs = ipairs, pairs

local M = {}

M.MAX_HOPS = 3
M.MAX_PATHS = 5

local Graph = {}
Graph.__index = Graph

--- An empty graph over the collections of `data` (a `jumpcloud.mock.data` state).
function M.new(data)
  return setmetatable({ data = data, edges = {}, by_node = {} }, Graph)
end

local function node_key(t, id)
  return t .. ":" .. id
end

local GROUPS = {}
for g in pairs(overrides.group_members) do GROUPS[g] = true end
M.GROUPS = GROUPS

local function index(self, e)
  for _, n in ipairs({ e.a, e.b }) do
    local k = node_key(n.type, n.id)
    local list = self.by_node[k]
    if not list then list = {} self.by_node[k] = list end
    list[#list + 1] = e
  end
end

local function unindex(self, e)
  for _, n in ipairs({ e.a, e.b }) do
    local list = self.by_node[node_key(n.type, n.id)]
    for i = #(list or {}), 1, -1 do
      if list[i] == e then table.remove(list, i) end
    end
  end
end

--- The edge between two objects, or nil. Member edges go from the group (`a`) to the member (`b`).
function Graph:find(at, aid, bt, bid, kind)
  for _, e in ipairs(self.by_node[node_key(at, aid)] or {}) do
    if (kind == nil or e.kind == kind) then
      if e.a.type == at and e.a.id == aid and e.b.type == bt and e.b.id == bid then return e end
      if e.kind == "association" and e.b.type == at and e.b.id == aid and e.a.type == bt and e.a.id == bid then
        return e
      end
    end
  end
  return nil
end

--- Adds an edge; nil and "exists" when it is already there.
function Graph:add(at, aid, bt, bid, kind, attributes)
  if self:find(at, aid, bt, bid) then return nil, "exists" end
  local e = { a = { type = at, id = aid }, b = { type = bt, id = bid }, kind = kind, attributes = attributes }
  self.edges[#self.edges + 1] = e
  index(self, e)
  return e
end

--- Removes an edge; nil when there is none.
function Graph:remove(at, aid, bt, bid)
  local e = self:find(at, aid, bt, bid)
  if not e then return nil end
  unindex(self, e)
  for i, x in ipairs(self.edges) do
    if x == e then table.remove(self.edges, i) break end
  end
  return e
end

--- Removes every edge of an object (it was deleted).
function Graph:forget(t, id)
  for _, e in ipairs(self.by_node[node_key(t, id)] or {}) do
    local other = e.a.type == t and e.a.id == id and e.b or e.a
    local list = self.by_node[node_key(other.type, other.id)]
    for i = #(list or {}), 1, -1 do
      if list[i] == e then table.remove(list, i) end
    end
    for i, x in ipairs(self.edges) do
      if x == e then table.remove(self.edges, i) break end
    end
  end
  self.by_node[node_key(t, id)] = nil
end

--- The collection key of a graph type, or nil (types without one take any id).
function M.collection_of(t)
  return overrides.graph_types[t]
end

--- Whether the object exists (always true for types without a collection).
function Graph:exists(t, id)
  local key = M.collection_of(t)
  if not key or not self.data:spec(key) then return true end
  return self.data:source(key):get(id) ~= nil
end

--- Every edge of an object, each with the object at its other end.
function Graph:neighbours(t, id)
  local out = {}
  for _, e in ipairs(self.by_node[node_key(t, id)] or {}) do
    local other
    if e.a.type == t and e.a.id == id then other = e.b else other = e.a end
    out[#out + 1] = { edge = e, node = other }
  end
  return out
end

-- A connection of a path, oriented along the walk.
local function connection(from, to, e)
  local c = { from = { id = from.id, type = from.type }, to = { id = to.id, type = to.type } }
  if e.attributes then c.attributes = e.attributes end
  return c
end

--- The objects of the target types reachable from an object, each `{type=, id=, paths=}`, in the order found.
-- @tparam string t the source's type
-- @tparam string id the source's id
-- @tparam table targets set of target types
-- @tparam[opt] string only "member_up" to walk member edges upwards only (memberof), "member_down" to walk them
--   downwards only (a group's membership)
function Graph:traverse(t, id, targets, only)
  local found, order = {}, {}
  local source = { type = t, id = id }
  local function walk(node, path, seen, hops)
    if hops >= M.MAX_HOPS then return end
    for _, nb in ipairs(self:neighbours(node.type, node.id)) do
      local e, other = nb.edge, nb.node
      local ok = true
      if only == "member_up" then ok = e.kind == "member" and e.b.type == node.type and e.b.id == node.id end
      if only == "member_down" then ok = e.kind == "member" and e.a.type == node.type and e.a.id == node.id end
      local k = node_key(other.type, other.id)
      if ok and not seen[k] then
        local p = {}
        for i, c in ipairs(path) do p[i] = c end
        p[#p + 1] = connection(node, other, e)
        if targets[other.type] then
          local f = found[k]
          if not f then
            f = { type = other.type, id = other.id, paths = {} }
            found[k] = f
            order[#order + 1] = f
          end
          if #f.paths < M.MAX_PATHS then f.paths[#f.paths + 1] = p end
        end
        if GROUPS[other.type] then
          seen[k] = true
          walk(other, p, seen, hops + 1)
          seen[k] = nil
        end
      end
    end
  end
  walk(source, {}, { [node_key(t, id)] = true }, 0)
  return order
end

--- A copy of the edges, to come back to (`restore`).
function Graph:snapshot()
  local out = {}
  for i, e in ipairs(self.edges) do
    out[i] = { a = e.a, b = e.b, kind = e.kind, attributes = e.attributes }
  end
  return out
end

--- Back to a snapshot's edges.
function Graph:restore(snapshot)
  self.edges, self.by_node = {}, {}
  for i, e in ipairs(snapshot) do
    local copy = { a = e.a, b = e.b, kind = e.kind, attributes = e.attributes }
    self.edges[i] = copy
    index(self, copy)
  end
end

--- Seeds the edges of `overrides.graph_seed` between the first records of each type's collection (the seed's and
-- synthesized ones: a collection given at start gets none).
function Graph:seed()
  local data = self.data
  local function ids_of(t)
    local key = M.collection_of(t)
    local spec = key and data:spec(key)
    if not spec then return {} end
    -- the collection's first records, not those added since; none where the records were given at start (a test
    -- that gives its records makes their associations itself)
    if data.start_records[key] then return {} end
    data:source(key)
    local out = {}
    local idf = spec.id_field
    for i, r in ipairs(data.pristine[key] or {}) do
      out[i] = r[idf]
    end
    return out
  end
  local cache = {}
  for _, rule in ipairs(overrides.graph_seed) do
    local from, to, kind, per = rule[1], rule[2], rule[3], rule[4]
    cache[from] = cache[from] or ids_of(from)
    cache[to] = cache[to] or ids_of(to)
    local sources, targets = cache[from], cache[to]
    if #targets > 0 then
      for i, sid in ipairs(sources) do
        for j = 1, per do
          local tid = targets[((i - 1) * per + j - 1) % #targets + 1]
          self:add(from, sid, to, tid, kind)
        end
      end
    end
  end
end

return M
