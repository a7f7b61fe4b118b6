-- Every operation of the model has a route on the mock: derived from the model (method, path, API root), with a
-- behaviour of a known kind, found by the router for a request of its own path (and not shadowed by another
-- operation's route). A new operation in the model without a route fails here.
local model = require "jumpcloud.mock.model"
local api = require "jumpcloud.mock.api"
local router = require "jumpcloud.mock.router"
local index = require "jumpcloud.model.index"

describe("mock routes", function()
  local routes = api.routes()
  local r = router.new(routes.routes)

  it("exist for every operation of the model", function()
    local missing = {}
    local n = 0
    for _, op in ipairs(model.operations()) do
      n = n + 1
      if not routes.by_id[op.id] then missing[#missing + 1] = op.id end
    end
    -- the model is the whole API: every family's operations
    local in_index = 0
    for _ in pairs(index.family) do in_index = in_index + 1 end
    assert.are.equal(in_index, n)
    assert.are.same({}, missing)
    assert.are.equal(n, #routes.routes)
    print(string.format("\n  mock routes: %d operations of the model, %d routed", n, #routes.routes))
  end)

  it("have a behaviour of a known kind, the operation's method, path and API root", function()
    local bad = {}
    for _, op in ipairs(model.operations()) do
      local route = routes.by_id[op.id]
      if route then
        if type(api.KINDS[route.kind]) ~= "function" then bad[#bad + 1] = op.id .. ": kind " .. tostring(route.kind) end
        if route.method ~= op.method or route.api ~= op.api or route.op ~= op then
          bad[#bad + 1] = op.id .. ": not its operation's route"
        end
        if route.root ~= model.ROOTS[op.api] then bad[#bad + 1] = op.id .. ": root " .. tostring(route.root) end
      end
    end
    assert.are.same({}, bad)
  end)

  it("are found by the router for a request of the operation's own path", function()
    local bad = {}
    for _, op in ipairs(model.operations()) do
      local segments = {}
      for seg in op.path:gmatch("[^/]+") do
        segments[#segments + 1] = seg:match("^{.+}$") and "5f0000000000000000000abc" or seg
      end
      local found = r:find(op.api, op.method, segments)
      if not found then
        bad[#bad + 1] = op.id .. ": no route for " .. op.method .. " " .. model.ROOTS[op.api] .. op.path
      elseif found.op ~= op then
        bad[#bad + 1] = op.id .. ": " .. op.method .. " " .. op.path .. " reaches " .. found.id
      end
    end
    assert.are.same({}, bad)
  end)

  it("route every API root to its own operations", function()
    for api_name, root in pairs(model.ROOTS) do
      local got, rest = router.api_of(root .. "/x")
      assert.are.equal(api_name, got)
      assert.are.equal("/x", rest)
    end
    assert.is_nil(router.api_of("/apix/v2"))
  end)

  it("count the operations of each kind", function()
    local kinds = {}
    for _, route in ipairs(routes.routes) do kinds[route.kind] = (kinds[route.kind] or 0) + 1 end
    local names = {}
    for k, n in pairs(kinds) do names[#names + 1] = k .. " " .. n end
    table.sort(names)
    assert.is_true(kinds.graph > 100 and kinds.list > 200)
    print("\n  mock routes by kind: " .. table.concat(names, ", "))
  end)
end)
