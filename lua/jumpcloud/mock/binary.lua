--- Binary answers of the mock: small valid PNG images and zip archives.
-- Both are built byte by byte (stored, uncompressed data) so tests can check
-- magic numbers, NUL bytes and exact lengths.
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
