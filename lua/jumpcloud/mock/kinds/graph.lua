--- The graph's operations over one store of edges (`jumpcloud.mock.graph`): associations (list by `targets`;
-- manage with `{op = "add"|"remove"|"update", type, id, attributes}`), members (of a group), memberof (the
-- groups holding an object) and traversals (`/users/{id}/systems`: each object reached, with its paths).
--
-- Adding an edge that exists answers 409 Conflict; removing or updating one that does not answers 404 Not Found
-- (JumpCloud's answers, though its descriptions declare only the 204); an object that does not exist answers 404;
-- a type the operation does not take answers 400.
-- @module jumpcloud.mock.kinds.graph

local schema = require "jumpcloud.mock.schema"
local model = require "jumpcloud.mock.model"
local overrides = require "jumpcloud.mock.overrides"
local records = require "jumpcloud.mock.kinds.records"
local lists = require "jumpcloud.mock.kinds.lists"

local type, ipairs, pairs, next, tostring = type, ipairs, pairs, next, tostring
local format = string.format

local M = {}

local fail = records.fail

-- The type of the object the path starts from: its parameter's name (`idp_routing_policy_id`) when that is a type,
-- else the word before it (`usergroups`); and its id and parameter name.
local function source_of(ctx)
  local segs = ctx.route.segs
  for i, s in ipairs(segs) do
    if s.param and not (segs[i - 1] and segs[i - 1].lit == "providers") then
      local t = s.param:gsub("_id$", "")
      if not overrides.graph_types[t] then
        t = segs[i - 1] and overrides.graph_segments[segs[i - 1].lit]
      end
      return t, ctx.params[s.param], s.param
    end
  end
end

-- The target types of a traversal, from its path's last word.
local function targets_of(ctx, source_type)
  local last = ctx.route.segs[#ctx.route.segs].lit
  if last == "membership" then return { [overrides.group_members[source_type] or "user"] = true }, "member_down" end
  local set = {}
  local family = overrides.graph_families[last]
  if family then
    for _, t in ipairs(family) do set[t] = true end
  else
    set[overrides.graph_segments[last] or last] = true
  end
  return set
end

local function conn(node, attributes)
  local c = { to = { id = node.id, type = node.type } }
  if attributes then c.attributes = attributes end
  return c
end

-- A list answer of graph items, conformed to the operation's items schema (ids where it wants strings).
local function answer(ctx, items)
  return lists.answer(ctx, items, {
    present = function(item, fs)
      if fs and fs.type == "string" then return item.to and item.to.id or item.id end
      return fs and schema.conform(ctx.op.api, item, fs, function()
        return schema.generator(ctx.route.key, 1, { seed = ctx.data.seed })
      end) or item
    end,
  })
end

local function list_args(ctx)
  local out = {}
  for _, v in ipairs(ctx.req.args.targets or {}) do
    for t in v:gmatch("[^,]+") do out[t] = true end
  end
  return out
end

function M.graph(ctx)
  local g = ctx.data:edges()
  local st, sid, sparam = source_of(ctx)
  if not st then return fail(ctx, 404, "Not Found: " .. ctx.req.path) end
  -- a source the path's own collection holds was found already (`/providers/{id}/applications/{id}`)
  local checked = false
  for _, ref in ipairs(ctx.route.refs) do
    if ref.name == sparam and ref.check then checked = true end
  end
  if not checked and not g:exists(st, sid) then
    return fail(ctx, 404, format("Not Found: %s %q does not exist", st, tostring(sid)))
  end
  local kind = ctx.op.graph
  if ctx.op.method == "POST" then return M.manage(ctx, g, st, sid) end
  if kind == "associations" then
    local targets = list_args(ctx)
    if next(targets) == nil and ctx.req.args.targets == nil then
      local needs = false
      for _, p in ipairs(ctx.op.params) do if p.name == "targets" and p.required then needs = true end end
      if needs then return fail(ctx, 400, "Bad Request: targets is required") end
    end
    local items = {}
    for _, nb in ipairs(g:neighbours(st, sid)) do
      if next(targets) == nil or targets[nb.node.type] then
        items[#items + 1] = conn(nb.node, nb.edge.attributes)
      end
    end
    return answer(ctx, items)
  elseif kind == "members" then
    local items = {}
    for _, nb in ipairs(g:neighbours(st, sid)) do
      local e = nb.edge
      if e.kind == "member" and e.a.type == st and e.a.id == sid then items[#items + 1] = conn(e.b, e.attributes) end
    end
    return answer(ctx, items)
  elseif kind == "memberof" then
    local set = {}
    for group in pairs(overrides.group_members) do set[group] = true end
    return answer(ctx, g:traverse(st, sid, set, "member_up"))
  end
  local targets, only = targets_of(ctx, st)
  return answer(ctx, g:traverse(st, sid, targets, only))
end

-- The types the operation's body takes: its schema's `type` enum or const.
local function allowed_types(op)
  local s = model.body_schema(op)
  if not s then return nil end
  local f = schema.flat(op.api, s)
  local t = f.properties and f.properties.type and schema.flat(op.api, f.properties.type)
  if not t then return nil end
  if t.const then return { [t.const] = true } end
  if t.enum then
    local set = {}
    for _, x in ipairs(t.enum) do set[x] = true end
    return set
  end
end

function M.manage(ctx, g, st, sid)
  local b, res = records.read_body(ctx, true)
  if not b then return res end
  if type(b) ~= "table" then return fail(ctx, 400, "Bad Request: request body must be a JSON object") end
  local op, tt, tid = b.op, b.type, b.id
  if op ~= "add" and op ~= "remove" and op ~= "update" then
    return fail(ctx, 400, "Bad Request: op must be one of: add, remove, update")
  end
  if tt == nil then tt = overrides.graph_default_target end
  local allowed = allowed_types(ctx.op)
  if allowed and not allowed[tt] then
    return fail(ctx, 400, format("Bad Request: type %q cannot be associated here", tostring(tt)))
  end
  if type(tid) ~= "string" or tid == "" then return fail(ctx, 400, "Bad Request: id is required") end
  if not g:exists(tt, tid) then
    return fail(ctx, 404, format("Not Found: %s %q does not exist", tt, tid))
  end
  local kind = ctx.op.graph == "members" and "member" or "association"
  if kind == "association" and overrides.group_members[st] == tt then kind = "member" end
  local attributes = type(b.attributes) == "table" and b.attributes or nil
  if op == "add" then
    local added = g:add(st, sid, tt, tid, kind, attributes)
    if not added then
      return fail(ctx, 409, format("Conflict: %s %q is already associated with %s %q", tt, tid, st, sid))
    end
  elseif op == "remove" then
    if not g:remove(st, sid, tt, tid) then
      return fail(ctx, 404, format("Not Found: %s %q is not associated with %s %q", tt, tid, st, sid))
    end
  else
    local e = g:find(st, sid, tt, tid)
    if not e then
      return fail(ctx, 404, format("Not Found: %s %q is not associated with %s %q", tt, tid, st, sid))
    end
    e.attributes = attributes
  end
  return { status = ctx.route.status, headers = {}, body = "" }
end

M.source_of = source_of

return M
