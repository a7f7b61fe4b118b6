-- Request bodies checked against the operation's description before anything is sent, and names:
-- every accepted name of every operation finds it.
local jumpcloud = require "jumpcloud"
local model = require "jumpcloud.model"
local operation = require "jumpcloud.operation"
local support = require "spec.support"

describe("request bodies", function()
  local client, control, ids

  support.with_mock(function(e) client, control, ids = e.client, e.control, e.ids end)

  before_each(function() support.reset(control) end)

  local function sent(path)
    local log = support.requests(control, path)
    return log[#log] and jumpcloud.json.decode(log[#log].body)
  end

  it("refuses a body that is not a table or bytes", function()
    assert.has_error(function() client.iplists:update(ids.iplist, 42) end,
      "bad argument #2 to 'update' (table expected, got number)")
    assert.has_error(function() client:call("iplists_patch", { id = ids.iplist, body = true }) end,
      "bad parameter 'body' for iplists_patch (table or string expected, got boolean)")
    assert.are.same({}, support.requests(control))
  end)

  it("refuses a field the schema does not know, with a suggestion", function()
    assert.has_error(function() client.iplists:update(ids.iplist, { nmae = "Office" }) end,
      "unknown body field 'nmae' for client.iplists:update (did you mean 'name'?) "
        .. "(or pass unchecked = true to send it anyway)")
    assert.has_error(function()
      client:call("autotask_patchSettings", { UUID = ids.autotask_uuid, body = { automaticTicketng = true } })
    end, "unknown body field 'automaticTicketng' for autotask_patchSettings (did you mean 'automaticTicketing'?) "
      .. "(or pass unchecked = true to send it anyway)")
    assert.are.same({}, support.requests(control))
  end)

  it("refuses a scalar of the wrong type, naming the field", function()
    assert.has_error(function() client.iplists:update(ids.iplist, { name = 42 }) end,
      "bad body field 'name' for client.iplists:update (string expected, got integer)")
    assert.has_error(function() client.iplists:update(ids.iplist, { ips = "10.0.0.0/8" }) end,
      "bad body field 'ips' for client.iplists:update (array expected, got string)")
    assert.are.same({}, support.requests(control))
  end)

  it("sends a field declared as an array as an array, empty or not", function()
    assert(client.iplists:update(ids.iplist, { ips = {} }))
    local body = support.requests(control, "/api/v2/iplists/" .. ids.iplist)[1].body
    assert.are.equal('{"ips":[]}', body)
    assert(client.iplists:update(ids.iplist, { ips = { "10.0.0.0/8" } }))
    assert.are.same({ "10.0.0.0/8" }, sent("/api/v2/iplists/" .. ids.iplist).ips)
    assert(client.iplists:update(ids.iplist, { ips = jumpcloud.array{} })) -- a marked array still works
    assert.are.same({}, sent("/api/v2/iplists/" .. ids.iplist).ips)
  end)

  it("sends a field the description does not know with unchecked = true", function()
    assert(client:call("iplists_patch", { id = ids.iplist, body = { description = "x", tag = "new" } },
      { unchecked = true }))
    assert.are.same({ description = "x", tag = "new" }, sent("/api/v2/iplists/" .. ids.iplist))
    assert(client.iplists:update(ids.iplist, { note = "y" }, { unchecked = true }))
    assert.are.same({ note = "y" }, sent("/api/v2/iplists/" .. ids.iplist))
    assert.has_error(function() client:call("iplists_patch", { id = ids.iplist }, { uncheked = true }) end,
      "unknown call option 'uncheked' (did you mean 'unchecked'?)")
  end)
end)

describe("uploads", function()
  local client, control

  support.with_mock(function(e) client, control = e.client, e.control end)

  it("send an application's logo as multipart/form-data, from bytes, {file = path} or a file's path", function()
    local app = assert(client.applications:list({ limit = 1 }))[1]._id
    local png = "\137PNG\r\n\26\nlogo bytes"
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(png)
    f:close()
    local logo = client.applications:logo(app)
    for _, body in ipairs({ { image = png }, { image = { file = path } }, path }) do
      support.reset(control)
      assert.is_true(assert(logo:create(body)))
      local r = support.requests(control)[1]
      assert.matches("^multipart/form%-data; boundary=", r.headers["content-type"])
      assert.is_truthy(r.body:find('name="image"', 1, true))
      assert.is_truthy(r.body:find(png, 1, true))
    end
    os.remove(path)
    assert.has_error(function() logo:create({ picture = png }) end,
      "unknown form field 'picture' for client.applications:logo(...):create")
    assert.has_error(function() logo:create({ image = { file = "/nonexistent/logo.png" } }) end,
      "bad form field 'image' for client.applications:logo(...):create "
        .. "(cannot read the file: /nonexistent/logo.png: No such file or directory)")
  end)
end)

describe("operation names", function()
  it("every standardized, legacy and reference name of every operation finds it", function()
    local n, names = 0, 0
    for _, op in ipairs(model.all()) do
      n = n + 1
      assert.are.equal(op, operation.find(op.id))
      names = names + 1
      if op.legacy and op.legacy ~= "applications_get" then
        assert.are.equal(op, operation.find(op.legacy), op.legacy)
        names = names + 1
      end
      for _, extra in ipairs(op.names or {}) do
        assert.are.equal(op, operation.find(extra), extra)
        names = names + 1
      end
    end
    assert.are.equal(850, n)
    assert.is_true(names > 1690, names .. " names")
    assert.has_error(function() operation.find("applications_get") end,
      "operation id 'applications_get' names 2 operations: call one of 'getApiApplicationsById', "
        .. "'getApiV2ApplicationsByApplicationId'")
    assert.are.equal("getApiV2Policygroups", operation.find("PolicyGroups_listAll").id)
    assert.are.equal("directoryInsights_eventsPost", operation.find("directoryInsights_eventsPost").id)
  end)
end)
