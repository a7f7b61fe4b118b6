-- A runbook and its test against the mock JumpCloud server: the test starts the mock with the records it needs
-- and one route of its own, runs the runbook, and checks its effect through the API and the mock's request log.
--
-- The runbook offboards a user: it suspends them (v1), then removes them from every user group they belong to
-- (v2's graph). The route of the test's own makes the mock refuse to suspend an administrator account, as a real
-- organisation's policy might, so the test can check that the runbook stops there and changes nothing else.
--
--   bin/run-example runbook_test
local jumpcloud = require "jumpcloud"
local mock = require "jumpcloud.mock"

--------------------------------------------------------------------------------------------------------------------
-- The runbook
--------------------------------------------------------------------------------------------------------------------

--- Offboards the user `username`: suspends them, then takes them out of their user groups.
-- @return the number of groups left, or nil and the error that stopped it
local function offboard(client, v1, username)
  local found, err = client:request("POST", v1 .. "/search/systemusers",
    { body = { filter = { username = username } } })
  if not found then return nil, err end
  local user = found.body.results[1]
  if not user then return nil, "no user " .. username end
  local _, serr = client:request("POST", v1 .. "/systemusers/" .. user._id .. "/state/suspend", { body = {} })
  if serr then return nil, serr end
  local groups, gerr = client:request("GET", "/users/" .. user._id .. "/memberof", { query = { limit = 100 } })
  if not groups then return nil, gerr end
  local left = 0
  for _, g in ipairs(groups.body) do
    if g.type == "user_group" then
      local _, rerr = client:request("POST", "/usergroups/" .. g.id .. "/members",
        { body = { op = "remove", type = "user", id = user._id } })
      if rerr then return nil, rerr end
      left = left + 1
    end
  end
  return left
end

--------------------------------------------------------------------------------------------------------------------
-- The test
--------------------------------------------------------------------------------------------------------------------

local srv <close> = mock.start{
  api_key = "runbook-key-0123456789abcdef",
  -- the collections the test is about hold exactly these records; everything else keeps the mock's data
  records = {
    users = {
      { username = "leaver", email = "leaver@example.com", firstname = "Lee", lastname = "Vers" },
      { username = "stayer", email = "stayer@example.com", firstname = "Stay", lastname = "Here" },
      { username = "admin", email = "admin@example.com", firstname = "Ad", lastname = "Min" },
    },
    usergroups = { { name = "Engineering" }, { name = "VPN users" } },
  },
  -- a route of the test's own: suspending the administrator is refused; any other user falls through to the mock
  routes = {
    postApiSystemusersByIdStateSuspend = function(req)
      local user = req.record()
      if user and user.username == "admin" then
        return { status = 403, body = { message = "Forbidden: administrators cannot be suspended here" } }
      end
    end,
  },
}
local client <close> = jumpcloud.new{ api_key = srv.api_key, base_url = srv.url, retry = false }
local v1 = srv.root .. "/api"

-- arrange: the ids the mock gave the records, and the memberships (records given at start have no associations)
local users = {}
for _, u in ipairs(srv:records("users")) do users[u.username] = u._id end
local groups = {}
for _, g in ipairs(srv:records("usergroups")) do groups[g.name] = g.id end
for _, membership in ipairs({ { "Engineering", "leaver" }, { "VPN users", "leaver" }, { "Engineering", "stayer" },
  { "VPN users", "admin" } }) do
  assert(client:request("POST", "/usergroups/" .. groups[membership[1]] .. "/members",
    { body = { op = "add", type = "user", id = users[membership[2]] } }))
end
local before = #srv:requests()

-- act and check: the leaver is suspended and in no group; the stayer keeps theirs
local left = assert(offboard(client, v1, "leaver"))
local after = #srv:requests()
assert(left == 2, "the leaver was in 2 groups")
local leaver = assert(client:request("GET", v1 .. "/systemusers/" .. users.leaver, {})).body
assert(leaver.state == "SUSPENDED", "the leaver is suspended")
assert(#assert(client:request("GET", "/users/" .. users.leaver .. "/memberof", {})).body == 0, "the leaver is in no group")
local eng = assert(client:request("GET", "/usergroups/" .. groups.Engineering .. "/members", {})).body
assert(#eng == 1 and eng[1].to.id == users.stayer, "the stayer is still in Engineering")
print(string.format("offboarded leaver: suspended, removed from %d groups", left))

-- the administrator: the route refuses, the runbook stops, nothing else changed
local ok, err = offboard(client, v1, "admin")
assert(ok == nil and jumpcloud.is_error(err) and err.status == 403, "suspending the admin is refused")
local admin_groups = assert(client:request("GET", "/users/" .. users.admin .. "/memberof", {})).body
assert(#admin_groups == 1, "the admin keeps their group")
print("offboarding admin stopped: " .. tostring(err.message))

-- what the runbook sent, from the mock's request log
local sent = {}
for i, r in ipairs(srv:requests()) do
  if i > before and i <= after then sent[#sent + 1] = r.method .. " " .. r.path:gsub("%x%x%x%x%x%x%x%x+", "{id}") end
end
assert(#sent == 5 and sent[1] == "POST /api/search/systemusers" and sent[2] == "POST /api/systemusers/{id}/state/suspend")
print(string.format("offboarding leaver sent %d requests: %s", #sent, table.concat(sent, ", ")))
