-- The mock's answers checked against JumpCloud's own OpenAPI descriptions, not against itself: every operation of
-- the model is called once with a valid request (the mock's example for it: path parameters naming records that
-- exist, the smallest body the operation takes); its status must be one the description declares for it, its
-- content type one the description declares for that status, and every JSON body must validate against the
-- description's response schema. The request bodies the mock received (its request log) are validated against the
-- descriptions' request schemas the same way. The validator is Debian's python3-jsonschema (Draft 2020-12), run
-- once per spec run by spec/mock_validate.py.
--
-- The descriptions are read from $JC_OPENAPI_DIR, else <repo>/../shared/reference/jumpcloud-openapi.

require "jumpcloud.mock.server" -- makes lua-http findable under Lua 5.4
local mock = require "jumpcloud.mock"
local mjson = require "jumpcloud.mock.json"
local model = require "jumpcloud.mock.model"
local http_request = require "http.request"

local KEY = "validation-key-0123456789"
local PYTHON = "/usr/bin/python3"

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

local function descriptions_dir()
  local dir = os.getenv("JC_OPENAPI_DIR")
  if dir and dir ~= "" then return dir end
  local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]*$") or "."
  return here .. "/../shared/reference/jumpcloud-openapi"
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- One HTTP request; returns status, content type, body.
local function send(root, method, path, body, headers)
  local req = http_request.new_from_uri(root .. path)
  req.headers:upsert(":method", method)
  for k, v in pairs(headers or {}) do req.headers:upsert(k:lower(), v) end
  if body ~= nil then req:set_body(body) end
  local h, stream = assert(req:go(30))
  local text = assert(stream:get_body_as_string(30))
  stream:shutdown()
  return tonumber(h:get(":status")), h:get("content-type"), text
end

local function control(root, method, path, body)
  local status, _, text = send(root, method, path, body and mjson.encode(body),
    body and { ["content-type"] = "application/json" } or nil)
  assert(status < 300, method .. " " .. path .. ": " .. status .. " " .. text)
  return text ~= "" and assert(mjson.decode(text)) or nil
end

describe("the mock against JumpCloud's descriptions", function()
  local dir = descriptions_dir()
  local have = exists(dir .. "/api-v2.yaml") and exists(dir .. "/api-v1.yaml")
    and exists(dir .. "/directory-insights-v1.yaml")
  local have_python = exists(PYTHON)
    and os.execute(PYTHON .. " -c 'import jsonschema, yaml' 2>/dev/null") == true

  if not have then
    it("validates every operation's answer", function()
      pending("JumpCloud's OpenAPI descriptions are not in " .. dir .. " (set JC_OPENAPI_DIR): nothing validated")
    end)
    return
  end
  if not have_python then
    it("validates every operation's answer", function()
      pending("python3-jsonschema and python3-yaml are needed (Debian: apt-get install python3-jsonschema "
        .. "python3-yaml): nothing validated")
    end)
    return
  end

  local report, answered, statuses

  setup(function()
    local srv = mock.start{ api_key = KEY }
    local root = srv.root
    local ops = {}
    for _, op in ipairs(model.operations()) do ops[op.id] = op end
    local answers, requests = {}, {}
    statuses = {}
    local function run(ex)
      local op = ops[ex.id]
      local headers = { ["x-api-key"] = KEY }
      for k, v in pairs(ex.headers or {}) do headers[k] = v end
      if ex.content_type then headers["content-type"] = ex.content_type end
      local body = ex.body
      if ex.body_base64 then body = require("jumpcloud.mock.util").base64_decode(ex.body_base64) end
      local status, ctype, text = send(root, ex.method, ex.path, body, headers)
      statuses[ex.id] = status
      -- bytes that are not UTF-8 text (images, zip, PDF) stay out of the cases file: their length tells a body
      answers[#answers + 1] = { id = ex.id, api = op.api, method = op.method, path = op.path, status = status,
        content_type = ctype or "", body = utf8.len(text) and text or "", length = #text }
    end
    local function take_log()
      for _, e in ipairs(control(root, "GET", "/__mock/requests")) do
        local op = e.operation and ops[e.operation]
        if op and op.body and e.body ~= "" then
          requests[#requests + 1] = { id = op.id, api = op.api, method = op.method, path = op.path,
            content_type = e.headers["content-type"] or "", body = utf8.len(e.body) and e.body or "",
            length = #e.body }
        end
      end
    end
    -- reads first, all on one state, lists at their largest page (more records validated); then each write on a
    -- fresh state
    local examples = control(root, "GET", "/__mock/examples")
    for _, ex in ipairs(examples) do
      local op = ops[ex.id]
      if ex.method == "GET" then
        local paging = op.paging
        if paging and paging.size and not paging.in_body and (paging.kind == "skip" or paging.kind == "offset") then
          ex.path = ex.path .. (ex.path:find("?", 1, true) and "&" or "?") .. paging.size .. "="
            .. math.min(paging.max or 100, 100)
        end
        run(ex)
      end
    end
    take_log()
    for _, ex in ipairs(examples) do
      if ex.method ~= "GET" then
        control(root, "POST", "/__mock/reset")
        run(control(root, "GET", "/__mock/examples?id=" .. ex.id))
        take_log()
      end
    end
    srv:stop()
    answered = #answers
    local cases = os.tmpname()
    local f = assert(io.open(cases, "wb"))
    f:write(mjson.encode({ answers = mjson.array(answers), requests = mjson.array(requests) }))
    f:close()
    local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "spec"
    local p = assert(io.popen(PYTHON .. " " .. shell_quote(here .. "/mock_validate.py") .. " " .. shell_quote(dir)
      .. " " .. shell_quote(cases) .. " 2>&1"))
    local out = p:read("a")
    p:close()
    os.remove(cases)
    report = mjson.decode(out:match("(%b{})%s*$") or "")
    assert(report, "mock_validate.py: " .. out)
  end)

  it("calls every operation of the model once", function()
    assert.are.equal(#model.operations(), answered)
  end)

  it("answers every operation with a success status", function()
    local bad = {}
    for id, status in pairs(statuses) do
      if status < 200 or status > 299 then bad[#bad + 1] = id .. " " .. status end
    end
    table.sort(bad)
    assert.are.same({}, bad)
  end)

  it("answers with the statuses, content types and JSON bodies JumpCloud's descriptions declare", function()
    local lines = {}
    for _, f in ipairs(report.failures) do
      if not f.what:match("^request") then lines[#lines + 1] = f.id .. ": " .. f.what .. ": " .. f.message end
    end
    table.sort(lines)
    assert.are.same({}, lines)
    print(string.format("\n  mock validation: %d operations answered, %d JSON bodies validated against JumpCloud's "
      .. "descriptions", report.answers, report.bodies))
  end)

  it("receives request bodies valid against the descriptions' request schemas", function()
    local lines = {}
    for _, f in ipairs(report.failures) do
      if f.what:match("^request") then lines[#lines + 1] = f.id .. ": " .. f.what .. ": " .. f.message end
    end
    table.sort(lines)
    assert.are.same({}, lines)
    print(string.format("\n  mock validation: %d request bodies validated", report.requests))
  end)
end)
