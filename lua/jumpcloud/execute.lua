--- The one place a Request is performed sequentially: its first attempt through the core, and,
-- when that is not a plain success, the attempt loop of `jumpcloud.attempt` (retries, events, the
-- final error). A concurrent flight (`jumpcloud.flight`) runs the same loop over the multi handle.
-- @module jumpcloud.execute
local M = {}

--- One attempt of `req` through the core: what it answered (a response, or nil and the transport's
-- failure). The only call of the core's perform: the first attempt and every retry come here.
function M.attempt(st, req)
  return st.transport:perform(req)
end
local attempt = M.attempt

--- Performs `req` on the client whose state is `st`: the response, or nil and an error.
-- @tparam table st the client's private state (transport, cfg, clock, on_event, ...)
-- @tparam table req a Request (`jumpcloud.request`)
function M.run(st, req)
  local span = req.span
  local deadline = span and st.clock() + span -- every attempt and wait: the call's deadline
  -- the first attempt has the whole span (req.timeout, as made): no need to read the clock again
  local resp, err = attempt(st, req)
  if resp and not resp.decode_error and resp.status < 300 and not st.on_event then
    resp.url, resp.attempts = req.url, 1
    return resp
  end
  req.deadline = deadline
  return require("jumpcloud.attempt").continue(st, req, 1, resp, err)
end

return M
