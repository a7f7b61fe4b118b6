--- `client:batch`: many requests in flight at once, results in the order asked.
-- @module jumpcloud.batch
local transport = require "jumpcloud.transport"
local executor = require "jumpcloud.executor"
local flight_mod = require "jumpcloud.flight"

local type, format = type, string.format

local M = {}

M.DEFAULT_CONCURRENCY = 4
M.MAX_CONCURRENCY = 8 -- JumpCloud's own CLI caps here, for the per-organisation rate limits

--- The concurrency asked for in `opts` (checked), or the default.
function M.concurrency(opts, level)
  local n = opts and opts.concurrency
  if n == nil then return M.DEFAULT_CONCURRENCY end
  if math.type(n) ~= "integer" or n < 1 then
    error(format("bad option 'concurrency' (positive integer expected, got %s)", tostring(n)), level + 1)
  end
  if n > M.MAX_CONCURRENCY then
    error(format("bad option 'concurrency' (%d is more than the maximum of %d)", n, M.MAX_CONCURRENCY), level + 1)
  end
  return n
end

-- The built request of one item, and its operation when it is a call.
local function build_item(client, item, i, level)
  if type(item) ~= "table" then
    error(format("bad request #%d in batch (table expected, got %s)", i, type(item)), level + 1)
  end
  if item.call ~= nil then
    local op = executor.operation(item.call, level + 1)
    local path, opts = executor.prepare(op, item.params, level + 1)
    opts.retry, opts.operation = item.retry, op.id
    return transport.build(client, op.method, path, opts, level + 1), op
  end
  return transport.build(client, item.method or item[1], item.path or item[2], item, level + 1)
end

--- Runs `requests` on `client`; see `client:batch`.
function M.run(client, requests, opts, level)
  if type(requests) ~= "table" then
    error(format("bad argument #1 to 'batch' (table expected, got %s)", type(requests)), level)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(format("bad argument #2 to 'batch' (table expected, got %s)", type(opts)), level)
  end
  local n = M.concurrency(opts, level)
  local reqs, ops = {}, {}
  for i = 1, #requests do reqs[i], ops[i] = build_item(client, requests[i], i, level) end -- raise before sending
  local flight, results, next_i = flight_mod.new(client), {}, 1
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
      if ops[i] then results[i] = table.pack(executor.finish(ops[i], resp, err))
      else results[i] = resp and { resp } or { nil, err } end
    end
    refill()
  end
  return results
end

return M
