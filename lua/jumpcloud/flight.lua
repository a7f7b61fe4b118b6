--- Requests in flight together on one client (the core's libcurl multi handle), each with the
-- same retries and deadline as a single call. `batch` and parallel paging are built on it. A
-- flight is a to-be-closed value: however its user leaves (a result, a `break`, an error raised in
-- a hook), closing it takes every transfer out of the multi handle, so the client stays healthy.
-- @module jumpcloud.flight
local attempt = require "jumpcloud.attempt"
local check = require "jumpcloud.check"

local M = {}
local Flight = {}
Flight.__index = Flight

--- A new, empty flight on the client whose state is `st`.
function M.new(st)
  return setmetatable({ st = st, running = {}, delayed = {}, ready = {}, count = 0 }, Flight)
end

local function start(self, entry)
  local st = self.st
  if not st.transport:is_open() then check.closed() end
  st.next_id = st.next_id + 1 -- unique per client: a flight never sees another's transfers
  entry.id, entry.attempt = st.next_id, entry.attempt + 1
  local req = entry.req
  if entry.attempt == 1 then req.deadline = req.span and st.clock() + req.span end
  req.timeout = attempt.timeout(st, req)
  st.transport:multi_add(entry.id, req)
  self.running[entry.id] = entry
end

--- Starts Request `req`; `key` comes back with its result.
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
  local now, soonest = self.st.clock(), nil
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
-- scheduled for a retry. Results of transfers this flight does not know are not its own.
local function absorb(self, finished)
  local st = self.st
  for _, f in ipairs(finished) do
    local e = self.running[f.id]
    if e then
      self.running[f.id] = nil
      local resp, err = attempt.interpret(e.req, f.response, f.error)
      local wait = attempt.after_attempt(st, e.req, e.attempt, resp, err)
      if wait then
        e.at = st.clock() + wait
        self.delayed[#self.delayed + 1] = e
      else
        self.count = self.count - 1
        local ready = self.ready
        if resp then ready[#ready + 1] = { e.key, resp }
        else ready[#ready + 1] = { e.key, nil, attempt.failure(st, e.req, e.attempt, err) } end
      end
    end
  end
end

--- Waits until at least one request is done for good, and returns the finished ones as a list of
-- `{key, response}` or `{key, nil, err}`. Returns an empty list when nothing is pending.
function Flight:wait()
  local st = self.st
  while #self.ready == 0 and self.count > 0 do
    local soonest = start_due(self)
    if next(self.running) == nil then
      st.sleep(soonest or 0)
    else
      if not st.transport:is_open() then check.closed() end
      absorb(self, (st.transport:multi_wait(math.min(soonest or 1, 1))))
    end
  end
  local done = self.ready
  self.ready = {}
  return done
end

--- Lets transfers progress without waiting (call it while the caller works on earlier results).
function Flight:step()
  if next(self.running) and self.st.transport:is_open() then absorb(self, (self.st.transport:multi_wait(0))) end
end

--- Stops every request still in flight or waiting.
function Flight:cancel()
  for id in pairs(self.running) do self.st.transport:multi_cancel(id) end
  self.running, self.delayed, self.ready, self.count = {}, {}, {}, 0
end
Flight.__close = Flight.cancel

return M
