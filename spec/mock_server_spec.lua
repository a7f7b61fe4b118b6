-- The mock JumpCloud server (v1, v2, Directory Insights, OAuth tokens), over real HTTP (lua-http's client),
-- started as a child process through jumpcloud.mock (and in this process, where a test steps its loop).
--
--   lua5.4 /usr/bin/busted --lpath='./lua/?.lua;./lua/?/init.lua' spec/mock_server_spec.lua

local server = require "jumpcloud.mock.server" -- makes lua-http and cqueues findable under Lua 5.4
local mock = require "jumpcloud.mock"
local seed = require "jumpcloud.mock.seed"
local cjson = require "cjson"
local http_request = require "http.request"
local http_client = require "http.client"
local http_headers = require "http.headers"
local cqueues = require "cqueues"

local KEY = "spec-key-0123456789"
local ids = seed.ids

-- One HTTP request. `opts`: method, headers (table), body (string or table -> JSON), key (false: none).
-- Returns status (number), headers (lua-http headers), body (string).
local function request(base, path, opts)
  opts = opts or {}
  local req = http_request.new_from_uri(base .. path)
  req.follow_redirects = false
  req.headers:upsert(":method", opts.method or "GET")
  if opts.key ~= false then
    req.headers:upsert("x-api-key", opts.key or KEY)
  end
  for k, v in pairs(opts.headers or {}) do
    req.headers:upsert(k, v)
  end
  if opts.body ~= nil then
    local body = opts.body
    if type(body) == "table" then
      body = cjson.encode(body)
      req.headers:upsert("content-type", "application/json")
    end
    req:set_body(body)
  end
  local headers, stream = assert(req:go(10))
  local body, err = stream:get_body_as_string(10)
  stream:shutdown()
  if body == nil then
    error(err or "connection closed before the body ended")
  end
  return tonumber(headers:get(":status")), headers, body
end

local function decode(body)
  return cjson.decode(body)
end

describe("mock server", function()
  local srv, api, root

  local function get(path, opts) return request(api, path, opts) end
  local function control(method, path, body)
    return request(root, path, {method = method, body = body, key = false})
  end

  setup(function()
    srv = mock.start{api_key = KEY}
    api, root = srv.url, srv.root
  end)

  teardown(function()
    srv:stop()
  end)

  before_each(function()
    assert.are.equal(200, (control("POST", "/__mock/reset")))
  end)

  describe("mock.start", function()
    it("returns the URL, port and pid of a running child", function()
      assert.matches("^http://127%.0%.0%.1:%d+/api/v2$", srv.url)
      assert.are.equal(srv.url, "http://127.0.0.1:" .. srv.port .. "/api/v2")
      assert.is_number(srv.pid)
      assert.are.equal(KEY, srv.api_key)
    end)

    it("stops a server, twice without harm, and leaves no process behind", function()
      local other = mock.start{api_key = "k2", empty = true}
      local status = request(other.url, "/ldapservers", {key = "k2"})
      assert.are.equal(200, status)
      local pid = other.pid
      assert.is_true(other:stop())
      assert.is_true(other:stop())
      assert.is_nil(io.open("/proc/" .. pid .. "/stat", "r"))
    end)

    it("starts without seed data", function()
      local other <close> = mock.start{api_key = "k3", empty = true}
      local status, headers, body = request(other.url, "/policies", {key = "k3"})
      assert.are.equal(200, status)
      assert.are.equal("[]", body)
      assert.are.equal("0", headers:get("x-total-count"))
    end)

    it("fails clearly when the server cannot start", function()
      assert.has_error(function() mock.start{lua = "/nonexistent/lua5.4"} end)
      local ok, err = pcall(mock.start, {lua = "/nonexistent/lua5.4"})
      assert.is_false(ok)
      assert.matches("jumpcloud.mock: the server did not start", err)
    end)
  end)

  describe("auth and routing", function()
    it("answers 401 without the key or with a wrong one", function()
      for _, key in ipairs({false, "wrong"}) do
        local status, headers, body = get("/policies", {key = key})
        assert.are.equal(401, status)
        assert.matches("^application/json", headers:get("content-type"))
        assert.are.same({message = "Unauthorized"}, decode(body))
      end
      assert.are.equal(401, (get("/__test/echo", {key = false})))
    end)

    it("answers 404 JSON for an unknown route and 405 for a known path's other method", function()
      local status, _, body = get("/no/such/thing")
      assert.are.equal(404, status)
      assert.is_string(decode(body).message)
      status = get("/policytemplates", {method = "POST", body = {}})
      assert.are.equal(405, status)
    end)

    it("answers 404 for unknown ids in each error shape", function()
      local status, _, body = get("/policygroups/" .. ids.unknown_object_id)
      assert.are.equal(404, status)
      local e = decode(body)
      assert.is_string(e.message)
      assert.is_string(e.error)
      status, _, body = get("/integrations/autotask/" .. ids.unknown_uuid)
      assert.are.equal(404, status)
      e = decode(body)
      assert.are.equal(404, e.code)
      assert.are.equal("Not Found", e.status)
      status, _, body = get("/passwordmanager/devices/" .. ids.unknown_uuid)
      assert.are.equal(404, status)
      assert.are.equal(5, decode(body).code) -- gRPC NOT_FOUND
    end)

    it("refuses x-org-id with 403 where the reference does not list it", function()
      local status, _, body = get("/organizations/cases", {headers = {["x-org-id"] = ids.organization}})
      assert.are.equal(403, status)
      assert.are.same({
        message = "Forbidden: organization selection not allowed via header",
        error = "Forbidden: organization selection not allowed via header",
      }, decode(body))
      assert.are.equal(403, (get("/integrations/autotask/" .. ids.autotask_uuid,
        {headers = {["x-org-id"] = ids.organization}})))
      -- accepted where the reference lists it
      assert.are.equal(200, (get("/policygroups", {headers = {["x-org-id"] = ids.organization}})))
    end)
  end)

  describe("lists", function()
    it("pages a bare array with x-total-count, default limit 10", function()
      local status, headers, body = get("/policies")
      assert.are.equal(200, status)
      assert.are.equal("250", headers:get("x-total-count"))
      local page = decode(body)
      assert.are.equal(10, #page)
      assert.are.equal(ids.policy, page[1].id)
      assert.is_table(page[1].template)
      assert.is_nil(page[1].values) -- the list leaves out values, like JumpCloud
    end)

    it("filters, sorts, skips, limits and projects", function()
      local q = "/policyresults?filter=policyID:eq:" .. ids.policy .. "&filter=success:eq:false"
        .. "&sort=systemID,-startedAt&skip=3&limit=4&fields=success,systemID,startedAt"
      local status, headers, body = get(q)
      assert.are.equal(200, status)
      local total = tonumber(headers:get("x-total-count"))
      assert.is_true(total > 100 and total < 1050)
      local page = decode(body)
      assert.are.equal(4, #page)
      for i, r in ipairs(page) do
        assert.is_false(r.success)
        assert.is_string(r.id) -- id always kept
        assert.is_nil(r.policyID) -- not asked for
        if i > 1 then
          local prev = page[i - 1]
          assert.is_true(prev.systemID < r.systemID or (prev.systemID == r.systemID and prev.startedAt >= r.startedAt))
        end
      end
      -- the same filters comma-joined in one parameter
      local _, h2 = get("/policyresults?filter=policyID:eq:" .. ids.policy .. ",success:eq:false&limit=1")
      assert.are.equal(tostring(total), h2:get("x-total-count"))
    end)

    it("knows every operator", function()
      local function count(filter)
        local status, headers = get("/policygroups?limit=1&filter=" .. filter)
        assert.are.equal(200, status)
        return tonumber(headers:get("x-total-count"))
      end
      assert.are.equal(1, count("name:eq:Finance%20Policies%2002"))
      assert.are.equal(36, count("name:ne:Finance%20Policies%2002"))
      assert.are.equal(2, count("name:in:Finance%20Policies%2002%7CLegal%20Policies%2006"))
      assert.are.equal(3, count("name:search:finance"))
      assert.are.equal(3, count("name:eq:Finance*"))
      assert.are.equal(37, count("type:eq:policy_group"))
      assert.are.equal(11, count("name:between:A%7CF")) -- Contractors 2, Design 3, Engineering 3, Executive 3
      assert.are.equal(count("name:ge:F") - count("name:gt:Finance%20Policies%2002"),
        count("name:between:F%7CFinance%20Policies%2002"))
      assert.are.equal(count("name:lt:M") + count("name:ge:M"), 37)
      assert.are.equal(count("name:le:M"), count("name:lt:M"))
    end)

    it("compares numbers as numbers and ANDs filters", function()
      local _, h = get("/policyresults?limit=1&filter=exitStatus:gt:0")
      local _, h2 = get("/policyresults?limit=1&filter=success:eq:false")
      assert.are.equal(h2:get("x-total-count"), h:get("x-total-count"))
      local _, h3 = get("/policyresults?limit=1&filter=exitStatus:between:2%7C3&filter=exitStatus:ne:3")
      local _, h4 = get("/policyresults?limit=1&filter=exitStatus:eq:2")
      assert.are.equal(h4:get("x-total-count"), h3:get("x-total-count"))
    end)

    it("refuses a limit over 100 and unknown operators with 400", function()
      local status, _, body = get("/policies?limit=101")
      assert.are.equal(400, status)
      assert.are.same({message = "Bad Request: request parameter \"limit\" exceeds maximum value of 100"},
        decode(body))
      status, _, body = get("/policies?filter=name:gte:x")
      assert.are.equal(400, status)
      assert.matches('invalid filter operator "gte"', decode(body).message)
      assert.are.equal(200, (get("/policies?limit=100")))
    end)

    it("answers an empty page past the end as []", function()
      local status, headers, body = get("/policygroups?skip=500")
      assert.are.equal(200, status)
      assert.are.equal("[]", body)
      assert.are.equal("37", headers:get("x-total-count"))
    end)

    it("sends a Link rel=next header on policy templates until the last page", function()
      local status, headers = get("/policytemplates?limit=50&fields=name")
      assert.are.equal(200, status)
      local link = headers:get("link")
      assert.are.equal("<" .. api .. '/policytemplates?limit=50&fields=name&skip=50>; rel="next"', link)
      local _, h2, body2 = request(link:match("^<(.-)>"), "")
      assert.are.equal(50, #decode(body2))
      local _, h3, body3 = request(h2:get("link"):match("^<(.-)>"), "")
      assert.are.equal(20, #decode(body3))
      assert.is_nil(h3:get("link"))
    end)

    it("wraps lists in the envelope each operation declares", function()
      local _, _, body = get("/organizations/cases?limit=100&skip=100")
      local cases = decode(body)
      assert.are.equal(123, cases.totalCount)
      assert.are.equal(23, #cases.results)
      _, _, body = get("/integrations/autotask/" .. ids.autotask_uuid .. "/companies?limit=5")
      local companies = decode(body)
      assert.are.equal(230, companies.totalCount)
      assert.are.equal(5, #companies.records)
      _, _, body = get("/office365s/" .. ids.office365 .. "/domains?limit=5&skip=10")
      local domains = decode(body)
      assert.are.equal(14, domains.totalCount)
      assert.are.equal(4, #domains.domains)
      assert.is_string(domains.domains[1].objectId)
      _, _, body = get("/passwordmanager/devices?limit=3")
      local devices = decode(body)
      assert.are.equal(64, devices.totalCount)
      assert.matches("^%x+%-%x+%-4%x+%-%x+%-%x+$", devices.results[1].id)
    end)

    it("pages Office 365 import users with top and skipToken", function()
      local seen, token, pages = {}, nil, 0
      repeat
        local q = "/office365s/" .. ids.office365 .. "/import/users?top=100"
        if token then
          q = q .. "&skipToken=" .. token:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end)
        end
        local status, _, body = get(q)
        assert.are.equal(200, status)
        local page = decode(body)
        assert.are.equal(100, page.top)
        for _, u in ipairs(page.users) do
          assert.is_nil(seen[u.id])
          seen[u.id] = true
        end
        pages = pages + 1
        token = page.skipToken
      until token == nil or token == ""
      local n = 0
      for _ in pairs(seen) do n = n + 1 end
      assert.are.equal(257, n)
      assert.are.equal(3, pages)
      assert.are.equal(400, (get("/office365s/" .. ids.office365 .. "/import/users?skipToken=bogus")))
    end)
  end)

  describe("policy groups", function()
    it("are created, read, replaced and deleted", function()
      local status, _, body = get("/policygroups", {method = "POST", body = {name = "Spec Group"}})
      assert.are.equal(201, status)
      local g = decode(body)
      assert.matches("^%x+$", g.id)
      assert.are.equal(24, #g.id)
      assert.are.equal("Spec Group", g.name)
      assert.are.equal("policy_group", g.type)

      status, _, body = get("/policygroups/" .. g.id)
      assert.are.equal(200, status)
      assert.are.same(g, decode(body))

      status = get("/policygroups", {method = "POST", body = {name = "Spec Group"}})
      assert.are.equal(409, status)

      status, _, body = get("/policygroups/" .. g.id, {method = "PUT", body = {description = "no name"}})
      assert.are.equal(400, status)
      assert.matches("name is required", decode(body).message)

      status, _, body = get("/policygroups/" .. g.id, {method = "PUT", body = {name = "Spec Group 2"}})
      assert.are.equal(200, status)
      assert.are.equal("Spec Group 2", decode(body).name)

      status, _, body = get("/policygroups/" .. g.id, {method = "DELETE"})
      assert.are.equal(200, status)
      assert.are.equal(g.id, decode(body).id)
      assert.are.equal(404, (get("/policygroups/" .. g.id)))
      assert.are.equal(404, (get("/policygroups/" .. g.id, {method = "DELETE"})))
    end)

    it("come back after a reset", function()
      assert.are.equal(200, (get("/policygroups/" .. ids.policy_group, {method = "DELETE"})))
      assert.are.equal(404, (get("/policygroups/" .. ids.policy_group)))
      control("POST", "/__mock/reset")
      assert.are.equal(200, (get("/policygroups/" .. ids.policy_group)))
    end)
  end)

  describe("JSON", function()
    it("keeps empty arrays as [] and integers as integers", function()
      local status, _, body = get("/iplists/" .. ids.iplist, {method = "PUT", body = '{"name":"Empty","ips":[]}',
        headers = {["content-type"] = "application/json"}})
      assert.are.equal(200, status)
      assert.matches('"ips":%[%]', body)
      _, _, body = get("/organizations/cases?limit=1")
      assert.matches('"totalCount":123[,}]', body)
      _, _, body = get("/__test/json?items=3")
      assert.matches('"ratio":1.5', body)
      assert.matches('"id":3[,}]', body)
      assert.matches('"note":null', body)
    end)
  end)

  describe("binary answers", function()
    it("serves logo bytes as image/png", function()
      local status, headers, body = get("/logos/" .. ids.logo)
      assert.are.equal(200, status)
      assert.are.equal("image/png", headers:get("content-type"))
      assert.are.equal("\137PNG\r\n\26\n", body:sub(1, 8))
      assert.is_truthy(body:find("\0", 1, true))
      assert.are.equal(tonumber(headers:get("content-length")), #body)
      assert.are.equal(200, (get("/logos/" .. ids.logo, {headers = {accept = "image/gif, image/jpeg, image/png"}})))
    end)

    it("answers 406 when Accept excludes the image", function()
      local status, _, body = get("/logos/" .. ids.logo, {headers = {accept = "application/json"}})
      assert.are.equal(406, status)
      assert.is_string(decode(body).message)
    end)

    it("serves the Microsoft MDM configuration file as a zip", function()
      local status, headers, body = get("/microsoft-mdm/configuration-files",
        {method = "POST", body = {os = "windows"}})
      assert.are.equal(200, status)
      assert.are.equal("application/zip", headers:get("content-type"))
      assert.are.equal("PK\3\4", body:sub(1, 4))
      assert.is_truthy(body:find("\0", 1, true))
      assert.are.equal(406, (get("/microsoft-mdm/configuration-files",
        {method = "POST", body = {}, headers = {accept = "application/json"}})))
    end)
  end)

  describe("test routes", function()
    it("echo the request as received", function()
      local status, _, body = get("/__test/echo/a%2Fb/c?x=1&x=2&y=a+b%26c&z", {method = "PATCH",
        body = "raw\0body", headers = {["X-Custom"] = "Value"}})
      assert.are.equal(200, status)
      local e = decode(body)
      assert.are.equal("PATCH", e.method)
      assert.are.equal("/api/v2/__test/echo/a%2Fb/c", e.path)
      assert.are.equal("x=1&x=2&y=a+b%26c&z", e.query)
      assert.are.same({x = {"1", "2"}, y = {"a b&c"}, z = {""}}, e.args)
      assert.are.equal("Value", e.headers["x-custom"])
      assert.are.equal(KEY, e.headers["x-api-key"])
      assert.are.equal("raw\0body", e.body)
      assert.is_true(e.connection_id > 0 and e.connection_id % 1 == 0)
      assert.matches('"connection_id":%d+[,}]', body)
      _, _, body = get("/__test/echo")
      assert.are.equal("", decode(body).query)
    end)

    it("answer the status asked for in x-echo-status", function()
      local status, _, body = get("/__test/echo", {headers = {["x-echo-status"] = "503"}})
      assert.are.equal(503, status)
      assert.are.equal("GET", decode(body).method)
    end)

    it("send N bytes 0..255 repeated", function()
      local status, headers, body = get("/__test/bytes?n=600")
      assert.are.equal(200, status)
      assert.are.equal("application/octet-stream", headers:get("content-type"))
      assert.are.equal(600, #body)
      assert.are.equal(0, body:byte(1))
      assert.are.equal(255, body:byte(256))
      assert.are.equal(0, body:byte(257))
      local _, _, default = get("/__test/bytes")
      assert.are.equal(1024, #default)
    end)

    it("reply with exactly what they are told", function()
      local status, headers, body = get("/__test/reply", {method = "POST", body = {status = 502,
        headers = {["Content-Type"] = "application/json", ["X-Thing"] = "1"}, body = "<html>oops</html>"}})
      assert.are.equal(502, status)
      assert.are.equal("application/json", headers:get("content-type"))
      assert.are.equal("1", headers:get("x-thing"))
      assert.are.equal("<html>oops</html>", body)
      local _
      status, _, body = get("/__test/reply", {method = "POST", body = {status = 200, body_base64 = "AAEC/w=="}})
      assert.are.equal(200, status)
      assert.are.equal("\0\1\2\255", body)
    end)
  end)

  describe("control routes", function()
    it("count each keep-alive connection once", function()
      local _, _, body = control("GET", "/__mock/stats")
      local before = decode(body)
      local conn_ids = {}
      local cq = cqueues.new()
      cq:wrap(function()
        local conn = assert(http_client.connect{host = "127.0.0.1", port = srv.port, tls = false, version = 1.1})
        for _ = 1, 20 do
          local stream = assert(conn:new_stream())
          local h = http_headers.new()
          h:append(":method", "GET")
          h:append(":scheme", "http")
          h:append(":authority", "127.0.0.1:" .. srv.port)
          h:append(":path", "/api/v2/__test/echo")
          h:append("x-api-key", KEY)
          assert(stream:write_headers(h, true))
          assert.are.equal("200", assert(stream:get_headers()):get(":status"))
          conn_ids[decode(assert(stream:get_body_as_string())).connection_id] = true
        end
        conn:close()
      end)
      assert(cq:loop())
      local n = 0
      for _ in pairs(conn_ids) do n = n + 1 end
      assert.are.equal(1, n)
      _, _, body = control("GET", "/__mock/stats")
      local after = decode(body)
      assert.are.equal(before.connections + 1, after.connections)
      assert.are.equal(before.requests + 20, after.requests)
    end)

    it("answer HEAD without a body, keeping the connection usable", function()
      local results = {}
      local cq = cqueues.new()
      cq:wrap(function()
        local conn = assert(http_client.connect{host = "127.0.0.1", port = srv.port, tls = false, version = 1.1})
        for _, m in ipairs({"HEAD", "GET", "HEAD", "GET"}) do
          local stream = assert(conn:new_stream())
          local h = http_headers.new()
          h:append(":method", m)
          h:append(":scheme", "http")
          h:append(":authority", "127.0.0.1:" .. srv.port)
          h:append(":path", "/api/v2/policygroups?limit=1")
          h:append("x-api-key", KEY)
          assert(stream:write_headers(h, true))
          local rh = assert(stream:get_headers())
          local body = m == "GET" and assert(stream:get_body_as_string()) or ""
          results[#results + 1] = {m, rh:get(":status"), rh:get("content-length"), #body}
        end
        conn:close()
      end)
      assert(cq:loop())
      assert.are.equal(4, #results)
      for _, r in ipairs(results) do
        assert.are.equal("200", r[2])
        if r[1] == "GET" then assert.are.equal(tonumber(r[3]), r[4]) end
      end
      assert.are.equal(results[1][3], results[2][3])
    end)

    it("log the requests", function()
      get("/policies?limit=2", {headers = {["x-trace"] = "t1"}})
      get("/policygroups", {method = "POST", body = {name = "Logged"}})
      local _, _, body = control("GET", "/__mock/requests")
      local log = decode(body)
      assert.are.equal(2, #log)
      assert.are.equal("GET", log[1].method)
      assert.are.equal("/api/v2/policies", log[1].path)
      assert.are.equal("limit=2", log[1].query)
      assert.are.equal("t1", log[1].headers["x-trace"])
      assert.are.same({name = "Logged"}, decode(log[2].body))
    end)

    it("list the seed ids", function()
      local status, _, body = control("GET", "/__mock/ids")
      assert.are.equal(200, status)
      local d = decode(body)
      assert.are.equal(ids.policy, d.ids.policy)
      assert.are.equal(ids.autotask_uuid, d.ids.autotask_uuid)
      assert.are.equal(250, d.counts.policies)
    end)

    it("inject statuses from a fault rule, then serve normally", function()
      local status = control("POST", "/__mock/faults", {method = "GET", path = "/api/v2/policygroups",
        statuses = {429, 429}, headers = {["retry-after"] = "1"}})
      assert.are.equal(201, status)
      for _ = 1, 2 do
        local s, headers, body = get("/policygroups")
        assert.are.equal(429, s)
        assert.are.equal("1", headers:get("retry-after"))
        assert.is_string(decode(body).message)
      end
      assert.are.equal(200, (get("/policygroups")))
      -- another path or method is not affected
      control("POST", "/__mock/faults", {method = "POST", path = "/api/v2/policygroups", statuses = {503}})
      assert.are.equal(200, (get("/policygroups")))
      assert.are.equal(503, (get("/policygroups", {method = "POST", body = {name = "x"}})))
      assert.are.equal(404, (get("/policygroups/" .. ids.unknown_object_id))) -- 503 did not create
    end)

    it("delay answers and cut connections", function()
      control("POST", "/__mock/faults", {path_pattern = "^/api/v2/policies$", delay_ms = 300, times = 1})
      local t0 = cqueues.monotime()
      assert.are.equal(200, (get("/policies")))
      assert.is_true(cqueues.monotime() - t0 >= 0.29)
      control("POST", "/__mock/faults", {path = "/api/v2/policies", mode = "reset", times = 1})
      local ok = pcall(get, "/policies")
      assert.is_false(ok)
      assert.are.equal(200, (get("/policies")))
    end)

    it("clear fault rules and refuse bad ones", function()
      control("POST", "/__mock/faults", {path = "/api/v2/policies", statuses = {500}})
      assert.are.equal(204, (control("DELETE", "/__mock/faults")))
      assert.are.equal(200, (get("/policies")))
      assert.are.equal(400, (control("POST", "/__mock/faults", {path = "/x", mode = "explode"})))
    end)
  end)

  describe("every operation of the reference", function()
    local O365, AT, CW = ids.office365, ids.autotask_uuid, ids.connectwise_uuid
    local policy_body = {name = "Spec Policy", template = {id = ids.policy_template}}
    -- method, path, expected status, body, check(decoded)
    local cases = {
      {"PATCH", "/iplists/" .. ids.iplist, 200, {description = "patched"},
        function(v) assert.are.equal("patched", v.description) end},
      {"PUT", "/iplists/" .. ids.iplist, 200, {name = "Replaced", ips = {"10.9.0.0/16"}},
        function(v) assert.are.same({"10.9.0.0/16"}, v.ips) end},
      {"GET", "/ldapservers", 200, nil, function(v) assert.are.equal(3, #v) end},
      {"GET", "/ldapservers/" .. ids.ldapserver, 200, nil, function(v) assert.are.equal(ids.ldapserver, v.id) end},
      {"PATCH", "/ldapservers/" .. ids.ldapserver, 200, {userLockoutAction = "remove"},
        function(v) assert.are.equal("remove", v.userLockoutAction) end},
      {"GET", "/logos/" .. ids.logo, 200},
      {"POST", "/microsoft-mdm/configuration-files", 200, {}},
      {"GET", "/office365s/" .. O365, 200, nil, function(v) assert.are.equal(O365, v.id) end},
      {"PATCH", "/office365s/" .. O365, 200, {defaultDomain = {id = ids.office365_domain}},
        function(v) assert.are.equal(ids.office365_domain, v.defaultDomain.id) end},
      {"GET", "/office365s/" .. O365 .. "/domains", 200, nil, function(v) assert.are.equal(14, v.totalCount) end},
      {"POST", "/office365s/" .. O365 .. "/domains", 201, {domain = "new.contoso.com"},
        function(v) assert.are.equal("new.contoso.com", v.domain.domain) end},
      {"DELETE", "/office365s/" .. O365 .. "/domains/" .. ids.office365_domain, 200, nil,
        function(v) assert.are.equal(ids.office365_domain, v.domain.objectId) end},
      {"GET", "/office365s/" .. O365 .. "/import/users", 200, nil, function(v) assert.are.equal(100, #v.users) end},
      {"GET", "/office365s/" .. O365 .. "/translationrules", 200, nil, function(v) assert.are.equal(6, #v) end},
      {"POST", "/office365s/" .. O365 .. "/translationrules", 201, {builtIn = "user_state"},
        function(v) assert.are.equal("export", v.direction) end},
      {"DELETE", "/office365s/" .. O365 .. "/translationrules/" .. ids.translation_rule, 204},
      {"GET", "/office365s/" .. O365 .. "/translationrules/" .. ids.translation_rule, 200, nil,
        function(v) assert.are.equal("user_alternate_email", v.builtIn) end},
      {"GET", "/organizations/cases", 200, nil, function(v) assert.are.equal(10, #v.results) end},
      {"GET", "/passwordmanager/devices", 200, nil, function(v) assert.are.equal(64, v.totalCount) end},
      {"GET", "/passwordmanager/devices/" .. ids.password_device, 200, nil,
        function(v) assert.are.equal(ids.password_device, v.id) end},
      {"GET", "/policies", 200, nil, function(v) assert.are.equal(10, #v) end},
      {"POST", "/policies", 201, policy_body,
        function(v) assert.are.equal(ids.policy_template, v.template.id); assert.is_table(v.configFields) end},
      {"DELETE", "/policies/" .. ids.policy_small, 204},
      {"GET", "/policies/" .. ids.policy, 200, nil, function(v) assert.is_table(v.values) end},
      {"PUT", "/policies/" .. ids.policy, 200, {name = "Renamed"}, function(v) assert.are.equal("Renamed", v.name) end},
      {"GET", "/policies/" .. ids.policy .. "/policyresults", 200, nil,
        function(v) assert.are.equal(ids.policy, v[1].policyID) end},
      {"GET", "/policies/" .. ids.policy .. "/policystatuses", 200, nil, function(v) assert.are.equal(10, #v) end},
      {"GET", "/policyresults", 200, nil, function(v) assert.are.equal(10, #v) end},
      {"GET", "/policyresults/" .. ids.policy_result, 200, nil,
        function(v) assert.are.equal(0, v.exitStatus + 0 * 1) end},
      {"GET", "/policygroups", 200},
      {"POST", "/policygroups", 201, {name = "Brand New"}},
      {"DELETE", "/policygroups/" .. ids.policy_group, 200},
      {"GET", "/policygroups/" .. ids.policy_group, 200},
      {"PUT", "/policygroups/" .. ids.policy_group, 200, {name = "Updated Group"}},
      {"GET", "/policytemplates", 200, nil, function(v) assert.is_nil(v[1].configFields) end},
      {"GET", "/policytemplates/" .. ids.policy_template, 200, nil, function(v) assert.is_table(v.configFields) end},
      {"GET", "/cases/metadata", 200, nil, function(v) assert.is_table(v.results.severities) end},
      {"DELETE", "/integrations/autotask/" .. AT, 204},
      {"GET", "/integrations/autotask/" .. AT, 200, nil,
        function(v) assert.is_nil(v.secret); assert.is_true(v.isMspAuthConfigured) end},
      {"PATCH", "/integrations/autotask/" .. AT, 200, {username = "new-user"},
        function(v) assert.are.equal("new-user", v.username) end},
      {"GET", "/integrations/autotask/" .. AT .. "/companies", 200, nil,
        function(v) assert.are.equal(230, v.totalCount) end},
      {"GET", "/integrations/autotask/" .. AT .. "/companytypes", 200, nil,
        function(v) assert.are.equal(7, #v.records) end},
      {"GET", "/integrations/autotask/" .. AT .. "/contracts", 200, nil,
        function(v) assert.are.equal(45, v.totalCount) end},
      {"GET", "/integrations/autotask/" .. AT .. "/contracts/fields", 200, nil,
        function(v) assert.are.equal(4, #v.results) end},
      {"GET", "/integrations/autotask/" .. AT .. "/contracts/services", 200, nil,
        function(v) assert.are.equal(60, v.totalCount) end},
      {"GET", "/integrations/autotask/" .. AT .. "/mappings", 200, nil,
        function(v) assert.are.equal(25, v.totalCount) end},
      {"PATCH", "/integrations/autotask/" .. AT .. "/mappings", 204, {data = {{company = {id = "1002", name = "C"},
        organization = {id = ids.organization, name = "Org"}}}}},
      {"GET", "/integrations/autotask/" .. AT .. "/settings", 200, nil,
        function(v) assert.is_false(v.automaticTicketing) end},
      {"PATCH", "/integrations/autotask/" .. AT .. "/settings", 200, {automaticTicketing = true},
        function(v) assert.is_true(v.automaticTicketing) end},
      {"DELETE", "/integrations/connectwise/" .. CW, 204},
    }

    it("has 50 cases", function()
      assert.are.equal(50, #cases)
    end)

    for _, c in ipairs(cases) do
      local method, path, want, body, check = c[1], c[2], c[3], c[4], c[5]
      it(method .. " " .. path:gsub("%x%x%x%x%x%x%x%x+[%x%-]*", "{id}") .. " answers " .. want, function()
        local status, headers, text = get(path, {method = method, body = body})
        assert.are.equal(want, status, text)
        if want == 204 then
          assert.are.equal("", text)
        elseif check then
          assert.matches("^application/json", headers:get("content-type"))
          check(decode(text))
        end
      end)
    end

    -- Each JSON answer against its response schema in the OpenAPI reference beside the repository.
    local OPENAPI = "../shared/reference/openapi-v2.yaml"
    local spec_file = io.open(OPENAPI, "r")
    local has_lyaml = pcall(require, "lyaml")
    if spec_file and has_lyaml then
      local doc = require("lyaml").load(spec_file:read("a"))
      spec_file:close()
      local mjson = require "jumpcloud.mock.json"

      local function resolve(schema)
        while schema["$ref"] do
          local node = doc
          for part in schema["$ref"]:gsub("^#/", ""):gmatch("[^/]+") do node = node[part] end
          schema = node
        end
        return schema
      end

      local function validate(schema, v, where, errs)
        schema = resolve(schema)
        for _, sub in ipairs(schema.allOf or {}) do validate(sub, v, where, errs) end
        local t = schema.type or (schema.properties and "object")
        if schema.enum and v ~= nil then
          local ok = false
          for _, e in ipairs(schema.enum) do if e == v then ok = true end end
          if not ok then errs[#errs + 1] = where .. ": " .. tostring(v) .. " not in enum" end
        end
        if t == "object" then
          if type(v) ~= "table" or mjson.is_array(v) or v[1] ~= nil then
            errs[#errs + 1] = where .. ": object expected"
            return
          end
          for _, k in ipairs(schema.required or {}) do
            if v[k] == nil then errs[#errs + 1] = where .. "." .. k .. ": required" end
          end
          for k, sub in pairs(schema.properties or {}) do
            if v[k] ~= nil and v[k] ~= mjson.null then validate(sub, v[k], where .. "." .. k, errs) end
          end
        elseif t == "array" then
          if type(v) ~= "table" or (next(v) ~= nil and v[1] == nil) or (next(v) == nil and not mjson.is_array(v)) then
            errs[#errs + 1] = where .. ": array expected"
            return
          end
          for i, x in ipairs(v) do validate(schema.items or {}, x, where .. "[" .. i .. "]", errs) end
        elseif t == "string" then
          if type(v) ~= "string" then errs[#errs + 1] = where .. ": string expected" end
        elseif t == "integer" then
          if type(v) ~= "number" or v % 1 ~= 0 then errs[#errs + 1] = where .. ": integer expected" end
        elseif t == "number" then
          if type(v) ~= "number" then errs[#errs + 1] = where .. ": number expected" end
        elseif t == "boolean" then
          if type(v) ~= "boolean" then errs[#errs + 1] = where .. ": boolean expected" end
        end
      end

      it("answers in the shapes of the OpenAPI reference", function()
        local checked = 0
        for _, c in ipairs(cases) do
          local method, path, want, body = c[1], c[2], c[3], c[4]
          control("POST", "/__mock/reset")
          local status, headers, text = get(path, {method = method, body = body})
          assert.are.equal(want, status, text)
          local template
          for tpl, item in pairs(doc.paths) do
            local pattern = "^/api/v2" .. tpl:gsub("[%-%.]", "%%%0"):gsub("{[^}]+}", "[^/]+") .. "$"
            if item[method:lower()] and path:gsub("%?.*", ""):match(pattern:gsub("^%^/api/v2", "^")) then
              template = template and (#tpl > #template and tpl or template) or tpl
            end
          end
          assert.is_string(template, path)
          local response = doc.paths[template][method:lower()].responses[tostring(want)]
          assert.is_table(response, method .. " " .. template .. " " .. want)
          response = resolve(response)
          if response.content and response.content["application/json"] and want ~= 204 then
            assert.matches("^application/json", headers:get("content-type"))
            local errs = {}
            validate(response.content["application/json"].schema, assert(mjson.decode(text)),
              method .. " " .. template, errs)
            assert.are.same({}, errs)
            checked = checked + 1
          elseif response.content then
            local ctype = headers:get("content-type")
            assert.is_table(response.content[ctype], method .. " " .. template .. " answered " .. tostring(ctype))
          end
        end
        assert.is_true(checked >= 40)
      end)
    end

    it("rejects bad bodies with 400 and duplicates with 409", function()
      local function status_of(method, path, body, headers)
        return (get(path, {method = method, body = body, headers = headers}))
      end
      local json_type = {["content-type"] = "application/json"}
      assert.are.equal(400, status_of("POST", "/policies", {name = "no template"}))
      assert.are.equal(400, status_of("POST", "/policies", {name = "x", template = {id = ids.unknown_object_id}}))
      assert.are.equal(400, status_of("PUT", "/policies/" .. ids.policy, {notes = "no name"}))
      assert.are.equal(400, status_of("PATCH", "/ldapservers/" .. ids.ldapserver, {userLockoutAction = "explode"}))
      assert.are.equal(400, status_of("POST", "/policygroups", "{not json", json_type))
      assert.are.equal(400, status_of("PATCH", "/integrations/autotask/" .. AT .. "/mappings",
        {data = {{company = {id = "1"}}}}))
      assert.are.equal(400, status_of("POST", "/office365s/" .. O365 .. "/translationrules",
        {builtIn = "user_alternate_email"}))
      assert.are.equal(409, status_of("POST", "/office365s/" .. O365 .. "/domains", {domain = "contoso.com"}))
      assert.are.equal(409, status_of("PATCH", "/iplists/" .. ids.iplist, {name = "Finance Office 02"}))
    end)
  end)

  describe("the whole API from the model", function()
    local v1, insights
    setup(function()
      v1, insights = root .. "/api", root .. "/insights/directory/v1"
    end)

    it("serves v1 on /api with its envelopes and v1 ids", function()
      local status, _, body = request(v1, "/systemusers?limit=5&skip=10")
      assert.are.equal(200, status)
      local page = decode(body)
      assert.are.equal(120, page.totalCount)
      assert.are.equal(5, #page.results)
      local u = page.results[1]
      assert.matches("^%x+$", u._id)
      assert.are.equal(24, #u._id)
      assert.matches("^[%w%.%-]+@example%.com$", u.email)
      -- the same user by id, and through v1's search with a body filter
      status, _, body = request(v1, "/systemusers/" .. u._id)
      assert.are.equal(200, status)
      assert.are.equal(u.username, decode(body).username)
      status, _, body = request(v1, "/search/systemusers", {method = "POST", body = {filter = {username = u.username}}})
      assert.are.equal(200, status)
      assert.are.equal(1, decode(body).totalCount)
      -- a v1 action changes its record
      assert.are.equal(200, (request(v1, "/systemusers/" .. u._id .. "/state/suspend", {method = "POST", body = {}})))
      local _, _, after = request(v1, "/systemusers/" .. u._id)
      assert.are.equal("SUSPENDED", decode(after).state)
    end)

    it("keeps synthesized data the same from run to run, and makes it realistic", function()
      local _, _, a = request(v1, "/systems?limit=3")
      control("POST", "/__mock/reset")
      local _, _, b = request(v1, "/systems?limit=3")
      assert.are.same(decode(a), decode(b))
      local sys = decode(a).results[1]
      assert.matches("^%l%l%l%-%l+%-%d%d%d$", sys.hostname)
      assert.is_truthy(({["Mac OS X"] = true, Windows = true, Ubuntu = true, iOS = true, ["Amazon Linux"] = true,
        Android = true})[sys.os])
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", sys.created)
      local _, _, groups = get("/usergroups?limit=100")
      assert.are.equal(30, #decode(groups)) -- lists span several pages of the default 10
    end)

    it("serves Directory Insights on /insights/directory/v1, paging events by search_after", function()
      local q = {service = {"all"}, start_time = "2024-01-01T00:00:00Z", limit = 100, sort = "DESC"}
      local seen, pages, last_ts = {}, 0, nil
      while true do
        local status, headers, body = request(insights, "/events", {method = "POST", body = q,
          headers = {["x-org-id"] = ids.organization}})
        assert.are.equal(200, status)
        local events = decode(body)
        if #events == 0 then break end
        pages = pages + 1
        for _, e in ipairs(events) do
          assert.is_nil(seen[e.id])
          seen[e.id] = true
          if last_ts then assert.is_true(e.timestamp <= last_ts) end
          last_ts = e.timestamp
        end
        local after = headers:get("x-search_after")
        assert.is_string(after)
        q.search_after = decode(after)
        assert.are.equal(events[#events].id, q.search_after[2])
      end
      local n = 0
      for _ in pairs(seen) do n = n + 1 end
      assert.are.equal(seed.counts.events, n)
      assert.are.equal(3, pages)
      local status, _, body = request(insights, "/events/count", {method = "POST",
        body = {service = {"sso"}, start_time = "2024-01-01T00:00:00Z"}})
      assert.are.equal(200, status)
      assert.are.equal(24, decode(body).count)
      -- the key is needed there too
      assert.are.equal(401, (request(insights, "/events", {method = "POST", body = q, key = false})))
    end)

    it("pages by offset, cursor and page tokens", function()
      local function walk(path, size_param, next_of, pos_param)
        local seen, n, token, pages = {}, 0, nil, 0
        repeat
          local q = path .. "?" .. size_param .. "=10"
          if token then q = q .. "&" .. pos_param .. "=" .. token end
          local status, _, body = get(q)
          assert.are.equal(200, status, body)
          local page = decode(body)
          pages = pages + 1
          for _, item in ipairs(page.results or page.users or page.items) do
            assert.is_nil(seen[item.id])
            seen[item.id] = true
            n = n + 1
          end
          token = next_of(page, pages)
        until token == nil or pages > 50
        return n, pages
      end
      local n, pages = walk("/saas-management/applications", "limit", function(page, p)
        return p * 10 < page.totalCount and tostring(p * 10) or nil
      end, "offset")
      assert.are.equal(25, n)
      assert.are.equal(3, pages)
      local _, _, apps = request(v1, "/applications?limit=1")
      local app_id = decode(apps).results[1]._id
      n = walk("/applications/" .. app_id .. "/import/users", "limit", function(page) return page.cursor end, "cursor")
      assert.are.equal(12, n)
      local _, _, gs = get("/gsuites/" .. "x")
      assert.matches("does not exist", gs)
      local status, _, body = get("/gsuites/x/import/users")
      assert.are.equal(404, status, body)
    end)

    it("answers x-org-id only where the operation takes it", function()
      assert.are.equal(200, (request(v1, "/systemusers?limit=1", {headers = {["x-org-id"] = ids.organization}})))
      assert.are.equal(403, (request(v1, "/organizations?limit=1", {headers = {["x-org-id"] = ids.organization}})))
    end)
  end)

  describe("the graph", function()
    local v1
    setup(function() v1 = root .. "/api" end)

    local function post(path, body) return get(path, {method = "POST", body = body}) end

    it("adds a user to a user group, binds the group to a system group, and the user reaches the system", function()
      local _, _, ub = request(v1, "/systemusers?limit=1&skip=119")
      local user = decode(ub).results[1]._id
      local _, _, sb = request(v1, "/systems?limit=1&skip=149")
      local system = decode(sb).results[1]._id
      local _, _, gb = post("/usergroups", {name = "Graph Spec Users"})
      local group = decode(gb).id
      local _, _, sgb = post("/systemgroups", {name = "Graph Spec Systems"})
      local sgroup = decode(sgb).id
      assert.are.equal(204, (post("/usergroups/" .. group .. "/members", {op = "add", type = "user", id = user})))
      assert.are.equal(204, (post("/usergroups/" .. group .. "/associations",
        {op = "add", type = "system_group", id = sgroup})))
      assert.are.equal(204, (post("/systemgroups/" .. sgroup .. "/members", {op = "add", type = "system", id = system})))

      local status, headers, body = get("/users/" .. user .. "/systems?limit=100")
      assert.are.equal(200, status)
      local found
      for _, o in ipairs(decode(body)) do
        assert.are.equal("system", o.type)
        if o.id == system then found = o end
      end
      assert.is_table(found, body)
      assert.is_true(tonumber(headers:get("x-total-count")) >= 1)
      assert.are.same({{
        {from = {id = user, type = "user"}, to = {id = group, type = "user_group"}},
        {from = {id = group, type = "user_group"}, to = {id = sgroup, type = "system_group"}},
        {from = {id = sgroup, type = "system_group"}, to = {id = system, type = "system"}},
      }}, found.paths)

      -- members, memberof, associations
      local _, _, mb = get("/usergroups/" .. group .. "/members")
      assert.are.same({{to = {id = user, type = "user"}}}, decode(mb))
      local _, _, ofb = get("/users/" .. user .. "/memberof?limit=100")
      local groups = {}
      for _, o in ipairs(decode(ofb)) do groups[o.id] = o.type end
      assert.are.equal("user_group", groups[group])
      local _, _, ab = get("/usergroups/" .. group .. "/associations?targets=system_group")
      assert.are.same({{to = {id = sgroup, type = "system_group"}}}, decode(ab))
      assert.are.equal(400, (get("/usergroups/" .. group .. "/associations")))
    end)

    it("answers 409 to an edge added twice and 404 to removing one that is not there", function()
      local _, _, gb = get("/usergroups?limit=1")
      local group = decode(gb)[1].id
      local _, _, ub = request(v1, "/systemusers?limit=1&skip=118")
      local user = decode(ub).results[1]._id
      local add = {op = "add", type = "user", id = user}
      assert.are.equal(204, (post("/usergroups/" .. group .. "/members", add)))
      local status, _, body = post("/usergroups/" .. group .. "/members", add)
      assert.are.equal(409, status)
      assert.matches("already", decode(body).message)
      local remove = {op = "remove", type = "user", id = user}
      assert.are.equal(204, (post("/usergroups/" .. group .. "/members", remove)))
      status, _, body = post("/usergroups/" .. group .. "/members", remove)
      assert.are.equal(404, status)
      assert.is_string(decode(body).message)
      -- a type the operation does not take, an object that does not exist
      assert.are.equal(400, (post("/usergroups/" .. group .. "/members", {op = "add", type = "system", id = user})))
      assert.are.equal(404, (post("/usergroups/" .. group .. "/members",
        {op = "add", type = "user", id = ids.unknown_object_id})))
      assert.are.equal(404, (get("/usergroups/" .. ids.unknown_object_id .. "/members")))
    end)

    it("serves policy group members", function()
      local status, headers, body = get("/policygroups/" .. ids.policy_group .. "/members")
      assert.are.equal(200, status)
      assert.are.equal("4", headers:get("x-total-count"))
      for _, c in ipairs(decode(body)) do assert.are.equal("policy", c.to.type) end
    end)
  end)

  describe("non-JSON answers and uploads", function()
    local function first(path, field)
      local _, _, body = get(path)
      local v = decode(body)
      v = v.results or v
      return v[1][field or "id"]
    end

    it("serve PDF, PEM, Apple profiles, CSR bytes and HTML", function()
      local _
      local provider = first("/providers?limit=1")
      local status, headers, body = get("/providers/" .. provider .. "/billing/contract")
      assert.are.equal(200, status)
      assert.are.equal("application/pdf", headers:get("content-type"))
      assert.are.equal("%PDF-", body:sub(1, 5))
      local mdm = first("/applemdms?limit=1")
      _, headers, body = get("/applemdms/" .. mdm .. "/depkey")
      assert.are.equal("application/x-pem-file", headers:get("content-type"))
      assert.matches("^%-%-%-%-%-BEGIN ", body)
      _, headers, body = get("/applemdms/" .. mdm .. "/csr")
      assert.are.equal("application/octet-stream", headers:get("content-type"))
      assert.matches("CERTIFICATE REQUEST", body)
      local profile = first("/applemdms/" .. mdm .. "/enrollmentprofiles?limit=1")
      status, headers, body = get("/applemdms/" .. mdm .. "/enrollmentprofiles/" .. profile)
      assert.are.equal(200, status)
      assert.are.equal("application/x-apple-aspen-config", headers:get("content-type"))
      assert.matches("<plist", body)
      _, headers, body = get("/systeminsights/tpm_info")
      assert.are.equal("text/html", headers:get("content-type"))
      assert.matches("^<!DOCTYPE html>", body)
      assert.are.equal(406, (get("/systeminsights/tpm_info", {headers = {accept = "application/json"}})))
    end)

    it("take an application's logo as multipart/form-data", function()
      local _, _, apps = request(root .. "/api", "/applications?limit=1")
      local app = decode(apps).results[1]._id
      local boundary = "spec-boundary-1"
      local png = "\137PNG\r\n\26\nlogo"
      local body = table.concat({"--" .. boundary,
        'Content-Disposition: form-data; name="image"; filename="logo.png"', "Content-Type: image/png", "", png,
        "--" .. boundary .. "--", ""}, "\r\n")
      local ctype = {["content-type"] = "multipart/form-data; boundary=" .. boundary}
      assert.are.equal(204, (get("/applications/" .. app .. "/logo", {method = "POST", body = body, headers = ctype})))
      local empty = table.concat({"--" .. boundary, 'Content-Disposition: form-data; name="other"', "", "x",
        "--" .. boundary .. "--", ""}, "\r\n")
      assert.are.equal(400, (get("/applications/" .. app .. "/logo", {method = "POST", body = empty, headers = ctype})))
    end)
  end)

  describe("records over HTTP", function()
    it("are added, read and cleared", function()
      local status, _, body = control("POST", "/__mock/records/usergroups",
        {{name = "Runbook Admins"}, {name = "Runbook Users", description = "added by the spec"}})
      assert.are.equal(201, status)
      local added = decode(body)
      assert.are.equal(2, #added)
      assert.matches("^%x+$", added[1].id)
      assert.are.equal("user_group", added[1].type)
      local _, headers = get("/usergroups?limit=1")
      assert.are.equal("32", headers:get("x-total-count"))
      status, _, body = get("/usergroups/" .. added[2].id)
      assert.are.equal(200, status)
      assert.are.equal("added by the spec", decode(body).description)
      _, _, body = control("GET", "/__mock/records/usergroups")
      assert.are.equal(32, #decode(body))
      assert.are.equal(204, (control("DELETE", "/__mock/records/usergroups/" .. added[1].id)))
      assert.are.equal(204, (control("DELETE", "/__mock/records/usergroups")))
      _, _, body = get("/usergroups")
      assert.are.equal("[]", body)
      -- by the client's resource name, and under a parent
      status, _, body = control("POST", "/__mock/records/users", {username = "ada", email = "ada@example.com"})
      assert.are.equal(201, status)
      local user = decode(body)[1]
      local _, _, ub = request(root .. "/api", "/systemusers/" .. user._id)
      assert.are.equal("ada", decode(ub).username)
      status = control("POST", "/__mock/records/office365s/" .. ids.office365 .. "/translationrules",
        {builtIn = "user_city"})
      assert.are.equal(201, status)
      local _, h2 = get("/office365s/" .. ids.office365 .. "/translationrules")
      assert.are.equal("7", h2:get("x-total-count"))
      assert.are.equal(404, (control("GET", "/__mock/records/no-such-thing")))
    end)
  end)

  describe("the OAuth token endpoint", function()
    local function token(id, secret)
      local basic = require("jumpcloud.mock.util").base64_encode(id .. ":" .. secret)
      return request(root, "/oauth2/token", {method = "POST", key = false, body = "grant_type=client_credentials",
        headers = {authorization = "Basic " .. basic, ["content-type"] = "application/x-www-form-urlencoded"}})
    end

    it("issues bearer tokens the API accepts like the key, until they expire", function()
      local status, headers, body = token(srv.client_id, srv.client_secret)
      assert.are.equal(200, status)
      assert.matches("^application/json", headers:get("content-type"))
      local t = decode(body)
      assert.is_string(t.access_token)
      assert.are.equal("bearer", t.token_type:lower())
      assert.are.equal(3600, t.expires_in)
      local bearer = {authorization = "Bearer " .. t.access_token}
      local _
      assert.are.equal(200, (get("/policygroups?limit=1", {key = false, headers = bearer})))
      assert.are.equal(200, (request(root .. "/api", "/systemusers?limit=1", {key = false, headers = bearer})))
      assert.are.equal(401, (get("/policygroups?limit=1", {key = false, headers = {authorization = "Bearer nope"}})))
      status, _, body = control("POST", "/__mock/tokens/expire", {access_token = t.access_token})
      assert.are.equal(200, status)
      assert.are.equal(1, decode(body).expired)
      assert.are.equal(401, (get("/policygroups?limit=1", {key = false, headers = bearer})))
    end)

    it("answers 401 to a bad secret and 400 to another grant", function()
      local status, _, body = token(srv.client_id, "wrong")
      assert.are.equal(401, status)
      assert.are.equal("invalid_client", decode(body).error)
      status = request(root, "/oauth2/token", {method = "POST", key = false, body = "grant_type=password"})
      assert.are.equal(400, status)
    end)
  end)

  describe("mock.start options", function()
    it("refuse unknown options with a suggestion, and a seed that is not an integer", function()
      local ok, err = pcall(mock.start, {sede = 3})
      assert.is_false(ok)
      assert.matches("unknown option 'sede' %(did you mean 'seed'%?%)", err)
      ok, err = pcall(mock.start, {seed = false})
      assert.is_false(ok)
      assert.matches("bad option 'seed' %(integer expected, got boolean false%)", err)
      ok, err = pcall(mock.start, {seed = 1.5})
      assert.is_false(ok)
      assert.matches("integer expected, got float", err)
      ok, err = pcall(mock.start, {records = {nosuchcollection = {}}, in_process = true})
      assert.is_false(ok)
      assert.matches("no collection named nosuchcollection", err)
      ok, err = pcall(mock.start, {routes = {getApiV2Usergrops = function() end}, in_process = true})
      assert.is_false(ok)
      assert.matches("did you mean getApiV2Usergroups", err)
    end)

    it("take a seed: the same data for the same seed, other data for another", function()
      local function first_user(s)
        local other <close> = mock.start{api_key = "ks", seed = s}
        local _, _, body = request(other.root .. "/api", "/systemusers?limit=1", {key = "ks"})
        return decode(body).results[1]
      end
      local a, b, c = first_user(7), first_user(7), first_user(8)
      assert.are.same(a, b)
      assert.are_not.equal(a._id, c._id)
    end)

    it("take records, route handlers (functions, modules, files) and faults, for a child", function()
      local file = os.tmpname()
      local f = assert(io.open(file, "w"))
      f:write([[return { getApiV2Policygroups = function(req)
        if req.query.limit == "1" then return {status = 200, body = {{id = "from-file", name = req.operation}}} end
      end }]])
      f:close()
      local handlers = {
        getApiV2UsergroupsById = function(req)
          return {status = 200, headers = {["x-handled"] = "yes"}, body = {id = req.params.id, name = "From handler"}}
        end,
        getApiV2Usergroups = function(req) -- falls through, after looking at the mock's own answer
          local res = req.default()
          if res.status ~= 200 then return {status = 500, body = "unexpected"} end
        end,
      }
      local _
      local other <close> = mock.start{api_key = "kr", routes = handlers,
        records = {usergroups = {{name = "Only Group"}}, users = {{username = "ada", email = "ada@example.com"}}},
        faults = {{path = "/api/v2/usergroups", statuses = {503}, times = 1}}}
      local function o(path) return request(other.url, path, {key = "kr"}) end
      assert.are.equal(503, (o("/usergroups")))
      local status, headers, body = o("/usergroups")
      assert.are.equal(200, status)
      assert.are.equal("1", headers:get("x-total-count"))
      local g = decode(body)[1]
      assert.are.equal("Only Group", g.name)
      _, headers, body = o("/usergroups/" .. g.id)
      assert.are.equal("yes", headers:get("x-handled"))
      assert.are.same({id = g.id, name = "From handler"}, decode(body))
      local _, _, ub = request(other.root .. "/api", "/systemusers", {key = "kr"})
      assert.are.equal(1, decode(ub).totalCount)
      assert.are.same({"ada"}, {other:records("users")[1].username})
      -- the faults of mock.start come back after a reset
      other:reset()
      assert.are.equal(503, (o("/usergroups")))
      other:stop()

      local by_file <close> = mock.start{api_key = "kf", routes = file}
      local _, _, fb = request(by_file.url, "/policygroups?limit=1", {key = "kf"})
      assert.are.same({{id = "from-file", name = "getApiV2Policygroups"}}, decode(fb))
      local _, _, fb2 = request(by_file.url, "/policygroups?limit=2", {key = "kf"})
      assert.are.equal(2, #decode(fb2)) -- nil from the handler: the mock answers
      os.remove(file)

      local up = "upvalue"
      local ok, err = pcall(mock.start, {routes = {getApiV2Usergroups = function() return {body = up} end}})
      assert.is_false(ok)
      assert.matches("uses the upvalue 'up'", err)
    end)

    it("run the server in this process for clients driven by its loop", function()
      local s <close> = mock.start{api_key = "kp", in_process = true, records = {policygroups = {{name = "P"}}}}
      assert.is_table(s.server)
      assert.is_nil(s.pid)
      local status, _, body = s:run(function() return request(s.url, "/policygroups", {key = "kp"}) end)
      assert.are.equal(200, status)
      assert.are.equal("P", decode(body)[1].name)
      s:add_records("policygroups", {{name = "Q"}})
      assert.are.equal(2, #s:records("policygroups"))
      assert.are.equal(2, #decode(select(3, s:run(function()
        return request(s.url, "/policygroups", {key = "kp"})
      end))))
    end)

    it("prints how fast the mock starts and answers a 100-record page", function()
      local clock = cqueues.monotime
      local starts = {}
      for i = 1, 3 do
        local t0 = clock()
        local s = mock.start{api_key = "kt"}
        starts[i] = clock() - t0
        s:stop()
      end
      table.sort(starts)
      assert.are.equal(200, (get("/policies?limit=100"))) -- warm: the seed is built on first use
      local times = {}
      for i = 1, 21 do
        local t0 = clock()
        local status, _, body = get("/policies?limit=100&skip=100")
        times[i] = clock() - t0
        assert.are.equal(200, status)
        assert.are.equal(100, #decode(body))
      end
      table.sort(times)
      print(string.format("\n  mock performance: starts in %.0f ms (median of 3, a child process); answers a "
        .. "100-record page in %.2f ms (median of 21, over HTTP)", starts[2] * 1000, times[11] * 1000))
    end)
  end)

  describe("in-process server", function()
    it("listens on an ephemeral port and steps its loop", function()
      local s = server.new{api_key = "inproc", empty = true}
      local port = assert(s:listen())
      assert.is_true(port > 0)
      assert.are.equal("http://127.0.0.1:" .. port .. "/api/v2", s:url())
      local status
      s:spawn(function()
        status = request(s:url(), "/__test/echo", {key = "inproc"})
      end)
      local deadline = cqueues.monotime() + 5
      while status == nil and cqueues.monotime() < deadline do
        s:step(0.05)
      end
      s:close()
      assert.are.equal(200, status)
    end)
  end)

  describe("command line", function()
    local function run(args)
      local p = assert(io.popen("echo $$; exec lua5.4 bin/jumpcloud-mock " .. args .. " 2>&1", "r"))
      local pid = tonumber(p:read("l"))
      local line = p:read("l")
      return p, pid, line
    end

    it("prints its URL first and serves until SIGTERM", function()
      local p, pid, line = run("--port 0 --api-key cli-key")
      local url = line:match("^JUMPCLOUD_MOCK_URL=(http://127%.0%.0%.1:%d+/api/v2)$")
      assert.is_string(url, line)
      assert.are.equal(200, (request(url, "/ldapservers", {key = "cli-key"})))
      assert.are.equal(401, (request(url, "/ldapservers", {key = KEY})))
      os.execute("kill -TERM " .. pid)
      local ok, how, code = p:close()
      assert.is_true(ok, tostring(how) .. " " .. tostring(code))
    end)

    it("refuses a host that is not loopback", function()
      local p, _, line = run("--host 192.0.2.1")
      local ok, _, code = p:close()
      assert.is_falsy(ok)
      assert.are.equal(2, code)
      assert.matches("only loopback", line)
    end)
  end)
end)
