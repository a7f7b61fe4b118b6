-- Paging over every list shape, against the mock server: bare arrays with a total, short pages,
-- Link headers, envelopes, token envelopes; max, break, failures mid-walk, memory.
local jumpcloud = require "jumpcloud"
local support = require "spec.support"
local F = jumpcloud.filter

describe("paging", function()
  local srv, client, control, ids, counts

  support.with_mock(function(e) srv, client, control, ids, counts = e.srv, e.client, e.control, e.ids, e.counts end)

  before_each(function() support.reset(control) end)

  local function requests(path)
    return support.requests(control, path)
  end

  local function fault(rule) support.fault(control, rule) end

  local function count_each(iter)
    local n, seen = 0, {}
    for item in iter do
      n = n + 1
      seen[item.id or item.caseNumber or item] = true
    end
    return n, seen
  end

  describe("a bare array with x-total-count", function()
    it("walks to the total with pages of 100 and sort=_id", function()
      local n, seen = count_each(client.policies:each())
      assert.are.equal(counts.policies, n)
      local distinct = 0
      for _ in pairs(seen) do distinct = distinct + 1 end
      assert.are.equal(n, distinct)
      local log = requests("/api/v2/policies")
      assert.are.equal(3, #log) -- 250 = 100 + 100 + 50
      for i, r in ipairs(log) do
        assert.are.same({ "100" }, r.args.limit)
        assert.are.same({ tostring((i - 1) * 100) }, r.args.skip)
        assert.are.same({ "_id" }, r.args.sort)
      end
    end)

    it("keeps the caller's sort, or none when stable_sort is false", function()
      count_each(client.policies:each({ sort = { "-name" }, max = 1 }))
      count_each(client.policies:each({ stable_sort = false, max = 1 }))
      local log = requests("/api/v2/policies")
      assert.are.same({ "-name" }, log[1].args.sort)
      assert.is_nil(log[2].args.sort)
    end)

    it("does not end at a short page before the total (null records)", function()
      local first = client.policies:all({ max = 100 })
      local short = {}
      for i = 1, 99 do short[i] = first[i] end -- one record of the first page is null: 99 come back
      fault({ method = "GET", path = "/api/v2/policies", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json", ["x-total-count"] = tostring(counts.policies) },
        body = jumpcloud.json.encode(short) })
      local n = count_each(client.policies:each())
      assert.are.equal(counts.policies - 1, n)
      assert.are.equal(3 + 1, #requests("/api/v2/policies")) -- the max=100 page, then 3 pages
    end)

    it("respects max, asking only for what it needs", function()
      local all = assert(client.policies:all({ max = 130 }))
      assert.are.equal(130, #all)
      local log = requests("/api/v2/policies")
      assert.are.equal(2, #log)
      assert.are.same({ "30" }, log[2].args.limit)
    end)

    it("starts at skip and stops fetching on break", function()
      local n = 0
      for item in client.policies:each({ skip = 200, limit = 10 }) do
        n = n + 1
        assert.is_string(item.id)
        if n == 15 then break end
      end
      local log = requests("/api/v2/policies")
      assert.are.equal(2, #log)
      assert.are.same({ "200" }, log[1].args.skip)
      assert.are.same({ "210" }, log[2].args.skip)
    end)

    it("walks a list of 1,000+ records with one page in memory", function()
      local results = client.policies:results(ids.policy)
      collectgarbage()
      local base = collectgarbage("count")
      local peak, n = 0, 0
      for _ in results:each() do
        n = n + 1
        if n % 50 == 0 then
          collectgarbage()
          peak = math.max(peak, collectgarbage("count") - base)
        end
      end
      assert.are.equal(counts.big_policy_results, n)
      collectgarbage()
      local before_all = collectgarbage("count")
      local all = assert(results:all())
      collectgarbage()
      local held = collectgarbage("count") - before_all
      assert.are.equal(n, #all)
      -- iterating holds about one page of 100; collecting holds all 1,050
      assert.is_true(peak < held / 4, string.format("peak %.0f KB while iterating, %.0f KB for all", peak, held))
    end)

    it("raises a limit above 100 before sending anything", function()
      assert.has_error(function() client.policies:each({ limit = 101 }) end,
        "bad option 'limit' (101 is more than the API's maximum of 100)")
      assert.has_error(function() client.policies:list({ limit = 0 }) end,
        "bad option 'limit' (positive integer expected, got 0)")
      assert.are.equal(0, #requests())
    end)

    it("raises mid-walk with the items yielded so far and where to resume", function()
      local n = 0
      local ok, err = pcall(function()
        for _ in client.policies:each() do
          n = n + 1
          if n == 200 then
            fault({ method = "GET", path = "/api/v2/policies", statuses = { 500 }, times = 1 })
          end
        end
      end)
      assert.is_false(ok)
      assert.is_true(jumpcloud.is_error(err))
      assert.are.equal(500, err.status)
      assert.are.equal(200, err.yielded)
      assert.are.same({ skip = 200 }, err.resume)
      assert.matches("paging stopped after 200 items; resume from skip=200", tostring(err))
      -- resuming from there gets the rest
      assert.are.equal(counts.policies - 200, count_each(client.policies:each({ skip = err.resume.skip })))
    end)

    it("returns what all() had collected with the error", function()
      fault({ method = "GET", path = "/api/v2/policies", statuses = { 200, 500 }, times = 2,
        headers = { ["content-type"] = "application/json", ["x-total-count"] = "250" },
        body = jumpcloud.json.encode(client.policies:all({ max = 100 })) })
      local all, err = client.policies:all()
      assert.is_nil(all)
      assert.are.equal(500, err.status)
      assert.are.equal(100, #err.partial)
      assert.are.equal(100, err.yielded)
    end)

    it("returns one page and the paging facts from list", function()
      local items, info = assert(client.policies:list({ limit = 40, skip = 240 }))
      assert.are.equal(10, #items)
      assert.are.equal(counts.policies, info.total)
      assert.is_nil(info.next_skip)
      items, info = assert(client.policies:list({ limit = 40 }))
      assert.are.equal(40, #items)
      assert.are.equal(40, info.next_skip)
      assert.is_true(jumpcloud.is_array(items))
    end)
  end)

  describe("pages", function()
    -- the walk's pages: sizes, the info of each, whether they are arrays
    local function walk(opts)
      local sizes, indexes, totals = {}, {}, {}
      for items, info in client.policies:pages(opts) do
        assert.is_true(jumpcloud.is_array(items))
        sizes[#sizes + 1], indexes[#indexes + 1], totals[#totals + 1] = #items, info.index, info.total
        assert.are.equal(200, info.status)
      end
      return sizes, indexes, totals
    end

    it("yields whole pages with their info, in order, sequential or parallel", function()
      for _, conc in ipairs({ false, 3 }) do
        local sizes, indexes, totals = walk({ limit = 100, concurrency = conc or nil })
        assert.are.same({ 100, 100, 50 }, sizes)
        assert.are.same({ 1, 2, 3 }, indexes)
        assert.are.same({ counts.policies, counts.policies, counts.policies }, totals)
      end
      assert.are.equal(6, #requests("/api/v2/policies"))
    end)

    it("stops at max, cutting the last page to it", function()
      assert.are.same({ 40, 40, 20 }, (walk({ limit = 40, max = 100 })))
      local log = requests("/api/v2/policies")
      assert.are.equal(3, #log)
      assert.are.same({ "20" }, log[3].args.limit)
    end)

    it("raises on a bad option at the call, before any request", function()
      assert.has_error(function() client.policies:pages({ limit = 500 }) end,
        "bad option 'limit' (500 is more than the API's maximum of 100)")
      assert.has_error(function() client.policies:pages({ sort = 7 }) end,
        "bad argument 'sort' (string or list of strings expected, got number)")
      assert.are.same({}, requests("/api/v2/policies"))
    end)

    it("stops the walk at a break, with nothing more asked for", function()
      for _ in client.policies:pages({ limit = 10 }) do break end -- luacheck: ignore 512
      assert.are.equal(1, #requests("/api/v2/policies"))
    end)
  end)

  describe("options", function()
    it("refuses an unknown option", function()
      assert.has_error(function() client.policies:each({ limt = 5 }) end, "unknown paging option 'limt' (did you mean 'limit'?)")
      assert.has_error(function() client.policies:list({ concurrency = 2, limt = 5 }) end,
        "unknown paging option 'limt' (did you mean 'limit'?)")
    end)

    it("takes a retry policy for the walk, and verbs take one per call", function()
      local c <close> = support.client(srv, { sleep = function() end })
      fault({ method = "GET", path = "/api/v2/policies", statuses = { 503 }, times = 1 })
      local ok, err = pcall(function() for _ in c.policies:each({ retry = false }) do end end)
      assert.is_false(ok)
      assert.are.equal(503, err.status)
      assert.are.equal(1, err.attempts)
      fault({ method = "GET", path = "/api/v2/policies", statuses = { 503 }, times = 1 })
      assert.are.equal(counts.policies, #assert(c.policies:all()))
      local id = ids.policy
      fault({ method = "GET", path = "/api/v2/policies/" .. id, statuses = { 503 }, times = 1 })
      local got, gerr = c.policies:get(id, { retry = false })
      assert.is_nil(got)
      assert.are.equal(1, gerr.attempts)
      fault({ method = "GET", path = "/api/v2/policies/" .. id, statuses = { 503 }, times = 1 })
      local _, resp = assert(c.policies:get(id))
      assert.are.equal(2, resp.attempts)
    end)
  end)

  describe("without a total", function()
    local function page(n, start)
      local items = {}
      for i = 1, n do items[i] = { id = string.format("%024x", start + i), name = "p" .. (start + i) } end
      return jumpcloud.json.encode(items)
    end

    it("asks for the next page after a full one and ends at a short one", function()
      fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json" }, body = page(3, 0) })
      fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json" }, body = page(2, 3) })
      local n = count_each(client.policygroups:each({ limit = 3 }))
      assert.are.equal(5, n)
      assert.are.equal(2, #requests("/api/v2/policygroups"))
    end)

    it("ends at an empty page after full ones", function()
      for k = 0, 1 do
        fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200 }, times = 1,
          headers = { ["content-type"] = "application/json" }, body = page(2, k * 2) })
      end
      fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json" }, body = "[]" })
      assert.are.equal(4, count_each(client.policygroups:each({ limit = 2 })))
      assert.are.equal(3, #requests("/api/v2/policygroups"))
    end)

    it("refuses a server that answers the same page for every skip", function()
      fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200, 200, 200 }, times = 3,
        headers = { ["content-type"] = "application/json" }, body = page(2, 0) })
      local ok, err = pcall(count_each, client.policygroups:each({ limit = 2 }))
      assert.is_false(ok)
      assert.are.equal("repeated_page", err.code)
      assert.are.equal(2, err.yielded)
    end)

    it("refuses a total that keeps growing", function()
      for k, total in ipairs({ 4, 100 }) do
        fault({ method = "GET", path = "/api/v2/policygroups", statuses = { 200 }, times = 1,
          headers = { ["content-type"] = "application/json", ["x-total-count"] = tostring(total) },
          body = page(2, (k - 1) * 2) })
      end
      local ok, err = pcall(count_each, client.policygroups:each({ limit = 2 }))
      assert.is_false(ok)
      assert.are.equal("runaway_total", err.code)
      assert.are.equal(2, err.yielded)
      assert.are.same({ skip = 2 }, err.resume)
    end)

    it("follows a same-origin Link rel=next", function()
      local next_url = srv.url .. "/policytemplates?limit=2&skip=50"
      fault({ method = "GET", path = "/api/v2/policytemplates", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json", link = "<" .. next_url .. '>; rel="next"' },
        body = page(2, 0) })
      local got = assert(client.policytemplates:all({ limit = 2, max = 4 }))
      assert.are.equal(4, #got)
      local log = requests("/api/v2/policytemplates")
      assert.are.equal("limit=2&skip=50", log[2].query)
    end)

    it("refuses a Link to another origin, so the key never goes there", function()
      fault({ method = "GET", path = "/api/v2/policytemplates", statuses = { 200 }, times = 1,
        headers = { ["content-type"] = "application/json", link = '<http://127.0.0.2:9/steal?x=1>; rel="next"' },
        body = page(2, 0) })
      local ok, err = pcall(count_each, client.policytemplates:each({ limit = 2 }))
      assert.is_false(ok)
      assert.are.equal("cross_origin_link", err.code)
      assert.are.equal(2, err.yielded)
      assert.are.equal(1, #requests())
    end)
  end)

  describe("envelopes", function()
    it("walks results with totalCount (organisation cases)", function()
      local n = count_each(client.cases:each({ limit = 50 }))
      assert.are.equal(counts.cases, n)
      assert.are.equal(3, #requests("/api/v2/organizations/cases"))
      local items, info = assert(client.cases:list({ limit = 50 }))
      assert.are.equal(50, #items)
      assert.are.equal(counts.cases, info.total)
    end)

    it("walks records (Autotask companies) and domains (Office 365), not a multiple of the page size", function()
      assert.are.equal(counts.companies, count_each(client.autotask:companies(ids.autotask_uuid):each({ limit = 100 })))
      assert.are.equal(3, #requests("/api/v2/integrations/autotask/" .. ids.autotask_uuid .. "/companies"))
      local domains = assert(client.office365s:domains(ids.office365):all({ limit = 5 }))
      assert.are.equal(counts.domains, #domains)
      local log = requests("/api/v2/office365s/" .. ids.office365 .. "/domains")
      assert.are.equal(3, #log)
    end)

    it("stops at totalCount even when pages are short", function()
      assert.are.equal(counts.devices, #assert(client.passwordmanager:all({ limit = 30 })))
      assert.are.equal(3, #requests("/api/v2/passwordmanager/devices"))
    end)
  end)

  describe("token envelopes (Office 365 import users)", function()
    it("follows skipToken to the end", function()
      local users = client.office365s:import_users(ids.office365)
      local n = count_each(users:each({ limit = 100 }))
      assert.are.equal(counts.import_users, n)
      local log = requests("/api/v2/office365s/" .. ids.office365 .. "/import/users")
      assert.are.equal(3, #log)
      assert.are.same({ "100" }, log[1].args.top)
      assert.is_nil(log[1].args.skipToken)
      assert.is_string(log[2].args.skipToken[1])
    end)

    it("gives the next token from list", function()
      local items, info = assert(client.office365s:import_users(ids.office365):list({ limit = 100 }))
      assert.are.equal(100, #items)
      assert.is_string(info.next_token)
      local more = assert(client.office365s:import_users(ids.office365):list({ limit = 100, token = info.next_token }))
      assert.are.equal(100, #more)
      assert.are_not.equal(items[1].id, more[1].id)
    end)

    it("refuses a filter builder and passes Graph syntax through", function()
      assert.has_error(function()
        client.office365s:import_users(ids.office365):list({ filter = F.eq("name", "x") })
      end)
      assert(client.office365s:import_users(ids.office365):list({ filter = "startswith(displayName,'A')" }))
      local log = requests()
      assert.are.same({ "startswith(displayName,'A')" }, log[#log].args.filter)
    end)
  end)

  describe("filters applied by the server", function()
    local results
    before_each(function()
      results = client.policies:results(ids.policy)
    end)

    local function local_count(pred)
      local n = 0
      for r in results:each() do if pred(r) then n = n + 1 end end
      return n
    end

    it("eq, ne on booleans and strings", function()
      local ok = #assert(results:all({ filter = F.eq("success", true) }))
      local failed = #assert(results:all({ filter = F.ne("success", true) }))
      assert.are.equal(local_count(function(r) return r.success end), ok)
      assert.are.equal(counts.big_policy_results, ok + failed)
      assert.are.equal(failed, #assert(results:all({ filter = F.eq("state", "failed") })))
    end)

    it("gt, ge, lt, le and between on numbers", function()
      assert.are.equal(local_count(function(r) return r.exitStatus > 1 end), #assert(results:all({ filter = F.gt("exitStatus", 1) })))
      assert.are.equal(local_count(function(r) return r.exitStatus >= 1 end), #assert(results:all({ filter = F.ge("exitStatus", 1) })))
      assert.are.equal(local_count(function(r) return r.exitStatus < 2 end), #assert(results:all({ filter = F.lt("exitStatus", 2) })))
      assert.are.equal(local_count(function(r) return r.exitStatus <= 2 end), #assert(results:all({ filter = F.le("exitStatus", 2) })))
      assert.are.equal(local_count(function(r) return r.exitStatus >= 1 and r.exitStatus <= 2 end),
        #assert(results:all({ filter = F.between("exitStatus", 1, 2) })))
    end)

    it("in, search, and several filters AND-ed", function()
      assert.are.equal(local_count(function(r) return r.exitStatus == 0 or r.exitStatus == 3 end),
        #assert(results:all({ filter = F["in"]("exitStatus", { 0, 3 }) })))
      assert.are.equal(local_count(function(r) return r.stdErr:find("status 2", 1, true) ~= nil end),
        #assert(results:all({ filter = F.search("stdErr", "status 2") })))
      local both = #assert(results:all({ filter = { F.eq("success", false), F.eq("exitStatus", 2) } }))
      local log = requests()
      assert.are.equal("success%3Aeq%3Afalse,exitStatus%3Aeq%3A2", log[#log].query:match("filter=([^&]*)"))
      assert.are.equal(local_count(function(r) return not r.success and r.exitStatus == 2 end), both)
    end)

    it("sorts and projects fields", function()
      local sorted = assert(results:all({ sort = { "-exitStatus", "id" }, fields = { "exitStatus" }, max = 300 }))
      for i = 2, #sorted do assert.is_true(sorted[i - 1].exitStatus >= sorted[i].exitStatus) end
      assert.is_nil(sorted[1].stdOut)
      assert.is_string(sorted[1].id)
    end)
  end)
end)
