-- LDAP servers, password manager devices, policy templates, and a Microsoft MDM configuration file.
local common = require "common"

local client <close> = common.connect()

for server in client.ldapservers:each() do print("LDAP server " .. server.id .. " " .. (server.name or "")) end
local devices = assert(client.passwordmanager:all({ max = 5 }))
print(#devices .. " password manager devices (first 5)")
local templates, info = assert(client.policytemplates:list({ limit = 3 }))
print(string.format("%d policy templates of %s", #templates, tostring(info.total)))
local zip, ct = assert(client.microsoft_mdm:download_config_files({}))
print(string.format("MDM configuration file: %d bytes of %s", #zip, ct))
common.done()
