--- Writes Lua values as Lua source, deterministically: keys in a fixed or sorted order, short tables on one line,
-- numbers exactly, no trailing spaces. Knows nothing about the model.
local M = {}

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or repeat return then true
  until while]]):gmatch("%a+") do KEYWORDS[w] = true end

--- Is `s` usable as a bare name (`t.s`, `{s = ...}`)?
function M.is_name(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil and not KEYWORDS[s]
end

local ESC = { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

function M.string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return ESC[c] or ("\\%03d"):format(c:byte()) end) .. '"'
end

function M.number(n)
  if math.type(n) == "integer" then return tostring(n) end
  if n ~= n then return "(0/0)" end
  if n == math.huge then return "math.huge" end
  if n == -math.huge then return "-math.huge" end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then return ("%.1f"):format(n) end
  for p = 15, 17 do
    local s = ("%." .. p .. "g"):format(n)
    if tonumber(s) == n then return s end
  end
  return ("%.17g"):format(n)
end

function M.key(k)
  if M.is_name(k) then return k end
  if type(k) == "number" then return "[" .. M.number(k) .. "]" end
  return "[" .. M.string(k) .. "]"
end

local function is_list(t)
  local n = #t
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function scalar(v)
  local t = type(v)
  if t == "string" then return M.string(v) end
  if t == "number" then return M.number(v) end
  if t == "boolean" then return tostring(v) end
  error("cannot write a " .. t)
end

--- Keys of `t` (not a list) in writing order: those of `order` first, as listed, then the rest sorted.
function M.keys(t, order)
  local keys, placed = {}, {}
  for _, k in ipairs(order or {}) do
    if t[k] ~= nil then keys[#keys + 1] = k placed[k] = true end
  end
  local rest = {}
  for k in pairs(t) do if not placed[k] then rest[#rest + 1] = k end end
  table.sort(rest, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta == "number" end
    return a < b
  end)
  for _, k in ipairs(rest) do keys[#keys + 1] = k end
  return keys
end

--- One line for `v`, or nil when it holds a table too deep to be worth a line.
local function inline(v, orders, depth)
  if type(v) ~= "table" then return scalar(v) end
  if next(v) == nil then return "{}" end
  if depth > 3 then return nil end
  local parts = {}
  if is_list(v) then
    for i = 1, #v do
      local s = inline(v[i], orders, depth + 1)
      if not s then return nil end
      parts[i] = s
    end
  else
    for _, k in ipairs(M.keys(v, orders and orders(v))) do
      local s = inline(v[k], orders, depth + 1)
      if not s then return nil end
      parts[#parts + 1] = M.key(k) .. " = " .. s
    end
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

--- Lua source for `v`, its closing brace at column `indent` (spaces), its first character at `column` (default
-- `indent`). `orders(t)` may give a key order for a table.
-- Tables whose one-line form fits in `width` stay on one line; others put one entry (or several short
-- scalar entries) per line.
function M.value(v, indent, orders, width, column)
  indent = indent or 0
  width = width or 118
  if type(v) ~= "table" then return scalar(v) end
  local one = inline(v, orders, 0)
  if one and (column or indent) + #one <= width then return one end
  local pad = string.rep(" ", indent + 2)
  local lines = {}
  local entries = {}
  if is_list(v) then
    for i = 1, #v do entries[#entries + 1] = { nil, v[i] } end
  else
    for _, k in ipairs(M.keys(v, orders and orders(v))) do entries[#entries + 1] = { k, v[k] } end
  end
  local line = nil
  local function flush()
    if line then lines[#lines + 1] = line line = nil end
  end
  for _, e in ipairs(entries) do
    local prefix = e[1] ~= nil and (M.key(e[1]) .. " = ") or ""
    local s = M.value(e[2], indent + 2, orders, width, indent + 2 + #prefix)
    local item = prefix .. s .. ","
    local alone = type(e[2]) == "table" and (e[1] == nil or #s > 30)
    if s:find("\n", 1, true) or alone then
      flush()
      lines[#lines + 1] = pad .. item
    elseif line and #line + 1 + #item <= width then
      line = line .. " " .. item
    else
      flush()
      line = pad .. item
    end
  end
  flush()
  return "{\n" .. table.concat(lines, "\n") .. "\n" .. string.rep(" ", indent) .. "}"
end

return M
