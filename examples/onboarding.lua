-- Onboarding: a new user, in a user group bound to a system group, reaches its systems; a command
-- bound to the same system group runs there. Users and systems are v1, groups and the graph v2:
-- one client serves both.
local jumpcloud = require "jumpcloud"
local common = require "common"
local F = jumpcloud.filter

local client <close> = common.connect()
local stamp = tostring(os.time())

local user = assert(client.users:create({ username = "ada." .. stamp, email = "ada." .. stamp .. "@example.com",
  firstname = "Ada", lastname = "Lovelace" }))
print("user " .. user._id .. " " .. user.username)

local team = assert(client.usergroups:create({ name = "Engineering " .. stamp }))
local laptops = assert(client.systemgroups:create({ name = "Engineering laptops " .. stamp }))
assert(client.usergroups:members(team.id):add(user._id))
assert(client.usergroups:associations(team.id, "system_group"):add(laptops.id))
for system in client.systems:each({ max = 2 }) do
  assert(client.systemgroups:members(laptops.id):add(system._id))
end

-- what the user reaches now, and through which groups
for system in client.users:systems(user._id):each() do
  local hops = {}
  for _, hop in ipairs(system.paths[1]) do hops[#hops + 1] = hop.to.type end
  print("reaches system " .. system.id .. " through " .. table.concat(hops, " -> "))
end

-- a command for those laptops
local command = assert(client.commands:create({ name = "hostname " .. stamp, command = "hostname",
  commandType = "linux", user = "000000000000000000000000" }))
-- (the description of this answer names no id: find the command by its name)
local command_id = assert(client.commands:list({ filter = F.eq("name", command.name), limit = 1 }))[1]._id
assert(client.commands:associations(command_id, "system_group"):add(laptops.id))
for system in client.commands:systems(command_id):each() do print("command " .. command.name .. " on " .. system.id) end

-- find the user again by a filter on a v1 list (v1 lists take the same filter syntax)
local found = assert(client.users:list({ filter = F.eq("username", user.username), limit = 1 }))
print("found " .. #found .. " user named " .. user.username)

-- offboarding: out of the group, then suspended
assert(client.usergroups:members(team.id):remove(user._id))
assert(client.users:state_suspend(user._id))
common.done()
