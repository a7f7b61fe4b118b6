-- The client object: what it exposes, how it can be wrapped and extended, the one message of a
-- closed client, the regions and API roots, and mistakes raised at the caller's own line.
local jumpcloud = require "jumpcloud"
local client_mod = require "jumpcloud.client"
local support = require "spec.support"

-- The documented members (README, "The client"): the methods, then one member per resource.
local METHODS = { "base_url", "batch", "call", "close", "hosts", "request" }

describe("the client", function()
  local srv, client, control, ids

  support.with_mock(function(e) srv, client, control, ids = e.srv, e.client, e.control, e.ids end)

  -- Runs f, which must raise; returns the message and the line f raised at in this file. (f must
  -- not end in a tail call: Lua keeps no line for a frame a tail call replaced.)
  local function raised(f)
    local ok, err = pcall(f)
    assert.is_false(ok, "did not raise")
    return tostring(err):gsub("^.-client_spec%.lua:(%d+): ", "%1\0"):match("^(%d*)%z?(.*)$")
  end

  describe("members", function()
    it("exposes the documented methods and the resources, and nothing else", function()
      local resources = require("jumpcloud.model").index().resources
      local want = {}
      for _, m in ipairs(METHODS) do want[#want + 1] = m end
      for _, r in ipairs(resources) do want[#want + 1] = r end
      table.sort(want)
      assert.are.same(want, client_mod.members())
      assert.are.equal(79, #resources)
      for _, name in ipairs(want) do assert.is_not_nil(client[name], name) end
      local own = {}
      for k in pairs(client) do own[#own + 1] = k end -- the methods; resources come on first use
      table.sort(own)
      assert.are.same(METHODS, own)
      for _, gone in ipairs({ "perform", "retry", "multi_add", "multi_wait", "redact", "timeout", "span", "sleep",
        "sends_org", "gzip", "state", "transport" }) do
        assert.is_nil(client[gone], gone)
      end
      assert.are.equal("jumpcloud.Client", getmetatable(client))
    end)

    it("raises with a suggestion for a near miss", function()
      local here = debug.getinfo(1, "l").currentline
      local line, msg = raised(function() local p = client.polices return p end)
      assert.are.equal("no member 'polices' in a jumpcloud.Client (did you mean 'policies'?)", msg)
      assert.are.equal(tostring(here + 1), line)
      local _, m2 = raised(function() return client.requets end)
      assert.are.equal("no member 'requets' in a jumpcloud.Client (did you mean 'request'?)", m2)
    end)

    it("can be extended and wrapped the ordinary Lua way", function()
      local c <close> = support.client(srv)
      c.note = "mine"
      assert.are.equal("mine", c.note)
      -- a wrapper that records what would be sent and sends nothing (a dry run)
      local sent = {}
      local dry = setmetatable({ request = function(_, method, path) sent[#sent + 1] = method .. " " .. path
        return { status = 200, body = {} } end }, { __index = c })
      assert.are.equal(200, dry:request("DELETE", "/policies/x").status)
      assert.are.same({ "DELETE /policies/x" }, sent)
      -- a wrapper that adds a method and uses the client's own underneath
      local logged = setmetatable({}, { __index = c })
      function logged:count_groups() return #assert(self:call("PolicyGroups_listAll", { limit = 3 })) end
      assert.are.equal(3, logged:count_groups())
      assert.are.equal(ids.policy_group, assert(logged.policygroups:get(ids.policy_group)).id)
    end)

    it("says what a method wants when called with a dot", function()
      local line, msg = raised(function() return client.request("GET", "/x") end)
      assert.are.equal("bad self (a jumpcloud.Client expected: call methods with a colon, client:request(...))", msg)
      assert.is_truthy(line)
      local _, m2 = raised(function() return client.policies.get(ids.policy) end)
      assert.are.equal("use client.policies:get(...) (with a colon)", m2)
    end)
  end)

  describe("mistakes raise at the call, naming the caller's line", function()
    it("a paging option of the wrong type, before the loop starts", function()
      local here = debug.getinfo(1, "l").currentline
      local line, msg = raised(function() local it = client.policies:each({ filter = 123 }) return it end)
      assert.are.equal(tostring(here + 1), line)
      assert.are.equal("bad argument 'filter' (filter, string or list of them expected, got number)", msg)
      assert.are.same({}, support.requests(control, "/api/v2/policies"))
    end)

    it("an unknown paging option, with a suggestion", function()
      local here = debug.getinfo(1, "l").currentline
      local line, msg = raised(function() local it = client.policies:each({ limti = 5 }) return it end)
      assert.are.equal(tostring(here + 1), line)
      assert.are.equal("unknown paging option 'limti' (did you mean 'limit'?)", msg)
    end)

    it("a verb called with a dot", function()
      local here = debug.getinfo(1, "l").currentline
      local line, msg = raised(function() local g = client.policies.get(ids.policy) return g end)
      assert.are.equal(tostring(here + 1), line)
      assert.are.equal("use client.policies:get(...) (with a colon)", msg)
    end)

    it("an unknown option of jumpcloud.new, with a suggestion", function()
      local here = debug.getinfo(1, "l").currentline
      local line, msg = raised(function() local c = jumpcloud.new({ api_key = "k", timout = 5 }) return c end)
      assert.are.equal(tostring(here + 1), line)
      assert.are.equal("unknown option 'timout' (did you mean 'timeout'?)", msg)
    end)

    it("a bad argument deep in the library, through a pcall of the caller's", function()
      local here = debug.getinfo(1, "l").currentline
      local ok, msg = pcall(client.request, client, "GET", "/x", { query = { a = { {} } } })
      assert.is_false(ok)
      assert.matches("client_spec%.lua:" .. (here + 1) .. ": bad query parameter 'a'", msg)
    end)
  end)

  describe("a closed client", function()
    it("raises one message from every entry point", function()
      local c = support.client(srv)
      local groups = c.policygroups
      local members = c.usergroups:members("5f0000000000000000000001")
      c:close()
      c:close()
      for _, f in ipairs({
        function() return c:request("GET", "/x") end, function() return c:call("PolicyGroups_listAll") end,
        function() return c:batch({ { "GET", "/x" } }) end, function() return groups:get("x") end,
        function() return groups:each() end, function() return members:add("x") end,
        function() return c.policygroups:list() end,
      }) do
        local _, msg = raised(f)
        assert.are.equal("attempt to use a closed jumpcloud.Client", msg)
      end
      assert.matches("^jumpcloud.Client %(closed, ", tostring(c))
    end)
  end)

  describe("proxies", function()
    -- A request to a host that does not resolve: through a proxy (the mock, which then sees the
    -- absolute URL and answers 404 for it), or failing to resolve without one.
    local function through(env, opts)
      local ok, out = support.run_child(string.format([[
        local c = require("jumpcloud").new{ api_key = %q, base_url = "http://jc.invalid/api/v2", retry = false%s }
        local r, e = c:request("GET", "/__test/echo")
        print(e and e.code, e and e.message)
      ]], support.API_KEY, opts or ""), env)
      assert.is_true(ok, out)
      return out
    end

    it("takes the proxy the environment names for the scheme, and no_proxy, as libcurl does", function()
      local via = "not_found\tNot Found: http://jc.invalid/api/v2/__test/echo\n"
      assert.are.equal(via, through("http_proxy=" .. srv.root .. " "))
      assert.are.equal(via, through("all_proxy=" .. srv.root .. " "))
      assert.matches("^couldnt_resolve_host", through("http_proxy=" .. srv.root .. " no_proxy=jc.invalid "))
      -- http_proxy is honoured in lower case only (libcurl's rule: HTTP_PROXY may come from a CGI header)
      assert.matches("^couldnt_resolve_host", through("HTTP_PROXY=" .. srv.root .. " "))
      -- the option wins over the environment
      assert.are.equal(via, through("http_proxy=http://127.0.0.1:9 ", string.format(", proxy = %q", srv.root)))
    end)
  end)

  describe("regions and API roots", function()
    local function hosts(opts, env)
      local prefix = ""
      for k, v in pairs(env or {}) do prefix = prefix .. k .. "=" .. string.format("%q", v) .. " " end
      local ok, out = support.run_child(string.format([[
        local c = require("jumpcloud").new(%s)
        local h = c:hosts()
        print(h.region, h.v1.url, h.v2.url, h.insights.url)
        print(h.v1.from, h.v2.from, h.insights.from)
      ]], opts), prefix)
      assert.is_true(ok, out)
      local lines = {}
      for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
      return lines[1], lines[2]
    end

    it("sets the three roots of a region together", function()
      assert.are.equal("us\thttps://console.jumpcloud.com/api\thttps://console.jumpcloud.com/api/v2\t"
        .. "https://api.jumpcloud.com/insights/directory/v1", (hosts('{ api_key = "k" }')))
      assert.are.equal("eu\thttps://console.eu.jumpcloud.com/api\thttps://console.eu.jumpcloud.com/api/v2\t"
        .. "https://api.eu.jumpcloud.com/insights/directory/v1", (hosts('{ api_key = "k", region = "eu" }')))
      local roots, from = hosts('{ api_key = "k" }', { JC_REGION = "in" })
      assert.are.equal("in\thttps://console.in.jumpcloud.com/api\thttps://console.in.jumpcloud.com/api/v2\t"
        .. "https://api.in.jumpcloud.com/insights/directory/v1", roots)
      assert.are.equal("region in (environment JC_REGION)\tregion in (environment JC_REGION)\t"
        .. "region in (environment JC_REGION)", from)
    end)

    it("takes each root on its own, from an option or the environment", function()
      local roots, from = hosts('{ api_key = "k", base_url = "http://127.0.0.1:9/api/v2" }')
      assert.are.equal("us\thttp://127.0.0.1:9/api\thttp://127.0.0.1:9/api/v2\thttp://127.0.0.1:9/insights/directory/v1", roots)
      assert.are.equal("base_url without /v2\toption 'base_url'\tbase_url's server", from)
      roots, from = hosts('{ api_key = "k", region = "eu" }', { JC_API_V1_BASE_URL = "http://a/api",
        JC_INSIGHTS_BASE_URL = "http://b/di/", JC_API_V2_BASE_URL = "http://c/v2" })
      assert.are.equal("eu\thttp://a/api\thttp://c/v2\thttp://b/di", roots)
      assert.are.equal("environment JC_API_V1_BASE_URL\tenvironment JC_API_V2_BASE_URL\tenvironment JC_INSIGHTS_BASE_URL",
        from)
      roots = hosts('{ api_key = "k", v1_url = "http://x/one", insights_url = "http://y/di" }')
      assert.are.equal("us\thttp://x/one\thttps://console.jumpcloud.com/api/v2\thttp://y/di", roots)
    end)

    it("sends v1 and Directory Insights operations to their roots", function()
      local c <close> = support.client(srv)
      assert(c:call("getApiSystemusers", { limit = 1 }))
      local v1 = support.requests(control, "/api/systemusers")
      assert.are.equal(1, #v1)
      assert(c:call("directoryInsights_eventsPost", { body = { service = { "all" }, start_time = "2026-01-01T00:00:00Z" } }))
      assert.are.equal(1, #support.requests(control, "/insights/directory/v1/events"))
    end)

    it("refuses an unknown region and a root that is not an http(s) URL", function()
      assert.has_error(function() jumpcloud.new({ api_key = "k", region = "ue" }) end,
        "bad region 'ue' (us, eu or in expected)")
      assert.has_error(function() jumpcloud.new({ api_key = "k", insights_url = "api.jumpcloud.com" }) end,
        "bad option 'insights_url' (an http:// or https:// URL expected, got 'api.jumpcloud.com')")
    end)
  end)
end)
