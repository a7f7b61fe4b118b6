-- Compiles one Lua module to bytecode, for installing (CMakeLists.txt runs it on lua/jumpcloud/).
-- Lua loads a precompiled chunk several times faster than it parses the source: about 1.7 M of a
-- script's 21 M start-up instructions for the three modules a first request needs. Debug
-- information stays in, so errors and tracebacks still name the file and line; the chunk is named
-- after the module's path below lua/ ("@jumpcloud/client.lua"), wherever it ends up installed.
-- Usage: lua5.4 tools/precompile.lua SOURCE CHUNK_NAME OUTPUT
-- Run it with the interpreter that will load the output: bytecode is specific to a Lua version
-- and to its number types.
assert(_VERSION == "Lua 5.4", "tools/precompile.lua: needs Lua 5.4, runs on " .. _VERSION)
local source, name, output = arg[1], arg[2], arg[3]
assert(source and name and output, "usage: lua5.4 tools/precompile.lua SOURCE CHUNK_NAME OUTPUT")

local f = assert(io.open(source, "rb"))
local text = f:read("a")
f:close()
local chunk = assert(load(text, "@" .. name, "t"))
local out = assert(io.open(output, "wb"))
assert(out:write(string.dump(chunk, false)))
assert(out:close())
