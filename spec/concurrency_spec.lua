-- client:batch and parallel paging over the core's multi handle, against the mock server.
local jumpcloud = require "jumpcloud"
local support = require "spec.support"

describe("concurrency", function()
  local srv, client, control, ids, counts

  support.with_mock(function(e) srv, client, control, ids, counts = e.srv, e.client, e.control, e.ids, e.counts end)

  before_each(function() support.reset(control) end)

  local function fault(rule) support.fault(control, rule) end

  local function requests(path)
    return support.requests(control, path)
  end

  describe("batch", function()
    it("returns results in the order asked, calls and raw requests mixed", function()
      local reqs = {}
      for i = 1, 30 do
        if i % 3 == 0 then reqs[i] = { call = "policies_list", params = { limit = 2, skip = i } }
        else reqs[i] = { "GET", "/__test/echo", query = { i = i } } end
      end
      local results = client:batch(reqs, { concurrency = 8 })
      assert.are.equal(30, #results)
      for i, r in ipairs(results) do
        if i % 3 == 0 then
          assert.are.equal(2, #r[1])
          assert.are.equal(200, r[2].status)
          assert.are.equal("getApiV2Policies", r[2].operation) -- the standardized id
        else
          assert.are.same({ tostring(i) }, r[1].body.args.i)
        end
      end
    end)

    it("keeps every other result when some fail", function()
      local results = client:batch({
        { call = "PolicyGroups_getDetails", params = { id = ids.policy_group } },
        { call = "PolicyGroups_getDetails", params = { id = ids.unknown_object_id } },
        { "GET", "/__test/echo" },
        { "POST", "/__test/reply", body = { status = 200, headers = { ["content-type"] = "application/json" }, body = "{bad" } },
      })
      assert.are.equal(ids.policy_group, results[1][1].id)
      assert.is_nil(results[2][1])
      assert.are.equal(404, results[2][2].status)
      assert.are.equal("getApiV2PolicygroupsById", results[2][2].operation)
      assert.are.equal(200, results[3][1].status)
      assert.are.equal("decode", results[4][2].kind)
    end)

    it("retries each request as a single call would", function()
      fault({ method = "GET", path = "/api/v2/__test/echo", statuses = { 503, 503 }, times = 2 })
      local waits = {}
      local c <close> = support.client(srv, { sleep = function(s) waits[#waits + 1] = s end,
        retry = { base_delay = 0.001, max_delay = 0.001 } })
      local results = c:batch({ { "GET", "/__test/echo" }, { "GET", "/__test/bytes", query = { n = 10 } } }, { concurrency = 2 })
      assert.are.equal(200, results[1][1].status)
      assert.are.equal(3, results[1][1].attempts)
      assert.are.equal(1, results[2][1].attempts)
      assert.are.equal(3, #requests("/api/v2/__test/echo"))
    end)

    it("never retries a POST of a batch on its own", function()
      fault({ method = "POST", path = "/api/v2/policygroups", statuses = { 503 }, times = 1 })
      local results = client:batch({ { call = "PolicyGroups_createNew", params = { body = { name = "batch-made" } } } })
      assert.are.equal(503, results[1][2].status)
      assert.are.equal(1, results[1][2].attempts)
      assert.are.equal(1, #requests("/api/v2/policygroups"))
    end)

    it("uses at most `concurrency` connections, reused across the batch", function()
      -- every answer takes 10 ms, so that a batch has all its transfers in flight at once however
      -- slow the machine (under valgrind, one could end before the last started and lend it its
      -- connection: 3 where 4 were due)
      fault({ method = "GET", path = "/api/v2/__test/echo", delay_ms = 10 })
      local c <close> = support.client(srv)
      local reqs = {}
      for i = 1, 60 do reqs[i] = { "GET", "/__test/echo" } end
      local before = support.stats(control).connections
      local results = c:batch(reqs, { concurrency = 3 })
      local conns = {}
      for _, r in ipairs(results) do conns[r[1].body.connection_id] = true end
      local n = 0
      for _ in pairs(conns) do n = n + 1 end
      assert.are.equal(3, n)
      assert.are.equal(before + 3, support.stats(control).connections)
      c:batch(reqs) -- default concurrency 4: the 3 connections again, and one more
      assert.are.equal(before + 4, support.stats(control).connections)
    end)

    it("raises on bad input before sending anything", function()
      assert.has_error(function() client:batch({ { "GET", "/__test/echo" } }, { concurrency = 9 }) end,
        "bad option 'concurrency' (9 is more than the maximum of 8)")
      assert.has_error(function() client:batch({ { "GET", "/__test/echo" }, "nope" }) end,
        "bad request #2 in batch (table expected, got string)")
      assert.has_error(function() client:batch({ { call = "PolicyGroups_getDetails", params = {} } }) end)
      assert.are.equal(0, #requests())
    end)

    it("returns an empty list for no requests", function()
      assert.are.same({}, client:batch({}))
    end)
  end)

  describe("parallel paging", function()
    local function ids_of(iter)
      local out = {}
      for item in iter do out[#out + 1] = item.id end
      return out
    end

    it("yields the same items in the same order as a sequential walk", function()
      local results = client.policies:results(ids.policy)
      local seq = ids_of(results:each({ limit = 100 }))
      local par = ids_of(results:each({ limit = 100, concurrency = 8 }))
      assert.are.equal(counts.big_policy_results, #par)
      assert.are.same(seq, par)
    end)

    it("fetches the pages after the first one concurrently over several connections", function()
      local c <close> = support.client(srv)
      assert(control:request("POST", "/__mock/reset"))
      local n = 0
      for _ in c.policies:each({ limit = 10, concurrency = 4 }) do n = n + 1 end
      assert.are.equal(counts.policies, n)
      local log = requests("/api/v2/policies")
      assert.are.equal(25, #log)
      local conns = {}
      for _, r in ipairs(log) do conns[r.connection_id] = true end
      local k = 0
      for _ in pairs(conns) do k = k + 1 end
      assert.is_true(k > 1 and k <= 4, "connections used: " .. k)
    end)

    it("respects max and the envelope totals", function()
      assert.are.equal(55, #assert(client.cases:all({ limit = 10, max = 55, concurrency = 4 })))
      assert.are.equal(counts.cases, #assert(client.cases:all({ limit = 10, concurrency = 4 })))
      assert.are.equal(counts.companies, #assert(client.autotask:companies(ids.autotask_uuid):all({ concurrency = 3 })))
    end)

    it("cancels the pages in flight on break", function()
      local n = 0
      for _ in client.policies:each({ limit = 10, concurrency = 4 }) do
        n = n + 1
        if n == 12 then break end
      end
      -- the first page, then at most 3 more in flight: never the 25 pages of the list
      local asked = #requests("/api/v2/policies")
      assert.is_true(asked <= 5, "pages asked: " .. asked)
      assert(client:request("GET", "/__test/echo")) -- the client is fine afterwards
    end)

    it("keeps at most `concurrency` pages in memory", function()
      local results = client.policies:results(ids.policy)
      collectgarbage()
      local base = collectgarbage("count")
      local peak, n = 0, 0
      for _ in results:each({ limit = 100, concurrency = 2 }) do
        n = n + 1
        if n % 25 == 0 then
          collectgarbage()
          peak = math.max(peak, collectgarbage("count") - base)
        end
      end
      local all = assert(results:all({ limit = 100 }))
      collectgarbage()
      local with_all = collectgarbage("count")
      local count = #all
      all = nil -- luacheck: ignore 311 (dropped, to measure what it held)
      collectgarbage()
      local held = with_all - collectgarbage("count")
      assert.are.equal(count, n)
      -- two pages of 100 of the 1,050 records, with room for buffers
      assert.is_true(peak < held / 3, string.format("peak %.0f KB, all %.0f KB", peak, held))
    end)

    it("prefetches the next page while the caller works when there is no total", function()
      local function page(k, n)
        local items = {}
        for i = 1, n do items[i] = { id = string.format("%024x", k * 100 + i) } end
        return jumpcloud.json.encode(items)
      end
      for k = 1, 3 do
        fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200 }, times = 1,
          headers = { ["content-type"] = "application/json" }, body = page(k, k < 3 and 5 or 2) })
      end
      local seen_while_first = nil
      local n = 0
      for _ in client.policygroups:each({ limit = 5, concurrency = 2 }) do
        n = n + 1
        if n == 1 then seen_while_first = #requests("/api/v2/policygroups") end
      end
      assert.are.equal(12, n)
      assert.are.equal(2, seen_while_first) -- page 2 asked for before page 1 was used up
      assert.are.equal(3, #requests("/api/v2/policygroups"))
    end)

    it("refuses, as a sequential walk does, a server that repeats its page or whose total keeps growing", function()
      local function page(start)
        return jumpcloud.json.encode({ { id = string.format("%024x", start + 1) }, { id = string.format("%024x", start + 2) } })
      end
      local function walk()
        local n = 0
        local ok, err = pcall(function()
          for _ in client.policygroups:each({ limit = 2, concurrency = 3 }) do n = n + 1 end
        end)
        assert.is_false(ok)
        assert.are.equal(n, err.yielded)
        return err
      end
      -- skip ignored, no total: every page full and the same; then with a total
      for _, total in ipairs({ false, 40 }) do
        assert(control:request("POST", "/__mock/reset"))
        local twenty = {} -- a rule answers its `statuses` in turn, then lets the mock serve
        for i = 1, 20 do twenty[i] = 200 end
        fault({ method = "GET", path = "/api/v2/policygroups", statuses = twenty,
          headers = { ["content-type"] = "application/json", ["x-total-count"] = total and tostring(total) or nil },
          body = page(0) })
        local err = walk()
        assert.are.equal("repeated_page", err.code)
        assert.are.equal(2, err.yielded)
        assert.are.same({ skip = 2 }, err.resume)
      end
      assert(control:request("POST", "/__mock/reset"))
      for k, total in ipairs({ 4, 100, 100 }) do
        fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200 }, times = 1,
          headers = { ["content-type"] = "application/json", ["x-total-count"] = tostring(total) },
          body = page((k - 1) * 2) })
      end
      local err = walk()
      assert.are.equal("runaway_total", err.code)
      assert.are.equal(2, err.yielded)
    end)

    it("follows a same-origin Link and refuses one to another origin, as a sequential walk does", function()
      local function page(start)
        return jumpcloud.json.encode({ { id = string.format("%024x", start + 1) }, { id = string.format("%024x", start + 2) } })
      end
      local next_url = srv.url .. "/policytemplates?limit=2&skip=50"
      fault({ method = "GET", path = "/api/v2/policytemplates", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json", link = "<" .. next_url .. '>; rel="next"' }, body = page(0) })
      local got = assert(client.policytemplates:all({ limit = 2, max = 4, concurrency = 3 }))
      assert.are.equal(4, #got)
      assert.are.equal("limit=2&skip=50", requests("/api/v2/policytemplates")[2].query)
      support.reset(control)
      fault({ method = "GET", path = "/api/v2/policytemplates", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json", link = '<http://127.0.0.2:9/steal?x=1>; rel="next"' },
        body = page(0) })
      local n = 0
      local ok, err = pcall(function()
        for _ in client.policytemplates:each({ limit = 2, concurrency = 3 }) do n = n + 1 end
      end)
      assert.is_false(ok)
      assert.are.equal("cross_origin_link", err.code)
      assert.are.equal(2, err.yielded)
      assert.are.equal(2, n)
      assert.are.equal(1, #requests())
    end)

    it("follows tokens with a prefetch", function()
      local users = client.office365s:import_users(ids.office365)
      local seq = ids_of(users:each({ limit = 50 }))
      local par = ids_of(users:each({ limit = 50, concurrency = 2 }))
      assert.are.equal(counts.import_users, #par)
      assert.are.same(seq, par)
    end)

    it("raises mid-walk with what was yielded and where to resume", function()
      local n = 0
      local ok, err = pcall(function()
        for _ in client.policies:each({ limit = 50, concurrency = 3, retry = false }) do
          n = n + 1
          if n == 1 then fault({ method = "GET", path = "/api/v2/policies", statuses = { 500 }, times = 1 }) end
        end
      end)
      assert.is_false(ok)
      assert.are.equal(500, err.status)
      -- the pages already in flight when the fault was set come through; the walk stops at the failed one
      assert.are.equal(err.resume.skip, err.yielded)
      assert.are.equal(0, err.yielded % 50)
      assert.is_true(err.yielded >= 50 and err.yielded < counts.policies)
    end)
  end)
end)
