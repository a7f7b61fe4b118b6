--- The generator of the operations model. Run by bin/generate:
--   lua5.4 tools/generate/main.lua <descriptions directory> <output directory>
-- reads JumpCloud's OpenAPI descriptions and tools/generate/overrides.lua, and writes into the output directory
-- lua/jumpcloud/model/*.lua and docs/operations.md. Deterministic: the same inputs give the same bytes.
local read = require "generate.read_descriptions"
local build = require "generate.build_operations"
local apply = require "generate.apply_overrides"
local naming = require "generate.name_resources"
local Resolver = require "generate.resolve_refs"
local write_model = require "generate.write_model"
local write_docs = require "generate.write_docs"

local function fail(errors)
  io.stderr:write("bin/generate: the model cannot be generated:\n")
  for _, e in ipairs(errors) do io.stderr:write("  " .. e .. "\n") end
  os.exit(1)
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text))
  assert(f:close())
end

local sorted = require("generate.write_lua").keys -- keys in order (no order given: sorted)

local dir, out = arg[1], arg[2]
if not dir or not out then
  io.stderr:write("usage: lua5.4 tools/generate/main.lua <descriptions directory> <output directory>\n")
  os.exit(2)
end
if not read.present(dir) then
  io.stderr:write("bin/generate: JumpCloud's OpenAPI descriptions are not in " .. dir .. "\n")
  os.exit(3)
end

local overrides = dofile((arg[0]:match("^(.*)/[^/]*$") or ".") .. "/overrides.lua")
local src = read.load(dir)
local files = {}
for _, a in ipairs(read.apis) do files[#files + 1] = a.file end
files[#files + 1] = read.mapping_file
src.files = table.concat(files, ", ")
src.commit = src.commit or "unknown"

local ops = build.build(src, read.apis)
local by_name = apply.apply(ops, overrides)

local errors = {}
for _, op in ipairs(ops) do
  if op._list_error and not op.response.list then errors[#errors + 1] = op._list_error end
end
if #errors > 0 then fail(errors) end

local named, nerrors = naming.build(ops, overrides)
if #nerrors > 0 then fail(nerrors) end

-- Aliases: methods kept from the reference's resources, in addition to each operation's own method.
for _, a in ipairs(overrides.aliases or {}) do
  local op = by_name[a.op]
  local fam = named.families[a.family]
  if not op or not fam then fail({ ("alias %s.%s: unknown operation or family"):format(a.family, a.verb) }) end
  local spec = fam.resource
  if (spec.verbs and spec.verbs[a.verb]) or (spec.subs and spec.subs[a.verb]) then
    fail({ ("alias %s.%s: the name is taken"):format(a.family, a.verb) })
  end
  spec.verbs = spec.verbs or {}
  spec.verbs[a.verb] = (a.verb == a.as) and op.id or { op = op.id, as = a.as }
  local p = named.placed[op]
  p.aliases = p.aliases or {}
  p.aliases[#p.aliases + 1] = { family = a.family, steps = {}, verb = a.verb, kind = a.as }
end

-- The index: every accepted name, the ambiguous legacy ids, the family of each operation.
local legacy_count = {}
for _, op in ipairs(ops) do
  if op.legacy then
    legacy_count[op.legacy] = legacy_count[op.legacy] or {}
    table.insert(legacy_count[op.legacy], op.id)
  end
end
local index = { by_family = {}, extra = {}, ambiguous = {}, resources = sorted(named.families) }
local taken = {}
local function take(name, id)
  if taken[name] and taken[name] ~= id then
    fail({ ("the name %s would call both %s and %s"):format(name, taken[name], id) })
  end
  taken[name] = id
end
for _, fam in ipairs(index.resources) do
  local list = {}
  local fops = {}
  for _, op in ipairs(named.families[fam].ops) do fops[#fops + 1] = op end
  table.sort(fops, function(a, b) return a.id < b.id end)
  for _, op in ipairs(fops) do
    local legacy = op.legacy
    if legacy and #legacy_count[legacy] > 1 then legacy = nil end
    list[#list + 1] = { op.id, legacy }
    take(op.id, op.id)
    if legacy then take(legacy, op.id) end
    for _, n in ipairs(op.names or {}) do take(n, op.id) index.extra[n] = op.id end
  end
  index.by_family[fam] = list
end
for legacy, ids in pairs(legacy_count) do
  if #ids > 1 then
    table.sort(ids)
    if taken[legacy] then fail({ ("the ambiguous legacy id %s is also another operation's name"):format(legacy) }) end
    index.ambiguous[legacy] = ids
  end
end
for _, fam in ipairs(index.resources) do
  if fam == "index" or fam:match("^schemas_") then fail({ "a family may not be called " .. fam }) end
end

local model = out .. "/lua/jumpcloud/model/"
write(model .. "index.lua", write_model.index(src, index))
for _, fam in ipairs(index.resources) do
  write(model .. fam .. ".lua", write_model.family(src, named.families[fam]))
end
for _, a in ipairs(read.apis) do
  local doc = src.docs[a.api]
  local R = Resolver.new(doc)
  local schemas = {}
  for name, s in pairs(doc.components and doc.components.schemas or {}) do schemas[name] = R:strip(s) end
  write(model .. "schemas_" .. a.api .. ".lua", write_model.schemas(src, schemas))
end
write(out .. "/docs/operations.md", write_docs.render(src, named.families, named.placed, index.resources))

-- A summary on stdout.
local counts = { api = {}, paging = {}, list = {}, kind = {}, org = 0 }
local function inc(t, k) t[k] = (t[k] or 0) + 1 end
for _, op in ipairs(ops) do
  inc(counts.api, op.api)
  inc(counts.paging, op.paging and op.paging.kind or "-")
  local l = op.response.list
  inc(counts.list, l and (l.shape == "array" and "array" or ("envelope:" .. l.key)) or "-")
  inc(counts.kind, op.response.kind)
  if op.org_header then counts.org = counts.org + 1 end
end
local function show(t)
  local parts = {}
  for _, k in ipairs(sorted(t)) do if k ~= "-" then parts[#parts + 1] = k .. " " .. t[k] end end
  return table.concat(parts, ", ")
end
print(("%d operations (%s); %d resources; x-org-id on %d"):format(#ops, show(counts.api), #index.resources,
  counts.org))
print("paging: " .. show(counts.paging))
print("lists: " .. show(counts.list))
print("answers: " .. show(counts.kind))
