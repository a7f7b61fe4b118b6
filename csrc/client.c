/* The client userdata: the transport settings, the API key's header, one reused transfer for
 * sequential requests (so connections are kept alive) and, made on first use, a multi handle
 * with a pool of transfers for concurrent ones (multi.c). Status codes are data here; the Lua
 * layer decides what is an error. */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "jc.h"

jc_client *jc_check_open(lua_State *L, int idx) {
  jc_client *c = luaL_checkudata(L, idx, JC_CLIENT_MT);
  if (!c->open) luaL_error(L, "attempt to use a closed " JC_CLIENT_MT);
  return c;
}

static void free_settings(jc_settings *s) {
  free(s->ca_file);
  free(s->proxy);
  s->ca_file = s->proxy = NULL;
}

/* One cleanup for close, __close and __gc: safe to run twice. */
static void release(jc_client *c) {
  c->open = 0;
  for (size_t i = 0; i < c->pool_len; i++) {
    if (c->pool[i]->in_multi) curl_multi_remove_handle(c->multi, c->pool[i]->easy);
    jc_transfer_free(c->pool[i]);
  }
  free(c->pool);
  c->pool = NULL;
  c->pool_len = 0;
  if (c->multi) curl_multi_cleanup(c->multi);
  c->multi = NULL;
  jc_transfer_free(c->main);
  c->main = NULL;
  if (c->share) curl_share_cleanup(c->share); /* after every handle that used it */
  c->share = NULL;
  curl_slist_free_all(c->defaults);
  c->defaults = NULL;
  if (c->key) memset(c->key, 0, c->key_len);
  free(c->key);
  c->key = NULL;
  free_settings(&c->set);
}

/* ---- construction ------------------------------------------------------ */

/* A malloc'd copy of string option `key`, or NULL when unset; raises on a wrong type. */
static int opt_copy(lua_State *L, int t, const char *key, char **out) {
  lua_getfield(L, t, key);
  const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  *out = s ? strdup(s) : NULL;
  lua_pop(L, 1);
  return s && !*out;
}

static lua_Number opt_number(lua_State *L, int t, const char *key, lua_Number dflt) {
  lua_getfield(L, t, key);
  lua_Number v = lua_isnil(L, -1) ? dflt : luaL_checknumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* A positive option times scale as a whole number between 1 and max: libcurl reads 0 as "no
 * limit" (a timeout of 0.4 ms, or a stall_timeout of 0.5 s, must not turn the limit off), and a
 * cast of a number past the type's range (math.huge) is undefined. */
static lua_Number opt_whole(lua_State *L, const char *key, lua_Number dflt, lua_Number scale, lua_Number max) {
  lua_Number v = opt_number(L, 1, key, dflt) * scale;
  if (!(v >= 1)) return 1; /* NaN too */
  return v > max ? max : floor(v);
}

static void set_key(lua_State *L, jc_client *c) {
  int failed = 0;
  size_t klen = 0;
  lua_getfield(L, 1, "api_key");
  const char *key = lua_tolstring(L, -1, &klen);
  if (key) c->defaults = jc_add_header(L, c->defaults, "x-api-key", key, klen, &failed);
  if (failed == 2) luaL_error(L, "bad api_key: contains CR, LF or NUL");
  if (failed) luaL_error(L, "out of memory");
  if (key && klen) {
    if (!(c->key = malloc(klen + 1))) luaL_error(L, "out of memory");
    memcpy(c->key, key, klen + 1);
    c->key_len = klen;
  }
  lua_pop(L, 1);
}

/* core.new{api_key=, headers=, timeout=, connect_timeout=, stall_timeout=, user_agent=,
 *          ca_file=, proxy=, max_body=} -> client */
static int l_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  jc_client *c = lua_newuserdatauv(L, sizeof *c, 2);
  memset(c, 0, sizeof *c); /* closed until everything is acquired: __gc frees what was taken */
  luaL_setmetatable(L, JC_CLIENT_MT);
  lua_newtable(L);
  lua_setiuservalue(L, -2, 1); /* Lua-side state */
  lua_newtable(L);
  lua_setiuservalue(L, -2, 2); /* bodies of in-flight concurrent requests, by id */
  set_key(L, c);
  lua_getfield(L, 1, "headers");
  struct curl_slist *list = c->defaults;
  c->defaults = NULL; /* jc_add_headers frees the list when it raises */
  c->defaults = jc_add_headers(L, list, lua_gettop(L), "headers");
  lua_pop(L, 1);
  jc_settings *s = &c->set;
  if (opt_copy(L, 1, "ca_file", &s->ca_file) || opt_copy(L, 1, "proxy", &s->proxy))
    return luaL_error(L, "out of memory");
  lua_getfield(L, 1, "user_agent"); /* a default header line: cheaper than CURLOPT_USERAGENT */
  if (!lua_isnil(L, -1)) {
    size_t ulen;
    const char *ua = luaL_checklstring(L, -1, &ulen);
    int failed = 0;
    c->defaults = jc_add_header(L, c->defaults, "User-Agent", ua, ulen, &failed);
    if (failed == 2) return luaL_error(L, "bad user_agent: contains CR or LF");
    if (failed) return luaL_error(L, "out of memory");
  }
  lua_pop(L, 1);
  const lua_Number a_year_ms = 365.0 * 24 * 3600 * 1000; /* as good as no limit, and fits a long */
  s->max_body = (size_t)opt_whole(L, "max_body", 64.0 * 1024 * 1024, 1, (lua_Number)(SIZE_MAX / 2));
  s->timeout_ms = (long)opt_whole(L, "timeout", 60, 1000, a_year_ms);
  s->connect_ms = (long)opt_whole(L, "connect_timeout", 10, 1000, a_year_ms);
  s->stall_s = (long)ceil(opt_whole(L, "stall_timeout", 30, 1000, a_year_ms) / 1000); /* whole seconds */
  c->share = curl_share_init();
  if (!c->share) return luaL_error(L, "cannot create a libcurl share handle");
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (!(c->main = jc_transfer_new(c))) return luaL_error(L, "cannot create a libcurl handle");
  c->open = 1;
  return 1;
}

/* ---- sequential requests ----------------------------------------------- */

/* client:perform(method, url, headers, body [, to_file [, timeout [, decode [, gzip]]]])
 *   -> response | nil, transport error */
static int l_perform(lua_State *L) {
  jc_client *c = jc_check_open(L, 1);
  jc_transfer *t = c->main;
  jc_transfer_prepare(L, c, t, 2);
  CURLcode rc = curl_easy_perform(t->easy);
  int n = jc_transfer_push_result(L, t, rc);
  jc_transfer_reset(t);
  return n;
}

/* client:redact(s): s with every occurrence of the API key replaced. */
static int l_redact(lua_State *L) {
  jc_client *c = luaL_checkudata(L, 1, JC_CLIENT_MT);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  /* A key shorter than 8 bytes (a test key) would mangle ordinary words: real keys are 40. */
  if (!c->key || c->key_len < 8) return lua_settop(L, 2), 1;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  const char *p = s, *end = s + n;
  while (p < end) {
    const char *hit = (size_t)(end - p) >= c->key_len ? memmem(p, (size_t)(end - p), c->key, c->key_len) : NULL;
    if (!hit) break;
    luaL_addlstring(&b, p, (size_t)(hit - p));
    luaL_addstring(&b, "[redacted]");
    p = hit + c->key_len;
  }
  luaL_addlstring(&b, p, (size_t)(end - p));
  luaL_pushresult(&b);
  return 1;
}

static int l_close(lua_State *L) {
  release(luaL_checkudata(L, 1, JC_CLIENT_MT));
  return 0;
}

static int l_tostring(lua_State *L) {
  jc_client *c = luaL_checkudata(L, 1, JC_CLIENT_MT);
  lua_pushfstring(L, JC_CLIENT_MT " (%s%p)", c->open ? "" : "closed, ", (void *)c);
  return 1;
}

/* The key, in the state table, of the table that makes client.policies and the others on first
 * use (core.RESOURCES in Lua): a light userdata, so that no field name of the client reaches it. */
static const char RESOURCES_KEY = 0;

/* Methods first (C ones and those the Lua layer adds), then the per-client state table (plain:
 * a request reading an unset option runs no metamethod), then the resources. */
static int l_index(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  if (lua_rawgetp(L, -2, &RESOURCES_KEY) != LUA_TTABLE) return lua_pushnil(L), 1;
  lua_pushvalue(L, 2);
  lua_gettable(L, -2); /* not raw: its __index makes the resource */
  return 1;
}

static int l_newindex(lua_State *L) {
  return luaL_error(L, "cannot set field '%s' of a " JC_CLIENT_MT, luaL_tolstring(L, 2, NULL));
}

/* core.state(client) -> the table of Lua-side state of a client (open or closed), and whether
 * it is open (one call where a request needs both). */
static int l_state(lua_State *L) {
  jc_client *c = luaL_checkudata(L, 1, JC_CLIENT_MT);
  lua_getiuservalue(L, 1, 1);
  lua_pushboolean(L, c->open);
  return 2;
}

static int l_is_open(lua_State *L) {
  jc_client *c = luaL_testudata(L, 1, JC_CLIENT_MT);
  lua_pushboolean(L, c && c->open);
  return 1;
}

void jc_client_register(lua_State *L) {
  static const luaL_Reg methods[] = {{"perform", l_perform}, {"close", l_close}, {"redact", l_redact}, {NULL, NULL}};
  static const luaL_Reg meta[] = {{"__gc", l_close}, {"__close", l_close}, {"__tostring", l_tostring},
                                  {"__newindex", l_newindex}, {NULL, NULL}};
  int mod = lua_gettop(L);
  luaL_newmetatable(L, JC_CLIENT_MT);
  luaL_setfuncs(L, meta, 0);
  luaL_newlib(L, methods);
  jc_multi_register(L, lua_gettop(L));
  lua_pushvalue(L, -1);
  lua_setfield(L, mod, "methods"); /* the Lua layer adds its methods here */
  lua_pushcclosure(L, l_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  static const luaL_Reg fns[] = {{"new", l_new}, {"state", l_state}, {"is_open", l_is_open}, {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
  lua_pushlightuserdata(L, (void *)&RESOURCES_KEY);
  lua_setfield(L, mod, "RESOURCES");
}
