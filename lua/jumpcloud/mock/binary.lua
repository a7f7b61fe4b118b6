--- Non-JSON answers of the mock: small valid PNG images, zip archives and PDF documents, built byte by byte
-- (stored, uncompressed data) so tests can check magic numbers, NUL bytes and exact lengths; PEM blocks, Apple
-- configuration profiles, CSV and HTML text.
-- @module jumpcloud.mock.binary

local util = require "jumpcloud.mock.util"

local char, pack, rep, concat = string.char, string.pack, string.rep, table.concat

local M = {}

local function png_chunk(kind, data)
  return pack(">I4", #data) .. kind .. data .. pack(">I4", util.crc32(kind .. data))
end

-- zlib stream of `data` using stored (uncompressed) deflate blocks.
local function zlib_stored(data)
  local parts = {"\x78\x01"}
  local pos, len = 1, #data
  repeat
    local n = math.min(65535, len - pos + 1)
    local final = (pos + n > len) and 1 or 0
    parts[#parts + 1] = char(final) .. pack("<I2I2", n, n ~ 0xffff) .. data:sub(pos, pos + n - 1)
    pos = pos + n
  until pos > len
  parts[#parts + 1] = pack(">I4", util.adler32(data))
  return concat(parts)
end

--- A valid RGB PNG image of `size` x `size` pixels, its colours derived from `seed`.
-- @tparam string seed any string (the logo id)
-- @tparam[opt=16] integer size
-- @treturn string PNG bytes
function M.png(seed, size)
  size = size or 16
  local crc = util.crc32(seed)
  local r, g, b = crc & 0xff, (crc >> 8) & 0xff, (crc >> 16) & 0xff
  local rows = {}
  for y = 0, size - 1 do
    local px = {"\0"} -- filter type 0 on every scanline
    for x = 0, size - 1 do
      if (x + y) % 4 == 0 then
        px[#px + 1] = "\0\0\0"
      else
        px[#px + 1] = char(r, g, b)
      end
    end
    rows[#rows + 1] = concat(px)
  end
  local ihdr = pack(">I4I4BBBBB", size, size, 8, 2, 0, 0, 0)
  return "\x89PNG\r\n\x1a\n"
    .. png_chunk("IHDR", ihdr)
    .. png_chunk("IDAT", zlib_stored(concat(rows)))
    .. png_chunk("IEND", "")
end

--- A zip archive (method 0, stored) of the given files.
-- @tparam {{name=string,data=string},...} files
-- @treturn string zip bytes, starting with `PK\3\4`
function M.zip(files)
  local locals, central, offset = {}, {}, 0
  local dos_time, dos_date = 0x6000, 0x58a1 -- 12:00:00, 2024-05-01
  for _, f in ipairs(files) do
    local crc = util.crc32(f.data)
    local header = pack("<I4I2I2I2I2I2I4I4I4I2I2", 0x04034b50, 20, 0, 0, dos_time, dos_date,
      crc, #f.data, #f.data, #f.name, 0) .. f.name
    locals[#locals + 1] = header .. f.data
    central[#central + 1] = pack("<I4I2I2I2I2I2I2I4I4I4I2I2I2I2I2I4I4", 0x02014b50, 20, 20, 0, 0,
      dos_time, dos_date, crc, #f.data, #f.data, #f.name, 0, 0, 0, 0, 0, offset) .. f.name
    offset = offset + #header + #f.data
  end
  local cd = concat(central)
  local eocd = pack("<I4I2I2I2I2I4I4I2", 0x06054b50, 0, 0, #files, #files, #cd, offset, 0)
  return concat(locals) .. cd .. eocd
end

--- A one-page PDF document showing `title`.
function M.pdf(title)
  title = tostring(title):gsub("[()\\]", "")
  local stream = "BT /F1 18 Tf 72 720 Td (" .. title .. ") Tj ET"
  local objects = {
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      .. "/Resources << /Font << /F1 5 0 R >> >> >>",
    "<< /Length " .. #stream .. " >>\nstream\n" .. stream .. "\nendstream",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  }
  local out, offsets = {"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"}, {}
  local pos = #out[1]
  for i, o in ipairs(objects) do
    offsets[i] = pos
    local text = i .. " 0 obj\n" .. o .. "\nendobj\n"
    out[#out + 1] = text
    pos = pos + #text
  end
  local xref = {"xref\n0 " .. (#objects + 1) .. "\n0000000000 65535 f \n"}
  for _, off in ipairs(offsets) do xref[#xref + 1] = string.format("%010d 00000 n \n", off) end
  out[#out + 1] = concat(xref)
  out[#out + 1] = "trailer\n<< /Size " .. (#objects + 1) .. " /Root 1 0 R >>\nstartxref\n" .. pos .. "\n%%EOF\n"
  return concat(out)
end

--- A PEM block of `label` ("CERTIFICATE", "PRIVATE KEY", ...) around deterministic bytes derived from `seed`.
function M.pem(label, seed)
  local bytes = {}
  local crc = util.crc32(tostring(seed))
  for i = 1, 96 do
    crc = util.crc32(tostring(i), crc)
    bytes[i] = char(crc & 0xff)
  end
  local b64 = util.base64_encode("\x30\x82\x01\x0a" .. concat(bytes))
  local lines = {"-----BEGIN " .. label .. "-----"}
  for i = 1, #b64, 64 do lines[#lines + 1] = b64:sub(i, i + 63) end
  lines[#lines + 1] = "-----END " .. label .. "-----"
  return concat(lines, "\n") .. "\n"
end

--- An Apple configuration profile (an XML property list) enrolling a device with the MDM server `id`.
function M.apple_profile(id, name)
  return concat({
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">', "<dict>",
    "  <key>PayloadContent</key>", "  <array>", "    <dict>",
    "      <key>PayloadType</key><string>com.apple.mdm</string>",
    "      <key>ServerURL</key><string>https://mdm.example.com/" .. id .. "/connect</string>",
    "      <key>PayloadIdentifier</key><string>com.jumpcloud.mdm." .. id .. "</string>",
    "      <key>PayloadVersion</key><integer>1</integer>",
    "    </dict>", "  </array>",
    "  <key>PayloadDisplayName</key><string>" .. (name or "JumpCloud MDM") .. "</string>",
    "  <key>PayloadType</key><string>Configuration</string>",
    "  <key>PayloadUUID</key><string>" .. util.uuid(91, util.crc32(id) % 100000) .. "</string>",
    "  <key>PayloadVersion</key><integer>1</integer>",
    "</dict>", "</plist>", "",
  }, "\n")
end

--- CSV text of rows (arrays of scalars), the first being the header; fields quoted where they need it.
function M.csv(rows)
  local out = {}
  for i, row in ipairs(rows) do
    local cells = {}
    for j, v in ipairs(row) do
      v = tostring(v)
      if v:find('[",\r\n]') then v = '"' .. v:gsub('"', '""') .. '"' end
      cells[j] = v
    end
    out[i] = concat(cells, ",")
  end
  return concat(out, "\r\n") .. "\r\n"
end

--- A small HTML page with a title and a table of rows (arrays of scalars, the first the header).
function M.html(title, rows)
  local out = {"<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>" .. title .. "</title></head><body>",
    "<h1>" .. title .. "</h1>", "<table>"}
  for i, row in ipairs(rows or {}) do
    local tag = i == 1 and "th" or "td"
    local cells = {}
    for j, v in ipairs(row) do cells[j] = "<" .. tag .. ">" .. tostring(v) .. "</" .. tag .. ">" end
    out[#out + 1] = "<tr>" .. concat(cells) .. "</tr>"
  end
  out[#out + 1] = "</table></body></html>"
  return concat(out, "\n") .. "\n"
end

--- Bytes 0..255 repeated up to `n` bytes.
function M.byte_ramp(n)
  local block = {}
  for i = 0, 255 do
    block[#block + 1] = char(i)
  end
  local s = concat(block)
  return rep(s, n // 256 + 1):sub(1, n)
end

return M
