/* JSON encoding through lua-cjson 2.1.0 (Debian's), adding what 2.1.0 does not do on its own:
 *  - a table with the jumpcloud.array metatable encodes as an array, empty ones as [] (cjson
 *    encodes every empty table as {});
 *  - numbers encode exactly (cjson prints at most 14 significant digits).
 * cjson cannot be told this, so the value is prepared around it: what it would get wrong is swapped
 * for placeholder strings "@@jc-<nonce>-<i>@@", put back as literals in the text it produces. The
 * nonce is random, made once per Lua state with its encoder (nothing process-global: another state
 * in another thread cannot change it under this one), so no value can forge a placeholder.
 * Decoding is jsondec.c's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jc.h"

#define PH_PREFIX "@@jc-"
#define PH_SUFFIX "@@"
/* Pushes a new random nonce: 16 hex digits. */
static void push_nonce(lua_State *L) {
  char nonce[17];
  unsigned char raw[8] = {0};
  FILE *f = fopen("/dev/urandom", "rb");
  size_t got = f ? fread(raw, 1, sizeof raw, f) : 0;
  if (f) fclose(f);
  if (got != sizeof raw) { /* no urandom: still unpredictable enough for a placeholder */
    unsigned long long x = (unsigned long long)time(NULL) ^ (unsigned long long)(size_t)&got;
    memcpy(raw, &x, sizeof raw);
  }
  for (int i = 0; i < 8; i++) snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
  lua_pushlstring(L, nonce, 16);
}

/* ---- encode ------------------------------------------------------------ */

typedef struct encode_ctx {
  lua_State *L;
  const char *nonce;
  jc_buf literals; /* NUL-separated literals, in placeholder order */
  size_t count;
} encode_ctx;

static void push_placeholder(encode_ctx *cx, const char *literal) {
  if (jc_buf_append(&cx->literals, literal, strlen(literal) + 1)) luaL_error(cx->L, "out of memory");
  lua_pushfstring(cx->L, PH_PREFIX "%s-%d" PH_SUFFIX, cx->nonce, (int)cx->count++);
}

/* The shortest %g form of d that reads back as d. */
static void exact_double(lua_Number d, char *out, size_t size) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, size, "%.*g", prec, (double)d);
    if (strtod(out, NULL) == d) return;
  }
}

/* Pushes a replacement for the value at idx and returns 1, or returns 0 (nothing pushed)
 * when cjson encodes it correctly as it is. Raises on nesting deeper than the limit. */
static int prepare(encode_ctx *cx, int idx, int depth) {
  lua_State *L = cx->L;
  char lit[64];
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER) {
    if (lua_isinteger(L, idx)) {
      lua_Integer v = lua_tointeger(L, idx);
      if (v > -100000000000000LL && v < 100000000000000LL) return 0; /* fits %.14g */
      snprintf(lit, sizeof lit, LUA_INTEGER_FMT, v);
    } else {
      lua_Number d = lua_tonumber(L, idx);
      if (isnan(d) || isinf(d)) return 0; /* cjson refuses these with its own message */
      snprintf(lit, sizeof lit, "%.14g", (double)d);
      if (strtod(lit, NULL) == d) return 0;
      exact_double(d, lit, sizeof lit);
    }
    push_placeholder(cx, lit);
    return 1;
  }
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  if (depth > JC_JSON_MAX_DEPTH) luaL_error(L, "cannot encode body: nested more than %d levels", JC_JSON_MAX_DEPTH);
  luaL_checkstack(L, 6, "JSON nesting");
  lua_pushnil(L);
  if (!lua_next(L, idx)) { /* empty: an array if marked so */
    if (luaL_getmetafield(L, idx, "__name") != LUA_TNIL) {
      int is_array = strcmp(lua_tostring(L, -1), JC_ARRAY_MT) == 0;
      lua_pop(L, 1);
      if (is_array) {
        push_placeholder(cx, "[]");
        return 1;
      }
    }
    return 0;
  }
  lua_pop(L, 2);
  int copy = 0; /* stack index of the copy, made on the first changed value */
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (prepare(cx, -1, depth + 1)) {
      if (!copy) {
        lua_newtable(L);
        copy = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, idx)) {
          lua_pushvalue(L, -2);
          lua_insert(L, -2);
          lua_rawset(L, copy);
        }
        /* keep the copy below the traversal state: key, value, replacement */
        lua_insert(L, -4);
        copy = lua_gettop(L) - 3;
      }
      lua_pushvalue(L, -3);
      lua_insert(L, -2);
      lua_rawset(L, copy);
    }
    lua_pop(L, 1);
  }
  return copy != 0;
}

/* Runs protected: (encode_ctx*, cjson.encode, value) -> text with placeholders. */
static int encode_step(lua_State *L) {
  encode_ctx *cx = lua_touserdata(L, 1);
  cx->L = L;
  if (prepare(cx, 3, 1)) lua_remove(L, 3); /* the prepared copy replaces the value */
  lua_call(L, 1, 1); /* cjson.encode at index 2 */
  return 1;
}

/* Replaces each placeholder of the encoded text by its literal. 0 on success. */
static int put_back(const char *out, size_t n, const encode_ctx *cx, jc_buf *b) {
  const char **lit = malloc(cx->count * sizeof *lit);
  if (!lit) return -1;
  const char *l = cx->literals.p;
  for (size_t i = 0; i < cx->count; i++, l += strlen(l) + 1) lit[i] = l;
  char prefix[40];
  size_t plen = (size_t)snprintf(prefix, sizeof prefix, "\"" PH_PREFIX "%s-", cx->nonce);
  const char *p = out, *end = out + n;
  size_t found = 0;
  int bad = 0;
  for (const char *q = p; !bad && q + plen <= end; q++) {
    if (*q != '"' || memcmp(q, prefix, plen) != 0) continue;
    char *num_end;
    unsigned long long idx = strtoull(q + plen, &num_end, 10);
    bad = idx >= cx->count || strncmp(num_end, PH_SUFFIX "\"", 3) != 0 ||
          jc_buf_append(b, p, (size_t)(q - p)) || jc_buf_append(b, lit[idx], strlen(lit[idx]));
    found++;
    p = num_end + 3;
    q = p - 1;
  }
  bad = bad || found != cx->count || jc_buf_append(b, p, (size_t)(end - p));
  free(lit);
  return bad ? -1 : 0;
}

/* Puts a private cjson instance's encode in upvalue 1 (the settings never touch the caller's
 * cjson), and this state's nonce in upvalue 2. */
static void load_encoder(lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "cjson");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "new");
  lua_call(L, 0, 1);
  lua_getfield(L, -1, "encode_max_depth");
  lua_pushinteger(L, JC_JSON_MAX_DEPTH + 1);
  lua_call(L, 1, 0);
  lua_getfield(L, -1, "encode");
  lua_replace(L, lua_upvalueindex(1));
  lua_pop(L, 2);
  push_nonce(L);
  lua_replace(L, lua_upvalueindex(2));
}

/* core.json_encode(value) -> text; raises on values JSON cannot carry. */
static int l_encode(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  if (lua_isnil(L, lua_upvalueindex(1))) load_encoder(L);
  encode_ctx cx = {L, lua_tostring(L, lua_upvalueindex(2)), {0}, 0};
  lua_pushcfunction(L, encode_step);
  lua_pushlightuserdata(L, &cx);
  lua_pushvalue(L, lua_upvalueindex(1)); /* cjson encode */
  lua_pushvalue(L, 1);
  if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
    jc_buf_free(&cx.literals);
    return lua_error(L);
  }
  if (cx.count == 0) return 1;
  size_t n;
  const char *out = lua_tolstring(L, -1, &n);
  jc_buf b = {0};
  int bad = put_back(out, n, &cx, &b);
  jc_buf_free(&cx.literals);
  if (bad) {
    jc_buf_free(&b);
    return luaL_error(L, "cannot encode body: a placeholder was lost");
  }
  lua_pushlstring(L, b.p, b.len);
  jc_buf_free(&b);
  return 1;
}

/* core.array(t): marks t (or a new table) as a JSON array, so {} encodes as []. */
static int l_array(lua_State *L) {
  if (lua_isnoneornil(L, 1)) lua_newtable(L);
  else luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  luaL_setmetatable(L, JC_ARRAY_MT);
  return 1;
}

/* core.is_array(t): true when t carries the array mark. */
static int l_is_array(lua_State *L) {
  int yes = lua_type(L, 1) == LUA_TTABLE && luaL_getmetafield(L, 1, "__name") == LUA_TSTRING &&
            strcmp(lua_tostring(L, -1), JC_ARRAY_MT) == 0;
  lua_pushboolean(L, yes);
  return 1;
}


void jc_json_register(lua_State *L) {
  int mod = lua_gettop(L);
  if (luaL_newmetatable(L, JC_ARRAY_MT)) {
    lua_pushliteral(L, "jumpcloud.array");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  lua_pushlightuserdata(L, NULL); /* JSON null: the same value as cjson.null */
  lua_setfield(L, mod, "null");
  lua_pushcfunction(L, jc_json_decode);
  lua_setfield(L, mod, "json_decode");
  lua_pushnil(L); /* cjson's encode and the nonce, made by the first call (a script that only reads never needs them) */
  lua_pushnil(L);
  lua_pushcclosure(L, l_encode, 2);
  lua_setfield(L, mod, "json_encode");
  lua_pushcfunction(L, l_array);
  lua_setfield(L, mod, "array");
  lua_pushcfunction(L, l_is_array);
  lua_setfield(L, mod, "is_array");
  lua_settop(L, mod);
}
