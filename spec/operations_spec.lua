-- Checks lua/jumpcloud/operations.lua on its own, then against the two reference files beside the
-- repository: ../shared/reference/operations.tsv and ../shared/reference/jumpcloud-api-v2.txt.

local operations = require("jumpcloud.operations")

local REFERENCE = "../shared/reference/"

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local function split(s, sep)
  local out = {}
  for item in (s .. sep):gmatch("(.-)" .. sep) do out[#out + 1] = item end
  return out
end

-- "array", "object", "none", "binary", "envelope:<key>" or "token:<key>", as operations.tsv writes it.
local function shape_name(response)
  if type(response) == "string" then return response end
  if response.envelope then return "envelope:" .. response.envelope end
  if response.token then return "token:" .. response.token end
  return "?"
end

local function params_in(op, where)
  local out = {}
  for _, p in ipairs(op.params) do
    if p["in"] == where then out[#out + 1] = p end
  end
  return out
end

local function param(op, name, where)
  for _, p in ipairs(op.params) do
    if p.name == name and p["in"] == where then return p end
  end
  return nil
end

local function placeholders(path)
  local out = {}
  for name in path:gmatch("{([^}]+)}") do out[#out + 1] = name end
  return out
end

local VALID_SHAPES = { array = true, object = true, none = true, binary = true }
local VALID_TYPES = { string = true, integer = true, boolean = true, array = true }
local VALID_IN = { path = true, query = true, header = true }

describe("jumpcloud.operations", function()
  local list, by_id = operations.list, operations.by_id

  describe("the table", function()
    it("has exactly 50 entries", function()
      assert.are.equal(50, #list)
    end)

    it("has unique ids, all indexed by by_id", function()
      local seen, count = {}, 0
      for _, op in ipairs(list) do
        assert.is_nil(seen[op.id], "duplicate id " .. tostring(op.id))
        seen[op.id] = true
        assert.are.equal(op, by_id[op.id])
      end
      for _ in pairs(by_id) do count = count + 1 end
      assert.are.equal(50, count)
    end)

    it("gives every entry well-formed fields", function()
      for _, op in ipairs(list) do
        local where = op.id .. ": "
        assert.is_string(op.id)
        assert.is_truthy(({ GET = 1, POST = 1, PUT = 1, PATCH = 1, DELETE = 1 })[op.method], where .. "method")
        assert.is_truthy(op.path:match("^/"), where .. "path")
        assert.is_true(type(op.summary) == "string" and #op.summary > 0, where .. "summary")
        assert.is_string(op.accept, where .. "accept")
        assert.is_boolean(op.org_header, where .. "org_header")
        assert.is_table(op.params, where .. "params")
        for _, p in ipairs(op.params) do
          assert.is_string(p.name, where .. "param name")
          assert.is_true(VALID_IN[p["in"]] ~= nil, where .. p.name .. " in")
          assert.is_true(VALID_TYPES[p.type] ~= nil, where .. p.name .. " type")
        end
        if type(op.response) == "string" then
          assert.is_true(VALID_SHAPES[op.response] ~= nil, where .. "response")
        else
          assert.is_true(op.response.envelope ~= nil or op.response.token ~= nil, where .. "response")
        end
        assert.is_true(#op.success > 0, where .. "success")
        for _, code in ipairs(op.success) do
          assert.is_true(math.type(code) == "integer" and code >= 200 and code < 300, where .. "success code")
        end
        if op.body ~= nil then
          assert.is_table(op.body.required, where .. "body.required")
          assert.is_boolean(op.body.required_body, where .. "body.required_body")
        end
        assert.is_true(op.paging == nil or op.paging == "skip" or op.paging == "token", where .. "paging")
      end
    end)

    it("has a required path param for every placeholder, and no path param without one", function()
      for _, op in ipairs(list) do
        local names = placeholders(op.path)
        local path_params = params_in(op, "path")
        assert.are.equal(#names, #path_params, op.id)
        for _, name in ipairs(names) do
          local p = param(op, name, "path")
          assert.is_table(p, op.id .. ": no path param for {" .. name .. "}")
          assert.is_true(p.required, op.id .. ": path param " .. name .. " not required")
          assert.are.equal("string", p.type, op.id)
        end
      end
    end)

    it("sets org_header exactly where an x-org-id header param is declared", function()
      for _, op in ipairs(list) do
        assert.are.equal(param(op, "x-org-id", "header") ~= nil, op.org_header, op.id)
      end
    end)

    it("derives paging and sort_param from the query params", function()
      for _, op in ipairs(list) do
        local has = function(name) return param(op, name, "query") ~= nil end
        local expected = (has("limit") and has("skip") and "skip")
          or (has("top") and has("skipToken") and "token") or nil
        assert.are.equal(expected, op.paging, op.id .. " paging")
        assert.are.equal(has("sort") or nil, op.sort_param, op.id .. " sort_param")
      end
    end)

    it("marks only the Office 365 import as taking Microsoft Graph syntax", function()
      for _, op in ipairs(list) do
        assert.are.equal(op.id == "office365s_listImportUsers" or nil, op.graph_syntax, op.id)
      end
    end)

    it("describes the token pager of the Office 365 import", function()
      assert.are.same({ token = "users", token_param = "skipToken", size_param = "top", token_field = "skipToken" },
        by_id.office365s_listImportUsers.response)
    end)

    it("accepts JSON everywhere but on the two binary endpoints", function()
      for _, op in ipairs(list) do
        if op.id == "logos_get" then
          assert.are.equal("image/gif, image/jpeg, image/png", op.accept)
        elseif op.id == "Enrollments_DownloadConfigFiles" then
          assert.are.equal("application/zip, application/octet-stream", op.accept)
        else
          assert.are.equal("application/json", op.accept, op.id)
        end
        assert.are.equal(op.accept ~= "application/json", op.response == "binary", op.id)
      end
    end)

    it("comma-joins array params except the gRPC-gateway device list", function()
      for _, op in ipairs(list) do
        for _, p in ipairs(op.params) do
          local exploded = op.id == "DeviceService_ListDevices" and (p.name == "fields" or p.name == "filter")
          assert.are.equal(exploded or nil, p.explode, op.id .. " " .. p.name)
        end
      end
    end)
  end)

  describe("against operations.tsv", function()
    local text = read_file(REFERENCE .. "operations.tsv")
    if not text then
      pending(REFERENCE .. "operations.tsv is absent: cross-check skipped")
      return
    end

    local rows = {}
    for line in text:gmatch("[^\n]+") do
      if line:sub(1, 1) ~= "#" then
        local c = split(line, "\t")
        rows[#rows + 1] = { method = c[1], path = c[2], id = c[3], shape = c[4], query = c[5], body = c[6] }
      end
    end

    it("lists the same 50 operations in the same order", function()
      assert.are.equal(#list, #rows)
      for i, row in ipairs(rows) do
        assert.are.equal(row.id, list[i].id)
      end
    end)

    for _, row in ipairs(rows) do
      it(row.id .. " matches", function()
        local op = by_id[row.id]
        assert.is_table(op, "missing operation " .. row.id)
        assert.are.equal(row.method, op.method)
        assert.are.equal(row.path, op.path)
        assert.are.equal(row.shape, shape_name(op.response))

        -- query params: names in order, and the type wherever the tsv gives one ("limit:string")
        local query = params_in(op, "query")
        local expected = row.query == "-" and {} or split(row.query, ",")
        assert.are.equal(#expected, #query, "query param count")
        for i, item in ipairs(expected) do
          local name, ty = item:match("^([^:]+):?(.*)$")
          assert.are.equal(name, query[i].name)
          if ty ~= "" then assert.are.equal(ty, query[i].type, name) end
        end

        -- body: "-" none, "(none)" a body with no required field, "(body required)", or the field list
        if row.body == "-" then
          assert.is_nil(op.body)
        elseif row.body == "(none)" then
          assert.are.same({}, op.body.required)
          assert.is_false(op.body.required_body)
        elseif row.body == "(body required)" then
          assert.are.same({}, op.body.required)
          assert.is_true(op.body.required_body)
        else
          assert.are.same(split(row.body, ","), op.body.required)
        end
      end)
    end
  end)

  describe("against jumpcloud-api-v2.txt", function()
    local text = read_file(REFERENCE .. "jumpcloud-api-v2.txt")
    if not text then
      pending(REFERENCE .. "jumpcloud-api-v2.txt is absent: cross-check skipped")
      return
    end

    -- A section runs from a "METHOD /path" line to the same line repeated after its responses.
    local sections, open = {}, nil
    for line in (text .. "\n"):gmatch("(.-)\r?\n") do
      local method, path = line:match("^(%u+) (/%S*)$")
      if method and open and open.header == line then
        open = nil
      elseif method then
        open = { header = line, method = method, path = path, lines = {} }
        sections[#sections + 1] = open
      elseif open then
        open.lines[#open.lines + 1] = line
      end
    end

    -- What one section says: operationId, parameter rows, body, 2xx codes, its text.
    local function parse(section)
      local info = { params = {}, success = {}, org_header = false, body = false, body_required = false }
      local part, after_body = nil, false
      for _, line in ipairs(section.lines) do
        info.id = info.id or line:match("^operationId: (%S+)$")
        local name, where, req, ty = line:match("^(%S+) (%a+) (%a+) (%a+)$")
        if line == "Parameters" or line == "Request Body" or line == "Responses" then
          part = line
          after_body = line == "Request Body"
          info.body = info.body or after_body
        elseif part == "Parameters" and name and VALID_IN[where] then
          info.params[#info.params + 1] = { name = name, ["in"] = where, required = req == "required", type = ty }
          if name == "x-org-id" and where == "header" then info.org_header = true end
        elseif after_body and line ~= "" then
          info.body_required = line == "required"
          after_body = false
        elseif part == "Responses" and line:match("^2%d%d$") then
          info.success[#info.success + 1] = tonumber(line)
        end
      end
      info.text = table.concat(section.lines, " "):gsub("%s+", " ")
      return info
    end

    it("has one section per operation, 50 in all", function()
      assert.are.equal(50, #sections)
      for i, section in ipairs(sections) do
        assert.are.equal(list[i].id, parse(section).id)
      end
    end)

    for _, section in ipairs(sections) do
      local info = parse(section)
      it(tostring(info.id) .. " matches its section", function()
        local op = by_id[info.id]
        assert.is_table(op, "no entry for " .. tostring(info.id))
        assert.are.equal(section.method, op.method)
        assert.are.equal(section.path, op.path)
        assert.is_truthy(info.text:find(op.summary, 1, true), "summary not in the reference text")
        assert.are.equal(info.org_header, op.org_header, "org_header")
        assert.are.same(info.success, op.success)
        assert.are.equal(info.body, op.body ~= nil, "body")
        if op.body then assert.are.equal(info.body_required, op.body.required_body, "required_body") end
        assert.are.equal(#info.params, #op.params, "param count")
        for i, p in ipairs(info.params) do
          local mine = op.params[i]
          assert.are.same({ p.name, p["in"], p.type, p.required },
            { mine.name, mine["in"], mine.type, mine.required == true })
        end
      end)
    end
  end)
end)
