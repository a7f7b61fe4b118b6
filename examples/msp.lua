-- MSP integrations: Autotask companies and settings, organisation cases and their metadata.
local common = require "common"

local client <close>, ids = common.connect()
local uuid = ids.autotask_uuid or arg[1]

local companies, info = assert(client.autotask:companies(uuid):list({ limit = 10 }))
print(string.format("Autotask: %d companies on the first page, %s in all", #companies, tostring(info.total)))
local settings = assert(client.autotask:settings(uuid):get())
print("Autotask settings: automatic ticketing " .. tostring(settings.automaticTicketing))
local cases = assert(client.cases:all({ max = 5 }))
for _, case in ipairs(cases) do print("  case " .. case.caseNumber .. ": " .. case.subject) end
local meta = assert(client.cases:metadata())
print("case severities: " .. table.concat(meta.results.severities, ", "))
common.done()
