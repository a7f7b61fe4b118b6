/* Buffers and URL encoding: RFC 3986 percent-encoding of path segments and query strings. */
#include <stdlib.h>
#include <string.h>
#include "jc.h"

/* Grows by moving to a new block and wiping the old one: realloc would leave the old bytes (a
 * body that echoed the key, say) in freed memory. */
int jc_buf_append(jc_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
      if (cap > ((size_t)-1) / 2) return -1;
      cap *= 2;
    }
    if (jc_buf_reserve(b, cap)) return -1;
  }
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

int jc_buf_reserve(jc_buf *b, size_t cap) {
  if (cap <= b->cap) return 0;
  char *p = malloc(cap);
  if (!p) return -1;
  if (b->p) {
    memcpy(p, b->p, b->len + 1 <= b->cap ? b->len + 1 : b->len);
    jc_wipe(b->p, b->cap);
    free(b->p);
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

int jc_buf_putc(jc_buf *b, char c) { return jc_buf_append(b, &c, 1); }

void jc_buf_free(jc_buf *b) {
  jc_wipe(b->p, b->cap); /* all of it: len is reset between requests, the bytes stay */
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

static int is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

int jc_escape(jc_buf *out, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_unreserved(c)) {
      if (jc_buf_putc(out, (char)c)) return -1;
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      if (jc_buf_append(out, esc, 3)) return -1;
    }
  }
  return 0;
}

/* ---- Lua side ---------------------------------------------------------- */

/* Percent-encodes s into a Lua buffer. */
static void add_escaped(luaL_Buffer *b, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_unreserved(c)) {
      luaL_addchar(b, (char)c);
    } else {
      luaL_addchar(b, '%');
      luaL_addchar(b, hex[c >> 4]);
      luaL_addchar(b, hex[c & 15]);
    }
  }
}

/* core.escape(s): percent-encodes s as one path segment or query component. */
static int l_escape(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  add_escaped(&b, s, n);
  luaL_pushresult(&b);
  return 1;
}

/* A jc_buf owned by a userdata on the stack: when something raises halfway (a memory error),
 * the collector frees it. */
static int box_gc(lua_State *L) {
  jc_buf_free(luaL_checkudata(L, 1, "jumpcloud.buffer"));
  return 0;
}

static jc_buf *push_box(lua_State *L) {
  jc_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, "jumpcloud.buffer")) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  return b;
}

/* Appends the scalar query value at the top (string, number or boolean), escaped; 0 when it is
 * none of those, -1 when out of memory. */
static int add_scalar(lua_State *L, jc_buf *b) {
  size_t n;
  const char *s;
  switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
      s = lua_toboolean(L, -1) ? "true" : "false";
      return jc_buf_append(b, s, strlen(s)) ? -1 : 1;
    case LUA_TNUMBER:
    case LUA_TSTRING:
      s = lua_tolstring(L, -1, &n); /* converts a number in place: the slot is our copy */
      return jc_escape(b, s, n) ? -1 : 1;
    default:
      return 0;
  }
}

static int add_key(jc_buf *b, const char *key, size_t klen) {
  return (b->len && jc_buf_putc(b, '&')) || jc_escape(b, key, klen) || jc_buf_putc(b, '=') ? -1 : 0;
}

static int compare_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends the parameter `key` = the value at the top; 1 on success, 0 for a bad value, -1 when
 * out of memory. */
static int add_param(lua_State *L, jc_buf *b, const char *key, size_t klen, int explode) {
  if (lua_type(L, -1) != LUA_TTABLE) return add_key(b, key, klen) ? -1 : add_scalar(L, b);
  int ok = 1;
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (lua_Integer j = 1; j <= n && ok == 1; j++) {
    if (j == 1 || explode) ok = add_key(b, key, klen) ? -1 : 1;
    else ok = jc_buf_putc(b, ',') ? -1 : 1;
    lua_rawgeti(L, -1, j);
    if (ok == 1) ok = add_scalar(L, b);
    lua_pop(L, 1);
  }
  return ok;
}

/* core.encode_query(params [, explode]): params maps names to scalars or arrays; an array is one
 * key with the items joined by commas (style form, explode false), or repeated keys when the name
 * is in the explode set. Names are sorted, so a query is the same string every time. Both tables
 * are read raw: no caller's metamethod runs while the query is built. Returns "" for none. */
static int l_encode_query(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  lua_newtable(L); /* 3: the names, to sort; the strings stay alive here */
  int count = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    size_t klen;
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &klen) : NULL;
    if (!k) return luaL_error(L, "bad query: parameter names must be strings");
    if (strlen(k) != klen) return luaL_error(L, "bad query: parameter names must not contain NUL bytes");
    lua_pushvalue(L, -1);
    lua_rawseti(L, 3, ++count);
  }
  /* the names sorted by pointers to the strings of table 3, which keeps them alive */
  const char **keys = lua_newuserdatauv(L, (count ? (size_t)count : 1) * sizeof *keys, 0); /* 4 */
  for (int i = 1; i <= count; i++) {
    lua_rawgeti(L, 3, i);
    keys[i - 1] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  qsort(keys, (size_t)count, sizeof *keys, compare_keys);
  jc_buf *b = push_box(L); /* 5 */
  for (int i = 0; i < count; i++) {
    const char *key = keys[i];
    size_t klen = strlen(key);
    lua_pushstring(L, key);
    lua_pushvalue(L, -1);
    lua_rawget(L, 1);
    int explode = 0;
    if (lua_istable(L, 2)) {
      lua_pushvalue(L, -2);
      explode = lua_rawget(L, 2) != LUA_TNIL && lua_toboolean(L, -1);
      lua_pop(L, 1);
    }
    int ok = add_param(L, b, key, klen, explode);
    if (ok < 0) return luaL_error(L, "out of memory");
    if (ok == 0) return luaL_error(L, "bad query parameter '%s' (string, number or boolean expected)", key);
    lua_pop(L, 2);
  }
  lua_pushlstring(L, b->p ? b->p : "", b->len);
  jc_buf_free(b);
  return 1;
}

void jc_encode_register(lua_State *L) {
  static const luaL_Reg fns[] = {{"escape", l_escape}, {"encode_query", l_encode_query}, {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}
