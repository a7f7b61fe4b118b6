-- Reliability: retries and their policy, deadlines and timeouts, hostile or broken answers,
-- secrets, redirects and TLS, all over real HTTP to the mock server with its fault rules.
-- Backoff runs on an injected clock and sleep, so waits are recorded, not waited.
local jumpcloud = require "jumpcloud"
local core = require "jumpcloud.core"
local retry = require "jumpcloud.retry"
local mock = require "jumpcloud.mock"
local support = require "spec.support"

local KEY = support.API_KEY

describe("reliability", function()
  local srv, control, tmp
  -- Every string the library handed back in this file: errors and on_event tables, dumped.
  local produced = {}

  local function keep(err)
    if err ~= nil then
      produced[#produced + 1] = tostring(err)
      produced[#produced + 1] = support.dump(err)
    end
    return err
  end

  local function sh(cmd)
    local ok = os.execute(cmd)
    assert(ok, "command failed: " .. cmd)
  end

  setup(function()
    srv = support.start_server()
    control = support.control(srv)
    tmp = os.tmpname()
    os.remove(tmp)
    sh("mkdir -m 700 " .. tmp)
  end)

  teardown(function()
    control:close()
    srv:stop()
    if tmp then sh("rm -rf " .. tmp) end
  end)

  before_each(function() support.reset(control) end)

  local function fault(rule) support.fault(control, rule) end

  local function clear_faults()
    assert(control:request("DELETE", "/__mock/faults"))
  end

  -- A clock that only moves when slept on, and the waits it was asked for.
  local function fake_time()
    local t = { now = 1000, waits = {} }
    t.sleep = function(s)
      t.waits[#t.waits + 1] = s
      t.now = t.now + s
    end
    t.clock = function() return t.now end
    return t
  end

  -- A client on the mock (or `opts.base_url`) with a fake clock and an on_event recorder.
  -- @return client, events, time
  local function client(opts)
    local o, events, t = {}, {}, fake_time()
    o.sleep, o.clock = t.sleep, t.clock
    o.on_event = function(ev)
      events[#events + 1] = ev
      produced[#produced + 1] = support.dump(ev)
    end
    for k, v in pairs(opts or {}) do o[k] = v end
    return support.client(srv, o), events, t
  end

  local function request(c, method, path, opts)
    local r, err = c:request(method, path, opts)
    keep(err)
    return r, err
  end

  local function log(path, method)
    local out = {}
    for _, r in ipairs(support.requests(control, path)) do
      if not method or r.method == method then out[#out + 1] = r end
    end
    return out
  end

  local function count_groups()
    local r = assert(control:request("GET", "/api/v2/policygroups", {
      query = { limit = 1 } }))
    return tonumber(r.headers["x-total-count"])
  end

  local function first_group_id()
    local r = assert(control:request("GET", "/api/v2/policygroups", {
      query = { limit = 1 } }))
    return r.body[1].id
  end

  local GROUPS = "/api/v2/policygroups"
  local ECHO = "/api/v2/__test/echo"

  -- The client still works after a failure: a plain successful call on it.
  local function still_usable(c)
    local r = assert(c:request("GET", "/__test/echo", { retry = false }))
    assert.are.equal(200, r.status)
    assert.are.equal("GET", r.body.method)
  end

  describe("retries", function()
    it("retries 429, 429 then 200 with Retry-After: 1, waiting exactly 1 s twice", function()
      fault({ method = "GET", path = GROUPS, statuses = { 429, 429 }, headers = { ["retry-after"] = "1" } })
      local c <close>, events, t = client()
      local r = assert(request(c, "GET", "/policygroups"))
      assert.are.equal(200, r.status)
      assert.are.equal(3, r.attempts)
      assert.are.same({ 1, 1 }, t.waits)
      assert.are.equal(3, #log(GROUPS))
      assert.are.equal(3, #events)
    end)

    it("computes the wait of a Retry-After HTTP date from the wall clock, within a second", function()
      local at = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 5)
      fault({ method = "GET", path = GROUPS, statuses = { 503 }, headers = { ["retry-after"] = at } })
      local c <close>, _, t = client()
      local r = assert(request(c, "GET", "/policygroups"))
      assert.are.equal(2, r.attempts)
      assert.are.equal(1, #t.waits)
      assert.is_true(t.waits[1] >= 4 and t.waits[1] <= 5, "wait " .. t.waits[1])
      -- a date in the past asks for no wait at all
      fault({ method = "GET", path = GROUPS, statuses = { 503 },
        headers = { ["retry-after"] = "Sun, 06 Nov 1994 08:49:37 GMT" } })
      r = assert(request(c, "GET", "/policygroups"))
      assert.are.equal(2, r.attempts)
      assert.are.same({ t.waits[1], 0 }, t.waits)
    end)

    it("retries 502, 503 and 504", function()
      for _, status in ipairs({ 502, 503, 504 }) do
        assert(control:request("POST", "/__mock/reset"))
        fault({ method = "GET", path = GROUPS, statuses = { status } })
        local c <close>, events, t = client()
        local r = assert(request(c, "GET", "/policygroups"))
        assert.are.equal(200, r.status)
        assert.are.equal(2, r.attempts)
        assert.are.equal(2, #log(GROUPS))
        assert.are.equal(1, #t.waits)
        assert.are.equal(status, events[1].status)
        assert.are.equal(200, events[2].status)
      end
    end)

    it("does not retry 500 or 404", function()
      fault({ method = "GET", path = GROUPS, statuses = { 500 } })
      local c <close>, events, t = client()
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("http", err.kind)
      assert.are.equal(500, err.status)
      assert.are.equal("server_error", err.code)
      assert.are.equal(1, err.attempts)
      r, err = request(c, "GET", "/policygroups/000000000000000000000000")
      assert.is_nil(r)
      assert.are.equal(404, err.status)
      assert.are.equal("not_found", err.code)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, #log(GROUPS))
      assert.are.equal(1, #log(GROUPS .. "/000000000000000000000000"))
      assert.are.same({}, t.waits)
      assert.are.equal(2, #events)
    end)

    it("backs off with full jitter within [0, base * 2^(n-1)]", function()
      local seen = {}
      for _ = 1, 5 do
        fault({ method = "GET", path = GROUPS, statuses = { 503, 503, 503 } })
        local c <close>, _, t = client({ retry = { attempts = 4, base_delay = 0.2, max_delay = 10 } })
        local r = assert(request(c, "GET", "/policygroups"))
        assert.are.equal(4, r.attempts)
        assert.are.equal(3, #t.waits)
        for n, w in ipairs(t.waits) do
          assert.is_true(w >= 0 and w <= 0.2 * 2 ^ (n - 1), "wait " .. n .. " = " .. w)
          seen[#seen + 1] = w
        end
      end
      table.sort(seen)
      assert.is_true(seen[1] < seen[#seen], "15 waits, all equal: no jitter")
    end)

    it("caps every wait at max_delay", function()
      fault({ method = "GET", path = GROUPS, statuses = { 503, 503, 503, 503, 503 } })
      local c <close>, _, t = client({ retry = { attempts = 6, base_delay = 1, max_delay = 1.5 } })
      assert(request(c, "GET", "/policygroups"))
      assert.are.equal(5, #t.waits)
      assert.is_true(t.waits[1] <= 1)
      for _, w in ipairs(t.waits) do assert.is_true(w >= 0 and w <= 1.5, "wait " .. w) end
      -- the ceilings themselves, with a random() that always answers its maximum
      local top = function() return 1 end
      local p = retry.policy(retry.DEFAULTS, { base_delay = 0.5, max_delay = 3 }, 1)
      local ceilings = {}
      for n = 1, 5 do ceilings[n] = retry.backoff(p, n, top) end
      assert.are.same({ 0.5, 1, 2, 3, 3 }, ceilings)
      assert.are.equal(0, retry.backoff(p, 4, function() return 0 end))
    end)

    it("gives up after the last attempt with its status and the number of attempts", function()
      fault({ method = "GET", path = GROUPS, statuses = { 503, 503, 503, 503 } })
      local c <close>, events, t = client({ retry = { attempts = 3 } })
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("http", err.kind)
      assert.are.equal(503, err.status)
      assert.are.equal("unavailable", err.code)
      assert.are.equal(3, err.attempts)
      assert.is_nil(err.gave_up)
      assert.matches(" after 3 attempts$", tostring(err))
      assert.are.equal(3, #log(GROUPS))
      assert.are.equal(2, #t.waits)
      assert.are.equal(3, #events)
    end)

    it("stops with gave_up when a Retry-After is longer than what is left of the deadline", function()
      fault({ method = "GET", path = GROUPS, statuses = { 429 }, headers = { ["retry-after"] = "100" } })
      local c <close>, events, t = client({ retry = { deadline = 30 } })
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal(429, err.status)
      assert.are.equal("rate_limited", err.code)
      assert.are.equal(1, err.attempts)
      assert.are.equal("the next wait (100.000s) would pass the deadline", err.gave_up)
      assert.are.same({}, t.waits)
      assert.are.equal(1, #log(GROUPS))
      assert.is_nil(events[1].retry_wait)
    end)

    it("counts the waits against the deadline: Retry-After 1 under a 2.5 s deadline allows 3 attempts", function()
      fault({ method = "GET", path = GROUPS, statuses = { 503, 503, 503, 503 }, headers = { ["retry-after"] = "1" } })
      local c <close>, _, t = client({ retry = { attempts = 10, deadline = 2.5 } })
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal(3, err.attempts)
      assert.are.equal("the next wait (1.000s) would pass the deadline", err.gave_up)
      assert.are.same({ 1, 1 }, t.waits)
      assert.are.equal(3, #log(GROUPS))
    end)

    it("makes one attempt with retry = false, per client and per call", function()
      fault({ method = "GET", path = GROUPS, statuses = { 503, 503 } })
      local c1 <close>, e1, t1 = client({ retry = false })
      local _, err = request(c1, "GET", "/policygroups")
      assert.are.equal(503, err.status)
      assert.are.equal(1, err.attempts)
      local c2 <close>, e2, t2 = client()
      _, err = request(c2, "GET", "/policygroups", { retry = false })
      assert.are.equal(503, err.status)
      assert.are.equal(1, err.attempts)
      assert.are.equal(2, #log(GROUPS))
      assert.are.same({}, t1.waits)
      assert.are.same({}, t2.waits)
      assert.are.equal(1, #e1)
      assert.are.equal(1, #e2)
      -- and the same client retries again when the call does not say otherwise
      fault({ method = "GET", path = GROUPS, statuses = { 503 } })
      assert.are.equal(2, assert(request(c2, "GET", "/policygroups")).attempts)
    end)

    it("does not retry a POST answered 503: one POST, no duplicate create", function()
      local before = count_groups()
      fault({ method = "POST", path = GROUPS, statuses = { 503 }, headers = { ["retry-after"] = "0" } })
      local c <close>, events, t = client()
      local r, err = request(c, "POST", "/policygroups", { body = { name = "reliability-post-503" } })
      assert.is_nil(r)
      assert.are.equal(503, err.status)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, #log(GROUPS, "POST"))
      assert.are.same({}, t.waits)
      assert.are.equal(1, #events)
      assert.are.equal(before, count_groups())
    end)

    it("does not retry a POST that timed out after the server took it: exactly one create", function()
      local before = count_groups()
      fault({ method = "POST", path = GROUPS, delay_ms = 800, times = 1 })
      local c <close>, events = client({ timeout = 0.3 })
      local r, err = request(c, "POST", "/policygroups", { body = { name = "reliability-slow-create" } })
      assert.is_nil(r)
      assert.are.equal("timeout", err.kind)
      assert.are.equal(1, err.attempts)
      assert.is_true(err.sent)
      assert.are.equal(1, #events)
      local after
      for _ = 1, 40 do -- the server finishes the create on its own time
        after = count_groups()
        if after ~= before then break end
        core.sleep(0.05)
      end
      assert.are.equal(before + 1, after)
      assert.are.equal(1, #log(GROUPS, "POST"))
    end)

    it("retries a POST with unsafe = true, sending the same bytes each time", function()
      local before = count_groups()
      local body = '{"name":"reliability-unsafe","description":"caf\195\169 \226\156\147 \\u0000"}'
      fault({ method = "POST", path = GROUPS, statuses = { 503, 503 } })
      local c <close>, _, t = client()
      local r = assert(request(c, "POST", "/policygroups", { body = body, retry = { unsafe = true } }))
      assert.are.equal(201, r.status)
      assert.are.equal(3, r.attempts)
      assert.are.equal(2, #t.waits)
      local posts = log(GROUPS, "POST")
      assert.are.equal(3, #posts)
      for _, p in ipairs(posts) do assert.are.equal(body, p.body) end
      assert.are.equal(before + 1, count_groups())
    end)

    it("does not retry a PATCH answered 503 unless unsafe", function()
      fault({ method = "PATCH", path = ECHO, statuses = { 503, 503 } })
      local c <close> = client()
      local _, err = request(c, "PATCH", "/__test/echo", { body = { a = 1 } })
      assert.are.equal(503, err.status)
      assert.are.equal(1, err.attempts)
      local r = assert(request(c, "PATCH", "/__test/echo", { body = { a = 1 }, retry = { unsafe = true } }))
      assert.are.equal(2, r.attempts)
      assert.are.equal('{"a":1}', r.body.body)
      assert.are.equal(3, #log(ECHO, "PATCH"))
    end)

    it("retries a POST that was never sent (connection refused)", function()
      local c <close>, events, t = client({ base_url = "http://127.0.0.1:1/api/v2", retry = { attempts = 3 } })
      local r, err = request(c, "POST", "/policygroups", { body = { name = "never-sent" } })
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("couldnt_connect", err.code)
      assert.is_false(err.sent)
      assert.are.equal(3, err.attempts)
      assert.are.equal(3, #events)
      assert.are.equal(2, #t.waits)
      for i, ev in ipairs(events) do
        assert.are.equal(i, ev.attempt)
        assert.are.equal("POST", ev.method)
        assert.are.equal("network", ev.kind)
        assert.are.equal("couldnt_connect", ev.code)
        assert.is_nil(ev.status)
        assert.are.equal(t.waits[i], ev.retry_wait)
      end
    end)

    it("retries a PUT answered 503 with the same body every time", function()
      local id = first_group_id()
      local path = GROUPS .. "/" .. id
      fault({ method = "PUT", path = path, statuses = { 503, 503 } })
      local c <close> = client()
      local r = assert(request(c, "PUT", "/policygroups/" .. id, { body = { name = "replaced-after-503" } }))
      assert.are.equal(200, r.status)
      assert.are.equal(3, r.attempts)
      local puts = log(path, "PUT")
      assert.are.equal(3, #puts)
      for _, p in ipairs(puts) do assert.are.equal('{"name":"replaced-after-503"}', p.body) end
      assert.are.equal("replaced-after-503", assert(request(c, "GET", "/policygroups/" .. id)).body.name)
    end)

    it("retries a DELETE answered 503 and deletes once", function()
      local id = first_group_id()
      local before = count_groups()
      fault({ method = "DELETE", path = GROUPS .. "/" .. id, statuses = { 503 } })
      local c <close> = client()
      local r = assert(request(c, "DELETE", "/policygroups/" .. id))
      assert.are.equal(2, r.attempts)
      assert.are.equal(before - 1, count_groups())
      local _, err = request(c, "GET", "/policygroups/" .. id)
      assert.are.equal(404, err.status)
    end)

    it("tells on_event about every attempt: number, wait, status, duration, bytes, URL without the key", function()
      local body = '{"message":"slow down"}'
      fault({ method = "GET", path = "/api/v2/__test/bytes", statuses = { 429, 503 }, body = body,
        headers = { ["retry-after"] = "1" } })
      local c <close>, events = client()
      local r = assert(request(c, "GET", "/__test/bytes", { query = { n = 777 } }))
      assert.are.equal(777, #r.body)
      assert.are.equal(3, #events)
      local want = {
        { status = 429, code = "rate_limited", kind = "http", bytes = #body, retry_wait = 1 },
        { status = 503, code = "unavailable", kind = "http", bytes = #body, retry_wait = 1 },
        { status = 200, bytes = 777 },
      }
      for i, ev in ipairs(events) do
        assert.are.equal(i, ev.attempt)
        assert.are.equal("GET", ev.method)
        assert.are.equal(srv.url .. "/__test/bytes?n=777", ev.url)
        assert.are.equal(want[i].status, ev.status)
        assert.are.equal(want[i].code, ev.code)
        assert.are.equal(want[i].kind, ev.kind)
        assert.are.equal(want[i].bytes, ev.bytes)
        assert.are.equal(want[i].retry_wait, ev.retry_wait)
        assert.are.equal("number", type(ev.duration))
        assert.is_true(ev.duration >= 0 and ev.duration < 5)
        assert.are.equal(events[1].correlation_id, ev.correlation_id)
        assert.is_nil(support.dump(ev):find(KEY, 1, true))
      end
      assert.matches("^%x+$", events[1].correlation_id)
      -- a decoded JSON answer counts the bytes received, not the decoded table
      local text = assert(control:request("GET", "/api/v2/policygroups",
        { raw = true })).body
      assert(request(c, "GET", "/policygroups"))
      assert.are.equal(#text, events[4].bytes)
    end)

    it("names the operation in on_event for client:call", function()
      local c <close>, events = client()
      assert(c:call("PolicyGroups_listAll", { limit = 1 }))
      assert.are.equal(1, #events)
      assert.are.equal("getApiV2Policygroups", events[1].operation) -- the standardized id
    end)
  end)

  describe("deadlines", function()
    it("ends a call on a delayed answer at the total timeout, as a timeout error", function()
      fault({ method = "GET", path = ECHO, delay_ms = 3000, times = 1 })
      local c <close> = client({ timeout = 1, retry = false })
      local t0 = core.now()
      local r, err = request(c, "GET", "/__test/echo")
      local took = core.now() - t0
      assert.is_nil(r)
      assert.are.equal("timeout", err.kind)
      assert.are.equal("timeout", err.code)
      assert.are.equal(28, err.curl_code)
      assert.is_true(took >= 0.9 and took < 2, "took " .. took)
      still_usable(c)
    end)

    it("bounds a retried call by the deadline, waits and attempts together", function()
      fault({ method = "GET", path = ECHO, delay_ms = 3000 })
      local c <close>, events = client({ attempt_timeout = 1, clock = core.now, sleep = core.sleep,
        retry = { deadline = 1.5, base_delay = 0.01, max_delay = 0.01 } })
      local t0 = core.now()
      local _, err = request(c, "GET", "/__test/echo")
      local took = core.now() - t0
      local seen = {} -- each attempt's outcome and time, for the failure message
      for _, ev in ipairs(events) do seen[#seen + 1] = support.dump(ev) end
      seen = table.concat(seen, "\n")
      assert.are.equal("timeout", err.kind, seen)
      assert.are.equal(2, err.attempts, seen)
      assert.is_string(err.gave_up)
      assert.are.equal(2, #events)
      assert.is_true(took >= 1.4 and took < 2.5, "took " .. took)
      clear_faults()
      still_usable(c)
    end)

    it("ends the last attempt at the deadline, leaving no room for a doomed one, however short the wait", function()
      -- waits of a nanosecond: an attempt cut short of the deadline by a fraction of a millisecond
      -- (its timeout rounded down) left room for a third attempt of 1 ms in about one call of five
      fault({ method = "GET", path = ECHO, delay_ms = 3000 })
      local attempts = {}
      for i = 1, 10 do
        local c <close> = client({ attempt_timeout = 0.2, clock = core.now, sleep = core.sleep,
          retry = { deadline = 0.4, base_delay = 1e-9, max_delay = 1e-9 } })
        local _, err = request(c, "GET", "/__test/echo")
        attempts[i] = err.attempts
        assert.are.equal("timeout", err.kind)
        assert.matches("would pass the deadline", err.gave_up)
      end
      assert.are.same({ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 }, attempts)
      clear_faults()
    end)

    it("keeps a timeout under a millisecond, or a stall_timeout under a second, a limit; takes math.huge", function()
      -- libcurl reads 0 as "no limit": these round up to 1 ms and 1 s
      fault({ method = "GET", path = ECHO, delay_ms = 1500, times = 1 })
      local c <close> = client({ timeout = 0.0004, retry = false })
      local _, err = request(c, "GET", "/__test/echo")
      assert.are.equal("timeout", err.kind)
      fault({ method = "GET", path = ECHO, stall_ms = 4000, times = 1 })
      local s <close> = client({ stall_timeout = 0.3, retry = false })
      local t0 = core.now()
      _, err = request(s, "GET", "/__test/echo")
      assert.are.equal("timeout", err.kind)
      assert.is_true(core.now() - t0 < 3, "stalled for " .. (core.now() - t0))
      local h <close> = client({ timeout = math.huge, connect_timeout = math.huge, stall_timeout = math.huge,
        max_body = math.huge })
      assert.are.equal(200, assert(request(h, "GET", "/__test/echo")).status)
    end)

    it("gives each call its own timeout on the reused handle: a short deadline does not shorten the next call", function()
      local c <close> = client({ timeout = 4, clock = core.now, sleep = core.sleep })
      fault({ method = "GET", path = ECHO, delay_ms = 2000, times = 1 })
      local _, err = request(c, "GET", "/__test/echo", { retry = { deadline = 0.5, attempts = 1 } })
      assert.are.equal("timeout", err.kind)
      fault({ method = "GET", path = ECHO, delay_ms = 1000, times = 1 })
      local t0 = core.now()
      local r = assert(request(c, "GET", "/__test/echo"))
      assert.are.equal(200, r.status)
      assert.is_true(core.now() - t0 >= 0.9)
    end)

    it("ends the whole call at `timeout`, retries included", function()
      fault({ method = "GET", path = ECHO, delay_ms = 3000 })
      local c <close> = client({ timeout = 1, clock = core.now, sleep = core.sleep, retry = { base_delay = 0.01 } })
      local t0 = core.now()
      local _, err = request(c, "GET", "/__test/echo")
      local took = core.now() - t0
      clear_faults()
      assert.are.equal("timeout", err.kind)
      assert.is_true(took < 2, "README: timeout is the whole call; took " .. took)
    end)

    it("ends a stalled answer (headers, then silence) at stall_timeout, and retries it for a GET", function()
      fault({ method = "GET", path = ECHO, stall_ms = 4000, times = 1 })
      local c <close>, events = client({ stall_timeout = 1, retry = false })
      local t0 = core.now()
      local r, err = request(c, "GET", "/__test/echo")
      local took = core.now() - t0
      assert.is_nil(r)
      assert.are.equal("timeout", err.kind)
      assert.are.equal("timeout", err.code)
      assert.matches("too slow", err.message)
      assert.is_true(took >= 0.9 and took < 2.5, "took " .. took)
      assert.are.equal(1, #events)
      still_usable(c)
      fault({ method = "GET", path = ECHO, stall_ms = 4000, times = 1 })
      local c2 <close>, events2 = client({ stall_timeout = 1 })
      r = assert(request(c2, "GET", "/__test/echo"))
      assert.are.equal(2, r.attempts)
      assert.are.equal("timeout", events2[1].code)
    end)

    it("fails fast when nothing listens", function()
      local c <close> = client({ base_url = "http://127.0.0.1:1/api/v2", retry = false })
      local t0 = core.now()
      local r, err = request(c, "GET", "/policygroups")
      local took = core.now() - t0
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("couldnt_connect", err.code)
      assert.is_false(err.sent)
      assert.is_true(took < 0.5, "took " .. took)
    end)
  end)

  describe("hostile or broken answers", function()
    it("gives invalid JSON as a decode error, not retried", function()
      fault({ method = "GET", path = GROUPS, mode = "garbage", times = 1 })
      local c <close> = client()
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("decode", err.kind)
      assert.are.equal("invalid_json", err.code)
      assert.are.equal(200, err.status)
      assert.are.equal(1, err.attempts)
      assert.matches('^{"results"', err.body)
      assert.are.equal(1, #log(GROUPS))
      still_usable(c)
    end)

    it("gives a truncated body as a network error, and retries it for a GET", function()
      fault({ method = "GET", path = GROUPS, mode = "truncate", times = 1 })
      local c <close> = client({ retry = false })
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("partial_body", err.code)
      assert.are.equal(18, err.curl_code)
      still_usable(c)
      fault({ method = "GET", path = GROUPS, mode = "truncate", times = 1 })
      local c2 <close>, events = client()
      r = assert(request(c2, "GET", "/policygroups"))
      assert.are.equal(2, r.attempts)
      assert.are.equal("partial_body", events[1].code)
      assert.are.same(assert(request(c2, "GET", "/policygroups")).body, r.body) -- the whole page
    end)

    it("does not retry a truncated answer to a POST (the create may have happened)", function()
      fault({ method = "POST", path = GROUPS, mode = "truncate", times = 1 })
      local before = count_groups()
      local c <close> = client()
      local _, err = request(c, "POST", "/policygroups", { body = { name = "reliability-truncated" } })
      assert.are.equal("partial_body", err.code)
      assert.are.equal(1, err.attempts)
      assert.are.equal(before + 1, count_groups())
      assert.are.equal(1, #log(GROUPS, "POST"))
    end)

    it("gives a connection reset mid-body as a network error, and retries it for a GET", function()
      fault({ method = "GET", path = GROUPS, mode = "reset", times = 1 })
      local c <close> = client({ retry = false })
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("partial_body", err.code)
      still_usable(c)
      fault({ method = "GET", path = GROUPS, mode = "reset", times = 1 })
      local c2 <close> = client()
      r = assert(request(c2, "GET", "/policygroups"))
      assert.are.equal(2, r.attempts)
      assert.are.equal(1 + 2, #log(GROUPS))
    end)

    it("gives a proxy's HTML 502 labelled JSON as an http 502 with the page as body, and retries it", function()
      fault({ method = "GET", path = GROUPS, mode = "html", times = 1 })
      local c <close> = client({ retry = false })
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("http", err.kind)
      assert.are.equal(502, err.status)
      assert.are.equal("bad_gateway", err.code)
      assert.are.equal("HTTP 502", err.message)
      assert.matches("^<html>", err.body)
      still_usable(c)
      fault({ method = "GET", path = GROUPS, mode = "html", times = 1 })
      local c2 <close> = client()
      r = assert(request(c2, "GET", "/policygroups"))
      assert.are.equal(2, r.attempts)
    end)

    it("gives a 200 with an HTML body labelled JSON as a decode error", function()
      fault({ method = "GET", path = GROUPS, mode = "html", statuses = { 200 } })
      local c <close> = client()
      local _, err = request(c, "GET", "/policygroups")
      assert.are.equal("decode", err.kind)
      assert.are.equal("invalid_json", err.code)
      assert.are.equal(200, err.status)
      assert.are.equal(1, err.attempts)
      still_usable(c)
    end)

    it("refuses a body larger than max_body", function()
      local c <close> = client({ max_body = 1000 })
      local r, err = request(c, "GET", "/__test/bytes", { query = { n = 1001 } })
      assert.is_nil(r)
      assert.are.equal("decode", err.kind)
      assert.are.equal("body_too_large", err.code)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1000, #assert(request(c, "GET", "/__test/bytes", { query = { n = 1000 } })).body)
      still_usable(c)
    end)

    it("refuses an absurd Content-Length at once, before reading the body", function()
      fault({ method = "GET", path = GROUPS, times = 1,
        raw = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 99999999999\r\n\r\n[1,2,3]" })
      local c <close> = client()
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("decode", err.kind)
      assert.are.equal("body_too_large", err.code)
      assert.are.equal(1, err.attempts)
      still_usable(c)
    end)

    it("gives a 200 with an empty body where JSON was expected as empty_body", function()
      local id = first_group_id()
      fault({ method = "GET", path = GROUPS .. "/" .. id, statuses = { 200 }, body = "" })
      local c <close> = client()
      local data, err = c:call("PolicyGroups_getDetails", { id = id })
      keep(err)
      assert.is_nil(data)
      assert.are.equal("decode", err.kind)
      assert.are.equal("empty_body", err.code)
      assert.are.equal(200, err.status)
      assert.are.equal("getApiV2PolicygroupsById", err.operation)
      assert.are.equal(id, assert(c:call("PolicyGroups_getDetails", { id = id })).id)
    end)

    it("gives a NUL byte in a header as a network error", function()
      fault({ method = "GET", path = GROUPS, times = 1,
        raw = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-bad: a\0b\r\ncontent-length: 2\r\n\r\n{}" })
      local c <close> = client()
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("bad_reply", err.code)
      assert.are.equal(1, err.attempts)
      still_usable(c)
    end)

    it("passes control and non-ASCII bytes of a header value through unchanged", function()
      fault({ method = "GET", path = GROUPS, times = 1,
        raw = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-odd: a\1\127\255\tb\r\ncontent-length: 2\r\n\r\n{}" })
      local c <close> = client()
      local r = assert(request(c, "GET", "/policygroups"))
      assert.are.equal("a\1\127\255\tb", r.headers["x-odd"])
      assert.are.same({}, r.body)
      still_usable(c)
    end)

    it("refuses a header block over 256 KiB", function()
      fault({ method = "GET", path = GROUPS, times = 1, raw = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        .. string.rep("x-pad: " .. string.rep("p", 1000) .. "\r\n", 300) .. "content-length: 2\r\n\r\n{}" })
      local c <close> = client()
      local _, err = request(c, "GET", "/policygroups")
      assert.are.equal("decode", err.kind)
      assert.are.equal("headers_too_large", err.code)
      still_usable(c)
    end)

    it("gives a malformed status line or header line as a network error", function()
      fault({ method = "GET", path = GROUPS, times = 1, raw = "HTTQ/1.1 two hundred\r\n\r\n" })
      local c <close> = client()
      local _, err = request(c, "GET", "/policygroups")
      assert.are.equal("network", err.kind)
      assert.are.equal("unsupported_protocol", err.code)
      assert.are.equal(1, err.attempts)
      still_usable(c)
      fault({ method = "GET", path = GROUPS, times = 1, raw = "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n" })
      _, err = request(c, "GET", "/policygroups")
      assert.are.equal("network", err.kind)
      assert.are.equal("bad_reply", err.code)
      still_usable(c)
    end)

    it("gives a body that is not what its Content-Encoding says as a network error", function()
      fault({ method = "GET", path = GROUPS, times = 1, raw = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        .. "content-encoding: gzip\r\ncontent-length: 11\r\n\r\nnot gzipped" })
      local c <close> = client()
      local _, err = request(c, "GET", "/policygroups", { query = { limit = 10 } }) -- a list page asks for gzip
      assert.are.equal("network", err.kind)
      assert.are.equal("bad_content_encoding", err.code)
      still_usable(c)
    end)

    it("retries an empty reply (connection closed without a byte) for a GET, not for a POST", function()
      fault({ method = "GET", path = GROUPS, times = 1, raw = "" })
      local c <close>, events = client()
      local r = assert(request(c, "GET", "/policygroups"))
      assert.are.equal(2, r.attempts)
      assert.are.equal("empty_reply", events[1].code)
      fault({ method = "POST", path = GROUPS, times = 1, raw = "" })
      local fresh <close> = client() -- a new connection: see the next case for a reused one
      local _, err = request(fresh, "POST", "/policygroups", { body = { name = "reliability-empty-reply" } })
      assert.are.equal("network", err.kind)
      assert.are.equal("empty_reply", err.code)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, #log(GROUPS, "POST"))
    end)

    it("sends a POST once when a reused connection closes without an answer", function()
      local before = count_groups()
      local c <close>, events = client()
      still_usable(c) -- the POST below goes over this kept-alive connection
      fault({ method = "POST", path = GROUPS, times = 1, raw = "" })
      request(c, "POST", "/policygroups", { body = { name = "reliability-reused" } })
      assert.are.equal(2, #events)
      assert.are.equal(1, #log(GROUPS, "POST"), "the server received the POST twice")
      assert.are.equal(before, count_groups())
    end)
  end)

  describe("secrets", function()
    local EVIL = { "v\r\nx-evil: 1", "v\nx-evil: 1", "v\rx", "v\0x" }

    it("refuses an API key with CR, LF or NUL before sending anything", function()
      for _, bad in ipairs(EVIL) do
        assert.has_error(function() jumpcloud.new({ api_key = KEY .. bad, base_url = srv.url }) end,
          "bad option 'api_key' (contains CR, LF or NUL)")
      end
      assert.are.same({}, log())
    end)

    it("refuses an org_id with CR, LF or NUL when the client is made", function()
      for _, bad in ipairs(EVIL) do
        local ok, msg = pcall(client, { org_id = "5f00" .. bad })
        assert.is_false(ok)
        assert.matches("bad option 'org_id' %(contains CR, LF or NUL%)$", msg)
      end
      assert.are.same({}, log())
    end)

    it("refuses per-call header values and names with CR, LF or NUL before sending anything", function()
      local c <close> = client()
      for _, bad in ipairs(EVIL) do
        local ok, msg = pcall(c.request, c, "GET", "/__test/echo", { headers = { ["x-caller"] = bad } })
        assert.is_false(ok)
        assert.matches("bad option 'headers' %(value of 'x%-caller' contains CR, LF or NUL%)$", msg)
      end
      assert.is_false((pcall(c.request, c, "GET", "/__test/echo", { headers = { ["x-a\r\nx-evil"] = "1" } })))
      assert.are.same({}, log())
      still_usable(c)
    end)

    it("refuses client-wide header values with CR, LF or NUL", function()
      -- In a child process: the failed construction frees the default header list twice.
      local script = tmp .. "/bad_headers.lua"
      local f = assert(io.open(script, "w"))
      f:write(string.format([[
        package.path = "./lua/?.lua;./lua/?/init.lua;" .. package.path
        package.cpath = "./build/?.so;" .. package.cpath
        local jc = require "jumpcloud"
        for _, bad in ipairs({ "v\r\nx-evil: 1", "v\0x" }) do
          local ok, err = pcall(jc.new, { api_key = %q, base_url = %q, headers = { ["x-team"] = bad } })
          print(ok, err)
        end
        collectgarbage()
        collectgarbage()
        print("collected")
      ]], KEY, srv.url))
      f:close()
      local p = io.popen("lua5.4 " .. script .. " 2>&1")
      local out = p:read("a")
      local ok = p:close()
      assert.matches("false\t[^\n]*bad option 'headers' %(value of 'x%-team' contains CR, LF or NUL%)\n", out)
      assert.matches("collected\n$", out)
      assert.is_true(ok, out)
      assert.are.same({}, log())
    end)

    it("refuses a user_agent with CR or LF", function()
      local ok, c = pcall(client, { user_agent = "ua\r\nx-evil: 1" })
      if ok then
        pcall(c.request, c, "GET", "/__test/echo")
        c:close()
      end
      local injected = false
      for _, r in ipairs(log()) do injected = injected or r.headers["x-evil"] ~= nil end
      assert.is_false(injected, "a header was injected through user_agent")
      assert.is_false(ok)
    end)

    it("does not follow a 302 to another host: it is an http error, and the other host hears nothing", function()
      local other = mock.start({ api_key = KEY })
      local other_control = support.control(other)
      local c <close>, events = client()
      local r, err = request(c, "POST", "/__test/reply",
        { body = { status = 302, headers = { location = other.url .. "/__test/echo" }, body = "" } })
      local heard = support.requests(other_control)
      other_control:close()
      other:stop()
      assert.is_nil(r)
      assert.are.equal("http", err.kind)
      assert.are.equal(302, err.status)
      assert.are.equal("http_302", err.code)
      assert.are.equal(other.url .. "/__test/echo", err.headers.location)
      assert.are.same({}, heard)
      assert.are.equal(1, #events)
      assert.are.equal(1, #log())
    end)

    it("does not follow a 307 to the same host, nor any other redirect", function()
      local c <close> = client()
      for _, status in ipairs({ 307, 301, 303, 308 }) do
        assert(control:request("POST", "/__mock/reset"))
        local r, err = request(c, "POST", "/__test/reply",
          { body = { status = status, headers = { location = srv.url .. "/__test/echo" }, body = "" } })
        assert.is_nil(r)
        assert.are.equal("http", err.kind)
        assert.are.equal(status, err.status)
        assert.are.equal(1, err.attempts)
        assert.are.equal(1, #log())
        assert.are.same({}, log(ECHO))
      end
    end)

    it("scrubs the key from headers and bodies a server echoes back, through every retry", function()
      local c <close>, events = client({ retry = { attempts = 2 } })
      local _, err = request(c, "GET", "/__test/echo", { headers = { ["x-echo-status"] = "503" } })
      assert.are.equal(503, err.status)
      assert.are.equal(2, err.attempts)
      assert.are.equal("[redacted]", err.body.headers["x-api-key"])
      _, err = request(c, "POST", "/__test/reply", { body = { status = 400,
        headers = { ["content-type"] = "application/json", ["x-leak"] = "key=" .. KEY },
        body = '{"message":"bad key ' .. KEY .. '"}' } })
      assert.are.equal("key=[redacted]", err.headers["x-leak"])
      assert.are.equal("bad key [redacted]", err.message)
      assert.are.equal(3, #events)
    end)
  end)

  describe("TLS", function()
    local tls_srv

    setup(function()
      sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
        .. " -addext subjectAltName=IP:127.0.0.1 -keyout " .. tmp .. "/key.pem -out " .. tmp .. "/cert.pem 2>/dev/null")
      sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other.invalid"
        .. " -addext subjectAltName=DNS:other.invalid -keyout " .. tmp .. "/other-key.pem -out "
        .. tmp .. "/other-cert.pem 2>/dev/null")
      tls_srv = mock.start({ api_key = KEY, tls_cert = tmp .. "/cert.pem", tls_key = tmp .. "/key.pem" })
    end)

    teardown(function()
      if tls_srv then tls_srv:stop() end
    end)

    local function tls_log(path)
      local ctl <close> = jumpcloud.new({ api_key = KEY, base_url = tls_srv.root, ca_file = tmp .. "/cert.pem" })
      return support.requests(ctl, path)
    end

    it("serves HTTPS from the mock with tls_cert and tls_key", function()
      assert.matches("^https://127%.0%.0%.1:%d+/api/v2$", tls_srv.url)
      assert.matches("^https://127%.0%.0%.1:%d+$", tls_srv.root)
    end)

    it("refuses a server whose certificate it cannot verify, sending nothing", function()
      local c <close>, events = client({ base_url = tls_srv.url })
      local before = #tls_log()
      local r, err = request(c, "GET", "/policygroups")
      assert.is_nil(r)
      assert.are.equal("network", err.kind)
      assert.are.equal("tls_verification", err.code)
      assert.are.equal(60, err.curl_code)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, #events)
      assert.are.equal(before, #tls_log())
    end)

    it("talks to it with ca_file set to its certificate", function()
      local c <close> = client({ base_url = tls_srv.url, ca_file = tmp .. "/cert.pem" })
      local r = assert(request(c, "GET", "/__test/echo"))
      assert.are.equal(200, r.status)
      assert.are.equal(KEY, r.body.headers["x-api-key"])
      assert.are.equal(1, #tls_log(ECHO))
    end)

    it("refuses a trusted certificate issued for another name", function()
      local other = mock.start({ api_key = KEY, tls_cert = tmp .. "/other-cert.pem", tls_key = tmp .. "/other-key.pem" })
      local c <close> = client({ base_url = other.url, ca_file = tmp .. "/other-cert.pem" })
      local _, err = request(c, "GET", "/__test/echo")
      other:stop()
      assert.are.equal("network", err.kind)
      assert.are.equal("tls_verification", err.code)
    end)

    it("gives an unreadable ca_file as a TLS error", function()
      local c <close> = client({ base_url = tls_srv.url, ca_file = tmp .. "/missing.pem" })
      local _, err = request(c, "GET", "/__test/echo")
      assert.are.equal("network", err.kind)
      assert.matches("^tls_", err.code)
    end)

    it("makes the mock command refuse --tls-cert without --tls-key", function()
      local p = io.popen("lua5.4 bin/jumpcloud-mock --tls-cert " .. tmp .. "/cert.pem 2>&1")
      local out = p:read("a")
      local _, _, code = p:close()
      assert.are.equal(2, code)
      assert.are.equal("jumpcloud-mock: --tls-cert and --tls-key go together\n", out)
    end)
  end)

  -- The API key appears in no error and no on_event table produced by this file: checked once
  -- every test has run, whatever their order (busted --shuffle).
  teardown(function()
    assert.is_true(#produced > 100, "only " .. #produced .. " strings collected")
    for _, s in ipairs(produced) do
      assert.is_nil(s:find(KEY, 1, true), s)
    end
  end)
end)
