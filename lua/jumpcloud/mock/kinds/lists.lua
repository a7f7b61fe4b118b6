--- Lists: every list shape and paging kind of the model.
--
-- Shapes: a bare array with `x-total-count`, or an envelope (`{results = [...], totalCount = n}`, or the key and
-- total field the model names). Paging kinds: skip (`limit`/`skip`), offset (`limit`/`offset`), cursor, page
-- tokens (`pageToken`, `continuationToken`), skip tokens (`top`/`skipToken`, Microsoft Graph style) and
-- search_after (Directory Insights: `limit` and `search_after` in the body, the next position in the
-- `X-Search_after` header). Filters (`field:op:value`), sort and `fields` apply where the operation takes them;
-- v1's searches filter by their body (`filter`, `searchFilter`).
-- @module jumpcloud.mock.kinds.lists

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"
local store = require "jumpcloud.mock.store"
local body = require "jumpcloud.mock.body"
local present = require "jumpcloud.mock.present"
local schema = require "jumpcloud.mock.schema"
local classify = require "jumpcloud.mock.classify"
local overrides = require "jumpcloud.mock.overrides"

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local format, match, lower, find = string.format, string.match, string.lower, string.find

local M = {}

M.TOKEN_DEFAULT_TOP = 100
M.TOKEN_MAX_TOP = 999

local function fail(ctx, status, message)
  return ctx.respond.error(ctx.route.errors, status, message)
end

-- A list's query refused: JumpCloud answers these with `{message}` alone.
local function refuse(ctx, message)
  return ctx.respond.error("plain", 400, message)
end

------------------------------------------------------------------------------------------------------------------
-- Tokens
------------------------------------------------------------------------------------------------------------------

-- Microsoft Graph style skip tokens: X'<hex of "skip:N">'
local function make_skip_token(offset)
  local payload = "skip:" .. offset
  return "X%27" .. payload:gsub(".", function(c) return format("%02x", c:byte()) end) .. "%27"
end

local function read_skip_token(token)
  local hex = match(token, "^X%%27(%x+)%%27$")
  if not hex or #hex % 2 == 1 then return nil end
  local payload = hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
  return tonumber(match(payload, "^skip:(%d+)$"))
end

-- Opaque page tokens and cursors: base64 of "offset:N".
local function make_token(offset)
  return (util.base64_encode("offset:" .. offset):gsub("=", ""))
end

local function read_token(token)
  local raw = util.base64_decode(token)
  return raw and tonumber(match(raw, "^offset:(%d+)$"))
end

------------------------------------------------------------------------------------------------------------------
-- v1 searches
------------------------------------------------------------------------------------------------------------------

local function matches_filter(rec, f)
  if type(f) ~= "table" then return true end
  if f["and"] then
    for _, x in ipairs(f["and"]) do if not matches_filter(rec, x) then return false end end
    return true
  end
  if f["or"] then
    for _, x in ipairs(f["or"]) do if matches_filter(rec, x) then return true end end
    return #f["or"] == 0
  end
  for k, v in pairs(f) do
    local got = store.get_path(rec, k)
    if type(v) == "table" and not json.is_array(v) then
      if v["$in"] then
        local ok = false
        for _, x in ipairs(v["$in"]) do if x == got then ok = true end end
        if not ok then return false end
      elseif v["$ne"] ~= nil then
        if got == v["$ne"] then return false end
      end
    elseif got ~= v then
      return false
    end
  end
  return true
end

local function search(records, b)
  if not body.is_object(b) then return records end
  local out = {}
  local sf = type(b.searchFilter) == "table" and b.searchFilter or nil
  local term = sf and type(sf.searchTerm) == "string" and lower(sf.searchTerm) or nil
  if sf and type(sf.searchTerm) == "table" then term = lower(tostring(sf.searchTerm[1] or "")) end
  for _, r in ipairs(records) do
    local ok = matches_filter(r, b.filter)
    if ok and term and term ~= "" then
      ok = false
      for _, f in ipairs(type(sf.fields) == "table" and sf.fields or {}) do
        local v = store.get_path(r, f)
        if type(v) == "string" and find(lower(v), term, 1, true) then ok = true break end
      end
    end
    if ok then out[#out + 1] = r end
  end
  return out
end

------------------------------------------------------------------------------------------------------------------
-- Directory Insights events
------------------------------------------------------------------------------------------------------------------

local function millis(iso)
  local y, mo, d, h, mi, s = match(iso or "", "^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then return nil end
  -- days from civil (UTC), no time zone games
  y, mo = tonumber(y), tonumber(mo)
  local yy = mo <= 2 and y - 1 or y
  local era = (yy >= 0 and yy or yy - 399) // 400
  local yoe = yy - era * 400
  local mp = (mo + 9) % 12
  local doy = (153 * mp + 2) // 5 + tonumber(d) - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60000 + tonumber(s) * 1000
end
M.millis = millis

-- The events a query selects, in its order (newest first unless `sort` says ASC).
local function events(records, q)
  local services = {}
  local all = false
  for _, s in ipairs(type(q.service) == "table" and q.service or {}) do
    services[s] = true
    if s == "all" then all = true end
  end
  local from = millis(q.start_time) or 0
  local to = millis(q.end_time) or math.huge
  local out = {}
  for _, e in ipairs(records) do
    local t = millis(e.timestamp) or 0
    if (all or services[e.service]) and t >= from and t < to then out[#out + 1] = e end
  end
  local asc = type(q.sort) == "string" and q.sort:upper() == "ASC"
  table.sort(out, function(a, b)
    if a.timestamp ~= b.timestamp then
      if asc then return a.timestamp < b.timestamp end
      return a.timestamp > b.timestamp
    end
    if asc then return a.id < b.id end
    return a.id > b.id
  end)
  return out, asc
end
M.events = events

------------------------------------------------------------------------------------------------------------------
-- The list
------------------------------------------------------------------------------------------------------------------

local function fields_of(args)
  local f = store.comma_list(args.fields)
  if #f == 0 then return nil end
  return f
end

local function page(list, offset, size)
  local items = {}
  for i = offset + 1, math.min(#list, offset + size) do items[#items + 1] = list[i] end
  return items
end

-- The Link rel="next" header of a skip list, or nil on the last page.
local function next_link(ctx, skip, limit, total)
  local req = ctx.req
  local nskip = skip + limit
  if nskip >= total then return nil end
  local pairs_list = {}
  local seen_limit = false
  for _, p in ipairs(req.query_pairs) do
    if p[1] == "limit" then seen_limit = true end
    if p[1] ~= "skip" then pairs_list[#pairs_list + 1] = p end
  end
  if not seen_limit then pairs_list[#pairs_list + 1] = { "limit", tostring(limit) } end
  pairs_list[#pairs_list + 1] = { "skip", tostring(nskip) }
  return format('<%s%s?%s>; rel="next"', req.origin, req.path, util.build_query(pairs_list))
end

--- Answers a list from `records` (already the ones the list is about) as the operation's shape and paging say.
-- @tparam table ctx
-- @tparam table records
-- @tparam[opt] table opts `present` (a function(record) -> item; default: the record conformed to the list's
--   items schema), `filter` (false: the records are not filtered or sorted here)
function M.answer(ctx, records, opts)
  opts = opts or {}
  local op = ctx.op
  local args = ctx.req.args
  local paging = op.paging
  local kind = paging and paging.kind
  local spec = ctx.coll or {}
  local list = records
  local b
  if op.method == "POST" then
    local err
    b, err = body.decode(ctx.req, op)
    if err then return fail(ctx, 400, "Bad Request: " .. err) end
    err = body.check(b, op, true)
    if err then return fail(ctx, 400, "Bad Request: " .. err) end
    b = b or {}
  end
  local headers = {}
  local asc
  if kind == "search_after" then
    list, asc = events(list, b)
  elseif opts.filter ~= false and not op.graph_syntax then
    if b then list = search(list, b) end
    local err
    list, err = store.select(list, args, { id_field = spec.id_field })
    if not list then return refuse(ctx, err) end
  end
  local total = #list
  local items, next_pos, extra = nil, nil, {}
  if kind == nil then
    items = list
  elseif kind == "skip" or kind == "offset" then
    local limit, skip = store.paging(args, paging.max, paging.size, paging.position)
    if not limit then return refuse(ctx, skip) end
    items = page(list, skip, limit)
    if overrides.link_header[spec.key] then headers.link = next_link(ctx, skip, limit, total) end
  elseif kind == "cursor" or kind == "page_token" then
    local size = 10
    if paging.size then
      local n, err = store.int_param(args, paging.size, 10)
      if not n then return fail(ctx, 400, err) end
      if n > (paging.max or 100) then
        return fail(ctx, 400, format("Bad Request: request parameter %q exceeds maximum value of %d", paging.size,
          paging.max or 100))
      end
      if n > 0 then size = n end
    end
    local offset = 0
    local token = args[paging.position] and args[paging.position][#args[paging.position]]
    if token and token ~= "" then
      offset = read_token(token)
      if not offset then return fail(ctx, 400, "Bad Request: invalid " .. paging.position) end
    end
    items = page(list, offset, size)
    if offset + size < total then next_pos = make_token(offset + size) end
  elseif kind == "skip_token" then
    local top, err = store.int_param(args, paging.size or "top", M.TOKEN_DEFAULT_TOP)
    if not top then return fail(ctx, 400, err) end
    if top < 1 or top > M.TOKEN_MAX_TOP then
      return fail(ctx, 400, format("Bad Request: request parameter \"top\" must be between 1 and %d",
        M.TOKEN_MAX_TOP))
    end
    local offset = 0
    local token = args[paging.position] and args[paging.position][#args[paging.position]]
    if token and token ~= "" then
      offset = read_skip_token(token)
      if not offset then return fail(ctx, 400, "Bad Request: invalid skipToken") end
    end
    items = page(list, offset, top)
    extra[paging.size or "top"] = top
    if offset + top < total then next_pos = make_skip_token(offset + top) end
  elseif kind == "search_after" then
    local limit = math.tointeger(b.limit) or 10000
    if limit < 1 or limit > (paging.max or 10000) then
      return fail(ctx, 400, format("Bad Request: limit must be between 1 and %d", paging.max or 10000))
    end
    local start = 1
    local after = b.search_after
    if type(after) == "table" and after[1] ~= nil then
      local t, id = tonumber(after[1]), tostring(after[2] or "")
      start = #list + 1
      for i, e in ipairs(list) do
        if e.id == id then start = i + 1 break end
        local et = millis(e.timestamp) or 0
        if t and ((asc and et > t) or (not asc and et < t)) then start = i break end
      end
    end
    items = page(list, start - 1, limit)
    local last = items[#items]
    if last then
      headers["x-search_after"] = json.encode(json.array({ millis(last.timestamp), last.id }))
    end
    headers["x-result-count"] = tostring(total)
    headers["x-limit"] = tostring(limit)
  end

  -- the items as the answer's schema has them, projected on `fields`
  local items_schema = classify.list_items(op)
  local fs = items_schema and schema.flat(op.api, items_schema)
  local fields = fields_of(args)
  if b and type(b.fields) == "string" and b.fields ~= "" then fields = store.comma_list({ b.fields }) end
  if b and type(b.fields) == "table" and b.fields[1] then fields = b.fields end
  local out = json.array()
  for i, r in ipairs(items) do
    local v
    if opts.present then v = opts.present(r, fs) else v = present.record(ctx, r, fs, op.api) end
    if fields and type(v) == "table" then v = store.project(v, fields, spec.id_field) end
    out[i] = v
  end

  local list_shape = op.response.list
  if list_shape.shape == "array" then
    headers["x-total-count"] = tostring(total)
    return present.value(ctx, 200, out, headers)
  end
  -- an envelope: the items under its key, the total and the next position beside them
  local env = extra
  if list_shape.total then env[list_shape.total] = total end
  if next_pos and paging.next then env[paging.next] = next_pos end
  local s = present.shape(op)
  if s then
    env[list_shape.key] = json.array()
    env = schema.conform(op.api, env, s, function()
      return schema.generator(ctx.route.key, 1, { seed = ctx.data.seed })
    end)
  end
  env[list_shape.key] = out
  return present.value(ctx, 200, env, headers)
end

--- A list of the route's collection.
function M.list(ctx)
  return M.answer(ctx, ctx.source:all())
end

return M
