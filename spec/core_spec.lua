-- The C core and the client's request() over real HTTP to the mock server.
local jumpcloud = require "jumpcloud"
local core = require "jumpcloud.core"
local support = require "spec.support"

describe("jumpcloud core", function()
  local srv, client, control

  setup(function()
    srv = support.start_server()
    client = support.client(srv)
    control = support.control(srv)
  end)

  teardown(function()
    client:close()
    control:close()
    srv:stop()
  end)

  -- Makes the mock answer the next /__test/reply with exactly this.
  local function reply(status, headers, body, c)
    return (c or client):request("POST", "/__test/reply", { body = { status = status, headers = headers, body = body } })
  end

  local function echo(opts, method, suffix)
    return assert((client):request(method or "GET", "/__test/echo" .. (suffix or ""), opts)).body
  end

  it("runs under Lua 5.4", function()
    assert.are.equal("Lua 5.4", _VERSION)
    assert.are.equal(jumpcloud._VERSION, core.VERSION)
    assert.matches("^%d+%.%d+%.%d+$", jumpcloud._VERSION)
  end)

  it("loads the C core through jumpcloud.core (lazy binding), and says so when core_impl.so is missing", function()
    local loader = assert(package.searchpath("jumpcloud.core", package.cpath))
    local impl = assert(package.searchpath("jumpcloud.core_impl", package.cpath))
    assert.are.equal(loader:gsub("core%.so$", "core_impl.so"), impl)
    assert.are.equal(core, require("jumpcloud.core_impl")) -- one module, whichever name opens it
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/jumpcloud && cp " .. loader .. " " .. dir .. "/jumpcloud/"))
    local p = io.popen("lua5.4 -e 'package.cpath = \"" .. dir .. "/?.so\"; print(pcall(require, \"jumpcloud.core\"))' 2>&1")
    local out = p:read("a")
    p:close()
    os.execute("rm -rf " .. dir)
    assert.matches("^false\tjumpcloud.core: cannot load " .. dir:gsub("%p", "%%%0") .. "/jumpcloud/core_impl.so", out)
  end)

  describe("construction", function()
    it("raises naming the option of the wrong type", function()
      assert.has_error(function() jumpcloud.new({ api_key = 42 }) end, "bad option 'api_key' (string expected, got number)")
      assert.has_error(function() jumpcloud.new({ api_key = "k", timeout = "5" }) end, "bad option 'timeout' (number expected, got string)")
      assert.has_error(function() jumpcloud.new({ api_key = "k", timeout = -1 }) end, "bad option 'timeout' (positive number expected)")
      assert.has_error(function() jumpcloud.new("k") end, "bad argument #1 to 'new' (table expected, got string)")
    end)

    it("refuses unknown options and bad base URLs", function()
      assert.has_error(function() jumpcloud.new({ api_key = "k", apikey = "x" }) end, "unknown option 'apikey' (did you mean 'api_key'?)")
      assert.has_error(function() jumpcloud.new({ api_key = "k", base_url = "ftp://x" }) end,
        "bad option 'base_url' (an http:// or https:// URL expected, got 'ftp://x')")
    end)

    it("falls back to JC_API_KEY, JC_ORG_ID and JC_API_V2_BASE_URL, and fails clearly without a key", function()
      local script = [[
        package.path = "./lua/?.lua;./lua/?/init.lua;" .. package.path
        package.cpath = "./build/?.so;" .. package.cpath
        local jc = require "jumpcloud"
        local ok, err = pcall(jc.new)
        if not ok then print("ERR " .. err) return end
        local r = assert(ok and err:request("GET", "/__test/echo"))
        print(r.body.headers["x-api-key"] == os.getenv("JC_API_KEY"), r.body.headers["x-org-id"])
      ]]
      local f = io.open(os.tmpname(), "w")
      local path = os.tmpname() .. ".lua"
      f:close()
      f = assert(io.open(path, "w"))
      f:write(script)
      f:close()
      local function run(env)
        local p = io.popen("env -u JC_API_KEY -u JC_ORG_ID -u JC_API_V2_BASE_URL " .. env .. " lua5.4 " .. path)
        local out = p:read("a")
        p:close()
        return out
      end
      assert.are.equal("true\torg-from-env\n",
        run("JC_API_KEY=" .. support.API_KEY .. " JC_ORG_ID=org-from-env JC_API_V2_BASE_URL=" .. srv.url))
      assert.matches("^ERR .*no API key: pass api_key to jumpcloud.new or set JC_API_KEY", run(""))
      os.remove(path)
    end)
  end)

  describe("request", function()
    it("returns status, lower-cased headers and the decoded body", function()
      local r = assert(client:request("GET", "/__test/echo"))
      assert.are.equal(200, r.status)
      assert.matches("^application/json", r.headers["content-type"])
      assert.are.equal("GET", r.body.method)
      assert.are.equal("/api/v2/__test/echo", r.body.path)
    end)

    it("takes a lower-case method and a full URL of its root without options", function()
      assert.are.equal("PUT", assert(client:request("put", "/__test/echo")).body.method)
      assert.are.equal("/api/v2/__test/echo", assert(client:request("GET", srv.url .. "/__test/echo")).body.path)
    end)

    it("sends the API key, Accept and the jumpcloud-lua user agent", function()
      local b = echo()
      assert.are.equal(support.API_KEY, b.headers["x-api-key"])
      assert.are.equal("application/json", b.headers["accept"])
      assert.are.equal("jumpcloud-lua/" .. jumpcloud._VERSION, b.headers["user-agent"])
    end)

    it("sends org_id as x-org-id unless told not to, or told another", function()
      local c <close> = support.client(srv, { org_id = "5f0000000000000000000001" })
      local function org(opts) return assert(c:request("GET", "/__test/echo", opts)).body.headers["x-org-id"] end
      for _ = 1, 2 do -- the client's prebuilt header list is the same after a request that changed it
        assert.are.equal("5f0000000000000000000001", org())
        assert.is_nil(org({ org_header = false }))
        assert.are.equal("5f00000000000000000000ff", org({ headers = { ["X-Org-Id"] = "5f00000000000000000000ff" } }))
        assert.are.equal("5f00000000000000000000ff",
          org({ org_header = false, headers = { ["x-org-id"] = "5f00000000000000000000ff" } }))
        assert.is_nil(org({ headers = { ["x-org-id"] = false } }))
      end
      local own <close> = support.client(srv, { org_id = "5f0000000000000000000001",
        headers = { ["X-Org-Id"] = "5f00000000000000000000aa" } })
      assert.are.equal("5f00000000000000000000aa", assert(own:request("GET", "/__test/echo")).body.headers["x-org-id"])
      -- an org given as a client-wide header (no org_id) is left out in the same way
      local by_header <close> = support.client(srv, { headers = { ["X-Org-Id"] = "5f00000000000000000000aa" } })
      local function sent(opts) return assert(by_header:request("GET", "/__test/echo", opts)).body.headers["x-org-id"] end
      assert.are.equal("5f00000000000000000000aa", sent())
      assert.is_nil(sent({ org_header = false }))
    end)

    it("sends client-wide and per-call headers", function()
      local c <close> = support.client(srv, { headers = { ["X-Team"] = "ops" } })
      local b = assert(c:request("GET", "/__test/echo", { headers = { ["X-Run"] = "42" } })).body
      assert.are.equal("ops", b.headers["x-team"])
      assert.are.equal("42", b.headers["x-run"])
      b = assert(c:request("GET", "/__test/echo", { headers = { ["X-Team"] = false } })).body
      assert.is_nil(b.headers["x-team"])
      assert.are.equal("application/json", b.headers["accept"])
      assert.are.equal(support.API_KEY, b.headers["x-api-key"])
      assert.has_error(function() c:request("GET", "/x", { headers = { ["x-a"] = true } }) end,
        "bad option 'headers' (value of 'x-a': string or false expected, got boolean)")
    end)

    it("sends a table body as JSON and a string body as is", function()
      local b = echo({ body = { name = "group" } }, "POST")
      assert.are.equal('{"name":"group"}', b.body)
      assert.are.equal("application/json", b.headers["content-type"])
      b = echo({ body = "raw text", headers = { ["content-type"] = "text/plain" } }, "POST")
      assert.are.equal("raw text", b.body)
      assert.are.equal("text/plain", b.headers["content-type"])
    end)

    it("never sends Expect: 100-continue, and a GET carries no Expect line at all", function()
      -- libcurl asks for 100-continue on bodies over 1 MB: a wasted round trip, or a stall
      local big = string.rep("x", 2 * 1024 * 1024)
      local b = echo({ body = big, headers = { ["content-type"] = "text/plain" } }, "POST")
      assert.are.equal(#big, #b.body)
      assert.is_nil(b.headers["expect"])
      assert.is_nil(echo().headers["expect"])
    end)

    it("uses every method it is given", function()
      for _, m in ipairs({ "PUT", "PATCH", "DELETE", "POST" }) do
        assert.are.equal(m, echo({ body = { x = 1 } }, m).method)
      end
      assert.are.equal("DELETE", echo(nil, "DELETE").method)
      local head = assert(client:request("HEAD", "/__test/echo"))
      assert.are.equal(200, head.status)
      assert.is_nil(head.body)
    end)

    it("sends each request as asked when one handle goes from one kind of request to another", function()
      -- the handle keeps what it was set to for the last request (a plain GET sets no option again)
      local c <close> = support.client(srv)
      local function sent(method, opts)
        local r = assert(c:request(method, "/__test/echo", opts))
        return r.body, r
      end
      for _ = 1, 2 do
        local b = sent("GET")
        assert.are.equal("GET", b.method)
        assert.are.equal("", b.body)
        b = sent("POST", { body = { n = 1 } })
        assert.are.same({ "POST", '{"n":1}' }, { b.method, b.body })
        local _, after_post = sent("HEAD") -- only POST and PATCH ask for a new connection
        assert.is_true(after_post.reused)
        b = sent("GET")
        assert.are.same({ "GET", "" }, { b.method, b.body })
        assert.is_nil(b.headers["content-type"])
        local _, head = sent("HEAD")
        assert.is_nil(head.body)
        b = sent("GET", { headers = { ["X-Run"] = "7" } })
        assert.are.same({ "GET", "7" }, { b.method, b.headers["x-run"] })
        b = sent("GET")
        assert.is_nil(b.headers["x-run"])
        assert.are.equal(support.API_KEY, b.headers["x-api-key"])
        b = sent("DELETE")
        assert.are.equal("DELETE", b.method)
        b = sent("PUT", { body = "x", headers = { ["content-type"] = "text/plain" } })
        assert.are.same({ "PUT", "x" }, { b.method, b.body })
      end
    end)

    it("percent-encodes query values per RFC 3986", function()
      local b = echo({ query = { q = "a b+c&d=e/f?é~" } })
      assert.are.equal("q=a%20b%2Bc%26d%3De%2Ff%3F%C3%A9~", b.query)
      assert.are.same({ "a b+c&d=e/f?é~" }, b.args.q)
    end)

    it("joins array values with commas (form, explode false) and can repeat keys", function()
      local b = echo({ query = { filter = { "name:eq:a,b", "x:ne:1" }, limit = 100, skip = 0, flag = true } })
      assert.are.equal("filter=name%3Aeq%3Aa%2Cb,x%3Ane%3A1&flag=true&limit=100&skip=0", b.query)
      b = echo({ query = { filter = { "a:eq:1", "b:eq:2" } }, explode = { filter = true } })
      assert.are.equal("filter=a%3Aeq%3A1&filter=b%3Aeq%3A2", b.query)
      assert.are.same({ "a:eq:1", "b:eq:2" }, b.args.filter)
    end)

    it("raises on a query value it cannot send", function()
      assert.has_error(function() client:request("GET", "/x", { query = { a = {} , b = { {} } } }) end,
        "bad query parameter 'b' (string, number or boolean expected)")
    end)

    it("escapes a path parameter as one segment, so no id reaches another endpoint", function()
      for _, id in ipairs({ "../x", "a/b", "a?b", "a#b", "a b", "%2F" }) do
        local b = echo(nil, "GET", "/" .. core.escape(id))
        assert.are.equal("/api/v2/__test/echo/" .. core.escape(id), b.path)
        assert.are.equal("", b.query)
      end
      assert.are.equal("..%2Fx", core.escape("../x"))
      assert.are.equal("a%3Fb", core.escape("a?b"))
    end)

    it("returns binary bodies intact, NUL bytes included", function()
      local r = assert(client:request("GET", "/__test/bytes", { query = { n = 70000 } }))
      local want = {}
      for i = 0, 69999 do want[#want + 1] = string.char(i % 256) end
      assert.are.equal("application/octet-stream", r.headers["content-type"])
      assert.are.equal(70000, #r.body)
      assert.are.equal(table.concat(want), r.body)
    end)

    it("sends binary string bodies intact", function()
      local bytes = "\0\1\2\255PNG\0\r\n"
      assert.are.equal(bytes, echo({ body = bytes, headers = { ["content-type"] = "application/octet-stream" } }, "POST").body)
    end)

    it("asks for gzip for list pages (GETs with a limit) by default, and decodes a compressed answer", function()
      assert.are.equal("gzip", echo({ query = { limit = 100 } }).headers["accept-encoding"])
      assert.is_nil(echo().headers["accept-encoding"]) -- a single object gains nothing from it
      assert.is_nil(echo({ query = { limit = 100 } }, "DELETE").headers["accept-encoding"])
      assert.are.equal("gzip", echo({ gzip = true }).headers["accept-encoding"])
      assert.is_nil(echo({ query = { limit = 100 }, gzip = false }).headers["accept-encoding"])
      local r = assert(client:request("POST", "/__test/reply", { gzip = true, body = { status = 200,
        headers = { ["content-type"] = "application/json", ["content-encoding"] = "gzip" },
        body_base64 = "H4sIAEroCmsC/6tWys9WsiopKk3VUcosSc0tVrKKNtQx0jGOrQUAutiLtxsAAAA=" } }))
      assert.are.same({ ok = true, items = { 1, 2, 3 } }, r.body)
    end)

    it("asks for gzip on every request or none, as the client's gzip option says", function()
      local always <close> = support.client(srv, { gzip = true })
      assert.are.equal("gzip", assert(always:request("GET", "/__test/echo")).body.headers["accept-encoding"])
      local never <close> = support.client(srv, { gzip = false })
      assert.is_nil(assert(never:request("GET", "/__test/echo", { query = { limit = 5 } })).body.headers["accept-encoding"])
      assert.has_error(function() support.client(srv, { gzip = "yes" }) end,
        "bad option 'gzip' (true, false or \"lists\" expected)")
      assert.has_error(function() client:request("GET", "/x", { gzip = "yes" }) end,
        "bad option 'gzip' (boolean expected, got string)")
    end)

    it("joins repeated response headers", function()
      local r = assert(reply(200, { ["x-multi"] = "a" }, "{}"))
      assert.are.equal("a", r.headers["x-multi"])
    end)

    it("refuses header values with CR, LF or NUL before sending", function()
      assert.has_error(function() client:request("GET", "/x", { headers = { ["x-a"] = "v\r\nx-evil: 1" } }) end,
        "bad option 'headers' (value of 'x-a' contains CR, LF or NUL)")
      assert.has_error(function() jumpcloud.new({ api_key = "key\nx: y" }) end, "bad option 'api_key' (contains CR, LF or NUL)")
    end)
  end)

  describe("JSON", function()
    it("decodes integral numbers to integers and keeps floats", function()
      local b = assert(reply(200, { ["content-type"] = "application/json" },
        '{"i":42,"neg":-7,"f":2.5,"e":1e3,"big":9007199254740993,"huge":123456789012345678901234}')).body
      assert.are.equal("integer", math.type(b.i))
      assert.are.equal("integer", math.type(b.neg))
      assert.are.equal("float", math.type(b.f))
      assert.are.equal(1000, b.e)
      assert.are.equal("integer", math.type(b.e))
      assert.are.equal(9007199254740993, b.big) -- beyond 2^53: every digit kept
      assert.are.equal("float", math.type(b.huge))
    end)

    it("decodes null to jumpcloud.null, distinct from an absent key, and encodes it back", function()
      local b = assert(reply(200, { ["content-type"] = "application/json" }, '{"note":null}')).body
      assert.are.equal(jumpcloud.null, b.note)
      assert.is_nil(b.absent)
      assert.are.equal('{"note":null}', echo({ body = { note = jumpcloud.null } }, "POST").body)
    end)

    it("sends jumpcloud.array{} as [] and an unmarked empty table as {}", function()
      assert.are.equal('{"ips":[]}', echo({ body = { ips = jumpcloud.array({}) } }, "POST").body)
      assert.are.equal('{"ips":{}}', echo({ body = { ips = {} } }, "POST").body)
      assert.are.equal("[]", core.json_encode(jumpcloud.array()))
    end)

    it("re-encodes decoded arrays as arrays, empty or not", function()
      local b = assert(reply(200, { ["content-type"] = "application/json" }, '{"ips":[],"tags":["a"],"o":{}}')).body
      assert.is_true(jumpcloud.is_array(b.ips))
      assert.is_true(jumpcloud.is_array(b.tags))
      assert.is_false(jumpcloud.is_array(b.o))
      table.remove(b.tags)
      assert.are.equal("[]", core.json_encode(b.ips))
      assert.are.equal("[]", core.json_encode(b.tags))
      assert.are.equal("{}", core.json_encode(b.o))
    end)

    it("encodes numbers exactly", function()
      assert.are.equal('[123456789012345678,0.1,0.3333333333333333,-5]', core.json_encode({ 123456789012345678, 0.1, 1 / 3, -5 }))
    end)

    it("carries unicode both ways", function()
      local text = "Zoë — 日本 🚀 \"quoted\" \\ tab\t"
      local sent = echo({ body = { s = text } }, "POST").body
      assert.are.equal(text, core.json_decode(sent).s)
      local b = assert(reply(200, { ["content-type"] = "application/json" }, '{"s":"\\u00e9\\ud83d\\ude80"}')).body
      assert.are.equal("é🚀", b.s)
    end)

    it("decodes a 5 MB document and sends one", function()
      local r = assert(client:request("GET", "/__test/json", { query = { items = 60000 } }))
      assert.are.equal(60000, #r.body)
      assert.are.equal(59999, r.body[60000].id - 1)
      assert.are.equal("item 60000", r.body[60000].name)
      local big = { data = string.rep("x", 5 * 1024 * 1024) }
      assert.are.equal(#big.data + #'{"data":""}', #echo({ body = big }, "POST").body)
    end)

    it("gives a decode error for invalid, truncated and too deep documents", function()
      for _, text in ipairs({ "{nope}", '{"a":[1,2', string.rep("[", 500) .. string.rep("]", 500), '{"a":NaN}' }) do
        local r, err = reply(200, { ["content-type"] = "application/json" }, text)
        assert.is_nil(r)
        assert.are.equal("decode", err.kind)
        assert.are.equal("invalid_json", err.code)
        assert.are.equal(200, err.status)
      end
    end)

    it("gives a decode error for a body larger than max_body", function()
      local c <close> = support.client(srv, { max_body = 1000 })
      local r, err = c:request("GET", "/__test/bytes", { query = { n = 5000 } })
      assert.is_nil(r)
      assert.are.equal("decode", err.kind)
      assert.are.equal("body_too_large", err.code)
      assert.is_truthy(c:request("GET", "/__test/bytes", { query = { n = 500 } })) -- still usable
    end)
  end)

  describe("errors", function()
    it("turns 4xx into an http error with JumpCloud's message", function()
      local r, err = client:request("GET", "/policygroups/000000000000000000000000")
      assert.is_nil(r)
      assert.is_true(jumpcloud.is_error(err))
      assert.are.equal("http", err.kind)
      assert.are.equal(404, err.status)
      assert.are.equal("not_found", err.code)
      assert.are.equal("GET", err.method)
      assert.are.equal(srv.url .. "/policygroups/000000000000000000000000", err.url)
      assert.is_string(err.message)
      assert.are.equal("table", type(err.body))
      assert.matches("^jumpcloud: http 404 %(not_found%) GET http://127%.0%.0%.1:%d+/api/v2/policygroups/0+: ", tostring(err))
    end)

    it("takes the message from each of JumpCloud's error shapes", function()
      local cases = {
        { '{"message":"Unauthorized: no organization selected"}', "Unauthorized: no organization selected" },
        { '{"message":"Forbidden: x","error":"Forbidden: y"}', "Forbidden: x" },
        { '{"error":"only error"}', "only error" },
        { '{"code":3,"message":"bad filter","status":"INVALID_ARGUMENT"}', "bad filter" },
      }
      for _, case in ipairs(cases) do
        local _, err = reply(400, { ["content-type"] = "application/json" }, case[1])
        assert.are.equal(case[2], err.message)
        assert.are.equal("bad_request", err.code)
      end
      local _, err = reply(502, { ["content-type"] = "text/html" }, "<html><body>Bad Gateway</body></html>")
      assert.are.equal("HTTP 502", err.message)
      assert.are.equal("<html><body>Bad Gateway</body></html>", err.body)
      _, err = reply(503, { ["content-type"] = "text/plain" }, "upstream busy")
      assert.are.equal("upstream busy", err.message)
    end)

    it("carries the request id header when the server sends one", function()
      local _, err = reply(500, { ["content-type"] = "application/json", ["x-request-id"] = "req-123" }, '{"message":"boom"}')
      assert.are.equal("req-123", err.request_id)
      assert.matches("%[request id req%-123%]", tostring(err))
      assert.is_string(err.correlation_id)
    end)

    it("does not follow redirects", function()
      local _, err = reply(302, { location = srv.url .. "/__test/echo" }, "")
      assert.are.equal("http", err.kind)
      assert.are.equal(302, err.status)
    end)

    it("gives a network error when nothing listens", function()
      local c <close> = jumpcloud.new({ api_key = support.API_KEY, base_url = "http://127.0.0.1:1/api/v2" })
      local r, err = c:request("GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("couldnt_connect", err.code)
      assert.are.equal(7, err.curl_code)
      assert.is_false(err.sent)
    end)

    it("gives a timeout error when the server is too slow", function()
      assert(control:request("POST", "/__mock/faults",
        { body = { method = "GET", path = "/api/v2/__test/echo", delay_ms = 1500, times = 1 } }))
      local c <close> = support.client(srv, { timeout = 0.3, retry = false })
      local r, err = c:request("GET", "/__test/echo")
      assert.is_nil(r)
      assert.are.equal("timeout", err.kind)
      assert(control:request("DELETE", "/__mock/faults"))
    end)

    it("refuses TLS to a server it cannot verify (TLS verification is on by default)", function()
      local c <close> = jumpcloud.new({ api_key = support.API_KEY, base_url = srv.url:gsub("^http:", "https:") })
      local r, err = c:request("GET", "/__test/echo")
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
    end)
  end)

  describe("the API key", function()
    it("never appears in an error, even when the server echoes it back", function()
      local r, err = client:request("GET", "/__test/echo", { headers = { ["x-echo-status"] = "500" } })
      assert.is_nil(r)
      assert.are.equal(500, err.status)
      assert.are.equal("[redacted]", err.body.headers["x-api-key"])
      assert.is_nil(support.dump(err):find(support.API_KEY, 1, true))
      assert.is_nil(tostring(err):find(support.API_KEY, 1, true))
    end)

    it("never appears in the client or its state", function()
      assert.is_nil(tostring(client):find(support.API_KEY, 1, true))
      assert.is_nil(support.dump(client):find(support.API_KEY, 1, true))
      assert.is_nil(client.api_key)
    end)
  end)

  describe("lifecycle", function()
    it("closes idempotently and raises on use after close", function()
      local c = support.client(srv)
      c:close()
      c:close()
      assert.matches("closed", tostring(c))
      assert.has_error(function() c:request("GET", "/__test/echo") end, "attempt to use a closed jumpcloud.Client")
      assert.has_error(function() c:call("policies_list") end, "attempt to use a closed jumpcloud.Client")
      assert.has_error(function() return c.policies:get("x") end, "attempt to use a closed jumpcloud.Client")
    end)

    it("closes at the end of a <close> block", function()
      local kept
      do
        local c <close> = support.client(srv)
        kept = c
        assert.matches("^jumpcloud.Client %(http", tostring(c))
      end
      assert.matches("^jumpcloud.Client %(closed, ", tostring(kept))
      assert.has_error(function() kept:request("GET", "/x") end, "attempt to use a closed jumpcloud.Client")
    end)

    it("is collected by the garbage collector", function()
      local weak = setmetatable({}, { __mode = "k" })
      for _ = 1, 50 do
        local c = support.client(srv)
        assert(c:request("GET", "/__test/echo"))
        weak[c] = true
      end
      collectgarbage()
      collectgarbage()
      assert.is_nil(next(weak))
    end)

    it("keeps one connection alive for 100 sequential requests", function()
      local before = support.stats(control).connections
      local c <close> = support.client(srv)
      local ids = {}
      for i = 1, 100 do
        local r = assert(c:request("GET", "/__test/echo"))
        ids[r.body.connection_id] = true
        if i > 1 then assert.is_true(r.reused) end
      end
      local n = 0
      for _ in pairs(ids) do n = n + 1 end
      assert.are.equal(1, n)
      assert.are.equal(before + 1, support.stats(control).connections)
    end)
  end)
end)
