--- Reads JumpCloud's OpenAPI descriptions and the operation id mapping (YAML, with Debian's lua-yaml).
-- Returns plain Lua tables; knows nothing about the model.
local lyaml = require "lyaml"

local M = {}

-- The three descriptions, in the order the model lists them: file, API name, root below the host.
M.apis = {
  { api = "v1", file = "api-v1.yaml", root = "/api" },
  { api = "v2", file = "api-v2.yaml", root = "/api/v2" },
  { api = "insights", file = "directory-insights-v1.yaml", root = "/insights/directory/v1" },
}
M.mapping_file = "operation-id-mapping.yaml"

local function read(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

--- Is `dir` a descriptions directory (all four files present)?
function M.present(dir)
  for _, a in ipairs(M.apis) do
    if not read(dir .. "/" .. a.file) then return false end
  end
  return read(dir .. "/" .. M.mapping_file) ~= nil
end

-- The commit SOURCE.md names (40 hex digits), or nil.
local function source_commit(dir)
  local text = read(dir .. "/SOURCE.md")
  return text and text:match("commit%s+(%x+)")
end

--- Loads everything: `{ docs = {v1 = doc, v2 = doc, insights = doc}, mapping = {...}, commit = "..." }`.
function M.load(dir)
  local docs = {}
  for _, a in ipairs(M.apis) do
    local text = assert(read(dir .. "/" .. a.file))
    docs[a.api] = lyaml.load(text)
  end
  local mapping = lyaml.load(assert(read(dir .. "/" .. M.mapping_file)))
  return { docs = docs, mapping = mapping.operations, commit = source_commit(dir) }
end

return M
