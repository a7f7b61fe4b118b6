--- Paging over every list shape of the reference: `list` (one page), `each` (a lazy iterator
-- for the generic `for`), `all` (collect). One page in memory at a time.
--
-- When a walk stops: a known total (`x-total-count` header, or `totalCount` in an envelope) wins,
-- and a short page before it does not end the walk (null records make short pages mid-list); then
-- a `Link: <...>; rel="next"` header (same origin only); then the first short page. Token lists
-- (Office 365 import users) follow `skipToken` until it is empty.
-- @module jumpcloud.paging
local core = require "jumpcloud.core"
local errors = require "jumpcloud.errors"
local executor = require "jumpcloud.executor"
local url_util = require "jumpcloud.url"

local type, pairs, format, min = type, pairs, string.format, math.min

local M = {}

M.MAX_LIMIT = 100
M.DEFAULT_LIMIT = 100

local OPTION_NAMES = { limit = true, max = true, skip = true, filter = true, sort = true, fields = true,
  stable_sort = true, token = true, search = true, orderby = true, count = true, ConsistencyLevel = true,
  ["x-org-id"] = true }

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

-- Validates the paging options; returns the page size and the max.
local function check_opts(opts, level)
  if opts == nil then return {}, M.DEFAULT_LIMIT end
  if type(opts) ~= "table" then error(format("bad paging options (table expected, got %s)", type(opts)), level + 1) end
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

-- The params of one page request: the caller's base params, the options, and the position.
local function page_params(op, base, opts, size, skip, token)
  local p = {}
  for k, v in pairs(base or {}) do p[k] = v end
  for k in pairs(OPTION_NAMES) do
    if opts[k] ~= nil and k ~= "limit" and k ~= "max" and k ~= "skip" and k ~= "stable_sort" and k ~= "token" then
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
local function fetch(client, op, params, url)
  local data, resp
  if url then
    local r, err = client:request(op.method, url, { headers = { accept = op.accept }, org_header = op.org_header })
    if not r then return nil, err end
    data, resp = r.body, r
  else
    data, resp = executor.run(client, op, params, nil, 4)
    if not data then return nil, resp end
  end
  local items, total, token = extract(op, data, resp.headers)
  if type(items) ~= "table" then
    return nil, errors.new({ kind = "decode", code = "bad_page", status = resp.status, operation = op.id,
      message = "the page has no list where the operation's shape says one is" })
  end
  return items, { total = total, token = token, link = next_link(resp.headers), status = resp.status, headers = resp.headers }
end

--- One page. Returns the items (an array) and paging facts `{total, next_skip, next_token, status, headers}`,
-- or nil and an error.
function M.list(client, op, base, opts)
  local size
  opts, size = check_opts(opts, 2)
  local skip = opts.skip or 0
  local items, info = fetch(client, op, page_params(op, base, opts, size, skip, opts.token))
  if not items then return nil, info end
  if op.paging == "skip" and (info.total and skip + size < info.total or (not info.total and #items >= size)) then
    info.next_skip = skip + size
  end
  info.next_token, info.token = info.token, nil
  if not core.is_array(items) then core.array(items) end
  return items, info
end

-- Raised when a walk fails: the error, with how far it got and where to resume.
local function walk_error(err, yielded, resume)
  err.yielded = yielded
  err.resume = resume
  local where = resume.skip and ("skip=" .. resume.skip) or resume.skipToken and ("skipToken=" .. resume.skipToken) or "the start"
  err.message = format("%s (paging stopped after %d items; resume from %s)", err.message or err.code or "error", yielded, where)
  return err
end

--- A lazy iterator over every item: `for item in M.each(...) do ... end`. Raises on a failure,
-- with `yielded` and `resume` ({skip=} or {skipToken=}) on the error.
function M.each(client, op, base, opts)
  local size
  opts, size = check_opts(opts, 2)
  local skip, token, link = opts.skip or 0, opts.token, nil
  local max, yielded = opts.max, 0
  local page, i, done, page_more = nil, 0, false, false
  local stop_error -- raised once the current page has been yielded
  local first_total, last_first = nil, nil
  local function more(items, info)
    if op.paging == "token" then
      token = info.token
      return token ~= nil and #items > 0
    end
    if op.paging ~= "skip" then return false end
    skip = skip + size
    if info.total then
      first_total = first_total or info.total
      if info.total > 2 * first_total + size then
        stop_error = errors.new({ kind = "decode", code = "runaway_total", operation = op.id,
          message = "the server's total keeps growing" })
        return false
      end
      return skip < info.total
    end
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
      local items, info = fetch(client, op, page_params(op, base, opts, link and size or want, skip, token), link)
      if not items then
        done = true
        error(walk_error(info, yielded, op.paging == "token" and { skipToken = token } or { skip = skip }), 2)
      end
      -- A server that ignores skip would repeat its first page forever.
      local first = items[1]
      local id = type(first) == "table" and (first.id or first._id) or nil
      if id ~= nil and id == last_first and op.paging == "skip" then
        done = true
        error(walk_error(errors.new({ kind = "decode", code = "repeated_page", operation = op.id,
          message = "the server returned the same page twice" }), yielded, { skip = skip }), 2)
      end
      last_first = id
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
