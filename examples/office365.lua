-- Office 365: its domains, its translation rules, and a walk over the users it can import.
local common = require "common"

local client <close>, ids = common.connect()
local o365 = ids.office365 or arg[1]

local cfg = assert(client.office365s:get(o365))
print("Office 365 integration: " .. cfg.name)
for domain in client.office365s:domains(o365):each() do print("  domain " .. domain.domain) end
local rules = assert(client.office365s:translation_rules(o365):all())
print(#rules .. " translation rules")
local n = 0
for user in client.office365s:import_users(o365):each({ limit = 100 }) do
  n = n + 1
  if n <= 3 then print("  can import " .. (user.email or user.id)) end
end
print(n .. " users can be imported")
common.done()
