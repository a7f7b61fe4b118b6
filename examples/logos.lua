-- Logos: download a logo into memory, and stream one to a file.
local common = require "common"

local client <close>, ids = common.connect()
local id = ids.logo or arg[1]

local bytes, content_type = assert(client.logos:get(id))
print(string.format("logo %s: %d bytes of %s", id, #bytes, content_type))
local path = os.tmpname()
local file = assert(client.logos:get(id, { to_file = path }))
local f = assert(io.open(file, "rb"))
local size = #f:read("a")
f:close()
print(string.format("written to %s: %d bytes", file, size))
os.remove(path)
common.done()
