-- The graph through the client's helpers: members and associations to add and remove, memberof and
-- traversals to list, against the mock's one store of edges.
local support = require "spec.support"

describe("the graph through the client", function()
  local client, control

  support.with_mock(function(e) client, control = e.client, e.control end)

  before_each(function() support.reset(control) end)

  local function ids_of(list)
    local out = {}
    for _, o in ipairs(list) do out[#out + 1] = o.id or (o.to and o.to.id) end
    return out
  end

  it("adds a user to a user group, binds it to a system group, and the user reaches the system with its path", function()
    local user = assert(client.users:create({ username = "graph-ada", email = "graph-ada@example.com" }))
    local system = assert(client.systems:list({ limit = 1 }))[1]
    local group = assert(client.usergroups:create({ name = "Graph Team" }))
    local sgroup = assert(client.systemgroups:create({ name = "Graph Laptops" }))
    assert.is_true(assert(client.usergroups:members(group.id):add(user._id)))
    assert.is_true(assert(client.usergroups:associations(group.id, "system_group"):add(sgroup.id)))
    assert.is_true(assert(client.systemgroups:members(sgroup.id):add(system._id)))

    local found
    for s in client.users:systems(user._id):each() do
      assert.are.equal("system", s.type)
      if s.id == system._id then found = s end
    end
    assert.is_table(found)
    assert.are.same({ {
      { from = { id = user._id, type = "user" }, to = { id = group.id, type = "user_group" } },
      { from = { id = group.id, type = "user_group" }, to = { id = sgroup.id, type = "system_group" } },
      { from = { id = sgroup.id, type = "system_group" }, to = { id = system._id, type = "system" } },
    } }, found.paths)

    assert.are.same({ user._id }, ids_of(assert(client.usergroups:members(group.id):all())))
    assert.are.same({ sgroup.id }, ids_of(assert(client.usergroups:associations(group.id, "system_group"):all())))
    local groups = {}
    for g in client.users:memberof(user._id):each() do groups[g.id] = g.type end
    assert.are.equal("user_group", groups[group.id])
  end)

  it("answers an edge added twice with 409 and the removal of a missing one with 404", function()
    local group = assert(client.usergroups:list({ limit = 1 }))[1]
    local user = assert(client.users:create({ username = "graph-bob", email = "graph-bob@example.com" }))
    local members = client.usergroups:members(group.id)
    assert(members:add(user._id))
    local ok, err = members:add(user._id)
    assert.is_nil(ok)
    assert.are.equal("conflict", err.code)
    assert(members:remove(user._id))
    ok, err = members:remove(user._id)
    assert.is_nil(ok)
    assert.are.equal("not_found", err.code)
  end)

  it("checks an association's target type before sending", function()
    local before = #support.requests(control)
    assert.has_error(function() client.usergroups:associations("5f0000000000000000000001", "sytem") end,
      "bad argument #2 to 'associations' ('sytem' is not a target type of client.usergroups: active_directory, "
        .. "application, g_suite, idp_routing_policy, ldap_server, office_365, password_manager_item, policy, "
        .. "policy_group, radius_server, system, system_group) (did you mean 'system'?)")
    assert.are.equal(before, #support.requests(control))
  end)
end)
