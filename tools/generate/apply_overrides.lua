--- Applies tools/generate/overrides.lua to the built operations: extra names, and patches of single operations
-- (parameters, list shape, paging, Accept, graph syntax). Raises on an override that names nothing.
local M = {}

-- Fields of an operation an override may set, and how.
local REPLACE = { paging = true, accept = true, graph_syntax = true }

local function lookup(by_name, name, what)
  local op = by_name[name]
  if op == nil then error(("overrides.lua: %s names %s, which no operation is called"):format(what, name), 0) end
  if op == false then error(("overrides.lua: %s names %s, which several operations are called"):format(what, name), 0) end
  return op
end

--- Every name an operation answers to, for finding the operations the overrides name.
function M.index(ops)
  local by_name = {}
  local function add(name, op)
    if by_name[name] == nil then by_name[name] = op
    elseif by_name[name] ~= op then by_name[name] = false end
  end
  for _, op in ipairs(ops) do
    add(op.id, op)
    if op.legacy then add(op.legacy, op) end
  end
  return by_name
end

local function patch_param(op, name, patch)
  for _, p in ipairs(op.params) do
    if p.name == name then
      for k, v in pairs(patch) do
        if v == false then p[k] = nil else p[k] = v end
      end
      return
    end
  end
  error(("overrides.lua: %s has no parameter %s"):format(op.legacy or op.id, name), 0)
end

function M.apply(ops, overrides)
  local by_name = M.index(ops)
  for ref_name, target in pairs(overrides.names or {}) do
    local op = lookup(by_name, target, "names." .. ref_name)
    if by_name[ref_name] ~= nil then
      error(("overrides.lua: the extra name %s is already an operation's name"):format(ref_name), 0)
    end
    op.names = op.names or {}
    op.names[#op.names + 1] = ref_name
    table.sort(op.names)
  end
  for name, patch in pairs(overrides.operations or {}) do
    local op = lookup(by_name, name, "operations")
    for k, v in pairs(patch) do
      if k == "params" then
        for pname, ppatch in pairs(v) do patch_param(op, pname, ppatch) end
      elseif k == "body" then
        for bk, bv in pairs(v) do op.body[bk] = bv ~= false and bv or nil end
      elseif k == "paging_fields" then
        for pk, pv in pairs(v) do op.paging[pk] = pv end
      elseif k == "list" then
        op.response.list = v or nil
      elseif REPLACE[k] then
        op[k] = v or nil
      else
        error(("overrides.lua: operations.%s sets %s, which overrides cannot set"):format(name, k), 0)
      end
    end
  end
  return by_name
end

return M
