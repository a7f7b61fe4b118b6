-- Policies: the ones whose name matches a search, and the failed results of one of them.
local jumpcloud = require "jumpcloud"
local common = require "common"
local F = jumpcloud.filter

local client <close>, ids = common.connect()

print("Policies with 'Firewall' in the name:")
for policy in client.policies:each({ filter = F.search("name", "Firewall"), fields = { "name" }, max = 20 }) do
  print("  " .. policy.name)
end

local policy_id = ids.policy or arg[1]
local failed = assert(client.policies:results(policy_id):all({ filter = F.eq("success", false), max = 500 }))
print(string.format("%d failed results for policy %s", #failed, policy_id))
local statuses, info = assert(client.policies:statuses(policy_id):list({ limit = 5 }))
print(string.format("%d statuses on the first page (of %s)", #statuses, tostring(info.total)))
common.done()
