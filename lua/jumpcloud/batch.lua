--- `client:batch`: many requests in flight at once, results in the order asked.
-- @module jumpcloud.batch
local check = require "jumpcloud.check"
local request = require "jumpcloud.request"
local operation = require "jumpcloud.operation"
local flight_mod = require "jumpcloud.flight"
local paging = require "jumpcloud.paging"

local type = type

local M = {}

M.DEFAULT_CONCURRENCY = 4

-- The Request of one item, and its operation when it is a call.
local function build_item(st, item, i)
  if type(item) ~= "table" then check.fail("bad request #%d in batch (table expected, got %s)", i, type(item)) end
  if item.call ~= nil then
    local op = operation.find(item.call)
    return operation.request(st, op, item.params, { retry = item.retry }, item.call), op
  end
  local opts = {}
  for k, v in pairs(item) do
    if k ~= 1 and k ~= 2 and k ~= "method" and k ~= "path" then opts[k] = v end
  end
  return request.build(st, item.method or item[1], item.path or item[2], opts)
end

--- Runs `requests` on the client whose state is `st`; see `client:batch`.
function M.run(st, requests, opts)
  if type(requests) ~= "table" then check.fail("bad argument #1 to 'batch' (table expected, got %s)", type(requests)) end
  if opts ~= nil and type(opts) ~= "table" then check.fail("bad argument #2 to 'batch' (table expected, got %s)", type(opts)) end
  if opts then check.known(opts, { concurrency = true }, "batch option") end
  local n = paging.concurrency(opts, M.DEFAULT_CONCURRENCY)
  local reqs, ops = {}, {}
  for i = 1, #requests do reqs[i], ops[i] = build_item(st, requests[i], i) end -- raise before sending
  local flight <close> = flight_mod.new(st) -- an error in a hook still takes every transfer out
  local results, next_i = {}, 1
  local function refill()
    while next_i <= #reqs and flight:pending() < n do
      flight:add(next_i, reqs[next_i])
      next_i = next_i + 1
    end
  end
  refill()
  while flight:pending() > 0 do
    for _, r in ipairs(flight:wait()) do
      local i, resp, err = r[1], r[2], r[3]
      if ops[i] then results[i] = table.pack(operation.finish(ops[i], resp, err))
      else results[i] = resp and { resp } or { nil, err } end
    end
    refill()
  end
  return results
end

return M
