--- Requests in flight together on one client (the core's libcurl multi handle), each with the
-- same retries and deadline as a single call. `batch` and parallel paging are built on it.
-- @module jumpcloud.flight
local core = require "jumpcloud.core"
local attempt = require "jumpcloud.attempt"

local M = {}
local Flight = {}
Flight.__index = Flight

local next_id = 0

--- A new, empty flight on `client`.
function M.new(client)
  return setmetatable({ client = client, state = core.state(client), running = {}, delayed = {}, ready = {},
    count = 0 }, Flight)
end

local function start(self, entry)
  next_id = next_id + 1
  entry.id, entry.attempt = next_id, entry.attempt + 1
  local req = entry.req
  self.client:multi_add(next_id, req.method, req.url, req.headers, req.body, req.to_file,
    attempt.timeout(req), req.decode, req.gzip)
  self.running[next_id] = entry
end

--- Starts request `req` (as made by `client.build`); `key` comes back with its result.
function Flight:add(key, req)
  self.count = self.count + 1
  start(self, { key = key, req = req, attempt = 0 })
end

--- How many requests are in flight or waiting for a retry.
function Flight:pending()
  return self.count
end

-- Starts the retries whose wait is over; returns the seconds until the next one, if any.
local function start_due(self)
  local now, soonest = self.state.clock(), nil
  for i = #self.delayed, 1, -1 do
    local e = self.delayed[i]
    if e.at <= now then
      table.remove(self.delayed, i)
      start(self, e)
    else
      soonest = math.min(soonest or math.huge, e.at - now)
    end
  end
  return soonest
end

-- Takes in what the core says finished: each either done for good (added to self.ready) or
-- scheduled for a retry.
local function absorb(self, finished)
  for _, f in ipairs(finished) do
    local e = self.running[f.id]
    self.running[f.id] = nil
    local resp, err = attempt.interpret(e.req, f.response, f.error)
    local wait = attempt.after_attempt(self.client, e.req, e.attempt, resp, err)
    if wait then
      e.at = self.state.clock() + wait
      self.delayed[#self.delayed + 1] = e
    else
      self.count = self.count - 1
      local ready = self.ready
      if resp then ready[#ready + 1] = { e.key, resp }
      else ready[#ready + 1] = { e.key, nil, attempt.failure(self.client, e.req, e.attempt, err) } end
    end
  end
end

--- Waits until at least one request is done for good, and returns the finished ones as a list of
-- `{key, response}` or `{key, nil, err}`. Returns an empty list when nothing is pending.
function Flight:wait()
  while #self.ready == 0 and self.count > 0 do
    local soonest = start_due(self)
    if next(self.running) == nil then
      self.state.sleep(soonest or 0)
    else
      absorb(self, self.client:multi_wait(math.min(soonest or 1, 1)))
    end
  end
  local done = self.ready
  self.ready = {}
  return done
end

--- Lets transfers progress without waiting (call it while the caller works on earlier results).
function Flight:step()
  if next(self.running) then absorb(self, self.client:multi_wait(0)) end
end

--- Stops every request still in flight or waiting.
function Flight:cancel()
  for id in pairs(self.running) do self.client:multi_cancel(id) end
  self.running, self.delayed, self.ready, self.count = {}, {}, {}, 0
end

return M
