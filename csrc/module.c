/* luaopen_jumpcloud_core_impl: the transport core of jumpcloud-lua, loaded by csrc/loader.c (the
 * module jumpcloud.core) with lazy binding; require("jumpcloud.core_impl") works too. Sets no
 * globals. */
#define _GNU_SOURCE /* malloc_usable_size */
#include <curl/curl.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jc.h"

/* core.now(): seconds on a monotonic clock (for deadlines and durations). */
static int l_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

/* core.sleep(seconds): the default wait between retries (at most a day at a time). */
static int l_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  if (!(s > 0)) return 0; /* NaN too */
  if (s > 86400) s = 86400;
  struct timespec ts = {(time_t)s, (long)((s - (lua_Number)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  return 0;
}

/* libcurl's memory goes through these, so that what it frees is wiped first: it copies every
 * request's header lines, the API key's among them, into buffers of its own. */
static void wiping_free(void *p) {
  if (!p) return;
  jc_wipe(p, malloc_usable_size(p));
  free(p);
}

static void *wiping_realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  size_t old = malloc_usable_size(p);
  if (n <= old && n > 0) return p;
  void *q = malloc(n ? n : 1);
  if (!q) return NULL;
  memcpy(q, p, old < n ? old : n);
  wiping_free(p);
  return q;
}

static char *plain_strdup(const char *s) { return strdup(s); }

static CURLcode curl_ready = CURLE_FAILED_INIT;

/* Once per process, whichever thread and Lua state gets here first. A host that initialised
 * libcurl before us keeps its own allocator (curl_global_init_mem then only counts a user). */
static void init_curl(void) {
  curl_ready = curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wiping_free, wiping_realloc, plain_strdup, calloc);
}

static const char MODULE_KEY = 0; /* registry key of the module table of this Lua state */

int luaopen_jumpcloud_core_impl(lua_State *L) {
  /* Opened twice in one state (as jumpcloud.core and as jumpcloud.core_impl), it is one module. */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &MODULE_KEY) == LUA_TTABLE) return 1;
  lua_pop(L, 1);
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_curl);
  if (curl_ready != CURLE_OK) return luaL_error(L, "cannot initialise libcurl");
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
