-- 1,000 mixed requests against the mock server, errors included, then close: run under valgrind
-- (bin/valgrind) to show the C core frees everything. Collects garbage often so every __gc runs.
local jumpcloud = require "jumpcloud"
local mock = require "jumpcloud.mock"

collectgarbage("generational")
local key = "valgrind-key-0123456789abcdef0123456789"
local srv = mock.start({ api_key = key })
-- retries stay on (their paths are checked too), with waits of a millisecond or two
local fast_retry = { base_delay = 0.001, max_delay = 0.002 }
local client = jumpcloud.new({ api_key = key, base_url = srv.url, max_body = 200000, retry = fast_retry })
local kinds = {}
local function count(ok, err)
  local k = ok and "ok" or err.kind
  kinds[k] = (kinds[k] or 0) + 1
end
for i = 1, 1000 do
  local r = i % 10
  if r == 0 then count(client:request("GET", "/__test/echo", { query = { i = i, filter = { "a:eq:1", "b:eq:2" } } }))
  elseif r == 1 then count(client:request("POST", "/__test/echo", { body = { n = i, ips = jumpcloud.array({}), big = 2 ^ 60 } }))
  elseif r == 2 then count(client:request("GET", "/policygroups/does-not-exist"))
  elseif r == 3 then count(client:request("GET", "/__test/bytes", { query = { n = 300000 } })) -- over max_body
  elseif r == 4 then
    count(client:request("POST", "/__test/reply",
      { body = { status = 200, headers = { ["content-type"] = "application/json" }, body = "{bad" } }))
  elseif r == 5 then count(client:call("PolicyGroups_listAll", { limit = 5, filter = jumpcloud.filter.search("name", "a") }))
  elseif r == 6 then count(client.policies:list({ limit = 3 }))
  elseif r == 7 then
    local c2 = jumpcloud.new({ api_key = key, base_url = "http://127.0.0.1:1/api/v2", retry = fast_retry })
    count(c2:request("GET", "/x"))
    if i % 20 == 7 then c2:close() end -- the others are left to __gc
  elseif r == 8 then count(client:request("GET", "/__test/json", { query = { items = 50 } }))
  else count(client:request("GET", "/__test/bytes", { query = { n = 1000 } })) end
  if i % 100 == 0 then collectgarbage() end
end
client:close()
srv:stop()
collectgarbage()
collectgarbage()
local parts = {}
for k, v in pairs(kinds) do parts[#parts + 1] = k .. "=" .. v end
table.sort(parts)
print("1000 requests: " .. table.concat(parts, " "))
