--- The control routes under `/__mock/` (no key needed):
--
--   GET    /__mock/ids                 the seed's known ids and counts
--   GET    /__mock/stats               connections and requests counted since the last reset
--   GET    /__mock/requests            the request log (the last 1,000 requests outside /__mock/)
--   POST   /__mock/reset               back to the start state (seed, start records, start faults)
--   GET    /__mock/faults              the fault rules; POST adds one (see jumpcloud.mock.faults); DELETE clears
--   GET    /__mock/records/<name>      the records of a collection (`usergroups`, `users`, `office365s/<id>/domains`)
--   POST   /__mock/records/<name>      adds records (one object or an array); answers them with their ids
--   DELETE /__mock/records/<name>      removes every record of the collection (`/<id>` at the end: one)
--   GET    /__mock/routes              every operation's route: id, method, path, kind, collection
--   GET    /__mock/examples            a valid request for every operation (`?id=<operation>` for one)
--   GET    /__mock/tokens              the OAuth tokens issued; POST /__mock/tokens/expire expires them (a JSON
--                                      body `{"access_token": "..."}` for one)
-- @module jumpcloud.mock.control

local json = require "jumpcloud.mock.json"
local respond = require "jumpcloud.mock.respond"
local seed = require "jumpcloud.mock.seed"
local examples = require "jumpcloud.mock.examples"
local model = require "jumpcloud.mock.model"

local type, ipairs, tostring = type, ipairs, tostring
local sub, match = string.sub, string.match

local M = {}

M.PREFIX = "/__mock/"

local function bad(message)
  return respond.error("plain", 400, "Bad Request: " .. message)
end

local function not_found(req)
  return respond.error("plain", 404, "Not Found: no control route " .. req.method .. " " .. req.path)
end

-- The records control route: name resolution, then GET, POST or DELETE.
local function records(server, req, name)
  local data = server.app.data
  local key, parent = data:resolve_name(name)
  local id
  if not key then
    -- a trailing id: /__mock/records/usergroups/<id>
    local base, last = match(name, "^(.*)/([^/]+)$")
    if base then
      key, parent = data:resolve_name(base)
      id = last
    end
    if not key then return respond.error("plain", 404, "Not Found: " .. tostring(parent)) end
  end
  local src = data:source(key, parent)
  local spec = data:spec(key)
  if req.method == "GET" then
    if id then
      local rec = src:get(id)
      if not rec then return respond.error("plain", 404, "Not Found: no record " .. id) end
      return respond.json(200, rec)
    end
    return respond.json(200, json.array(src:all()))
  elseif req.method == "POST" and not id then
    local v, err = json.decode(req.body or "")
    if type(v) ~= "table" then return bad("a record (a JSON object) or an array of records: " .. tostring(err)) end
    local list = (json.is_array(v) or v[1] ~= nil) and v or { v }
    local out = json.array()
    for i, r in ipairs(list) do
      if type(r) ~= "table" then return bad("record " .. i .. " is not an object") end
      local rec = data:complete(spec, json.copy(r), i)
      if spec.id_field and rec[spec.id_field] ~= nil and src:get(rec[spec.id_field]) then
        return respond.error("plain", 409, "Conflict: a record with " .. spec.id_field .. " "
          .. tostring(rec[spec.id_field]) .. " exists")
      end
      src:insert(rec)
      out[#out + 1] = rec
    end
    return respond.json(201, out)
  elseif req.method == "DELETE" then
    if id then
      if not src:remove(id) then return respond.error("plain", 404, "Not Found: no record " .. id) end
    else
      src:clear()
    end
    return respond.empty(204)
  end
  return not_found(req)
end

local function routes(server)
  local out = json.array()
  for _, r in ipairs(server.app.routes.routes) do
    out[#out + 1] = { id = r.id, legacy = r.op.legacy, method = r.method, api = r.api,
      path = model.ROOTS[r.api] .. r.op.path, kind = r.kind, collection = r.coll and r.coll.key or nil,
      status = r.status }
  end
  table.sort(out, function(a, b) return a.id < b.id end)
  return out
end

--- Answers a control request.
function M.handle(server, req)
  local name = sub(req.path, #M.PREFIX + 1)
  local m = req.method
  if name == "stats" and m == "GET" then
    return respond.json(200, server.stats)
  elseif name == "requests" and m == "GET" then
    return respond.json(200, server:request_log())
  elseif name == "reset" and m == "POST" then
    server:reset()
    return respond.json(200, { reset = true })
  elseif name == "ids" and m == "GET" then
    return respond.json(200, seed.describe())
  elseif name == "faults" then
    if m == "POST" then
      local spec, err = json.decode(req.body)
      local rule
      if spec then
        rule, err = server.faults:add(spec)
      end
      if not rule then
        return bad(tostring(err))
      end
      return respond.json(201, { id = rule.id })
    elseif m == "DELETE" then
      server.faults:clear()
      return respond.empty(204)
    elseif m == "GET" then
      return respond.json(200, json.array(server.faults:describe()))
    end
  elseif sub(name, 1, 8) == "records/" and #name > 8 then
    return records(server, req, sub(name, 9))
  elseif name == "routes" and m == "GET" then
    return respond.json(200, routes(server))
  elseif name == "examples" and m == "GET" then
    local id = req.args.id and req.args.id[#req.args.id]
    if id then
      local route = server.app.routes.by_id[model.canonical(id) or id]
      if not route then return respond.error("plain", 404, "Not Found: no operation " .. id) end
      return respond.json(200, examples.example(server.app, route))
    end
    return respond.json(200, examples.all(server.app))
  elseif name == "tokens" and m == "GET" then
    return respond.json(200, server.tokens:describe())
  elseif name == "tokens/expire" and m == "POST" then
    local v = json.decode(req.body or "")
    local token = type(v) == "table" and v.access_token or nil
    return respond.json(200, { expired = server.tokens:expire(token) })
  end
  return not_found(req)
end

return M
