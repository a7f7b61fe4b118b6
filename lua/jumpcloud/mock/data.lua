--- The mock's state: record collections (the seed's, and the others synthesized from the model's schemas on
-- first use), singletons, the graph's edges, and the records a user adds.
--
-- A collection is named by its key (`v2/usergroups`, `v2/office365s/{}/domains`); one under a parent record has
-- an instance per parent (its parent ids joined by "/"). Synthesized records are deterministic for a seed: the
-- n-th record of a collection is the same on every run.
-- @module jumpcloud.mock.data

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"
local store = require "jumpcloud.mock.store"
local schema = require "jumpcloud.mock.schema"
local seed = require "jumpcloud.mock.seed"
local overrides = require "jumpcloud.mock.overrides"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format = string.format

local M = {}

local Data = {}
Data.__index = Data

-- The seed's collections merged into the classified ones (once per routes table): the seed says their key
-- field, views and hidden fields.
local function merge_seed(routes)
  if routes.seed_merged then return end
  routes.seed_merged = true
  for key, s in pairs(seed.collections) do
    local c = routes.collections[key]
    if not c then
      c = { key = key, api = key:match("^([^/]+)"), ops = {}, schema = { type = "object" }, id_field = "id",
        name = key:gsub("^[^/]+/", ""), parents = select(2, key:gsub("{}", "")) }
      routes.collections[key] = c
    end
    c.seeded = s
    if s.id_field ~= nil then c.id_field = s.id_field end
    c.view, c.field, c.hidden = s.view, s.field, s.hidden
  end
end

--- A new state.
-- @tparam table routes what `jumpcloud.mock.classify.build` returns
-- @tparam table opts `seed` (integer, default 1), `empty` (no seed data and no synthesized records)
function M.new(routes, opts)
  opts = opts or {}
  merge_seed(routes)
  local self = setmetatable({ routes = routes, seed = opts.seed or 1, empty = opts.empty == true,
    start_records = {}, pristine = {}, pristine_singletons = {} }, Data)
  self:reset()
  return self
end

--- Back to the start: the seed and the records given at start, nothing else. Collections already filled come
-- back from their first state (stored records are never changed in place: a write stores a new table).
function Data:reset()
  self.colls = {}
  self.singletons = {}
  for k, v in pairs(self.pristine_singletons) do self.singletons[k] = v end
  self.deleted_singletons = {}
  self.groups_built = self.groups_built or {}
  if self.graph and self.graph_pristine then
    self.graph:restore(self.graph_pristine)
  else
    self.graph = nil
  end
  self.created = self.created or 0
  self.uploads = nil
end

--- The records a collection holds at start instead of its generated ones (the `records` option of
-- `mock.start`); each completed once (an id when it has none, the schema's required fields).
function Data:set_start_records(key, parent, list)
  local k = parent and (key .. "@" .. parent) or key
  local spec = self:spec(key) or {}
  if spec.view then
    error(format("jumpcloud.mock: records: %s is a view of the seed's %s: add its records after the start "
      .. "(srv:add_records or POST /__mock/records/...)", key, spec.view), 0)
  end
  local out = {}
  for i, r in ipairs(list) do
    local rec = json.copy(r)
    if spec.id_field and rec[spec.id_field] == nil then self:set_id(spec, rec, self:synthetic_id(spec, "start", i)) end
    out[i] = self:complete(spec, rec, i)
  end
  self.start_records[k] = out
  self.pristine[k] = nil
  self.colls[k] = nil
end

--- The description of collection `key` (see `jumpcloud.mock.classify`), or nil.
function Data:spec(key)
  return self.routes.collections[key]
end

local function seeded(spec)
  return spec and spec.seeded
end

function Data:build_group(group)
  if self.groups_built[group] or self.empty then return end
  self.groups_built[group] = true
  self.building = true
  seed.groups[group](self)
  self.building = false
  for k, c in pairs(self.colls) do
    if not c.filled then
      if self.start_records[k] then
        c:clear()
        for _, r in ipairs(self.start_records[k]) do c:insert(r) end
      end
      c.filled = true
      local snapshot = {}
      for i, r in ipairs(c:all()) do snapshot[i] = r end
      self.pristine[k] = snapshot
    end
  end
end

--- The raw store collection of `key` under `parent` (created empty when new; the seed's builders use this).
function Data:coll(key, parent)
  local k = parent and (key .. "@" .. parent) or key
  local c = self.colls[k]
  if c == nil then
    local spec = self:spec(key) or {}
    local idf = spec.id_field
    if idf == nil then idf = "id" end
    c = store.collection(k, idf)
    c.spec = spec
    c.parent = parent
    self.colls[k] = c
  end
  return c
end

-- A view: the records of another collection whose field is the parent id.
local View = {}
View.__index = View

function View:all()
  local out = {}
  local field, value = self.field, self.value
  for _, r in ipairs(self.base:all()) do
    if r[field] == value then out[#out + 1] = r end
  end
  return out
end
function View:count() return #self:all() end
function View:get(id)
  local r = self.base:get(id)
  if r and r[self.field] == self.value then return r end
  return nil
end
function View:insert(rec)
  rec[self.field] = self.value
  return self.base:insert(rec)
end
function View:replace(rec) return self.base:replace(rec) end
function View:remove(id)
  if self:get(id) then return self.base:remove(id) end
end
function View:clear()
  for _, r in ipairs(self:all()) do self.base:remove_record(r) end
end
function View:find(path, value)
  for _, r in ipairs(self:all()) do
    if store.get_path(r, path) == value then return r end
  end
end
function View:remove_record(rec) return self.base:remove_record(rec) end

--- The records of collection `key` under `parent` (a store collection or a view), filled on first use: with
-- the records given at start for it (`mock.start{records=}`) when there are some, else by the seed's builder for
-- the seed's collections, else synthesized from the collection's schema.
function Data:source(key, parent)
  local spec = self:spec(key)
  if spec and spec.view then
    local base = self:source(spec.view)
    return setmetatable({ base = base, field = spec.field, value = parent, spec = base.spec,
      id_field = base.id_field, name = key }, View)
  end
  local k = parent and (key .. "@" .. parent) or key
  local c = self.colls[k]
  if c and c.filled then return c end
  local first = self.pristine[k]
  local s = seeded(spec)
  if first then
    c = self:coll(key, parent)
    for _, r in ipairs(first) do c:insert(r) end
    c.filled = true
    return c
  elseif s and not self.start_records[k] then
    self:build_group(s.group)
    c = self:coll(key, parent)
    c.filled = true
    return c
  end
  c = self:coll(key, parent)
  local start = self.start_records[k]
  if start then
    for _, r in ipairs(start) do c:insert(r) end
  elseif not self.empty and spec then
    self:synthesize(c, spec, parent)
  end
  c.filled = true
  local snapshot = {}
  for i, r in ipairs(c:all()) do snapshot[i] = r end
  self.pristine[k] = snapshot
  return c
end

local function id_kind_code(key, parent, seed_n)
  if overrides.id_kinds[key] then return overrides.id_kinds[key] end
  return 20 + util.crc32(key .. "@" .. tostring(parent) .. "#" .. seed_n) % 2000
end

--- The id of the n-th synthesized record of a collection.
function Data:synthetic_id(spec, parent, n)
  local code = id_kind_code(spec.key, parent, self.seed)
  if spec.id_kind == "uuid" then return util.uuid(code, n) end
  if spec.id_kind == "integer" then return code * 1000 + n end
  return util.object_id(code, n)
end

--- A new id for a record created at run time.
function Data:new_id(spec)
  self.created = self.created + 1
  if spec.id_kind == "uuid" then return util.new_uuid() end
  if spec.id_kind == "integer" then return 900000 + self.created end
  if spec.id_field == "caseNumber" then return format("%08d", 90000 + self.created) end
  return util.new_object_id()
end

--- The generator of record n of a collection (its persona and random source).
function Data:generator(spec, parent, n)
  return schema.generator(spec.key .. "@" .. tostring(parent), n, { seed = self.seed, kind = spec.kind,
    label = spec.label })
end

local ID_NAMES = { "id", "_id" }

--- Sets a record's id field (and the other id field of the schema, v1's records carry `_id` and `id`).
function Data.set_id(_, spec, rec, id)
  rec[spec.id_field] = id
  local props = spec.schema and spec.schema.properties
  if props then
    for _, f in ipairs(ID_NAMES) do
      if f ~= spec.id_field and props[f] and rec[f] == nil then rec[f] = id end
    end
  end
end

function Data:synthesize(c, spec, parent)
  local n = overrides.counts[spec.key] or (parent and overrides.counts.per_parent or overrides.counts.default)
  local api, s = spec.schema_api or spec.api, spec.schema
  for i = 1, n do
    local g = self:generator(spec, parent, i)
    local rec = schema.synth(api, s, g)
    if type(rec) ~= "table" or json.is_array(rec) then rec = {} end
    self:set_id(spec, rec, self:synthetic_id(spec, parent, i))
    c:insert(rec)
  end
end

--- A record completed for its collection: an id when it has none, the schema's required fields filled in, the
-- fields whose value the schema fixes (a const, a one-value enum, a default) set; with `created`, the boolean
-- fields left out are false, as JumpCloud answers a new record.
function Data:complete(spec, rec, n, created)
  if rec[spec.id_field] == nil and spec.id_field then self:set_id(spec, rec, self:new_id(spec)) end
  local s = spec.schema
  if s then
    local api = spec.schema_api or spec.api
    local flat = schema.flat(api, s)
    for _, r in ipairs(flat.required or {}) do
      if rec[r] == nil and flat.properties and flat.properties[r] then
        rec[r] = schema.synth(api, flat.properties[r], self:generator(spec, "new", n or self.created), 1, r, true)
      end
    end
    -- the values a field can only have, and the defaults the schema declares
    for name, ps in pairs(flat.properties or {}) do
      if rec[name] == nil then
        local p = schema.flat(api, ps)
        if p.const ~= nil then
          rec[name] = json.copy(p.const)
        elseif p.enum and #p.enum == 1 and p.enum[1] ~= json.null then
          rec[name] = json.copy(p.enum[1])
        elseif p.default ~= nil and type(p.default) ~= "table" then
          rec[name] = p.default
        elseif created and p.type == "boolean" then
          rec[name] = false
        end
      end
    end
  end
  return rec
end

------------------------------------------------------------------------------------------------------------------
-- Singletons
------------------------------------------------------------------------------------------------------------------

--- The singleton at `key` under `parent`, or nil when it was deleted. Synthesized from `s` (the schema of the
-- operation asking) when never set.
function Data:singleton(key, parent, api, s)
  local k = parent and (key .. "@" .. parent) or key
  if self.deleted_singletons[k] then return nil end
  local v = self.singletons[k]
  if v == nil then
    local sd = seed.singletons[key]
    if sd and not self.groups_built[sd.group] then
      self:build_group(sd.group)
      v = self.singletons[k]
    end
  end
  if v == nil and s then
    v = self.empty and {} or schema.synth(api, s, schema.generator(k, 1, { seed = self.seed }))
    self.singletons[k] = v
  end
  if v ~= nil and self.pristine_singletons[k] == nil then self.pristine_singletons[k] = v end
  return v
end

function Data:set_singleton(key, parent, value)
  local k = parent and (key .. "@" .. parent) or key
  self.singletons[k] = value
  self.deleted_singletons[k] = nil
  if self.building then self.pristine_singletons[k] = value end
end

function Data:delete_singleton(key, parent)
  local k = parent and (key .. "@" .. parent) or key
  self.singletons[k] = nil
  self.deleted_singletons[k] = true
end

------------------------------------------------------------------------------------------------------------------
-- Collections by name (the records control routes and `mock.start{records=}`)
------------------------------------------------------------------------------------------------------------------

--- The collection key and parent a name stands for: a resource family of the client (`users` is `client.users`,
-- whose list is v1's system users), a key without its API (`usergroups`, `office365s/<id>/domains`; v2 first),
-- or with it (`v1/users`, v1's administrators).
-- @return key, parent; or nil and a message
function Data:resolve_name(name)
  local colls = self.routes.collections
  local parts = {}
  for p in name:gmatch("[^/]+") do parts[#parts + 1] = p end
  local function try(api, from)
    local segs = {}
    for i = from, #parts do segs[#segs + 1] = parts[i] end
    -- literal segments must match a collection's; the others are parent ids (the most literal match wins)
    local best, best_lits
    for key in pairs(colls) do
      local kapi, kpath = key:match("^([^/]+)/(.*)$")
      if kapi == api then
        local ksegs = {}
        for s in kpath:gmatch("[^/]+") do ksegs[#ksegs + 1] = s end
        if #ksegs == #segs then
          local ok, ps = true, {}
          for i, s in ipairs(ksegs) do
            if s == "{}" then ps[#ps + 1] = segs[i] elseif s ~= segs[i] then ok = false break end
          end
          local lits = #ksegs - #ps
          if ok and (not best or lits > best_lits) then
            best, best_lits = { key, #ps > 0 and table.concat(ps, "/") or nil }, lits
          end
        end
      end
    end
    return best
  end
  -- a resource family of the client: its list (or get) operation's collection
  if #parts == 1 and name:match("^[%w_]+$") and name ~= "index" and not name:match("^schemas_") then
    local ok, fam = pcall(require, "jumpcloud.model." .. name)
    if ok and type(fam) == "table" and fam.resource and fam.resource.verbs then
      local verbs = fam.resource.verbs
      for _, verb in ipairs({ "list", "get", "create" }) do
        local id = verbs[verb]
        if type(id) == "table" then id = id.op end
        local r = id and self.routes.by_id[id]
        if r and r.coll then return r.coll.key, nil end
      end
    end
  end
  local api1 = parts[1]
  if (api1 == "v1" or api1 == "v2" or api1 == "insights") and #parts > 1 then
    local b = try(api1, 2)
    if b then return b[1], b[2] end
  end
  for _, api in ipairs({ "v2", "v1", "insights" }) do
    local b = try(api, 1)
    if b then return b[1], b[2] end
  end
  local names = {}
  for key in pairs(colls) do names[#names + 1] = (key:gsub("^v2/", "")) end
  local near = util.nearest(name, names)
  return nil, "no collection named " .. name .. (#near > 0 and (" (did you mean " .. table.concat(near, ", ")
    .. "?)") or "")
end

------------------------------------------------------------------------------------------------------------------
-- The graph
------------------------------------------------------------------------------------------------------------------

--- The graph's edges (`jumpcloud.mock.graph`), seeded on first use.
function Data:edges()
  if not self.graph then
    local graph = require "jumpcloud.mock.graph"
    self.graph = graph.new(self)
    if not self.empty then self.graph:seed() end
    self.graph_pristine = self.graph:snapshot()
  end
  return self.graph
end

return M
