--- The OAuth token endpoint of JumpCloud's service accounts: `POST /oauth2/token` with the client credentials
-- grant, the client's id and secret in HTTP Basic auth (or `client_id`/`client_secret` in the form body), answers
-- `{access_token, token_type = "bearer", expires_in, scope}`. A wrong secret answers 401 `invalid_client`; any
-- other grant 400 `unsupported_grant_type`. API requests with `Authorization: Bearer <token>` are accepted like
-- the API key until the token expires (or is expired early over `POST /__mock/tokens/expire`).
-- @module jumpcloud.mock.oauth

local json = require "jumpcloud.mock.json"
local util = require "jumpcloud.mock.util"

local format, match = string.format, string.match

local M = {}

M.PATH = "/oauth2/token"
M.DEFAULT_TTL = 3600

local Tokens = {}
Tokens.__index = Tokens

--- The token issuer of a server.
-- @tparam table opts `client_id`, `client_secret`, `ttl` (seconds), `clock` (a function returning seconds)
function M.new(opts)
  return setmetatable({
    client_id = opts.client_id or "mock-client-id",
    client_secret = opts.client_secret or "mock-client-secret",
    ttl = opts.ttl or M.DEFAULT_TTL,
    clock = opts.clock or os.time,
    tokens = {},
    issued = 0,
  }, Tokens)
end

local function oauth_error(status, code, description, headers)
  local h = headers or {}
  h["content-type"] = "application/json; charset=utf-8"
  h["cache-control"] = "no-store"
  return { status = status, headers = h, body = json.encode({ error = code, error_description = description }) }
end

local function form(body)
  local args = util.parse_query(body or "")
  local out = {}
  for k, v in pairs(args) do out[k] = v[#v] end
  return out
end

--- Answers a token request.
function Tokens:token(req)
  if req.method ~= "POST" then
    return oauth_error(405, "invalid_request", "use POST", { allow = "POST" })
  end
  local f = form(req.body)
  local id, secret
  local basic = match(req.headers["authorization"] or "", "^[Bb]asic%s+(%S+)$")
  if basic then
    local decoded = util.base64_decode(basic) or ""
    id, secret = match(decoded, "^([^:]*):(.*)$")
    if id then id, secret = util.unescape_query(id), util.unescape_query(secret) end
  else
    id, secret = f.client_id, f.client_secret
  end
  if f.grant_type ~= "client_credentials" then
    return oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
  end
  if id ~= self.client_id or secret ~= self.client_secret then
    return oauth_error(401, "invalid_client", "client authentication failed",
      { ["www-authenticate"] = 'Basic realm="jumpcloud-mock"' })
  end
  self.issued = self.issued + 1
  local token = format("mock-%s-%06d", util.hex_token(self.issued), self.issued)
  local expires = self.clock() + self.ttl
  self.tokens[token] = expires
  return {
    status = 200,
    headers = { ["content-type"] = "application/json; charset=utf-8", ["cache-control"] = "no-store" },
    body = json.encode({ access_token = token, token_type = "bearer", expires_in = self.ttl,
      scope = f.scope or "api" }),
  }
end

--- Whether a bearer token is valid now.
function Tokens:valid(token)
  local exp = token and self.tokens[token]
  return exp ~= nil and self.clock() < exp
end

--- Expires one token, or every token; returns how many.
function Tokens:expire(token)
  local n = 0
  for t in pairs(self.tokens) do
    if token == nil or t == token then
      self.tokens[t] = 0
      n = n + 1
    end
  end
  return n
end

--- The tokens as data (for `GET /__mock/tokens`).
function Tokens:describe()
  local out = json.array()
  local now = self.clock()
  for t, exp in pairs(self.tokens) do
    out[#out + 1] = { access_token = t, expires_in = math.max(0, exp - now), valid = now < exp }
  end
  table.sort(out, function(a, b) return a.access_token < b.access_token end)
  return out
end

return M
