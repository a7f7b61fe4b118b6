/* The transport userdata, private to a Lua client object (lua/jumpcloud/client.lua): the
 * transport settings, the API key's header, one reused transfer for sequential requests (so
 * connections are kept alive) and, made on first use, a multi handle with a pool of transfers for
 * concurrent ones (multi.c). Status codes are data here; the Lua layer decides what is an error.
 *
 * No Lua code can free what a C function is using: any allocation can run a finalizer, and a
 * finalizer (or a hook) may close the client. Entry points that run Lua code go through
 * jc_client_guarded, and a close during such a call only marks the client closed; the release
 * comes when the last call returns. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "jc.h"

jc_client *jc_check_open(lua_State *L, int idx) {
  jc_client *c = luaL_checkudata(L, idx, JC_TRANSPORT_MT);
  if (!c->open) luaL_error(L, JC_CLOSED_MSG);
  return c;
}

jc_secret jc_client_secret(const jc_client *c) {
  jc_secret s = {c->key, c->key && c->key_len >= JC_SCRUB_MIN ? c->key_len : 0};
  return s;
}

static void release_now(jc_client *c) {
  c->open = 0;
  c->release_due = 0;
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
  jc_free_lines(c->defaults); /* the client's lines carry the API key */
  c->defaults = NULL;
  if (c->key) jc_wipe(c->key, c->key_len);
  free(c->key);
  c->key = NULL;
  c->key_len = 0;
  jc_settings *s = &c->set;
  char **owned[] = {&s->ca_file, &s->proxy, &s->env_http_proxy, &s->env_https_proxy, &s->no_proxy};
  for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) {
    if (*owned[i]) jc_wipe(*owned[i], strlen(*owned[i])); /* a proxy URL may carry a password */
    free(*owned[i]);
    *owned[i] = NULL;
  }
}

/* One cleanup for close, __close and __gc: safe to run twice, and during a call of this client
 * (then it waits for the call to return). */
static void release(jc_client *c) {
  if (c->busy > 0) {
    c->open = 0;
    c->release_due = 1;
    return;
  }
  release_now(c);
}

int jc_client_guarded(lua_State *L, jc_client *c, lua_CFunction fn) {
  int nargs = lua_gettop(L);
  luaL_checkstack(L, 2, NULL);
  lua_pushvalue(L, 1); /* keeps the userdata reachable here while fn runs and after */
  lua_insert(L, 1);
  lua_pushcfunction(L, fn);
  lua_insert(L, 2);
  c->busy++;
  int rc = lua_pcall(L, nargs, LUA_MULTRET, 0);
  if (--c->busy == 0 && c->release_due) release_now(c);
  if (rc != LUA_OK) return lua_error(L);
  return lua_gettop(L) - 1;
}

/* ---- construction ------------------------------------------------------ */

/* Pushes field `key` of the table at t, read raw (no metamethod runs). */
static int raw_field(lua_State *L, int t, const char *key) {
  lua_pushstring(L, key);
  return lua_rawget(L, t);
}

/* A malloc'd copy of string option `key`, or NULL when unset; raises on a wrong type. */
static int opt_copy(lua_State *L, int t, const char *key, char **out) {
  raw_field(L, t, key);
  const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  *out = s ? strdup(s) : NULL;
  lua_pop(L, 1);
  return s && !*out;
}

static lua_Number opt_number(lua_State *L, int t, const char *key, lua_Number dflt) {
  raw_field(L, t, key);
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

static void add_default(lua_State *L, jc_client *c, const char *name, int idx, const char *what) {
  size_t vlen;
  const char *v = lua_tolstring(L, idx, &vlen);
  switch (jc_add_header(&c->defaults, name, strlen(name), v, vlen)) {
    case JC_HEADER_OK: return;
    case JC_HEADER_NOMEM: luaL_error(L, "out of memory"); return;
    default: luaL_error(L, "bad %s: contains CR, LF or NUL", what); /* never the value: it may be a secret */
  }
}

static void set_key(lua_State *L, jc_client *c) {
  if (raw_field(L, 1, "api_key") == LUA_TNIL) return (void)lua_pop(L, 1);
  size_t klen;
  const char *key = luaL_checklstring(L, -1, &klen);
  add_default(L, c, "x-api-key", -1, "api_key");
  if (klen) {
    if (!(c->key = malloc(klen + 1))) luaL_error(L, "out of memory");
    memcpy(c->key, key, klen + 1);
    c->key_len = klen;
  }
  lua_pop(L, 1);
}

/* The first of the environment variables that is set, copied ("" when none is). */
static char *env_first(const char *const *names) {
  const char *v = NULL;
  for (; *names && !v; names++) v = getenv(*names);
  return strdup(v ? v : "");
}

/* The proxy environment, as libcurl would read it for every request: http_proxy (lower case only,
 * as libcurl does), https_proxy or HTTPS_PROXY, then all_proxy or ALL_PROXY; no_proxy or NO_PROXY. */
static int read_proxy_env(jc_settings *s) {
  static const char *const http[] = {"http_proxy", "all_proxy", "ALL_PROXY", NULL};
  static const char *const https[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL};
  static const char *const none[] = {"no_proxy", "NO_PROXY", NULL};
  s->no_proxy = env_first(none);
  if (s->proxy) return s->no_proxy ? 0 : -1;
  s->env_http_proxy = env_first(http);
  s->env_https_proxy = env_first(https);
  return s->no_proxy && s->env_http_proxy && s->env_https_proxy ? 0 : -1;
}

/* The table of default headers at the top: name -> string value (false: none). */
static void set_headers(lua_State *L, jc_client *c) {
  int t = lua_gettop(L);
  if (lua_isnil(L, t)) return;
  luaL_argexpected(L, lua_type(L, t) == LUA_TTABLE, 1, "table of headers");
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) != LUA_TSTRING || (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TBOOLEAN))
      luaL_error(L, "bad headers: names and values must be strings");
    if (lua_type(L, -1) == LUA_TSTRING) {
      size_t nlen, vlen;
      const char *name = lua_tolstring(L, -2, &nlen), *v = lua_tolstring(L, -1, &vlen);
      int rc = jc_add_header(&c->defaults, name, nlen, v, vlen);
      if (rc == JC_HEADER_NOMEM) luaL_error(L, "out of memory");
      if (rc == JC_HEADER_BAD_NAME) luaL_error(L, "bad headers: '%s' is not a header name", name);
      if (rc) luaL_error(L, "bad headers: value of '%s' contains CR, LF or NUL", name);
    }
    lua_pop(L, 1);
  }
}

/* core.new{api_key=, headers=, timeout=, connect_timeout=, stall_timeout=, user_agent=,
 *          ca_file=, proxy=, max_body=} -> transport */
static int l_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  jc_client *c = lua_newuserdatauv(L, sizeof *c, 1);
  memset(c, 0, sizeof *c); /* closed until everything is acquired: __gc frees what was taken */
  luaL_setmetatable(L, JC_TRANSPORT_MT);
  lua_newtable(L);
  lua_setiuservalue(L, -2, 1); /* bodies of in-flight concurrent requests, by id */
  set_key(L, c);
  raw_field(L, 1, "headers");
  set_headers(L, c);
  lua_pop(L, 1);
  jc_settings *s = &c->set;
  if (opt_copy(L, 1, "ca_file", &s->ca_file) || opt_copy(L, 1, "proxy", &s->proxy) || read_proxy_env(s))
    return luaL_error(L, "out of memory");
  if (raw_field(L, 1, "user_agent") != LUA_TNIL) { /* a default header line: cheaper than CURLOPT_USERAGENT */
    luaL_checktype(L, -1, LUA_TSTRING);
    add_default(L, c, "User-Agent", -1, "user_agent");
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

static int perform(lua_State *L) {
  jc_client *c = lua_touserdata(L, 1);
  jc_transfer *t = c->main;
  jc_transfer_prepare(L, c, t, 2);
  CURLcode rc = curl_easy_perform(t->easy);
  int n = jc_transfer_push_result(L, t, rc, jc_client_secret(c));
  jc_transfer_reset(t);
  return n;
}

/* transport:perform(request) -> response | nil, transport error */
static int l_perform(lua_State *L) {
  jc_client *c = jc_check_open(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  return jc_client_guarded(L, c, perform);
}

static int redact(lua_State *L) {
  jc_client *c = lua_touserdata(L, 1);
  jc_scrub_value(L, 2, jc_client_secret(c));
  return 1;
}

/* transport:redact(s): s with every occurrence of the API key replaced (open or closed: a closed
 * transport has no key left, and nothing new reaches Lua through it). */
static int l_redact(lua_State *L) {
  jc_client *c = luaL_checkudata(L, 1, JC_TRANSPORT_MT);
  luaL_checkstring(L, 2);
  lua_settop(L, 2);
  return jc_client_guarded(L, c, redact);
}

static int l_close(lua_State *L) {
  release(luaL_checkudata(L, 1, JC_TRANSPORT_MT));
  return 0;
}

static int l_is_open(lua_State *L) {
  jc_client *c = luaL_checkudata(L, 1, JC_TRANSPORT_MT);
  lua_pushboolean(L, c->open);
  return 1;
}

static int l_tostring(lua_State *L) {
  jc_client *c = luaL_checkudata(L, 1, JC_TRANSPORT_MT);
  lua_pushfstring(L, JC_TRANSPORT_MT " (%s%p)", c->open ? "" : "closed, ", (void *)c);
  return 1;
}

void jc_client_register(lua_State *L) {
  static const luaL_Reg methods[] = {{"perform", l_perform}, {"close", l_close}, {"redact", l_redact},
                                     {"is_open", l_is_open}, {NULL, NULL}};
  static const luaL_Reg meta[] = {{"__gc", l_close}, {"__close", l_close}, {"__tostring", l_tostring}, {NULL, NULL}};
  int mod = lua_gettop(L);
  luaL_newmetatable(L, JC_TRANSPORT_MT);
  luaL_setfuncs(L, meta, 0);
  lua_pushboolean(L, 0); /* getmetatable(t) is false: the methods cannot be taken out or changed */
  lua_setfield(L, -2, "__metatable");
  luaL_newlib(L, methods);
  jc_multi_register(L, lua_gettop(L));
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_new);
  lua_setfield(L, mod, "new");
}
