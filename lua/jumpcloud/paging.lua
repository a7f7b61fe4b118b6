--- Paging: one walker over every list shape and paging kind, with two page sources (one request at a
-- time, or a flight of n over the core's multi handle). `list` (one page), `each` (an iterator of
-- items for the generic `for`), `pages` (an iterator of whole pages: items and page info) and `all`
-- (collect). One page in memory at a time (n in a parallel walk).
--
-- When a walk stops: a known total (`x-total-count` header, or the envelope's total) wins, and a
-- short page before it does not end the walk (null records make short pages mid-list); then a
-- `Link: <...>; rel="next"` header (same origin only); then the first short page. Token kinds follow
-- their token until it is empty. A server that answers the same page for every position
-- (`repeated_page`) or whose total keeps growing (`runaway_total`) ends the walk with an error.
-- @module jumpcloud.paging
local core = require "jumpcloud.core"
local check = require "jumpcloud.check"
local errors = require "jumpcloud.errors"
local operation = require "jumpcloud.operation"
local execute = require "jumpcloud.execute"
local request = require "jumpcloud.request"

local type, pairs, format, min, max_of = type, pairs, string.format, math.min, math.max

local M = {}

M.DEFAULT_LIMIT = 100
M.MAX_CONCURRENCY = 8 -- JumpCloud's own CLI caps here, for the per-organisation rate limits

-- Options of the walk itself; the operation's own parameters are the others a walk takes.
local WALK_OPTIONS = { concurrency = true, limit = true, max = true, skip = true, token = true, stable_sort = true,
  retry = true }

-- Position kinds: a number (skip, offset) or a token handed over by the page before.
local NUMERIC = { skip = true, offset = true }

--- The concurrency asked for in `opts` (checked), or `default`.
function M.concurrency(opts, default)
  local n = opts and opts.concurrency
  if n == nil then return default end
  if math.type(n) ~= "integer" or n < 1 then
    check.fail("bad option 'concurrency' (positive integer expected, got %s)", tostring(n))
  end
  if n > M.MAX_CONCURRENCY then
    check.fail("bad option 'concurrency' (%d is more than the maximum of %d)", n, M.MAX_CONCURRENCY)
  end
  return n
end

-- The items of a page body and what it says about the rest: items, total, next token.
local function extract(op, pg, body, headers)
  local list = op.response.list
  local total = tonumber(headers["x-total-count"])
  local items = body
  if list and list.shape == "envelope" then
    if type(body) ~= "table" then return nil end
    items = body[list.key]
    local t = list.total and body[list.total]
    if type(t) == "number" then total = math.tointeger(t) or math.floor(t) end
  end
  local token
  if pg and not NUMERIC[pg.kind] and pg.next then
    if pg.next:find("^x%-") then -- a response header (Directory Insights' X-Search_after: a JSON array)
      local h = headers[pg.next]
      if h and h ~= "" then token = pg.kind == "search_after" and core.json_decode(h) or h end
    elseif type(body) == "table" then
      local t = body[pg.next]
      if (type(t) == "string" and t ~= "") or type(t) == "table" then token = t end
    end
  end
  return items, total, token
end

-- The next link of a Link header, if any.
local function next_link(headers)
  local link = headers["link"]
  if not link then return nil end
  for target, params in link:gmatch("<([^>]*)>([^,]*)") do
    if params:find('rel%s*=%s*"?next"?') then return target end
  end
end

-- The items of a page and its facts, or nil and an error.
local function page_of(op, pg, data, resp)
  local items, total, token = extract(op, pg, data, resp.headers)
  if type(items) ~= "table" then
    return nil, errors.new("bad_page", { status = resp.status, operation = op.id,
      message = "the page has no list where the operation's shape says one is" })
  end
  if not core.is_array(items) then core.array(items) end
  return items, { total = total, token = token, link = next_link(resp.headers), status = resp.status,
    headers = resp.headers }
end

--- Checks the options of a walk: the walk's own and the operation's parameters. Returns the page
-- size and the operation's params (the caller's base params plus the options that are params).
local function check_opts(op, pg, base, opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then check.fail("bad paging options (table expected, got %s)", type(opts)) end
  local known, params = {}, {}
  for name in pairs(operation.param_set(op)) do known[name] = true end
  if pg and not pg.in_body then -- the walk's to set
    if pg.size then known[pg.size] = nil end
    known[pg.position] = nil
  end
  for k in pairs(WALK_OPTIONS) do known[k] = true end
  for k, v in pairs(base or {}) do known[k], params[k] = nil, v end -- the parents' ids
  check.known(opts, known, "paging option")
  for k, v in pairs(opts) do if not WALK_OPTIONS[k] then params[k] = v end end
  local limit = opts.limit
  if limit ~= nil then
    if math.type(limit) ~= "integer" or limit < 1 then
      check.fail("bad option 'limit' (positive integer expected, got %s)", tostring(limit))
    end
    local most = pg and pg.max or M.DEFAULT_LIMIT
    if limit > most then check.fail("bad option 'limit' (%d is more than the API's maximum of %d)", limit, most) end
  end
  for _, name in ipairs({ "max", "skip" }) do
    local v = opts[name]
    if v ~= nil and (math.type(v) ~= "integer" or v < 0) then
      check.fail("bad option '%s' (non-negative integer expected)", name)
    end
  end
  if opts.token ~= nil and type(opts.token) ~= "string" and type(opts.token) ~= "table" then
    check.fail("bad option 'token' (string expected, got %s)", type(opts.token))
  end
  return opts, limit or min(M.DEFAULT_LIMIT, pg and pg.max or M.DEFAULT_LIMIT), params
end

-- What both walks check on each page, in order: a server that ignores the position answers its
-- first page again and again, and a total that keeps growing would never end the walk. `seen`
-- keeps what the pages before said. Returns an error object, or nil.
local function suspicious(op, pg, seen, items, total, size)
  if not pg or not NUMERIC[pg.kind] then return nil end
  local first = items[1]
  local id = type(first) == "table" and (first.id or first._id) or nil
  if id ~= nil and id == seen.first_id then
    return errors.new("repeated_page", { operation = op.id, message = "the server returned the same page twice" })
  end
  seen.first_id = id
  if total then
    seen.total = seen.total or total
    if total > 2 * seen.total + size then
      return errors.new("runaway_total", { operation = op.id, message = "the server's total keeps growing" })
    end
  end
  return nil
end

-- Puts the page size and position `pos` ({skip =} or {token =}) in the params `p` of one page:
-- query parameters, or body fields (Directory Insights' events). Adds sort=_id to a skip walk of an
-- operation that sorts, unless the caller sorts or says stable_sort = false: JumpCloud recommends it
-- for paging with skip through a collection being written to.
local function place(op, pg, p, size, pos, opts)
  if not pg then return p end
  local target = p
  if pg.in_body then
    local body = {}
    for k, v in pairs(type(p.body) == "table" and p.body or {}) do body[k] = v end
    p.body, target = body, body
  end
  if pg.size then target[pg.size] = size end
  if NUMERIC[pg.kind] then
    target[pg.position] = pos.skip
    if pg.kind == "skip" and operation.param_set(op).sort and p.sort == nil and opts.stable_sort ~= false then
      p.sort = "_id"
    end
  else
    target[pg.position] = pos.token
  end
  return p
end

-- Raised when a walk fails: the error, with how far it got and where to resume.
local function walk_error(err, yielded, resume)
  err.yielded = yielded
  err.resume = resume
  local k, v = next(resume)
  local where = k and (k .. "=" .. tostring(v)) or "the start"
  err.message = format("%s (paging stopped after %d items; resume from %s)", err.message or err.code or "error", yielded, where)
  return err
end

-- ---- page sources ---------------------------------------------------------------------------------

-- One request at a time, run when its result is waited for.
local Sequential = {}
Sequential.__index = Sequential

function Sequential:add(k, req) self.queue[#self.queue + 1] = { k, req } end

function Sequential:wait()
  local item = table.remove(self.queue, 1)
  local resp, err = execute.run(self.st, item[2])
  return { { item[1], resp, err } }
end

function Sequential.step() end
function Sequential:cancel() self.queue = {} end

-- A flight of n over the multi handle.
local function source(st, n)
  if n == 1 then return setmetatable({ st = st, queue = {} }, Sequential) end
  return require("jumpcloud.flight").new(st)
end

-- ---- the walker -----------------------------------------------------------------------------------

--- The walk: a `next_page()` function returning `items, info` for each page in order (nil at the
-- end; raises a walk error on a failure), and `close()`. Checks everything before any request.
local function walker(st, op, base, opts, label)
  local pg = op.paging
  local size, params
  opts, size, params = check_opts(op, pg, base, opts)
  local window = M.concurrency(opts, 1)
  if not pg then window = 1 end
  local max, skip0 = opts.max, opts.skip or 0
  local retry = opts.retry
  local positions = { [0] = { skip = skip0, token = opts.token } } -- where page k starts, once known
  local total, last -- the server's total; the index of the last page, once known
  local results, issued, next_k, yielded = {}, 0, 0, 0
  local seen = {}
  local src = source(st, window)

  local function want(k) -- the page size to ask for page k
    if not max then return size end
    return max_of(0, min(size, max - k * size))
  end
  local function request_of(k)
    local pos, p = positions[k], {}
    for name, v in pairs(params) do p[name] = v end
    if pos.link then -- a Link's query is already in the URL; it is a list page all the same
      return request.build(st, op.method, pos.link, { org_header = op.org_header, retry = retry,
        headers = op.accept ~= "application/json" and { accept = op.accept } or nil, gzip = st.gzip ~= false },
        st.roots[op.api].url, op.id)
    end
    place(op, pg, p, want(k), pos, opts)
    return operation.request(st, op, p, { retry = retry }, label)
  end
  -- Page k exists, as far as is known, and is worth asking for.
  local function exists(k)
    if last and k > last then return false end
    if want(k) == 0 then return false end
    if total and pg and NUMERIC[pg.kind] then
      positions[k] = positions[k] or { skip = skip0 + k * size }
      return positions[k].skip < total
    end
    return positions[k] ~= nil and not positions[k].error
  end
  -- Keeps `limit` pages asked for ahead of the consumer: the window, less the page it holds.
  local function fill(limit)
    while issued - next_k < limit and exists(issued) do
      src:add(issued, request_of(issued))
      issued = issued + 1
    end
  end
  -- What page k says about the next one.
  local function learn(k, items, info)
    if info.total then total = info.total end
    local pos = positions[k]
    if not pg then last = k return end
    if not NUMERIC[pg.kind] then
      if info.token and #items > 0 then positions[k + 1] = { token = info.token } else last = k end
      return
    end
    local next_skip = pos.skip + want(k)
    if total then return end
    if info.link then
      if not require("jumpcloud.url").same_origin(info.link, st.roots[op.api].url) then
        positions[k + 1] = { skip = next_skip, error = errors.new("cross_origin_link", { operation = op.id,
          message = "refusing a Link rel=\"next\" to another origin: " .. info.link }) }
      else
        positions[k + 1] = { skip = next_skip, link = info.link }
      end
    elseif #items >= want(k) then
      positions[k + 1] = { skip = next_skip }
    else
      last = k
    end
  end
  local function take(k, resp, err)
    local data, rview = operation.finish(op, resp, err)
    if data == nil then results[k] = { err = rview } return end
    local items, info = page_of(op, pg, data, rview)
    if not items then results[k] = { err = info } return end
    results[k] = { items = items, info = info }
    learn(k, items, info)
  end
  local function resume_of(k)
    local pos = positions[k] or {}
    if pg and not NUMERIC[pg.kind] then return pos.token and { [pg.position] = pos.token } or {} end
    return { skip = pos.skip or skip0 + k * size }
  end
  local done = false
  local function close()
    done = true
    src:cancel()
  end
  local function fail(k, err)
    close()
    error(walk_error(err, yielded, resume_of(k)), 0)
  end

  local function next_page()
    if done then return nil end
    local pos = positions[next_k]
    if pos and pos.error then fail(next_k, pos.error) end
    fill(window)
    if next_k >= issued then close() return nil end
    while not results[next_k] do
      for _, r in ipairs(src:wait()) do take(r[1], r[2], r[3]) end
      fill(window)
    end
    local got = results[next_k]
    results[next_k] = nil
    if not got.err then got.err = suspicious(op, pg, seen, got.items, got.info.total, size) end
    if got.err then fail(next_k, got.err) end
    next_k = next_k + 1
    fill(window - 1) -- the page returned now is in memory too
    local items = got.items
    if max and yielded + #items > max then -- a server that sends more than asked for
      for i = #items, max - yielded + 1, -1 do items[i] = nil end
    end
    yielded = yielded + #items
    if max and yielded >= max then close() end
    local info = got.info
    info.index = next_k
    return items, info
  end
  -- checked now, at the call: the first page's request raises on bad params before any loop
  request_of(0)
  return next_page, close, function() src:step() end, function() return yielded end
end

--- One page. Returns the items (an array) and paging facts `{total, next_skip, next_token, status,
-- headers}`, or nil and an error.
function M.list(st, op, base, opts, label)
  local pg = op.paging
  local size, params
  opts, size, params = check_opts(op, pg, base, opts)
  local skip = opts.skip or 0
  local p = {}
  for k, v in pairs(params) do p[k] = v end
  place(op, pg, p, size, { skip = skip, token = opts.token }, opts)
  local data, resp = operation.run(st, op, p, { retry = opts.retry }, label)
  if data == nil then return nil, resp end
  local items, info = page_of(op, pg, data, resp)
  if not items then return nil, info end
  if pg and NUMERIC[pg.kind] and (info.total and skip + size < info.total or (not info.total and #items >= size)) then
    info.next_skip = skip + size
  end
  info.next_token, info.token = info.token, nil
  return items, info
end

-- A closing value for the generic for: a `break` ends the walk at once.
local function closer(close)
  return setmetatable({}, { __close = function() close() end })
end

--- Whole pages: `for items, info in M.pages(...)`. `info` has `total`, `status`, `headers` and
-- `index` (1 for the first page). Raises on a failure, with `yielded` and `resume` on the error.
function M.pages(st, op, base, opts, label)
  local next_page, close = walker(st, op, base, opts, label)
  return next_page, nil, nil, closer(close)
end

--- A lazy iterator over every item: `for item in M.each(...) do ... end`. Raises on a failure,
-- with `yielded` and `resume` ({skip=} or the token parameter) on the error.
function M.each(st, op, base, opts, label)
  local next_page, close, step = walker(st, op, base, opts, label)
  local page, i, n = nil, 0, 0
  local function item()
    while true do
      if page and i < #page then
        i, n = i + 1, n + 1
        if n % 16 == 0 then step() end -- let the transfers in flight progress
        return page[i]
      end
      page, i = next_page(), 0
      if not page then return nil end
    end
  end
  return item, nil, nil, closer(close)
end

--- Collects every item into one array (respecting `max`). Returns the array, or nil and an error
-- carrying the items collected so far in `err.partial`.
function M.all(st, op, base, opts, label)
  local next_page, close = walker(st, op, base, opts, label)
  local out = core.array({})
  local ok, err = pcall(function()
    for items in next_page do
      for i = 1, #items do out[#out + 1] = items[i] end
    end
  end)
  close()
  if ok then return out end
  if not errors.is(err) then error(err, 0) end
  err.partial = out
  return nil, err
end

return M
