--- The API side of the mock: a request below `/api`, `/api/v2` or `/insights/directory/v1` goes to the route of
-- its operation, through the checks every operation shares (the `x-org-id` rule, content negotiation, parent
-- records), then to a user's handler for the operation if there is one, then to the behaviour of its kind.
-- @module jumpcloud.mock.api

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"
local respond = require "jumpcloud.mock.respond"
local classify = require "jumpcloud.mock.classify"
local router = require "jumpcloud.mock.router"
local data = require "jumpcloud.mock.data"
local model = require "jumpcloud.mock.model"
local files = require "jumpcloud.mock.kinds.files"

local type, pairs, ipairs, tostring, pcall = type, pairs, ipairs, tostring, pcall
local format, sub = string.format, string.sub

local M = {}

M.FORBIDDEN_ORG = "Forbidden: organization selection not allowed via header"

--- The behaviour of each kind.
M.KINDS = {}
do
  local records = require "jumpcloud.mock.kinds.records"
  local lists = require "jumpcloud.mock.kinds.lists"
  local singletons = require "jumpcloud.mock.kinds.singletons"
  local actions = require "jumpcloud.mock.kinds.actions"
  local graph = require "jumpcloud.mock.kinds.graph"
  local K = M.KINDS
  K.list, K.get, K.create, K.replace, K.patch, K.delete, K.bulk =
    lists.list, records.get, records.create, records.replace, records.patch, records.delete, records.bulk
  K.singleton_get, K.singleton_put, K.singleton_patch, K.singleton_delete =
    singletons.singleton_get, singletons.singleton_put, singletons.singleton_patch, singletons.singleton_delete
  K.action, K.graph, K.file = actions.action, graph.graph, files.file
end

local App = {}
App.__index = App

local shared_routes

--- The routes of the model, built once per process (they are data; each app keeps its own state).
function M.routes()
  if not shared_routes then shared_routes = classify.build() end
  return shared_routes
end

--- A new API over fresh state.
-- @tparam table opts `seed`, `empty`, `handlers` ({[operation id] = function(req)})
function M.new(opts)
  opts = opts or {}
  -- each app gets its own copy of the collection descriptions (the seed merges into them)
  local base = M.routes()
  local routes = { routes = base.routes, by_id = base.by_id, by_key = base.by_key, collections = {} }
  for k, c in pairs(base.collections) do
    local copy = {}
    for f, v in pairs(c) do copy[f] = v end
    routes.collections[k] = copy
  end
  for _, r in ipairs(routes.routes) do
    if r.coll then r.coll_key = r.coll.key end
  end
  local self = setmetatable({
    routes = routes,
    router = router.new(base.routes),
    data = data.new(routes, { seed = opts.seed, empty = opts.empty }),
    handlers = opts.handlers or {},
  }, App)
  return self
end

local function split_segments(rest)
  local segs = {}
  if rest == "" then return segs end
  for seg in (rest .. "/"):gmatch("([^/]*)/") do
    segs[#segs + 1] = util.unescape_path(seg)
  end
  return segs
end

-- The parent string of a collection key from the path parameters before position `upto`: the values of its
-- `{}` segments, the last ones before it.
local function parent_values(route, params, upto, key)
  local n = select(2, key:gsub("{}", ""))
  if n == 0 then return nil end
  local vals = {}
  for i = 1, upto - 1 do
    local s = route.segs[i]
    if s.param then vals[#vals + 1] = params[s.param] end
  end
  local out = {}
  for i = #vals - n + 1, #vals do out[#out + 1] = vals[i] end
  return table.concat(out, "/")
end

local function position_of(route, name)
  for i, s in ipairs(route.segs) do
    if s.param == name then return i end
  end
  return #route.segs + 1
end

local OFFERED_JSON = { "application/json" }

-- The content types the route can answer, the mock's preference first.
local function offered(route)
  if route.kind == "file" then return files.offered(route.op) end
  if route.op.accept == "application/json" then return OFFERED_JSON end
  local out = { "application/json" }
  for t in route.op.accept:gmatch("[^,%s]+") do
    if t ~= "application/json" then out[#out + 1] = t end
  end
  return out
end
M.offered = offered

--- A user's response table made whole: a status, headers, and the body as bytes (a table is JSON).
local function normalize(res)
  local headers = {}
  for k, v in pairs(res.headers or {}) do headers[tostring(k):lower()] = tostring(v) end
  local b = res.body
  if type(b) == "table" then
    b = json.encode(b)
    headers["content-type"] = headers["content-type"] or respond.JSON
  elseif b == nil then
    b = ""
  else
    b = tostring(b)
  end
  return { status = math.tointeger(res.status) or 200, headers = headers, body = b }
end
M.normalize = normalize

--- Runs one API request.
-- @tparam table req `{method, path, query, args, query_pairs, headers, body, origin}`
-- @treturn table response `{status, headers, body, route}`
function App:dispatch(req)
  local api, rest = router.api_of(req.path)
  if not api then return respond.error("message", 404, "Not Found: " .. req.path) end
  if sub(rest, -1) == "/" then rest = sub(rest, 1, -2) end -- one trailing slash is tolerated
  if sub(rest, 1, 1) == "/" then rest = sub(rest, 2) end
  local segments = split_segments(rest)
  local route, params = self.router:find(api, req.method, segments)
  if not route then
    if params then
      local res = respond.error("message", 405, "Method Not Allowed: " .. req.method .. " " .. req.path)
      res.headers.allow = table.concat(params, ", ")
      return res
    end
    return respond.error("message", 404, "Not Found: no route for " .. req.method .. " " .. req.path)
  end
  local op = route.op
  if req.headers["x-org-id"] ~= nil and not op.org_header then
    return respond.json(403, { message = M.FORBIDDEN_ORG, error = M.FORBIDDEN_ORG })
  end
  local content_type = respond.negotiate(req.headers["accept"], offered(route))
  if not content_type then
    return respond.error(route.errors, 406, "Not Acceptable: this operation answers " .. op.accept)
  end
  local ctx = { app = self, data = self.data, routes = self.routes, route = route, op = op, req = req,
    params = params, content_type = content_type, respond = respond, ref_parents = {} }
  -- the parent records the path names must exist
  for i, ref in ipairs(route.refs) do
    local pos = position_of(route, ref.name)
    local parent = parent_values(route, params, pos, ref.key)
    ctx.ref_parents[i] = parent
    if ref.check then
      local src = self.data:source(ref.key, parent)
      local id = params[ref.name]
      local found = src:get(id)
      if found == nil and src.spec and src.spec.id_kind == "integer" then found = src:get(math.tointeger(tonumber(id))) end
      if found == nil then
        return respond.error(route.errors, 404, format("Not Found: %s %q does not exist",
          ref.coll and ref.coll.name or ref.key, tostring(id)))
      end
    end
  end
  if route.coll then
    local key = route.coll.key
    ctx.coll = self.data:spec(key)
    local upto = route.item_param and position_of(route, route.item_param) or (#route.segs + 1)
    ctx.parent = parent_values(route, params, upto, key)
    ctx.source = self.data:source(key, ctx.parent)
  else
    local vals = {}
    for _, s in ipairs(route.segs) do
      if s.param then vals[#vals + 1] = params[s.param] end
    end
    ctx.parent = #vals > 0 and table.concat(vals, "/") or nil
  end
  local handler = self.handlers[op.id]
  if handler then
    local res = self:run_handler(handler, ctx)
    if res then
      res.route = route
      return res
    end
  end
  local res = M.KINDS[route.kind](ctx)
  res.route = route
  return res
end

--- Runs a user's handler: `handler(req)` with the request (`method`, `path`, `params` (path parameters), `query`
-- (name -> last value), `args` (name -> every value), `headers`, `body` (bytes), `json` (the body decoded),
-- `operation` (its canonical id), `kind`, `record()` (the stored record the path names), `records(name)` (a
-- collection's stored records), `default()` (the mock's own answer), `data`); its answer `{status, headers, body}`
-- made whole (a table body is sent as JSON), or nil to let the mock answer.
function App:run_handler(handler, ctx)
  local req = ctx.req
  local decoded = nil
  if req.body and req.body ~= "" then decoded = json.decode(req.body) end
  local query = {}
  for k, v in pairs(req.args) do query[k] = v[#v] end
  local ureq = {
    method = req.method, path = req.path, params = ctx.params, query = query, args = req.args,
    headers = req.headers, body = req.body, json = decoded, operation = ctx.op.id, kind = ctx.route.kind,
    data = self.data,
    -- the stored record the path names (its item, else its last parent), or nil
    record = function()
      if ctx.route.item_param and ctx.source then return ctx.source:get(ctx.params[ctx.route.item_param]) end
      for i = #ctx.route.refs, 1, -1 do
        local ref = ctx.route.refs[i]
        if ref.check then return self.data:source(ref.key, ctx.ref_parents[i]):get(ctx.params[ref.name]) end
      end
    end,
    -- the stored records of a collection (`users`, `usergroups`, ...)
    records = function(name)
      local key, parent = self.data:resolve_name(name)
      if not key then error(parent, 2) end
      return self.data:source(key, parent):all()
    end,
    default = function()
      local r = M.KINDS[ctx.route.kind](ctx)
      r.route = nil
      return r
    end,
  }
  local ok, res = pcall(handler, ureq)
  if not ok then
    return respond.error("message", 500, "Internal Server Error: route handler for " .. ctx.op.id .. ": "
      .. tostring(res))
  end
  if res == nil then return nil end
  if type(res) ~= "table" then
    return respond.error("message", 500, "Internal Server Error: route handler for " .. ctx.op.id
      .. " returned " .. type(res) .. " (a table {status=, headers=, body=} or nil expected)")
  end
  return normalize(res)
end

--- Back to the start state.
function App:reset()
  self.data:reset()
end

--- The canonical id of an operation name, or nil and a message with the nearest names.
function M.operation_id(name)
  local id, ambiguous = model.canonical(name)
  if id then return id end
  if ambiguous then
    return nil, format("operation %q is ambiguous: use one of %s", name, table.concat(ambiguous, ", "))
  end
  local near = util.nearest(name, model.names())
  return nil, format("unknown operation %q%s", name,
    #near > 0 and (" (did you mean " .. table.concat(near, ", ") .. "?)") or "")
end

return M
