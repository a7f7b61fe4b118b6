--- Matching requests to the routes of the model: the API by the path's root (`/api`, `/api/v2`,
-- `/insights/directory/v1`), then the operation whose path template fits the rest, the one with the most literal
-- segments winning (`/systemusers/{id}/sshkeys` before `/systemusers/{id}/{x}`).
-- @module jumpcloud.mock.router

local model = require "jumpcloud.mock.model"

local sub = string.sub

local M = {}

-- Roots, longest first: /api/v2 before /api.
local ROOTS = {}
for api, root in pairs(model.ROOTS) do ROOTS[#ROOTS + 1] = { api = api, root = root } end
table.sort(ROOTS, function(a, b) return #a.root > #b.root end)

--- The API of a request path and the path below its root, or nil.
function M.api_of(path)
  for _, r in ipairs(ROOTS) do
    local root = r.root
    if path == root or sub(path, 1, #root + 1) == root .. "/" then
      return r.api, sub(path, #root + 1)
    end
  end
  return nil
end

local Router = {}
Router.__index = Router

--- A router over routes (from `jumpcloud.mock.classify.build`).
function M.new(routes)
  local index = {}
  for _, r in ipairs(routes) do
    local n = #r.segs
    local first = r.segs[1] and r.segs[1].lit or "*"
    local byapi = index[r.api] or {}
    index[r.api] = byapi
    local byn = byapi[n] or {}
    byapi[n] = byn
    local list = byn[first] or {}
    byn[first] = list
    list[#list + 1] = r
    local lits = 0
    for _, s in ipairs(r.segs) do if s.lit then lits = lits + 1 end end
    r.literals = lits
  end
  return setmetatable({ index = index }, Router)
end

local function match_route(r, segments)
  local params = {}
  for i, s in ipairs(r.segs) do
    local seg = segments[i]
    if s.lit then
      if s.lit ~= seg then return nil end
    else
      if seg == "" then return nil end
      params[s.param] = seg
    end
  end
  return params
end

--- The route of a method and the decoded path segments below an API's root.
-- @return route, params; or nil and the methods the path takes (nil when none)
function Router:find(api, method, segments)
  if method == "HEAD" then method = "GET" end
  local byn = self.index[api] and self.index[api][#segments]
  if not byn then return nil end
  local best, best_params, allowed
  for b = 1, 2 do
    local bucket = (b == 1 and byn[segments[1]] or byn["*"]) or {}
    for _, r in ipairs(bucket) do
      local params = match_route(r, segments)
      if params then
        if r.method == method then
          if not best or r.literals > best.literals then best, best_params = r, params end
        else
          allowed = allowed or {}
          allowed[#allowed + 1] = r.method
        end
      end
    end
  end
  if best then return best, best_params end
  return nil, allowed
end

return M
