--- Builds one operation record per operation of the descriptions: ids, method, path, parameters, request body,
-- response (kind, list shape, schema), paging, Accept, success statuses, x-org-id, graph kind.
-- Facts only: no summary or description is read. Fields starting with "_" are for the generator's own use.
local lyaml = require "lyaml"
local Resolver = require "generate.resolve_refs"

local M = {}

local NULL = lyaml.null
local METHODS = { "get", "put", "post", "patch", "delete", "head", "options" }

-- Response fields that travel next to a list's array in an envelope (totals, tokens): an object whose only array
-- sits among these is a list even when the operation takes no paging parameters.
local ENVELOPE_META = {
  totalCount = true, total_count = true, total = true, count = true, next = true, nextPageToken = true,
  continuationToken = true, skipToken = true, top = true, cursor = true, session_id = true,
}
local TOTALS = { "totalCount", "total_count", "total" }

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

local function is_json(ct)
  return ct == "application/json" or ct:match("^application/[%w.+-]*%+json$") ~= nil
end

-- Kind of an answer from its content types.
local function response_kind(cts)
  if #cts == 0 then return "none" end
  for _, ct in ipairs(cts) do if is_json(ct) then return "json" end end
  for _, ct in ipairs(cts) do if ct:match("^text/") then return "text" end end
  return "binary"
end

local function scalar(v)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" then return v end
  return nil
end

local function list_copy(v)
  if type(v) ~= "table" or v == NULL then return nil end
  local out = {}
  for i = 1, #v do if scalar(v[i]) ~= nil then out[#out + 1] = v[i] end end
  return out
end

-- One parameter entry.
local function param_entry(R, p)
  local s = R:resolve(p.schema) or {}
  local e = { name = p.name, ["in"] = p["in"], type = R:type_of(s) }
  if p.required == true or p["in"] == "path" then e.required = true end
  if e.type == "array" then
    local items = R:items_of(s)
    e.items = items and R:type_of(items) or "any"
    if p["in"] == "query" then
      local style = p.style or "form"
      local explode = p.explode
      if explode == nil then explode = (style == "form") end
      if explode == true then e.explode = true end
    end
  end
  if scalar(s.maximum) then e.max = s.maximum end
  if scalar(s.minimum) then e.min = s.minimum end
  if s.enum then e.enum = list_copy(s.enum) end
  if s.enum == nil and scalar(s.const) ~= nil then e.enum = { s.const } end
  if scalar(s.default) ~= nil then e.default = s.default end -- array defaults (all empty) are left out
  return e
end

-- Path-level parameters first, then the operation's own; an operation parameter replaces a path-level one of the
-- same name and place where that one stood.
local function params_of(R, item, op)
  local out, at = {}, {}
  for _, src in ipairs({ item.parameters or {}, op.parameters or {} }) do
    for _, raw in ipairs(src) do
      local p = R:resolve(raw)
      local key = p["in"] .. "\0" .. p.name
      local e = param_entry(R, p)
      if at[key] then out[at[key]] = e else out[#out + 1] = e at[key] = #out end
    end
  end
  return out
end

-- Dotted paths of required fields below the top level (BFS, at most `max_depth` levels): "template.id", and
-- "data[].company.id" through the items of an array.
local function required_paths(R, shape, max_depth)
  local out = {}
  for _, r in ipairs(shape.required) do out[#out + 1] = r end
  local level = { { prefix = "", shape = shape } }
  for _ = 2, max_depth do
    local next_level = {}
    for _, node in ipairs(level) do
      for _, name in ipairs(sorted_keys(node.shape.props)) do
        local child = R:resolve(node.shape.props[name])
        local t = R:type_of(child)
        local prefix, sub
        if t == "object" then
          prefix, sub = node.prefix .. name .. ".", child
        elseif t == "array" then
          local items = R:items_of(child)
          if items and R:type_of(items) == "object" then prefix, sub = node.prefix .. name .. "[].", items end
        end
        if sub then
          local cs = R:object_shape(sub)
          if cs.has_props or #cs.required > 0 then
            for _, r in ipairs(cs.required) do out[#out + 1] = prefix .. r end
            next_level[#next_level + 1] = { prefix = prefix, shape = cs }
          end
        end
      end
    end
    level = next_level
  end
  return out
end

local function fields_of(R, shape)
  local fields = {}
  for k, v in pairs(shape.props) do fields[k] = R:type_of(v) end
  return fields
end

local function body_of(R, op)
  if not op.requestBody then return nil end
  local rb = R:resolve(op.requestBody)
  local cts = sorted_keys(rb.content or {})
  local ct = cts[1]
  for _, c in ipairs(cts) do if is_json(c) then ct = c break end end
  local body = { content_type = ct }
  if #cts > 1 then body.content_types = cts end
  if rb.required == true then body.required = true end
  local media = ct and rb.content[ct]
  local schema = media and media ~= NULL and media.schema
  if not schema or schema == NULL then
    body.open = true
    return body
  end
  body.schema = Resolver.schema_ref(schema)
  local t = R:type_of(schema)
  local target = schema
  if t == "array" then
    body.type = "array"
    target = R:items_of(schema)
    body.items = target and R:type_of(target) or "any"
    if body.items ~= "object" then return body end
  end
  local shape = R:object_shape(target)
  if t ~= "array" and t ~= "object" and not shape.has_props then
    body.open = true
    return body
  end
  body.fields = fields_of(R, shape)
  local req = required_paths(R, shape, 3)
  if #req > 0 then body.required_fields = req end
  if shape.open then body.open = true end
  return body
end

local function statuses_2xx(op)
  local list = {}
  for st in pairs(op.responses or {}) do
    local n = tonumber(st)
    if n and n >= 200 and n < 300 then list[#list + 1] = math.tointeger(n) end
  end
  table.sort(list)
  return list
end

local function response_node(R, op, status)
  local r = op.responses[status] or op.responses[tostring(status)]
  return R:resolve(r) or {}
end

-- The paging parameters an operation declares, before knowing whether it answers a list.
local function query_paging(params)
  local q = {}
  for _, p in ipairs(params) do if p["in"] == "query" then q[p.name] = p end end
  local function size(name) return q[name] and name or nil end
  if q.cursor then return { kind = "cursor", size = size("limit"), position = "cursor" }, q end
  if q.pageToken then return { kind = "page_token", size = size("maxResults"), position = "pageToken" }, q end
  if q.continuationToken then return { kind = "page_token", position = "continuationToken" }, q end
  if q.skipToken then return { kind = "skip_token", size = size("top"), position = "skipToken" }, q end
  if q.limit and q.offset then return { kind = "offset", size = "limit", position = "offset" }, q end
  if q.limit and q.skip then return { kind = "skip", size = "limit", position = "skip" }, q end
  if q["queryParameters.limit"] and q["queryParameters.skip"] then
    return { kind = "skip", size = "queryParameters.limit", position = "queryParameters.skip" }, q
  end
  return nil, q
end

-- The list shape of a JSON answer, or nil; raises when an envelope holds several arrays and nothing says which.
local function list_shape(R, schema, paged, id)
  local s = R:resolve(schema)
  if not s then return nil end
  local t = R:type_of(s)
  if t == "array" then return { shape = "array" } end
  if t ~= "object" then return nil end
  local shape = R:object_shape(s)
  local arrays, others = {}, 0
  for _, k in ipairs(sorted_keys(shape.props)) do
    if R:type_of(shape.props[k]) == "array" then arrays[#arrays + 1] = k
    elseif not ENVELOPE_META[k] then others = others + 1 end
  end
  if #arrays == 1 and (paged or others == 0) then
    local l = { shape = "envelope", key = arrays[1] }
    for _, tk in ipairs(TOTALS) do
      if shape.props[tk] then l.total = tk break end
    end
    return l, shape
  end
  if #arrays > 1 and paged then
    return nil, shape, ("the paged answer of %s has several arrays (%s): say which in overrides.lua"):format(
      id, table.concat(arrays, ", "))
  end
  return nil, shape
end

local function security_has_org(doc, op)
  local schemes = doc.components and doc.components.securitySchemes or {}
  for _, req in ipairs(op.security or doc.security or {}) do
    for name in pairs(req) do
      local s = schemes[name]
      if s and s["in"] == "header" and type(s.name) == "string" and s.name:lower() == "x-org-id" then return true end
    end
  end
  return false
end

local function graph_kind(R, method, segments, op, resp_schema)
  local last = segments[#segments]
  if not last or last.param then return nil end
  if last.text == "associations" then return "associations" end
  if last.text == "memberof" then return "memberof" end
  local items = resp_schema and R:items_of(resp_schema)
  local item_ref = items and Resolver.schema_ref(items) or ""
  if last.text == "members" then
    local body_schema
    if op.requestBody then
      local rb = R:resolve(op.requestBody)
      local media = rb.content and rb.content["application/json"]
      body_schema = media and media.schema
    end
    local body_ref = body_schema and Resolver.schema_ref(body_schema) or ""
    if item_ref == "GraphConnection" or body_ref:match("^GraphOperation") then return "members" end
    return nil
  end
  if method == "GET" and item_ref:match("GraphObjectWithPaths$") then return "traverse" end
  return nil
end

-- The `type` enum of a graph POST body (the member or association target types).
local function graph_types(R, op)
  if not op.requestBody then return nil end
  local rb = R:resolve(op.requestBody)
  local media = rb.content and rb.content["application/json"]
  if not (media and media.schema) then return nil end
  local shape = R:object_shape(media.schema)
  local t = shape.props.type and R:resolve(shape.props.type)
  local enum = t and (list_copy(t.enum) or (scalar(t.const) ~= nil and { t.const }))
  if enum and #enum > 0 then table.sort(enum) return enum end
  return nil
end

function M.split_path(path)
  local segs = {}
  for seg in path:gmatch("[^/]+") do
    local name = seg:match("^{(.+)}$")
    segs[#segs + 1] = name and { param = name } or { text = seg }
  end
  return segs
end

--- Builds every operation. `src` is what read_descriptions.load returns, `apis` its list of APIs.
-- Returns the list of operations in a stable order (API, path, method) and a list of errors.
function M.build(src, apis)
  local canonical = {}
  for _, e in ipairs(src.mapping) do
    canonical[e.method:lower() .. " " .. e.host_root_path] = e
  end
  local ops, errors = {}, {}
  for _, a in ipairs(apis) do
    local doc = src.docs[a.api]
    local R = Resolver.new(doc)
    for _, path in ipairs(sorted_keys(doc.paths)) do
      local item = doc.paths[path]
      for _, m in ipairs(METHODS) do
        local raw = item[m]
        if type(raw) == "table" and raw ~= NULL then
          local op = { api = a.api, method = m:upper(), path = path, _root = a.root }
          local map = canonical[m .. " " .. a.root .. path]
          if a.api == "insights" then
            op.id = raw.operationId
          else
            if not map then error(("no standardized id for %s %s%s"):format(m:upper(), a.root, path)) end
            if map.legacy_operation_id ~= raw.operationId then
              error(("mapping says %s, the description %s"):format(map.legacy_operation_id, raw.operationId))
            end
            op.id = map.standardized_operation_id
            op.legacy = raw.operationId
          end
          op.params = params_of(R, item, raw)
          op.body = body_of(R, raw)

          local statuses = statuses_2xx(raw)
          local accept, seen = {}, {}
          for _, st in ipairs(statuses) do
            for _, ct in ipairs(sorted_keys(response_node(R, raw, st).content or {})) do
              if not seen[ct] then seen[ct] = true accept[#accept + 1] = ct end
            end
          end
          table.sort(accept)
          op.accept = #accept > 0 and table.concat(accept, ", ") or "application/json"
          op.success = statuses

          local response = { status = statuses[1] }
          local first = statuses[1] and response_node(R, raw, statuses[1]) or {}
          local cts = sorted_keys(first.content or {})
          response.kind = response_kind(cts)
          -- a 204 has no content whatever the description declares for it (RFC 9110, 15.3.5)
          if statuses[1] == 204 and response.kind ~= "none" then
            response.kind = "none"
            op._content_on_204 = true
          end
          local json_schema
          if response.kind == "json" then
            for _, ct in ipairs(cts) do
              if is_json(ct) then
                local media = first.content[ct]
                json_schema = media ~= NULL and media.schema ~= NULL and media.schema or nil
                break
              end
            end
            if json_schema then
              response.schema = Resolver.schema_ref(json_schema) or R:strip(json_schema)
            end
          end

          local paging, q = query_paging(op.params)
          -- Directory Insights: the body carries the page size and the position (search_after).
          if not paging and op.method == "POST" and op.body and op.body.fields
            and op.body.fields.search_after == "array" then
            paging = { kind = "search_after", size = op.body.fields.limit and "limit" or nil,
              position = "search_after", in_body = true }
          end
          local list, shape, err
          if json_schema and (op.method == "GET" or paging) then
            list, shape, err = list_shape(R, json_schema, paging ~= nil, op.legacy or op.id)
            if err then op._list_error = err end
          end
          if paging and op.method ~= "GET" and not list then paging = nil end
          if paging and shape then
            if paging.kind == "cursor" and shape.props.cursor then paging.next = "cursor" end
            if paging.kind == "page_token" then
              if paging.position == "pageToken" and shape.props.nextPageToken then paging.next = "nextPageToken" end
              if paging.position == "continuationToken" and shape.props.continuationToken then
                paging.next = "continuationToken"
              end
            end
            if paging.kind == "skip_token" and shape.props.skipToken then paging.next = "skipToken" end
          end
          if paging then
            local size = paging.size and q[paging.size]
            paging.max = size and size.max or 100
          end
          response.list = list
          op.response = response
          op.paging = paging

          local org = security_has_org(doc, raw)
          for _, p in ipairs(op.params) do
            if p["in"] == "header" and p.name:lower() == "x-org-id" then org = true end
          end
          op.org_header = org

          op._segments = M.split_path(path)
          op.graph = graph_kind(R, op.method, op._segments, raw, json_schema)
          if op.graph and op.method == "POST" then op._graph_types = graph_types(R, raw) end
          if op.graph == "associations" and op.method == "GET" then
            for _, p in ipairs(op.params) do
              if p.name == "targets" and p.enum then
                op._graph_types = {}
                for i, v in ipairs(p.enum) do op._graph_types[i] = v end
                table.sort(op._graph_types)
              end
            end
          end
          ops[#ops + 1] = op
        end
      end
    end
  end
  return ops, errors
end

return M
