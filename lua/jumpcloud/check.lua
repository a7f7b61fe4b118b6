--- The boundary's one mechanism for mistakes: `usage` raises a message blaming the first line
-- outside this library (the caller's), however deep in the library the check runs, so no function
-- counts error levels by hand. Also the "did you mean" suggestions every unknown name gets.
-- @module jumpcloud.check
local type, format, concat, sort, min = type, string.format, table.concat, table.sort, math.min
local getinfo = debug and debug.getinfo -- a host may have removed the debug library: then level 2

local M = {}

-- The directory of the library's own modules, as their chunk names spell it ("@jumpcloud/" when
-- installed as bytecode, "@./lua/jumpcloud/" or a full path from the sources).
local OWN = getinfo and getinfo(1, "S").source:match("^(@.*jumpcloud/)check%.lua$")

local function ours(source)
  return source == "=[C]" or (OWN ~= nil and source:sub(1, #OWN) == OWN)
end

--- Raises `message` at the caller's line: the first stack frame that is neither this library's
-- nor a C function (`pcall(client.request, ...)` blames the line of the pcall).
-- @tparam string message
function M.usage(message)
  local level = 2
  if getinfo and OWN then
    local i = 2
    while true do
      local info = getinfo(i, "S")
      if not info then break end
      if not ours(info.source) then level = i break end
      i = i + 1
    end
  end
  error(message, level)
end
local usage = M.usage

--- `usage(format(fmt, ...))`.
function M.fail(fmt, ...)
  usage(format(fmt, ...))
end

--- Raises unless `v` has type `want` (or is nil when `optional`); `what` names it ("option 'x'").
function M.type(v, want, what, optional)
  if type(v) == want or (optional and v == nil) then return v end
  usage(format("bad %s (%s expected, got %s)", what, want, type(v)))
end

M.CLOSED = "attempt to use a closed jumpcloud.Client"

--- Raises the one message of a closed client.
function M.closed()
  usage(M.CLOSED)
end

-- Levenshtein distance, case-insensitive.
local function distance(a, b)
  a, b = a:lower(), b:lower()
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    local ai = a:byte(i)
    for j = 1, #b do
      cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai == b:byte(j) and 0 or 1))
    end
    prev = cur
  end
  return prev[#b]
end

--- The names of `candidates` (a list, or the keys of a set) nearest to `name`, best first: those
-- within `max_distance` (default: a third of the name, at least 2), at most `count` (default 5).
function M.near(name, candidates, count, max_distance)
  local list = candidates
  if candidates[1] == nil then
    list = {}
    for k in pairs(candidates) do if type(k) == "string" then list[#list + 1] = k end end
  end
  max_distance = max_distance or math.max(2, #name // 3)
  local lname, scored = name:lower(), {}
  for _, c in ipairs(list) do
    local d = distance(name, c)
    local lc = c:lower()
    if #lname >= 4 and #lc >= 4 and (lc:find(lname, 1, true) or lname:find(lc, 1, true)) then d = min(d, 2) end
    if d <= max_distance then scored[#scored + 1] = { c, d } end
  end
  sort(scored, function(x, y) return x[2] < y[2] or (x[2] == y[2] and x[1] < y[1]) end)
  local out = {}
  for i = 1, min(count or 5, #scored) do out[i] = scored[i][1] end
  return out
end

--- " (did you mean 'x'?)", " (did you mean: 'x', 'y'?)" or "" for the names near `name`.
function M.suggest(name, candidates, count)
  local near = M.near(name, candidates, count)
  if #near == 0 then return "" end
  if #near == 1 then return format(" (did you mean '%s'?)", near[1]) end
  return format(" (did you mean: '%s'?)", concat(near, "', '"))
end

--- Raises for every key of `t` that is not in the set `known`, with a suggestion.
-- @tparam table t
-- @tparam table known set of accepted names
-- @tparam string what "option", "paging option", ...
function M.known(t, known, what)
  for k in pairs(t) do
    if not known[k] then
      if type(k) ~= "string" then M.fail("unknown %s %s (names are strings)", what, tostring(k)) end
      M.fail("unknown %s '%s'%s", what, k, M.suggest(k, known))
    end
  end
end

return M
