-- Every operation of the model (850: JumpCloud's v1, v2 and Directory Insights), called against the
-- mock through client:call and through its idiomatic method, each from a fresh state, with the
-- result checked: a declared 2xx, data of the kind the operation answers, and, for a read, the same
-- data both ways. The mock's GET /__mock/examples?id= gives a valid request for the current state.
local jumpcloud = require "jumpcloud"
local model = require "jumpcloud.model"
local support = require "spec.support"

-- How each operation is reached through the resources: op id -> {family, steps, verb, as}. A step
-- is a sub-resource call: `{name, nids, graph}`; the verb is a method name, or add/remove for a
-- graph sub's manage operation.
local function method_index()
  local index = {}
  local function walk(family, spec, steps)
    if spec.graph then
      if spec.list then index[spec.list] = { family = family, steps = steps, verb = "list", as = "list" } end
      if spec.manage then index[spec.manage] = { family = family, steps = steps, verb = "edge", as = "edge" } end
      return
    end
    for name, v in pairs(spec.verbs or {}) do
      local as, id = name, v
      if type(v) == "table" then as, id = v.as, v.op end
      -- an alias of another family's operation keeps its own family's first place
      if not index[id] or model.index().family[id] == family then
        index[id] = { family = family, steps = steps, verb = as == "list" and "list" or name, as = as }
      end
    end
    for name, sub in pairs(spec.subs or {}) do
      local s = {}
      for i, x in ipairs(steps) do s[i] = x end
      s[#s + 1] = { name = name, nids = sub.no_parent and 0 or sub.ids or 1, graph = sub.graph, types = sub.types }
      walk(family, sub, s)
    end
  end
  for _, family in ipairs(model.index().resources) do walk(family, model.resource(family), {}) end
  return index
end

local ROOTS = { v1 = "/api", v2 = "/api/v2", insights = "/insights/directory/v1" }

local function unescape(s) return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end

-- The params of an example request, as client:call takes them, and the path's values in order.
local function params_of(op, ex)
  local path, query = ex.path:match("^([^?]*)%??(.*)$")
  local rest = assert(path:sub(#ROOTS[op.api] + 1))
  local pattern = "^" .. op.path:gsub("[%-%.%+%*%?%^%$%%]", "%%%0"):gsub("{[^}]+}", "([^/]+)") .. "$"
  local values = op.path:find("{", 1, true) and { rest:match(pattern) } or {} -- (no capture: the whole match)
  assert.is_truthy(rest:match(pattern), rest .. " does not match " .. op.path)
  local params, i = {}, 0
  for name in op.path:gmatch("{([^}]+)}") do
    i = i + 1
    values[i] = unescape(assert(values[i], "path " .. rest .. " does not match " .. op.path))
    params[name] = values[i]
  end
  local types = {}
  for _, p in ipairs(op.params) do types[p.name] = p end
  for pair in query:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k, v = unescape(k), unescape(v)
    local p = types[k]
    if p and p.type == "array" then params[k] = { v }
    elseif p and (p.type == "integer" or p.type == "number") then params[k] = math.tointeger(tonumber(v)) or tonumber(v)
    elseif p and p.type == "boolean" then params[k] = v == "true"
    else params[k] = v end
  end
  for k, v in pairs(ex.headers or {}) do params[k] = v end
  if ex.json ~= nil then params.body = ex.json
  elseif ex.body_base64 and op.body.content_type == "multipart/form-data" then
    params.body = { image = { file = "/dev/null" } } -- replaced below with a real PNG file
  elseif ex.body then params.body = ex.body end
  return params, values
end

local PNG = "\x89PNG\r\n\x1a\n" .. string.rep("\0", 64)

describe("every operation of the model", function()
  local client, control, index, png_path
  local called = { call = {}, method = {} }

  support.with_mock(function(e)
    client, control = e.client, e.control
    index = method_index()
    png_path = os.tmpname()
    local f = assert(io.open(png_path, "wb"))
    f:write(PNG)
    f:close()
  end)

  local function example(op)
    support.reset(control)
    local r = assert(control:request("GET", "/__mock/examples", { query = { id = op.id } }))
    local params, values = params_of(op, r.body)
    if params.body and type(params.body) == "table" and params.body.image then params.body.image.file = png_path end
    return params, values
  end

  -- The data of a success checked against the operation: returns it, comparable.
  local function check(op, how, data, resp_or_err, extra)
    assert.is_not_nil(data, op.id .. " through " .. how .. ": " .. tostring(resp_or_err))
    local kind = op.response.kind
    if kind == "binary" or kind == "text" then
      assert.are.equal("string", type(data), op.id)
      assert.matches("^" .. (op.accept:match("^([^/,]+)") or ""), tostring(extra or ""), op.id .. " content type")
    elseif kind == "none" then
      assert.are.equal(true, data, op.id)
    elseif op.response.list and how == "call" then
      assert.are.equal("table", type(data), op.id)
    end
    return data
  end

  -- client:call from a fresh state.
  local function via_call(op)
    local params = example(op)
    local data, resp = client:call(op.id, params)
    local ok = check(op, "call", data, resp, resp and resp.headers and resp.headers["content-type"])
    local status_ok = false
    for _, s in ipairs(op.success) do status_ok = status_ok or s == resp.status end
    assert.is_true(status_ok, op.id .. ": status " .. tostring(resp.status))
    called.call[op.id] = true
    return ok
  end

  -- The idiomatic method from a fresh state.
  local function via_method(op)
    local info = assert(index[op.id], op.id .. " has no idiomatic method")
    local params, values = example(op)
    local obj, k = client[info.family], 1
    for _, step in ipairs(info.steps) do
      local args = {}
      for i = 1, step.nids do args[i], k = values[k], k + 1 end
      if step.graph == "associations" then
        local t = params.targets and params.targets[1] or (type(params.body) == "table" and params.body.type)
          or (step.types or {})[1] or "user"
        args[#args + 1] = t
      end
      obj = obj[step.name](obj, table.unpack(args))
    end
    local bound = {}
    for name in op.path:gmatch("{([^}]+)}") do bound[#bound + 1] = name end
    local extra = {}
    for name, v in pairs(params) do
      if name ~= "body" and name ~= "targets" then
        local is_path = false
        for _, b in ipairs(bound) do is_path = is_path or b == name end
        if not is_path then extra[name] = v end
      end
    end
    local data, second
    if info.as == "edge" then
      local b = params.body
      data, second = obj[b.op](obj, b.id, b.attributes)
    elseif info.as == "list" then
      local pg = op.paging
      if pg and not pg.in_body then extra[pg.position], extra[pg.size or "?"] = nil, nil end
      if params.body ~= nil then extra.body = params.body end
      data, second = obj:list(extra)
    else
      local args = {}
      while k <= #values do args[#args + 1], k = values[k], k + 1 end
      if op.body then args[#args + 1] = params.body end
      args[#args + 1] = next(extra) and extra or nil
      data, second = obj[info.verb](obj, table.unpack(args))
    end
    if info.as == "list" then
      assert.is_not_nil(data, op.id .. " through its method: " .. tostring(second))
      assert.is_true(jumpcloud.is_array(data), op.id)
    else
      check(op, "method", data, second, second)
    end
    called.method[op.id] = true
    return data
  end

  -- The items of a list answer of call, to compare with the method's page.
  local function items_of(op, data)
    local list = op.response.list
    if list and list.shape == "envelope" then return data[list.key] end
    return data
  end

  local ops = model.all()
  assert(#ops == 850, "the model has " .. #ops .. " operations")
  for _, op in ipairs(ops) do
    it(string.format("%s (%s %s%s)", op.id, op.method, ROOTS[op.api], op.path), function()
      local a = via_call(op)
      local b = via_method(op)
      if op.method == "GET" then
        local info = index[op.id]
        if info.as == "list" then a = items_of(op, a) end
        if info.as == "list" then -- the same list, the first page of each (call: the API's default size)
          assert.are.equal("table", type(a), op.id)
          -- (the walk sorts by _id where the operation sorts: the call's first item is somewhere in its page)
          assert.are.equal(a[1] == nil, b[1] == nil, op.id .. ": one page is empty")
          if type(a[1]) == "table" and #b >= #a then
            local found = false
            for _, item in ipairs(b) do found = found or require("luassert.util").deepcompare(item, a[1], true) end
            assert.is_true(found, op.id .. ": the call's first item is not in the method's page")
          end
        else
          assert.are.same(a, b, op.id)
        end
      end
    end)
  end

  teardown(function()
    if png_path then os.remove(png_path) end
    local missing = {}
    for _, op in ipairs(ops) do
      if not (called.call[op.id] and called.method[op.id]) then missing[#missing + 1] = op.id end
    end
    assert.are.same({}, missing, "operations not called both ways")
    print(string.format("\nall operations: %d called through client:call and through their method", #ops))
  end)
end)
