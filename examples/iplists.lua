-- IP lists: replace a list's addresses, then clear them (an empty array is sent as []).
local jumpcloud = require "jumpcloud"
local common = require "common"

local client <close>, ids = common.connect()
local id = ids.iplist or arg[1]

local list = assert(client.iplists:replace(id, { name = "office egress", ips = { "192.0.2.10", "198.51.100.0/24" } }))
print(list.name .. ": " .. table.concat(list.ips, ", "))
list = assert(client.iplists:update(id, { ips = jumpcloud.array({}) }))
print(list.name .. " now has " .. #list.ips .. " addresses")
common.done()
