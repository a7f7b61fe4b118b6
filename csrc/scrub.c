/* Scrubbing: a server may echo the API key back (in an error body, a header, a message). The core
 * removes it from everything a server sends before any of it becomes a Lua value, so no error,
 * log line or tostring can carry it, whether the client is still open or not. Raw bytes are
 * scrubbed as received; a decoded JSON body is walked too (keys and values, at every depth the
 * decoder accepts), since an escaped key ("\u0061...") only shows once decoded. */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include "jc.h"

void jc_wipe(void *p, size_t n) {
  if (!p || !n) return;
  memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory"); /* the stores must happen: p is about to be freed */
}

static const char *find(const char *p, size_t n, jc_secret s) {
  return s.len && n >= s.len ? memmem(p, n, s.p, s.len) : NULL;
}

int jc_scrub_buf(jc_buf *b, jc_secret s) {
  const char *hit = b->p ? find(b->p, b->len, s) : NULL;
  if (!hit) return 0;
  jc_buf out = {0};
  const char *p = b->p, *end = b->p + b->len;
  int bad = 0;
  for (; hit && !bad; hit = find(p, (size_t)(end - p), s)) {
    bad = jc_buf_append(&out, p, (size_t)(hit - p)) || jc_buf_append(&out, JC_REDACTED, sizeof JC_REDACTED - 1);
    p = hit + s.len;
  }
  bad = bad || jc_buf_append(&out, p, (size_t)(end - p));
  jc_buf_free(b); /* wipes the bytes that held the key */
  if (bad) {
    jc_buf_free(&out);
    return -1;
  }
  *b = out;
  return 0;
}

/* Pushes the string at idx without the secret (the same string when it has none). */
static void push_scrubbed(lua_State *L, int idx, jc_secret s) {
  size_t n;
  const char *str = lua_tolstring(L, idx, &n);
  const char *hit = find(str, n, s);
  if (!hit) {
    lua_pushvalue(L, idx);
    return;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  const char *p = str, *end = str + n;
  for (; hit; hit = find(p, (size_t)(end - p), s)) {
    luaL_addlstring(&b, p, (size_t)(hit - p));
    luaL_addstring(&b, JC_REDACTED);
    p = hit + s.len;
  }
  luaL_addlstring(&b, p, (size_t)(end - p));
  luaL_pushresult(&b);
}

static int has_secret(lua_State *L, int idx, jc_secret s) {
  size_t n;
  const char *str = lua_tolstring(L, idx, &n);
  return find(str, n, s) != NULL;
}

/* Scrubs the table at t (a decoded JSON value: no metamethods, no cycles) in place. */
static void scrub_table(lua_State *L, int t, jc_secret s, int depth) {
  if (depth > JC_JSON_MAX_DEPTH + 1) return; /* the decoder makes nothing deeper */
  luaL_checkstack(L, 6, "scrubbing");
  lua_pushnil(L); /* becomes a list of the keys that hold the secret, when there are any */
  int keys = lua_gettop(L), nkeys = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int v = lua_gettop(L);
    if (lua_type(L, v) == LUA_TSTRING && has_secret(L, v, s)) {
      lua_pushvalue(L, v - 1);
      push_scrubbed(L, v, s);
      lua_rawset(L, t); /* an existing field: allowed during the traversal */
    } else if (lua_type(L, v) == LUA_TTABLE) {
      scrub_table(L, v, s, depth + 1);
    }
    if (lua_type(L, v - 1) == LUA_TSTRING && has_secret(L, v - 1, s)) {
      if (!nkeys) {
        lua_newtable(L);
        lua_replace(L, keys);
      }
      lua_pushvalue(L, v - 1);
      lua_rawseti(L, keys, ++nkeys);
    }
    lua_pop(L, 1);
  }
  for (int i = 1; i <= nkeys; i++) { /* t[scrubbed key] = t[key]; t[key] = nil */
    lua_rawgeti(L, keys, i);
    push_scrubbed(L, -1, s);
    lua_pushvalue(L, -2);
    lua_rawget(L, t);
    lua_rawset(L, t);
    lua_pushnil(L);
    lua_rawset(L, t);
  }
  lua_settop(L, keys - 1);
}

void jc_scrub_value(lua_State *L, int idx, jc_secret s) {
  if (!s.len) return;
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) {
    if (!has_secret(L, idx, s)) return;
    push_scrubbed(L, idx, s);
    lua_replace(L, idx);
  } else if (lua_type(L, idx) == LUA_TTABLE) {
    scrub_table(L, idx, s, 0);
  }
}
