--- Paging over every list shape of the reference: `list` (one page), `each` (a lazy iterator
-- for the generic `for`), `all` (collect). One page in memory at a time.
--
-- When a walk stops: a known total (`x-total-count` header, or `totalCount` in an envelope) wins,
-- and a short page before it does not end the walk (null records make short pages mid-list); then
-- a `Link: <...>; rel="next"` header (same origin only); then the first short page. Token lists
-- (Office 365 import users) follow `skipToken` until it is empty. With `concurrency = n`, the pages
-- after the first are fetched n at a time over the core's multi handle (see `each_concurrent`).
-- @module jumpcloud.paging
local core = require "jumpcloud.core"
local errors = require "jumpcloud.errors"
local executor = require "jumpcloud.executor"
local url_util = require "jumpcloud.url"
local batch = require "jumpcloud.batch"
local transport = require "jumpcloud.transport"
local flight_mod = require "jumpcloud.flight"

local type, pairs, format, min = type, pairs, string.format, math.min

local M = {}

M.MAX_LIMIT = 100
M.DEFAULT_LIMIT = 100

local OPTION_NAMES = { retry = true, concurrency = true, limit = true, max = true, skip = true, filter = true,
  sort = true, fields = true, stable_sort = true, token = true, search = true, orderby = true, count = true,
  ConsistencyLevel = true, ["x-org-id"] = true }

-- The items of a page body and what it says about the rest.
local function extract(op, body, headers)
  local shape = op.response
  local total = tonumber(headers["x-total-count"])
  if shape == "array" then return body, total end
  if type(body) ~= "table" then return nil end
  if shape.envelope then
    local t = body.totalCount
    return body[shape.envelope], math.tointeger(t) or (type(t) == "number" and math.floor(t)) or total
  end
  if shape.token then
    local tok = body[shape.token_field]
    return body[shape.token], nil, (type(tok) == "string" and tok ~= "") and tok or nil
  end
end

-- The next link of a Link header, if any.
local function next_link(headers)
  local link = headers["link"]
  if not link then return nil end
  for target, params in link:gmatch("<([^>]*)>([^,]*)") do
    if params:find('rel%s*=%s*"?next"?') then return target end
  end
end

-- Validates the paging options; returns them (a table) and the page size.
local function check_opts(opts, level)
  if opts == nil then return {}, M.DEFAULT_LIMIT end
  if type(opts) ~= "table" then error(format("bad paging options (table expected, got %s)", type(opts)), level + 1) end
  for k in pairs(opts) do
    if not OPTION_NAMES[k] then error(format("unknown paging option '%s'", tostring(k)), level + 1) end
  end
  local limit = opts.limit
  if limit ~= nil then
    if math.type(limit) ~= "integer" or limit < 1 then
      error(format("bad option 'limit' (positive integer expected, got %s)", tostring(limit)), level + 1)
    end
    if limit > M.MAX_LIMIT then
      error(format("bad option 'limit' (%d is more than the API's maximum of %d)", limit, M.MAX_LIMIT), level + 1)
    end
  end
  if opts.max ~= nil and (math.type(opts.max) ~= "integer" or opts.max < 0) then
    error("bad option 'max' (non-negative integer expected)", level + 1)
  end
  if opts.skip ~= nil and (math.type(opts.skip) ~= "integer" or opts.skip < 0) then
    error("bad option 'skip' (non-negative integer expected)", level + 1)
  end
  return opts, limit or M.DEFAULT_LIMIT
end

-- Options of the walk itself, not parameters of the operation.
local PAGING_ONLY = { concurrency = true, limit = true, max = true, skip = true, stable_sort = true, token = true,
  retry = true }

-- The params of one page request: the caller's base params, the options, and the position.
local function page_params(op, base, opts, size, skip, token)
  local p = {}
  for k, v in pairs(base or {}) do p[k] = v end
  for k in pairs(OPTION_NAMES) do
    if opts[k] ~= nil and not PAGING_ONLY[k] then
      p[k] = opts[k]
    end
  end
  if op.paging == "token" then
    p.top, p.skipToken = size, token
  elseif op.paging == "skip" then
    p.limit, p.skip = size, skip
    if op.sort_param and p.sort == nil and opts.stable_sort ~= false then p.sort = "_id" end
    if op.id == "Domains_List" then p.limit, p.skip = tostring(size), tostring(skip) end -- declared as strings
  end
  return p
end

-- Fetches one page: items, facts, or nil and an error.
-- The items of a page and its facts, or nil and an error.
local function page_of(op, data, resp)
  local items, total, token = extract(op, data, resp.headers)
  if type(items) ~= "table" then
    return nil, errors.new({ kind = "decode", code = "bad_page", status = resp.status, operation = op.id,
      message = "the page has no list where the operation's shape says one is" })
  end
  return items, { total = total, token = token, link = next_link(resp.headers), status = resp.status, headers = resp.headers }
end

local function fetch(client, op, params, url, retry)
  local data, resp
  if url then
    -- a Link's query is already in the URL: it is a list page all the same
    local r, err = client:request(op.method, url, { headers = { accept = op.accept }, org_header = op.org_header,
      retry = retry, gzip = core.state(client).gzip ~= false })
    if not r then return nil, err end
    data, resp = r.body, r
  else
    data, resp = executor.run(client, op, params, { retry = retry }, 4)
    if not data then return nil, resp end
  end
  return page_of(op, data, resp)
end

--- One page. Returns the items (an array) and paging facts `{total, next_skip, next_token, status, headers}`,
-- or nil and an error.
function M.list(client, op, base, opts)
  local size
  opts, size = check_opts(opts, 2)
  local skip = opts.skip or 0
  local items, info = fetch(client, op, page_params(op, base, opts, size, skip, opts.token), nil, opts.retry)
  if not items then return nil, info end
  if op.paging == "skip" and (info.total and skip + size < info.total or (not info.total and #items >= size)) then
    info.next_skip = skip + size
  end
  info.next_token, info.token = info.token, nil
  if not core.is_array(items) then core.array(items) end
  return items, info
end

-- What both walks check on each page of a skip-paged list, in order: a server that ignores skip
-- answers its first page again and again, and a total that keeps growing would never end the
-- walk. `seen` keeps what the pages before said. Returns an error object, or nil.
local function suspicious(op, seen, items, total, size)
  if op.paging ~= "skip" then return nil end
  local first = items[1]
  local id = type(first) == "table" and (first.id or first._id) or nil
  if id ~= nil and id == seen.first_id then
    return errors.new({ kind = "decode", code = "repeated_page", operation = op.id,
      message = "the server returned the same page twice" })
  end
  seen.first_id = id
  if total then
    seen.total = seen.total or total
    if total > 2 * seen.total + size then
      return errors.new({ kind = "decode", code = "runaway_total", operation = op.id,
        message = "the server's total keeps growing" })
    end
  end
  return nil
end

-- Raised when a walk fails: the error, with how far it got and where to resume.
local function walk_error(err, yielded, resume)
  err.yielded = yielded
  err.resume = resume
  local where = resume.skip and ("skip=" .. resume.skip) or resume.skipToken and ("skipToken=" .. resume.skipToken) or "the start"
  err.message = format("%s (paging stopped after %d items; resume from %s)", err.message or err.code or "error", yielded, where)
  return err
end

-- The parallel walk: pages fetched through a libcurl multi handle, yielded in order. With a known
-- total, the following pages are asked for n at a time; without one (or with a token), the next
-- page is asked for as soon as the current one arrives, while the caller works on it. At most n
-- pages are in memory: the one being yielded and n - 1 in flight or waiting.
local function each_concurrent(client, op, base, opts, size, n)
  local flight = flight_mod.new(client)
  local skip0, max = opts.skip or 0, opts.max
  local pages, tokens = {}, { [0] = opts.token }
  local next_k, issued, yielded, total = 0, 0, 0, nil
  local page, i, done = nil, 0, false
  local full = {} -- full[k]: page k came back full (without a total, the next one may exist)
  local seen = {} -- what the pages yielded so far said (see `suspicious`)

  local function want(k)
    if not max then return size end
    return math.max(0, min(size, max - k * size))
  end
  local function issue(k)
    local params = page_params(op, base, opts, want(k), skip0 + k * size, tokens[k])
    local path, ropts = executor.prepare(op, params, 4)
    ropts.operation, ropts.retry = op.id, opts.retry
    flight:add(k, transport.build(client, op.method, path, ropts, 4))
    issued = k + 1
  end
  -- Whether page k is known to exist and is worth asking for.
  local function exists(k)
    if want(k) == 0 then return false end
    if op.paging == "token" then return tokens[k] ~= nil end
    if total then return skip0 + k * size < total end
    return full[k - 1] == true -- open-ended: a page after a full one
  end
  local function fill()
    while issued - next_k < n - 1 + (page and 0 or 1) and exists(issued) do issue(issued) end
  end
  local function take(r)
    local k, resp, err = r[1], r[2], r[3]
    local data, rview = executor.finish(op, resp, err)
    if data == nil then pages[k] = { err = rview } return end
    local items, info = page_of(op, data, rview)
    if not items then pages[k] = { err = info } return end
    pages[k] = { items = items, total = info.total }
    if op.paging == "token" then tokens[k + 1] = info.token
    elseif info.total then total = info.total
    else full[k] = #items >= want(k) end
  end
  local function stop()
    done, page = true, nil
    flight:cancel()
  end

  local function step()
    while true do
      if done then return nil end
      if page and i < #page then
        i = i + 1
        yielded = yielded + 1
        if yielded % 16 == 0 then flight:step() end -- let the transfers in flight progress
        local item = page[i]
        if max and yielded >= max then stop() end
        return item
      end
      page = nil
      if next_k == 0 and issued == 0 then issue(0) end
      fill()
      if next_k >= issued then stop() return nil end
      while not pages[next_k] do
        for _, r in ipairs(flight:wait()) do take(r) end
        fill()
      end
      local got = pages[next_k]
      pages[next_k] = nil
      if not got.err then got.err = suspicious(op, seen, got.items, got.total, size) end
      if got.err then
        local resume = op.paging == "token" and { skipToken = tokens[next_k] } or { skip = skip0 + next_k * size }
        stop()
        error(walk_error(got.err, yielded, resume), 2)
      end
      page, i, next_k = got.items, 0, next_k + 1
      fill()
    end
  end
  return step, nil, nil, setmetatable({}, { __close = stop })
end

--- A lazy iterator over every item: `for item in M.each(...) do ... end`. Raises on a failure,
-- with `yielded` and `resume` ({skip=} or {skipToken=}) on the error.
function M.each(client, op, base, opts)
  local size
  opts, size = check_opts(opts, 2)
  local n = batch.concurrency(opts, 2)
  if opts.concurrency and n > 1 and op.paging then return each_concurrent(client, op, base, opts, size, n) end
  local skip, token, link = opts.skip or 0, opts.token, nil
  local max, yielded = opts.max, 0
  local page, i, done, page_more = nil, 0, false, false
  local stop_error -- raised once the current page has been yielded
  local seen = {} -- what the pages before said (see `suspicious`)
  local function more(items, info)
    if op.paging == "token" then
      token = info.token
      return token ~= nil and #items > 0
    end
    if op.paging ~= "skip" then return false end
    skip = skip + size
    if info.total then return skip < info.total end
    if info.link then
      if not url_util.same_origin(info.link, core.state(client).base_url) then
        stop_error = errors.new({ kind = "http", code = "cross_origin_link", operation = op.id,
          message = "refusing a Link rel=\"next\" to another origin: " .. info.link })
        return false
      end
      link = info.link
      return true
    end
    return #items >= size
  end
  local function step()
    while true do
      if done then return nil end
      if page and i < #page then
        i = i + 1
        yielded = yielded + 1
        if max and yielded >= max then done = true end
        return page[i]
      end
      if page and not page_more then
        done = true
        if stop_error then error(walk_error(stop_error, yielded, { skip = skip }), 2) end
        return nil
      end
      if max and yielded >= max then done = true return nil end
      local want = max and min(size, max - yielded) or size
      local items, info = fetch(client, op, page_params(op, base, opts, link and size or want, skip, token), link, opts.retry)
      if not items then
        done = true
        error(walk_error(info, yielded, op.paging == "token" and { skipToken = token } or { skip = skip }), 2)
      end
      local odd = suspicious(op, seen, items, info.total, size)
      if odd then
        done = true
        error(walk_error(odd, yielded, { skip = skip }), 2)
      end
      if want < size then size = want end
      page, i = items, 0
      page_more = more(items, info)
    end
  end
  local closer = setmetatable({}, { __close = function() done = true page = nil end })
  return step, nil, nil, closer
end

--- Collects every item into one array (respecting `max`). Returns the array, or nil and an error
-- carrying the items collected so far in `err.partial`.
function M.all(client, op, base, opts)
  check_opts(opts, 2)
  local out = core.array({})
  local ok, err = pcall(function()
    for item in M.each(client, op, base, opts) do out[#out + 1] = item end
  end)
  if ok then return out end
  if not errors.is(err) then error(err, 0) end
  err.partial = out
  return nil, err
end

return M
