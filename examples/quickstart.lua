-- Quickstart: list policy groups, then create, read, rename and delete one.
local jumpcloud = require "jumpcloud"
local common = require "common"

local client <close> = common.connect()

print("Policy groups:")
for group in client.policygroups:each({ sort = "name", max = 10 }) do
  print(string.format("  %s  %s", group.id, group.name))
end

local created = assert(client.policygroups:create({ name = "jumpcloud-lua quickstart " .. os.time() }))
print("created " .. created.id .. " " .. created.name)
local got = assert(client.policygroups:get(created.id))
local renamed = assert(client.policygroups:replace(got.id, { name = got.name .. " (renamed)" }))
print("renamed to " .. renamed.name)
assert(client.policygroups:delete(created.id))
local _, err = client.policygroups:get(created.id)
print("after delete: " .. tostring(err))
assert(jumpcloud.is_error(err) and err.status == 404)
common.done()
