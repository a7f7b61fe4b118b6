/* luaopen_jumpcloud_core_impl: the transport core of jumpcloud-lua, loaded by csrc/loader.c (the
 * module jumpcloud.core) with lazy binding; require("jumpcloud.core_impl") works too. Sets no
 * globals. */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <errno.h>
#include <time.h>
#include "jc.h"

/* core.now(): seconds on a monotonic clock (for deadlines and durations). */
static int l_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

/* core.sleep(seconds): the default wait between retries. */
static int l_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  if (s <= 0) return 0;
  struct timespec ts = {(time_t)s, (long)((s - (lua_Number)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  return 0;
}

static const char MODULE_KEY = 0; /* registry key of the module table of this Lua state */

int luaopen_jumpcloud_core_impl(lua_State *L) {
  /* Opened twice in one state (as jumpcloud.core and as jumpcloud.core_impl), it is one module:
   * a second set of client methods would drop the ones the Lua layer added to the first. */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &MODULE_KEY) == LUA_TTABLE) return 1;
  lua_pop(L, 1);
  static int curl_ready = 0;
  if (!curl_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return luaL_error(L, "cannot initialise libcurl");
    curl_ready = 1;
  }
  lua_newtable(L);
  lua_pushliteral(L, JC_VERSION);
  lua_setfield(L, -2, "VERSION");
  lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
  lua_setfield(L, -2, "curl_version");
  lua_pushcfunction(L, l_now);
  lua_setfield(L, -2, "now");
  lua_pushcfunction(L, l_sleep);
  lua_setfield(L, -2, "sleep");
  jc_client_register(L);
  jc_json_register(L);
  jc_encode_register(L);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &MODULE_KEY);
  return 1;
}
