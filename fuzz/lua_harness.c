/* One libFuzzer harness over a real Lua 5.4 state with jumpcloud.core loaded, built twice:
 * -DCHECKER=\"json_check.lua\" (fuzz_json_decode) and -DCHECKER=\"query_check.lua\" (fuzz_query).
 * The checker, a Lua file in this directory, is called with the module and returns a function
 * check(input) -> nil, or a message describing a bug; a message (or an error raised by the
 * checker) aborts, so libFuzzer saves the input. One state serves every input, with a full
 * collection every few thousand inputs so memory stays flat; a Lua heap still above 16 MB after
 * one is reported as a leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#ifndef FUZZ_DIR
#define FUZZ_DIR "."
#endif
#define GC_EVERY 4096
#define LUA_HEAP_MAX_KB (16 * 1024)

int luaopen_jumpcloud_core_impl(lua_State *L);

static lua_State *L;
static int check_ref = LUA_NOREF;
static unsigned long runs;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  L = luaL_newstate();
  if (!L) abort();
  luaL_openlibs(L);
  /* cjson (and dkjson for the JSON checker) from the system, whatever LUA_CPATH says */
  if (luaL_dostring(L, "package.cpath = '/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;' .. package.cpath\n"
                       "package.path = '/usr/share/lua/5.4/?.lua;' .. package.path")) abort();
  luaL_requiref(L, "jumpcloud.core", luaopen_jumpcloud_core_impl, 0);
  const char *dir = getenv("FUZZ_LUA_DIR");
  lua_pushfstring(L, "%s/%s", dir ? dir : FUZZ_DIR, CHECKER);
  if (luaL_loadfile(L, lua_tostring(L, -1)) != LUA_OK) {
    fprintf(stderr, "cannot load the checker: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_pushvalue(L, -3); /* the module */
  if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TFUNCTION) {
    fprintf(stderr, "the checker did not return a function: %s\n", lua_tostring(L, -1));
    abort();
  }
  check_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_settop(L, 0);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, check_ref);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    fprintf(stderr, "%s: error raised while checking: %s\n", CHECKER, lua_tostring(L, -1));
    abort();
  }
  if (!lua_isnil(L, -1)) {
    fprintf(stderr, "%s: %s\n", CHECKER, lua_tostring(L, -1));
    abort();
  }
  lua_settop(L, 0);
  if (++runs % GC_EVERY == 0) {
    lua_gc(L, LUA_GCCOLLECT, 0);
    /* after a full collection only the module, the checker and their upvalues remain */
    int kb = lua_gc(L, LUA_GCCOUNT, 0);
    if (kb > LUA_HEAP_MAX_KB) {
      fprintf(stderr, "%s: Lua heap is %d KB after a full collection (more than %d): a leak\n", CHECKER, kb,
              LUA_HEAP_MAX_KB);
      abort();
    }
  }
  return 0;
}
