/* Buffers and URL encoding: RFC 3986 percent-encoding of path segments and query strings. */
#include <stdlib.h>
#include <string.h>
#include "jc.h"

int jc_buf_append(jc_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
      if (cap > ((size_t)-1) / 2) return -1;
      cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

int jc_buf_putc(jc_buf *b, char c) { return jc_buf_append(b, &c, 1); }

void jc_buf_free(jc_buf *b) {
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

/* Raise after freeing the buffer: luaL_error never returns. */
static int fail(lua_State *L, jc_buf *b, const char *msg) {
  jc_buf_free(b);
  lua_pushstring(L, msg);
  return lua_error(L);
}

/* Appends one scalar query value (string, number or boolean), escaped. 0 on success. */
static const char *put_scalar(lua_State *L, int idx, jc_buf *b) {
  size_t n;
  const char *s;
  switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
      s = lua_toboolean(L, idx) ? "true" : "false";
      return jc_buf_append(b, s, strlen(s)) ? "out of memory" : NULL;
    case LUA_TNUMBER:
    case LUA_TSTRING:
      /* lua_tolstring converts a number in place: work on a copy of the slot. */
      lua_pushvalue(L, idx);
      s = lua_tolstring(L, -1, &n);
      int rc = jc_escape(b, s, n);
      lua_pop(L, 1);
      return rc ? "out of memory" : NULL;
    default:
      return "string, number or boolean expected";
  }
}

/* core.escape(s): percent-encodes s as one path segment or query component. */
static int l_escape(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  jc_buf b = {0};
  if (jc_escape(&b, s, n)) return fail(L, &b, "out of memory");
  lua_pushlstring(L, b.p ? b.p : "", b.len);
  jc_buf_free(&b);
  return 1;
}

static int cmp_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends key=value pairs of one parameter. An array value is one key with the
 * items joined by commas (style form, explode false), or repeated keys when explode. */
static const char *put_param(lua_State *L, const char *key, int vidx, int explode, jc_buf *b) {
  const char *err = NULL;
  if (lua_type(L, vidx) != LUA_TTABLE) {
    if (b->len && jc_buf_putc(b, '&')) return "out of memory";
    if (jc_escape(b, key, strlen(key)) || jc_buf_putc(b, '=')) return "out of memory";
    return put_scalar(L, vidx, b);
  }
  lua_Integer n = (lua_Integer)lua_rawlen(L, vidx);
  for (lua_Integer i = 1; i <= n && !err; i++) {
    lua_rawgeti(L, vidx, i);
    if (i == 1 || explode) {
      if (b->len && jc_buf_putc(b, '&')) err = "out of memory";
      else if (jc_escape(b, key, strlen(key)) || jc_buf_putc(b, '=')) err = "out of memory";
    } else if (jc_buf_putc(b, ',')) {
      err = "out of memory";
    }
    if (!err) err = put_scalar(L, lua_gettop(L), b);
    lua_pop(L, 1);
  }
  return err;
}

/* core.encode_query(params [, explode]): params maps names to scalars or arrays;
 * explode is a set of names sent as repeated keys. Keys are sorted, so a query is
 * the same string every time. Returns "" for no parameters. */
static int l_encode_query(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int has_explode = !lua_isnoneornil(L, 2);
  if (has_explode) luaL_checktype(L, 2, LUA_TTABLE);
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "bad query: parameter names must be strings");
    /* Names are used as C strings below: one with a NUL would be cut short (and read as another). */
    if (strlen(lua_tostring(L, -2)) != lua_rawlen(L, -2))
      return luaL_error(L, "bad query: parameter names must not contain NUL bytes");
    count++;
    lua_pop(L, 1);
  }
  /* The key strings stay referenced by the table at index 1 while we use them. */
  const char **keys = lua_newuserdatauv(L, (count ? count : 1) * sizeof(char *), 0);
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    keys[k++] = lua_tostring(L, -2);
    lua_pop(L, 1);
  }
  qsort(keys, count, sizeof(char *), cmp_keys);
  jc_buf b = {0};
  for (k = 0; k < count; k++) {
    lua_getfield(L, 1, keys[k]);
    int explode = 0;
    if (has_explode) {
      lua_getfield(L, 2, keys[k]);
      explode = lua_toboolean(L, -1);
      lua_pop(L, 1);
    }
    const char *err = put_param(L, keys[k], lua_gettop(L), explode, &b);
    if (err) {
      lua_pushfstring(L, "bad query parameter '%s' (%s)", keys[k], err);
      jc_buf_free(&b);
      return lua_error(L);
    }
    lua_pop(L, 1);
  }
  lua_pushlstring(L, b.p ? b.p : "", b.len);
  jc_buf_free(&b);
  return 1;
}

void jc_encode_register(lua_State *L) {
  static const luaL_Reg fns[] = {{"escape", l_escape}, {"encode_query", l_encode_query}, {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}
