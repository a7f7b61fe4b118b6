-- The fifteen findings of the hardening review (issue 12), one spec each. What could crash the host
-- runs in a child lua5.4 (support.run_child), so a crash is a failed spec, not a killed suite. The
-- C core is reachable by any Lua code (require "jumpcloud.core"), so several specs call it directly.
local jumpcloud = require "jumpcloud"
local core = require "jumpcloud.core"
local support = require "spec.support"

local KEY = support.API_KEY

describe("hardening", function()
  local srv, client, control

  support.with_mock(function(e) srv, client, control = e.srv, e.client, e.control end)

  before_each(function()
    assert(control:request("POST", "/__mock/reset"))
  end)

  -- A child script's prelude: the core, a transport on the mock, the mock's URL.
  local function child(body)
    return support.run_child(string.format([[
      local core = require "jumpcloud.core"
      local jumpcloud = require "jumpcloud"
      local KEY, URL = %q, %q
      local function transport() return core.new({ api_key = KEY, headers = { accept = "application/json" } }) end
    ]], KEY, srv.url) .. body)
  end

  describe("crashes from Lua code", function()
    it("1: a finalizer that closes the client during a call defers the release to the call's end", function()
      local ok, out = child([[
        collectgarbage("incremental", 100, 400) -- short cycles: finalizers run while the body decodes
        local t, closes = transport(), 0
        local function arm(n)
          local keep = {}
          for i = 1, n do keep[i] = setmetatable({}, { __gc = function() closes = closes + 1; t:close() end }) end
          return keep
        end
        local keep = arm(500)
        local req = { method = "GET", url = URL .. "/__test/json?items=60000", decode = 1 }
        keep = nil -- unreachable from here on: collected during the decoding of 4.8 MB
        local resp = assert(t:perform(req))
        print("perform", resp.status, #resp.body, closes > 0, t:is_open())
        -- the concurrent path: a finalizer closes the transport while multi_wait pushes results
        local t2 = transport()
        for id = 1, 3 do
          t2:multi_add(id, { method = "GET", url = URL .. "/__test/json?items=20000", decode = 1 })
        end
        keep = {}
        for i = 1, 500 do keep[i] = setmetatable({}, { __gc = function() t2:close() end }) end
        keep = nil
        local got = 0
        while got < 3 and t2:is_open() do
          local done = t2:multi_wait(1)
          for _, r in ipairs(done) do if r.response and #r.response.body == 20000 then got = got + 1 end end
        end
        print("multi", got > 0, t2:is_open())
        print(pcall(t2.perform, t2, req))
      ]])
      assert.is_true(ok, out)
      assert.matches("perform\t200\t60000\ttrue\tfalse", out)
      assert.matches("multi\ttrue\tfalse", out)
      assert.matches("false\tattempt to use a closed jumpcloud.Client", out)
    end)

    it("2: reads a request's headers raw: a hostile __index never runs inside the core", function()
      local ok, out = child([[
        local t, ran = transport(), false
        local headers = setmetatable({ ["x-a"] = "1" }, { __index = function() ran = true; t:close(); error("boom") end })
        local resp = assert(t:perform({ method = "POST", url = URL .. "/__test/echo", headers = headers, body = "{}", decode = 1 }))
        print(resp.status, resp.body.headers["x-a"], resp.body.headers["x-api-key"] == KEY, ran, t:is_open())
      ]])
      assert.is_true(ok, out)
      assert.matches("200\t1\ttrue\tfalse\ttrue", out)
    end)

    it("3: every C metamethod checks its arguments, and the metatables are private", function()
      local ok, out = child([[
        local t = transport()
        local resp = assert(t:perform({ method = "GET", url = URL .. "/__test/echo", decode = 1 }))
        print(getmetatable(resp.headers), getmetatable(t))
        local hm, tm = debug.getmetatable(resp.headers), debug.getmetatable(t)
        for _, f in ipairs({
          function() return hm.__index(42, "x") end, function() return hm.__pairs("s") end,
          function() return tm.__index.perform({}, {}) end, function() return tm.__index.multi_wait(42) end,
          function() return tm.__index.redact(t, {}) end, function() return tm.__gc({}) end,
          function() return tm.__close(42) end, function() return tm.__tostring("x") end,
          function() return core.encode_query(42) end, function() return core.escape({}) end,
          function() return core.json_decode({}) end, function() return core.array(7) end,
          function() return core.sleep("x") end, function() return core.new(42) end,
        }) do print(pcall(f)) end
        core.sleep(0 / 0) -- NaN: no wait, no undefined cast
        print("alive", resp.headers["content-type"])
      ]])
      assert.is_true(ok, out)
      assert.matches("^false\tfalse\n", out)
      local refused = select(2, out:gsub("\nfalse\t[^\n]*bad argument #", ""))
      assert.are.equal(14, refused, out)
      assert.matches("alive\tapplication/json", out)
    end)

    it("4: encode_query reads both tables raw: an __index on explode never runs", function()
      local ok, out = child([[
        local params, ran = { b = { 1, 2 }, a = "x", c = { "p", "q" } }, 0
        local explode = setmetatable({ c = true }, { __index = function()
          ran = ran + 1
          for k in pairs(params) do params[k] = nil end
          collectgarbage()
          error("boom")
        end })
        print(core.encode_query(params, explode), ran)
      ]])
      assert.is_true(ok, out)
      assert.matches("^a=x&b=1,2&c=p&c=q\t0\n", out)
    end)

    it("5: refuses a second request under an id already in flight", function()
      local ok, out = child([[
        local t = transport()
        t:multi_add(1, { method = "POST", url = URL .. "/__test/echo", body = string.rep("x", 100000), decode = 1 })
        print(pcall(t.multi_add, t, 1, { method = "GET", url = URL .. "/__test/echo", decode = 1 }))
        local got
        repeat got = t:multi_wait(1)[1] until got
        print(got.id, got.response.status, #got.response.body.body)
      ]])
      assert.is_true(ok, out)
      assert.matches("false\trequest 1 is already in flight\n1\t200\t100000", out)
    end)
  end)

  describe("secrets", function()
    -- The mock answers what it is told: here, an error that echoes the key.
    local function echo_key(c, body, headers)
      return c:request("POST", "/__test/reply", { body = { status = 400, headers = headers, body = body } })
    end

    it("6: scrubs what the server echoes even when on_event closed the client", function()
      local c
      c = support.client(srv, { on_event = function() c:close() end })
      local r, err = echo_key(c, { message = "bad key " .. KEY }, { ["content-type"] = "application/json" })
      assert.is_nil(r)
      assert.are.equal("bad key [redacted]", err.body.message)
      assert.is_nil(support.dump(err):find(KEY, 1, true))
      assert.is_nil(tostring(err):find(KEY, 1, true))
      assert.has_error(function() c:request("GET", "/x") end, "attempt to use a closed jumpcloud.Client")
    end)

    it("7: scrubs at every depth the decoder accepts, in keys, escaped forms, headers and messages", function()
      local deep = { k = KEY }
      for _ = 1, 120 do deep = { a = deep } end
      local escaped = KEY:gsub(".", function(ch) return string.format("\\u%04x", ch:byte()) end)
      local body = '{"deep":' .. jumpcloud.json.encode(deep) .. ',"' .. KEY .. '":1,"escaped":"' .. escaped .. '"}'
      local r, err = echo_key(client, body, { ["content-type"] = "application/json", ["x-leak"] = "k=" .. KEY })
      assert.is_nil(r)
      assert.are.equal(1, err.body["[redacted]"])
      assert.are.equal("[redacted]", err.body.escaped)
      local d = err.body.deep
      for _ = 1, 120 do d = d.a end
      assert.are.equal("[redacted]", d.k)
      assert.are.equal("k=[redacted]", err.headers["x-leak"])
      assert.is_nil(support.dump(err):find(KEY, 1, true))
      assert.is_nil(tostring(err):find(KEY, 1, true))
      -- a 2xx body that is not JSON becomes an error with its raw body: scrubbed too
      local r2, err2 = client:request("POST", "/__test/reply", { body = { status = 200,
        headers = { ["content-type"] = "application/json" }, body = "{oops " .. KEY } })
      assert.is_nil(r2)
      assert.are.equal("invalid_json", err2.code)
      assert.is_nil(support.dump(err2):find(KEY, 1, true))
    end)

    it("8: leaves no copy of the key in a host's heap after close (C host with a wiping allocator)", function()
      local bin = support.host_binary()
      local p = io.popen(bin .. " scan " .. srv.url .. " " .. KEY .. " 2>&1")
      local out = p:read("a")
      local ok = p:close()
      assert.is_true(ok, out)
      assert.matches("requests: 3\n", out)
      -- Built with AddressSanitizer (bin/test-asan), the host cannot read its heap: the run still
      -- checks that the same requests and close are memory-safe. bin/test scans.
      if not out:find("scan: skipped (AddressSanitizer", 1, true) then
        assert.matches("while open: [1-9]%d* copies\n", out) -- the scan finds the key when it is there
        assert.matches("after close: 0 copies\n", out)
      end
    end)
  end)

  describe("wrong behaviour", function()
    it("9: path parameters cannot be '.', '..' or empty, and libcurl never rewrites a path", function()
      local o365 = "5f0000000000000000000042"
      for _, bad in ipairs({ ".", "..", "" }) do
        assert.has_error(function()
          client:call("translationRules_office365Delete", { office365_id = o365, id = bad })
        end, bad == "" and "missing path parameter 'id' for translationRules_office365Delete"
          or "bad path parameter 'id' for translationRules_office365Delete ('.' and '..' would change the path)")
      end
      assert.has_error(function() client.policies:delete(".") end,
        "bad path parameter 'id' for client.policies:delete ('.' and '..' would change the path)")
      local r = assert(client:request("GET", "/__test/echo/../x/./y"))
      assert.are.equal("/api/v2/__test/echo/../x/./y", r.body.path)
    end)

    it("10: an error raised from a hook during a batch leaves the client healthy", function()
      local armed = true
      local c <close> = support.client(srv, { on_event = function() if armed then error("hook failed") end end })
      local items = {}
      for i = 1, 6 do items[i] = { "GET", "/__test/echo", query = { i = i } } end
      for _ = 1, 20 do -- 20 x 4 abandoned transfers would exhaust the pool of 64
        local ok, err = pcall(c.batch, c, items)
        assert.is_false(ok)
        assert.matches("hook failed", err)
      end
      armed = false
      local results = c:batch(items)
      for i = 1, 6 do assert.are.equal(tostring(i), results[i][1].body.args.i[1]) end
      local n = 0
      for _ in c.policies:each({ limit = 20, concurrency = 4 }) do n = n + 1 end
      assert.is_true(n > 100)
    end)

    it("11: max_body bounds what reaches the disk, after decompression", function()
      -- (without the sanitizers' preload of bin/test-asan: base64 leaks a buffer at exit)
      local p = io.popen("env -u LD_PRELOAD sh -c 'head -c 20000000 /dev/zero | gzip -c | base64 -w0'")
      local bomb = p:read("a")
      p:close()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. dir))
      local path = dir .. "/out.bin"
      local c <close> = support.client(srv, { max_body = 1024 * 1024, retry = false, gzip = true })
      local r, err = c:request("POST", "/__test/reply", { to_file = path, body = { status = 200, body_base64 = bomb,
        headers = { ["content-type"] = "application/octet-stream", ["content-encoding"] = "gzip" } } })
      assert.is_nil(r)
      assert.are.equal("body_too_large", err.code)
      local listing = io.popen("ls -A " .. dir):read("a")
      os.execute("rm -rf " .. dir)
      assert.are.equal("", listing) -- no file, no temporary file
    end)

    it("12: the JSON encoder's nonce is per state: two states in two threads (C host)", function()
      local p = io.popen(support.host_binary() .. " threads " .. srv.url .. " " .. KEY .. " 2>&1")
      local out = p:read("a")
      local ok = p:close()
      assert.is_true(ok, out)
      assert.matches("thread 1: 400 requests, 20000 encodes, 0 failures\n", out)
      assert.matches("thread 2: 400 requests, 20000 encodes, 0 failures\n", out)
    end)

    it("13: a failed download leaves the file that was at the path untouched", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. dir))
      local path = dir .. "/keep.bin"
      local f = assert(io.open(path, "w"))
      f:write("earlier")
      f:close()
      assert(control:request("POST", "/__mock/faults", { body = { path = "/api/v2/__test/bytes", mode = "truncate", times = 1 } }))
      local r, err = client:request("GET", "/__test/bytes", { query = { n = 200000 }, to_file = path, retry = false })
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("earlier", io.open(path):read("a"))
      -- a download that succeeds replaces it, through a temporary file renamed over it
      assert(client:request("GET", "/__test/bytes", { query = { n = 5000 }, to_file = path }))
      assert.are.equal(5000, #io.open(path):read("a"))
      local listing = io.popen("ls -A " .. dir):read("a")
      os.execute("rm -rf " .. dir)
      assert.are.equal("keep.bin\n", listing)
    end)

    it("14: an integer literal past 64 bits decodes as a float, negative or not", function()
      for _, text in ipairs({ "-9223372036854775809", "9223372036854775808", "-99999999999999999999" }) do
        local v = core.json_decode(text)
        assert.are.equal("float", math.type(v), text)
        assert.are.equal(tonumber(text), v)
      end
      assert.are.equal(math.mininteger, core.json_decode("-9223372036854775808"))
      assert.are.equal("integer", math.type(core.json_decode("-9223372036854775808")))
    end)

    it("15: a header name is checked whole: an embedded NUL cannot shadow a default header", function()
      assert.has_error(function() client:request("GET", "/__test/echo", { headers = { ["x-api-key\0x"] = "evil" } }) end,
        "bad option 'headers' ('x-api-key?x' is not a header name)")
      local t = core.new({ api_key = KEY })
      local ok, err = pcall(t.perform, t, { method = "GET", url = srv.url .. "/__test/echo",
        headers = { ["x-api-key\0"] = "evil" } })
      assert.is_false(ok)
      assert.matches("bad header name 'x%-api%-key'", err)
      t:close()
      assert.are.same({}, support.requests(control, "/api/v2/__test/echo"))
    end)
  end)
end)
