--- Retry policy: which failures are retried, how long to wait, and when to give up.
-- Retried: 429, 502, 503, 504 and connection failures, with exponential backoff and full jitter,
-- a cap per wait, a maximum number of attempts and one deadline for the whole call; a
-- `Retry-After` header (seconds or an HTTP date) is honoured within the deadline. Only idempotent
-- methods are retried by default: POST and PATCH only when the request was never sent, or when
-- the caller opts in with `unsafe = true`, so a create is never silently done twice.
-- @module jumpcloud.retry
local errors = require "jumpcloud.errors"
local check = require "jumpcloud.check"

local type, format, floor, min = type, string.format, math.floor, math.min

local M = {}

--- The retry policy of a client made without the `retry` option.
M.DEFAULTS = {
  attempts = 4,        -- the first attempt and 3 retries
  base_delay = 0.5,    -- seconds; the n-th retry waits up to base_delay * 2^(n-1)
  max_delay = 30,      -- cap of one wait
  deadline = 120,      -- seconds for the whole call, waits included
  unsafe = false,      -- true: retry POST and PATCH like the others
  statuses = { [429] = true, [502] = true, [503] = true, [504] = true },
}

local IDEMPOTENT = { GET = true, HEAD = true, PUT = true, DELETE = true, OPTIONS = true }

local FIELDS = { attempts = "integer", base_delay = "number", max_delay = "number", deadline = "number",
  unsafe = "boolean", statuses = "table" }

--- Checks a retry option (false, true or a table of the fields above) and merges it over `base`
-- (raises at the caller's line on a bad one).
-- @return the policy table, or false when retries are off
function M.policy(base, opt)
  if opt == nil then return base end
  if opt == false then return false end
  if opt == true then return base or M.DEFAULTS end
  if type(opt) ~= "table" then check.fail("bad option 'retry' (false or table expected, got %s)", type(opt)) end
  check.known(opt, FIELDS, "retry field")
  local p = {}
  for k, v in pairs(base or M.DEFAULTS) do p[k] = v end
  for k, v in pairs(opt) do
    local want = FIELDS[k]
    local ok = want == "integer" and math.type(v) == "integer" and v >= 1 or want ~= "integer" and type(v) == want
    if not ok then check.fail("bad option 'retry.%s' (%s expected)", k, want) end
    if k == "statuses" then
      local set = {}
      for _, s in ipairs(v) do set[s] = true end
      v = set
    end
    p[k] = v
  end
  return p
end

--- True when a failed attempt may be tried again under `policy`.
-- @tparam table policy
-- @tparam string method
-- @tparam table err the attempt's error (kind, code, status, sent)
function M.retryable(policy, method, err)
  local safe = IDEMPOTENT[method] or policy.unsafe
  if err.kind == "http" then return safe and policy.statuses[err.status] == true end
  local how = errors.retryable(err.code)
  if how == "safe" then return safe or false end
  if how == "sent_nothing" then return safe or not err.sent end
  return false
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- Seconds since the epoch of a UTC calendar date (os.time would read it as local time).
local function utc_epoch(y, mo, d, h, mi, s)
  local a = (14 - mo) // 12
  local yy, mm = y + 4800 - a, mo + 12 * a - 3
  local jdn = d + (153 * mm + 2) // 5 + 365 * yy + yy // 4 - yy // 100 + yy // 400 - 32045
  return (jdn - 2440588) * 86400 + h * 3600 + mi * 60 + s
end

--- The wait a `Retry-After` value asks for, in seconds (nil when absent or unreadable).
-- @tparam string|nil value delay-seconds or an HTTP date
-- @tparam number now seconds since the epoch (the wall clock, for dates)
function M.retry_after(value, now)
  if type(value) ~= "string" then return nil end
  local secs = value:match("^%s*(%d+)%s*$")
  if secs then return tonumber(secs) end
  local d, mon, y, h, mi, s = value:match("^%s*%a+,%s*(%d+)%s+(%a+)%s+(%d+)%s+(%d+):(%d+):(%d+)%s+GMT%s*$")
  if not d or not MONTHS[mon] then return nil end
  local at = utc_epoch(tonumber(y), MONTHS[mon], tonumber(d), tonumber(h), tonumber(mi), tonumber(s))
  return math.max(0, at - now)
end

--- The wait before retry number `n` (1 for the first retry): full jitter up to the capped
-- exponential backoff.
function M.backoff(policy, n, random)
  local ceiling = min(policy.max_delay, policy.base_delay * 2 ^ (n - 1))
  return random() * ceiling
end

--- Rounds a wait for messages.
function M.describe(wait)
  return format("%.3fs", floor(wait * 1000 + 0.5) / 1000)
end

return M
