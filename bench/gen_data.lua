-- Generates the benchmark's static data under bench/out/www, from the mock server's seed data
-- (fetched from the mock once): small.json (one policy group, for the small GETs) and
-- pages/<skip>.json, 100 policy records each, for skip = 0, 100, ..., (PAGES - 1) * 100.
-- Record k is seed policy k % 250 as the mock lists it, with its own id and name, so every
-- page is distinct (the binding checks that a walk does not get the same page twice).
-- Usage: lua5.4 bench/gen_data.lua OUT_DIR [PAGES], with LUA_PATH and LUA_CPATH finding the
-- binding and its mock (bin/bench points them at the sources it builds).

local jumpcloud = require "jumpcloud"
local mock = require "jumpcloud.mock"
local mjson = require "jumpcloud.mock.json" -- keeps empty arrays as [] when re-encoding
local seed = require "jumpcloud.mock.seed"

local out = assert(arg[1], "usage: gen_data.lua OUT_DIR [PAGES]")
local PAGES = math.tointeger(tonumber(arg[2] or "2000"))
local PAGE = 100

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text))
  assert(f:close())
end

local srv <close> = mock.start({ api_key = "bench-key-0123456789abcdef" })
local client <close> = jumpcloud.new({ api_key = srv.api_key, base_url = srv.url, retry = false })

-- The small object: one policy group, exactly as the mock sends it.
local group = assert(client:request("GET", "/policygroups/" .. seed.ids.policy_group, { raw = true }))
os.execute("mkdir -p '" .. out .. "/www/pages'")
write(out .. "/www/small.json", group.body)

-- The seed's policies as the list operation returns them.
local base = {}
for skip = 0, seed.counts.policies - 1, PAGE do
  local r = assert(client:request("GET", "/policies", { query = { limit = PAGE, skip = skip, sort = "_id" }, raw = true }))
  for _, rec in ipairs(mjson.decode(r.body)) do base[#base + 1] = rec end
end
assert(#base == seed.counts.policies, "expected every seed policy")

-- Each seed record as JSON text with two holes (id and name, in whichever order cjson wrote
-- them), filled per generated record.
local templates = {}
for i, rec in ipairs(base) do
  local name = rec.name
  rec.id, rec.name = "@@ID@@", "@@NAME@@"
  local text = mjson.encode(rec)
  local a = assert(text:find("@@ID@@", 1, true))
  local b = assert(text:find("@@NAME@@", 1, true))
  local first, second = a < b and "id" or "name", a < b and "name" or "id"
  local p1, p2 = math.min(a, b), math.max(a, b)
  local l1 = first == "id" and 6 or 8
  local l2 = second == "id" and 6 or 8
  templates[i] = { text:sub(1, p1 - 1), text:sub(p1 + l1, p2 - 1), text:sub(p2 + l2), first = first, name = name }
end

local format, concat = string.format, table.concat
for p = 0, PAGES - 1 do
  local recs = {}
  for j = 1, PAGE do
    local k = p * PAGE + j - 1
    local t = templates[k % #templates + 1]
    local id, name = format("65b0%020x", k), t.name .. format(" #%d", k)
    if t.first == "id" then
      recs[j] = t[1] .. id .. t[2] .. name .. t[3]
    else
      recs[j] = t[1] .. name .. t[2] .. id .. t[3]
    end
  end
  write(format("%s/www/pages/%d.json", out, p * PAGE), "[" .. concat(recs, ",") .. "]")
end

print(format("bench data: %d pages of %d policy records in %s/www", PAGES, PAGE, out))
