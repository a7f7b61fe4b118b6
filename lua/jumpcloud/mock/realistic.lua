--- Realistic values for synthesized records, chosen by what a field's name or format says it holds: emails,
-- names, hostnames, operating systems, timestamps, addresses, ObjectIds, UUIDs... Deterministic: every
-- value comes from the record's persona (drawn once from the record's random source) and the record's number.
-- @module jumpcloud.mock.realistic

local util = require "jumpcloud.mock.util"

local format, lower, gsub, find, rep = string.format, string.lower, string.gsub, string.find, string.rep
local concat = table.concat

local M = {}

M.BASE_TIME = 1714558500 -- 2024-05-01T10:15:00Z

local FIRST = { "Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Donald",
  "Frances", "Edsger", "Hedy", "Tim", "Katherine", "Niklaus", "Sophie", "John", "Joan", "Guido", "Anita",
  "Bjarne", "Lynn", "Roberto", "Annie", "Shafi", "Leslie", "Yukihiro", "Mary", "Vint" }
local LAST = { "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
  "Perlman", "Knuth", "Allen", "Dijkstra", "Lamarr", "Berners-Lee", "Johnson", "Wirth", "Wilson", "McCarthy",
  "Clarke", "van Rossum", "Borg", "Stroustrup", "Conway", "Ierusalimschy", "Easley", "Goldwasser", "Lamport",
  "Matsumoto", "Jackson", "Cerf" }
local DEPARTMENTS = { "Engineering", "Finance", "Sales", "Marketing", "Support", "Legal", "Operations", "IT",
  "Design", "Research", "Executive", "Contractors", "Interns" }
local TITLES = { "Software Engineer", "Accountant", "Account Executive", "Product Marketer", "Support Engineer",
  "Counsel", "Operations Manager", "IT Administrator", "Designer", "Researcher", "Director", "Consultant" }
local CITIES = { { "Boulder", "CO", "80301" }, { "Denver", "CO", "80202" }, { "Austin", "TX", "78701" },
  { "Seattle", "WA", "98101" }, { "Berlin", "BE", "10115" }, { "London", "LDN", "EC1A 1BB" },
  { "Bangalore", "KA", "560001" }, { "Toronto", "ON", "M5H 2N2" } }
local COUNTRIES = { "US", "US", "US", "US", "DE", "GB", "IN", "CA" }
local TIMEZONES = { "America/Denver", "America/Denver", "America/Chicago", "America/Los_Angeles",
  "Europe/Berlin", "Europe/London", "Asia/Kolkata", "America/Toronto" }
local COMPANIES = { "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent",
  "Hooli", "Vandelay", "Wonka", "Aperture", "Oscorp", "Nakatomi", "Virtucon" }
local OS = { { "Mac OS X", "darwin", "14.4.1", "arm64", "mbp" }, { "Windows", "windows", "10.0.22631", "x86_64", "win" },
  { "Ubuntu", "linux", "22.04", "x86_64", "srv" }, { "Mac OS X", "darwin", "13.6.6", "x86_64", "mba" },
  { "Windows", "windows", "10.0.19045", "x86_64", "lt" }, { "iOS", "ios", "17.4", "arm64", "iph" },
  { "Amazon Linux", "linux", "2023", "x86_64", "ec2" }, { "Android", "android", "14", "arm64", "pix" } }
local WORDS = { "alpha", "bravo", "cedar", "delta", "ember", "falcon", "granite", "harbor", "indigo", "juniper",
  "kestrel", "lumen", "meadow", "nimbus", "onyx", "prairie" }
local VENDORS = { "Apple Inc.", "Dell Inc.", "LENOVO", "HP", "Microsoft Corporation" }
local MODELS = { "MacBookPro18,3", "Latitude 7440", "ThinkPad X1 Carbon Gen 11", "EliteBook 840 G10",
  "Surface Laptop 5" }
local TAGS = { "production", "staging", "remote", "finance", "engineering", "contractors" }
local SENTENCES = { "Managed by the IT team.", "Created for the quarterly access review.",
  "Applies to every office.", "Synced from the HR system.", "Review before the next audit.",
  "Owned by the security team." }

M.FIRST, M.LAST, M.DEPARTMENTS = FIRST, LAST, DEPARTMENTS

local function pick(list, i)
  return list[(i - 1) % #list + 1]
end
M.pick = pick

--- The persona of record `n`: a person, a device, a place and a company, drawn from `rand`.
function M.persona(n, rand)
  local first, last = FIRST[rand(#FIRST)], LAST[rand(#LAST)]
  local place = rand(#CITIES)
  local os = OS[rand(#OS)]
  local dept = rand(#DEPARTMENTS)
  local slug = lower(gsub(last, "[^%a]", ""))
  return {
    n = n, first = first, last = last,
    username = lower(first:sub(1, 1)) .. slug .. (n > 1 and tostring(n) or ""),
    email = format("%s.%s%d@example.com", lower(first), slug, n),
    dept = DEPARTMENTS[dept], title = TITLES[(dept - 1) % #TITLES + 1],
    city = CITIES[place], country = COUNTRIES[place], timezone = TIMEZONES[place],
    company = COMPANIES[rand(#COMPANIES)],
    os = os, hostname = format("%s-%s-%03d", lower(DEPARTMENTS[dept]:sub(1, 3)), os[5], n),
    word = WORDS[rand(#WORDS)],
    time = M.BASE_TIME + n * 3541 + rand(3600),
    rand = rand,
  }
end

--- An ISO 8601 UTC timestamp.
function M.iso(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

local function hex(rand, len)
  local out = {}
  for i = 1, len do out[i] = format("%x", rand(16) - 1) end
  return concat(out)
end
M.hex = hex

-- "SomeFieldName" / "some_field-name" -> "somefieldname"
local function norm(name)
  return lower(gsub(name or "", "[_%-%.%s]", ""))
end
M.norm = norm

local function ends(s, suffix)
  return #s >= #suffix and s:sub(-#suffix) == suffix
end

local function has(s, part)
  return find(s, part, 1, true) ~= nil
end

--- Whether a normalized field name reads as a point in time.
local function timeish(k)
  if has(k, "timezone") or has(k, "format") or k == "stat" or ends(k, "format") then return false end
  return (ends(k, "at") and #k > 3) or ends(k, "time") or has(k, "timestamp") or has(k, "date")
    or ends(k, "created") or ends(k, "updated") or ends(k, "modified") or has(k, "lastcontact")
    or ends(k, "since") or ends(k, "until") or k == "start" or k == "end" or k == "lastseen" or k == "lastlogin"
end
M.timeish = timeish

local function idish(k)
  return k == "id" or k == "_id" or ends(k, "id") or k == "objectid" or ends(k, "objectid")
end

--- A label for things (groups, servers...) of a collection, e.g. "Radius Server".
function M.label(name)
  name = (name or "item"):gsub("^.*/", ""):gsub("[-_]", " ")
  name = name:gsub("ies$", "y"):gsub("([^s])s$", "%1")
  return (name:gsub("^%l", string.upper))
end

--- A string for a field.
-- @tparam table p the persona
-- @tparam string name the field name
-- @tparam[opt] string fmt the schema's format
-- @tparam[opt] string kind "person" | "device" | "group" | "thing": what the record is
-- @tparam[opt] string label the record kind's label ("Radius Server")
function M.string(p, name, fmt, kind, label)
  local k = norm(name)
  local n, rand = p.n, p.rand
  if fmt == "date-time" then return M.iso(p.time + rand(86400 * 30)) end
  if fmt == "date" then return os.date("!%Y-%m-%d", p.time + rand(86400 * 30)) end
  if fmt == "email" then return p.email end
  if fmt == "uuid" or has(k, "uuid") or has(k, "guid") then return util.uuid(rand(1000), n * 7919 + rand(7919)) end
  if fmt == "byte" then return util.base64_encode(format("%s-%s-%d", p.word, hex(rand, 8), n)) end
  if fmt == "hex" then return hex(rand, 24) end
  if fmt == "uri" or fmt == "url" then return format("https://%s.example.com/%s", p.word, lower(p.company)) end
  if fmt == "ipv4" then return format("10.%d.%d.%d", rand(250), rand(250), rand(250)) end
  if fmt == "hostname" then return p.hostname .. ".corp.example.com" end
  if has(k, "email") or k == "mail" or k == "upn" or has(k, "principalname") then return p.email end
  if k == "username" or k == "login" or ends(k, "username") or k == "samaccountname" then
    return p.username
  end
  if k == "firstname" or k == "givenname" or k == "first" then return p.first end
  if k == "lastname" or k == "surname" or k == "familyname" or k == "last" then return p.last end
  if k == "middlename" then return "J." end
  if k == "fullname" or k == "reporter" or k == "requestername" or k == "ownername" then return p.first .. " " .. p.last end
  if k == "hostname" or k == "computername" or k == "devicename" then return p.hostname end
  if k == "displayname" or k == "name" or (k == "title" and kind ~= "person") then
    if kind == "person" then return p.first .. " " .. p.last end
    if kind == "device" then return p.hostname end
    if kind == "group" then return format("%s %s %02d", p.dept, label or "Group", n) end
    return format("%s %02d", label or "Item", n)
  end
  if timeish(k) then return M.iso(p.time + rand(86400 * 30)) end
  if k == "os" or k == "osname" or k == "operatingsystem" or k == "platform" then return p.os[1] end
  if k == "osfamily" or k == "osmetafamily" then return p.os[2] end
  if k == "osversion" or (k == "version" and kind == "device") then return p.os[3] end
  if k == "arch" or k == "architecture" then return p.os[4] end
  if ends(k, "version") then return format("%d.%d.%d", 1 + rand(3), rand(20), rand(9)) end
  if k == "organization" or k == "organizationid" or k == "orgid" then return util.object_id(13, 1) end
  if has(k, "vendor") or k == "manufacturer" then return pick(VENDORS, p.n) end
  if ends(k, "model") then return pick(MODELS, p.n) end
  if k == "number" then return format("+1 303 555 %04d", 100 + n) end
  if k == "location" then return p.city[1] .. " office" end
  if k == "tags" or k == "tagnames" or k == "tag" then return pick(TAGS, p.n + rand(5)) end
  if has(k, "serial") then return "C02" .. string.upper(hex(rand, 9)) end
  if k == "mac" or has(k, "macaddress") then
    return format("a4:83:e7:%02x:%02x:%02x", rand(256) - 1, rand(256) - 1, rand(256) - 1)
  end
  if k == "ip" or ends(k, "ip") or has(k, "ipaddress") or has(k, "ipv4") then
    return format("10.%d.%d.%d", rand(250), rand(250), rand(250))
  end
  if k == "ips" or has(k, "cidr") then return format("10.%d.0.0/16", rand(250)) end
  if ends(k, "url") or ends(k, "uri") or has(k, "website") or has(k, "webhook") or ends(k, "link") then
    return format("https://%s.example.com/%s/%d", p.word, lower(p.company), n)
  end
  if has(k, "domain") then return format("%s.example.com", p.word) end
  if has(k, "phone") or has(k, "mobile") or k == "fax" then return format("+1 303 555 %04d", 100 + n) end
  if k == "department" or k == "costcenter" then return p.dept end
  if k == "jobtitle" or k == "title" then return p.title end
  if k == "company" or k == "companyname" or k == "organizationname" then return p.company .. " Inc." end
  if k == "city" or k == "locality" then return p.city[1] end
  if k == "region" or k == "province" then return p.city[2] end
  if k == "country" or k == "countrycode" then return p.country end
  if k == "postalcode" or k == "zip" or k == "zipcode" then return p.city[3] end
  if has(k, "street") then return format("%d %s Street", 100 + n, p.word:gsub("^%l", string.upper)) end
  if k == "timezone" or k == "tz" then return p.timezone end
  if k == "locale" or k == "language" then return "en-US" end
  if has(k, "color") or has(k, "colour") then return format("#%s", hex(rand, 6)) end
  if has(k, "sha256") then return hex(rand, 64) end
  if has(k, "sha") or has(k, "fingerprint") or has(k, "hash") then return hex(rand, 40) end
  if has(k, "md5") then return hex(rand, 32) end
  if has(k, "token") or has(k, "secret") or has(k, "password") or ends(k, "key") or has(k, "signature") then
    return hex(rand, 32)
  end
  if has(k, "description") or k == "notes" or k == "note" or has(k, "comment") or k == "message"
    or k == "summary" or k == "details" or k == "detail" then
    return pick(SENTENCES, n + rand(6))
  end
  if idish(k) then return util.object_id(400 + rand(1000), n * 31 + rand(9973)) end
  if ends(k, "status") or k == "state" then return "active" end
  if ends(k, "type") or ends(k, "kind") then return "standard" end
  if k == "path" or ends(k, "path") then return format("/usr/local/%s/%d", p.word, n) end
  if ends(k, "command") then return "echo hello" end
  return format("%s-%s-%d", (name ~= "" and name or "value"):gsub("[^%w]", ""):lower(), p.word, n)
end

--- An integer for a field.
function M.integer(p, name)
  local k = norm(name)
  local rand = p.rand
  if ends(k, "port") then return 443 end
  if has(k, "timezone") then return -360 end
  if timeish(k) then return p.time + rand(86400 * 30) end
  if has(k, "year") then return 2024 end
  if has(k, "percent") then return rand(100) end
  if has(k, "count") or has(k, "total") or has(k, "num") or ends(k, "size") then return rand(50) end
  if ends(k, "uid") or ends(k, "gid") then return 5000 + p.n end
  return rand(100)
end

--- A boolean for a field.
function M.boolean(p, name)
  local k = norm(name)
  if k == "activated" or k == "enabled" or k == "active" or has(k, "verified") then return true end
  if k == "suspended" or k == "disabled" or has(k, "locked") or has(k, "expired") or k == "deleted" then
    return false
  end
  return p.rand(2) == 1
end

--- A string of `len` characters from a word, for a minimum length.
function M.pad(s, len)
  if #s >= len then return s end
  return s .. rep("x", len - #s)
end

return M
