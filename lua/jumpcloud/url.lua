--- URL origins: the Link-following and full-URL checks that keep the API key on the base URL's origin.
-- @module jumpcloud.url
local M = {}

local DEFAULT_PORTS = { http = "80", https = "443" }

--- The origin of a URL: "scheme://host:port", lower-cased, with the default port filled in.
-- @tparam string url
-- @treturn string|nil
function M.origin(url)
  local scheme, authority = url:match("^(%a[%w+.-]*)://([^/?#]*)")
  -- userinfo ("a@b") or a backslash can make a client see another host than this parse does
  if not scheme or authority == "" or authority:find("[@\\%s]") then return nil end
  local host, rest = authority:match("^(%[[^%]]*%])(.*)$")
  if not host then host, rest = authority:match("^([^:]*)(.*)$") end
  local port = rest:match("^:(%d*)$")
  if rest ~= "" and not port then return nil end
  scheme = scheme:lower()
  return scheme .. "://" .. host:lower() .. ":" .. ((port and port ~= "") and port or DEFAULT_PORTS[scheme] or "")
end

--- True when both URLs have the same scheme, host and port.
function M.same_origin(a, b)
  local oa = M.origin(a)
  return oa ~= nil and oa == M.origin(b)
end

return M
