--- Small helpers for the mock server: URL decoding, query strings, base64,
-- checksums, a deterministic random source and identifier makers.
-- @module jumpcloud.mock.util

local byte, char, format = string.byte, string.char, string.format
local gsub, find, sub = string.gsub, string.find, string.sub
local concat, tonumber = table.concat, tonumber

local M = {}

local function hex_to_char(h)
  return char(tonumber(h, 16))
end

--- Percent-decode a path segment (`+` stays `+`).
function M.unescape_path(s)
  return (gsub(s, "%%(%x%x)", hex_to_char))
end

--- Percent-decode a query component (`+` means space).
function M.unescape_query(s)
  s = gsub(s, "+", " ")
  return (gsub(s, "%%(%x%x)", hex_to_char))
end

--- Percent-encode a query component (RFC 3986 unreserved characters kept).
function M.escape_query(s)
  return (gsub(s, "[^%w%-%._~]", function(c) return format("%%%02X", byte(c)) end))
end

--- Parse a raw query string.
-- @tparam string query raw query (no `?`)
-- @treturn table args name -> array of decoded values, in order
-- @treturn table order array of `{name, value}` pairs, in order
function M.parse_query(query)
  local args, order = {}, {}
  if query == nil or query == "" then
    return args, order
  end
  for part in query:gmatch("[^&]+") do
    local eq = find(part, "=", 1, true)
    local name, value
    if eq then
      name, value = sub(part, 1, eq - 1), sub(part, eq + 1)
    else
      name, value = part, ""
    end
    name, value = M.unescape_query(name), M.unescape_query(value)
    local list = args[name]
    if not list then
      list = {}
      args[name] = list
    end
    list[#list + 1] = value
    order[#order + 1] = {name, value}
  end
  return args, order
end

--- Build a query string from `{ {name, value}, ... }`.
function M.build_query(pairs_list)
  local out = {}
  for i, p in ipairs(pairs_list) do
    out[i] = M.escape_query(p[1]) .. "=" .. M.escape_query(p[2])
  end
  return concat(out, "&")
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B64_INDEX = {}
for i = 1, 64 do
  B64_INDEX[byte(B64, i)] = i - 1
end
B64_INDEX[byte("-")] = 62 -- URL-safe alphabet accepted too
B64_INDEX[byte("_")] = 63

--- Decode base64 (standard or URL-safe alphabet; padding optional).
-- @return the bytes, or nil and a message
function M.base64_decode(s)
  s = gsub(s, "[%s=]", "")
  local out, n = {}, 0
  local acc, bits = 0, 0
  for i = 1, #s do
    local v = B64_INDEX[byte(s, i)]
    if v == nil then
      return nil, "invalid base64 character at " .. i
    end
    acc = (acc << 6) | v
    bits = bits + 6
    if bits >= 8 then
      bits = bits - 8
      n = n + 1
      out[n] = char((acc >> bits) & 0xff)
    end
  end
  return concat(out)
end

--- Encode bytes as standard base64 with padding.
function M.base64_encode(s)
  local out, n = {}, 0
  for i = 1, #s, 3 do
    local a, b, c = byte(s, i, i + 2)
    local v = (a << 16) | ((b or 0) << 8) | (c or 0)
    local k = (b and (c and 4 or 3)) or 2
    for j = 1, 4 do
      n = n + 1
      if j <= k then
        local idx = (v >> (6 * (4 - j))) & 63
        out[n] = sub(B64, idx + 1, idx + 1)
      else
        out[n] = "="
      end
    end
  end
  return concat(out)
end

local CRC_TABLE = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if c & 1 == 1 then
      c = 0xEDB88320 ~ (c >> 1)
    else
      c = c >> 1
    end
  end
  CRC_TABLE[i] = c
end

--- CRC-32 (as used by zip and PNG).
function M.crc32(s, crc)
  crc = (crc or 0) ~ 0xFFFFFFFF
  for i = 1, #s do
    crc = CRC_TABLE[(crc ~ byte(s, i)) & 0xff] ~ (crc >> 8)
  end
  return crc ~ 0xFFFFFFFF
end

--- Adler-32 (zlib trailer).
function M.adler32(s)
  local a, b = 1, 0
  for i = 1, #s do
    a = (a + byte(s, i)) % 65521
    b = (b + a) % 65521
  end
  return (b << 16) | a
end

--- A deterministic pseudo-random source (xorshift64*), independent of math.random.
-- @tparam integer seed
-- @treturn function rand(n): integer in 1..n (or a 53-bit integer without n)
function M.prng(seed)
  local x = (seed or 1) ~ 0x2545F4914F6CDD1D
  if x == 0 then x = 1 end
  return function(n)
    x = x ~ (x >> 12)
    x = x ~ (x << 25)
    x = x ~ (x >> 27)
    local r = (x * 0x2545F4914F6CDD1D) >> 11 -- 53 bits, non-negative
    if n then
      return r % n + 1
    end
    return r
  end
end

--- A 24-hex ObjectId, deterministic for (kind, n).
-- The first 8 digits read as a 2020-2022 timestamp, as real ObjectIds do.
-- @tparam integer kind a small number naming the collection
-- @tparam integer n the record's number
function M.object_id(kind, n)
  return format("%08x%04x%012x", 0x5f000000 + kind * 0x100000 + n * 97, kind & 0xffff, n * 2654435761 % 0x1000000000000)
end

--- A version-4 style UUID, deterministic for (kind, n).
function M.uuid(kind, n)
  local r = M.prng(kind * 1000003 + n)
  local a, b, c, d = r(), r(), r(), r()
  return format("%08x-%04x-4%03x-%x%03x-%012x",
    a & 0xffffffff, b & 0xffff, (b >> 16) & 0xfff, 8 + (c & 3), (c >> 2) & 0xfff, d & 0xffffffffffff)
end

--- An ObjectId for records created at run time.
local created = 0
function M.new_object_id()
  created = created + 1
  return format("%08x%016x", os.time() & 0xffffffff, 0xa000000000000000 + created)
end

--- A UUID for records created at run time.
function M.new_uuid()
  created = created + 1
  return M.uuid(999, created + os.time() % 100000 * 1000)
end

--- The edit distance of two strings (Levenshtein, case-insensitive).
function M.distance(a, b)
  a, b = a:lower(), b:lower()
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = {[0] = i}
    local ca = byte(a, i)
    for j = 1, #b do
      local cost = ca == byte(b, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

--- The names of `candidates` nearest to `name` (at most `n`, default 3), for "did you mean" messages.
function M.nearest(name, candidates, n)
  local scored = {}
  local limit = math.max(2, #name // 3)
  for _, c in ipairs(candidates) do
    local d = M.distance(name, c)
    if d <= limit then scored[#scored + 1] = {c, d} end
  end
  table.sort(scored, function(x, y) return x[2] < y[2] or (x[2] == y[2] and x[1] < y[1]) end)
  local out = {}
  for i = 1, math.min(n or 3, #scored) do out[i] = scored[i][1] end
  return out
end

--- 16 hex digits derived from `n` and the clock: unguessable enough for a mock's tokens.
function M.hex_token(n)
  local r = M.prng(n * 7919 + os.time() + math.floor(os.clock() * 1e6))
  return format("%08x%08x", r() & 0xffffffff, r() & 0xffffffff)
end

--- Quote a string for `sh`.
function M.shell_quote(s)
  return "'" .. gsub(s, "'", "'\\''") .. "'"
end

--- An ISO 8601 UTC timestamp from seconds since the epoch.
function M.iso8601(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

return M
