/* The JSON bridge over lua-cjson 2.1.0 (Debian's), adding what 2.1.0 does not do on its own:
 *  - integral numbers decode to Lua integers, and integers of more than 15 digits keep every
 *    digit (cjson parses all numbers as doubles);
 *  - an empty array survives a round trip (cjson decodes [] to {} and encodes {} as {}): decoded
 *    arrays get the jumpcloud.array metatable, and tables with it encode as arrays;
 *  - numbers encode exactly (cjson prints at most 14 significant digits).
 * cjson cannot be told any of this, so the text is rewritten around it: the few literals it would
 * get wrong are swapped for placeholder strings "@@jc-<nonce>-<i>@@" that are put back afterwards.
 * The nonce is random per process, so no document can forge a placeholder. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jc.h"

#define PH_PREFIX "@@jc-"
#define PH_SUFFIX "@@"
static char nonce[17];

static void make_nonce(void) {
  unsigned char raw[8] = {0};
  FILE *f = fopen("/dev/urandom", "rb");
  size_t got = f ? fread(raw, 1, sizeof raw, f) : 0;
  if (f) fclose(f);
  if (got != sizeof raw) { /* no urandom: still unpredictable enough for a placeholder */
    unsigned long long x = (unsigned long long)time(NULL) ^ (unsigned long long)(size_t)&got;
    memcpy(raw, &x, sizeof raw);
  }
  for (int i = 0; i < 8; i++) snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
}

void jc_json_subst_free(jc_json_subst *s) {
  jc_buf_free(&s->text);
  jc_buf_free(&s->literals);
  s->count = 0;
}

static int put_placeholder(jc_buf *b, const char *nonce_s, size_t i) {
  char ph[64];
  int n = snprintf(ph, sizeof ph, "\"" PH_PREFIX "%s-%zu" PH_SUFFIX "\"", nonce_s, i);
  return jc_buf_append(b, ph, (size_t)n);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Finds the literals cjson would decode wrongly: empty arrays and integers of more than
 * 15 digits. Writes the rewritten text to out->text when there is at least one. Malformed
 * input is copied as is: cjson reports it. */
int jc_json_prescan(const char *s, size_t n, const char *nonce_s, jc_json_subst *out) {
  memset(out, 0, sizeof *out);
  size_t copied = 0, i = 0;
  while (i < n) {
    char c = s[i];
    if (c == '"') { /* skip a string: jump from quote to quote (memchr), past escaped ones */
      for (;;) {
        const char *q = memchr(s + i + 1, '"', n - i - 1);
        if (!q) {
          i = n;
          break;
        }
        size_t k = (size_t)(q - s), slashes = 0;
        while (k - slashes > i + 1 && s[k - slashes - 1] == '\\') slashes++;
        i = k;
        if (slashes % 2 == 0) break; /* not escaped: the end of the string */
      }
      i++;
      continue;
    }
    size_t start = i, stop = i;
    int hit = 0;
    if (c == '[') {
      size_t j = i + 1;
      while (j < n && is_ws(s[j])) j++;
      if (j < n && s[j] == ']') hit = 1, stop = j + 1;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t j = i + (c == '-'), digits = 0, first = j;
      while (j < n && s[j] >= '0' && s[j] <= '9') j++, digits++;
      size_t int_end = j;
      int integral = !(j < n && (s[j] == '.' || s[j] == 'e' || s[j] == 'E'));
      while (j < n && (s[j] == '.' || s[j] == 'e' || s[j] == 'E' || s[j] == '+' || s[j] == '-' ||
                       (s[j] >= '0' && s[j] <= '9')))
        j++;
      stop = j;
      /* Only a well-formed integer (no leading zero, nothing number-like after it): anything
       * else stays as it is, for cjson to refuse. */
      hit = integral && digits > 15 && stop == int_end && s[first] != '0';
    }
    if (hit) { /* a value is never followed by ':': a key stays as it is, for cjson to refuse */
      size_t j = stop;
      while (j < n && is_ws(s[j])) j++;
      if (j < n && s[j] == ':') hit = 0;
    }
    if (!hit) {
      i = stop > i ? stop : i + 1;
      continue;
    }
    if (jc_buf_append(&out->text, s + copied, start - copied) ||
        put_placeholder(&out->text, nonce_s, out->count) ||
        jc_buf_append(&out->literals, s + start, stop - start) || jc_buf_putc(&out->literals, '\0'))
      goto oom;
    out->count++;
    copied = i = stop;
  }
  if (out->count && jc_buf_append(&out->text, s + copied, n - copied)) goto oom;
  return 0;
oom:
  jc_json_subst_free(out);
  return -1;
}

/* ---- decode ------------------------------------------------------------ */

typedef struct decode_ctx {
  lua_State *L;
  const jc_json_subst *subst;
  const char **literal; /* literal[i] points into subst->literals */
  size_t prefix_len;
  char prefix[40];
} decode_ctx;

/* If the string at the top is a placeholder, replaces it with its value. */
static int resolve_placeholder(decode_ctx *cx) {
  lua_State *L = cx->L;
  size_t len;
  const char *s = lua_tolstring(L, -1, &len);
  if (len <= cx->prefix_len || memcmp(s, cx->prefix, cx->prefix_len) != 0) return 0;
  char *end;
  unsigned long long idx = strtoull(s + cx->prefix_len, &end, 10);
  if (strcmp(end, PH_SUFFIX) != 0 || idx >= cx->subst->count) return 0;
  const char *lit = cx->literal[idx];
  lua_pop(L, 1);
  if (lit[0] == '[') {
    lua_createtable(L, 0, 0);
    luaL_setmetatable(L, JC_ARRAY_MT);
    return 1;
  }
  errno = 0;
  lua_Integer v = (lua_Integer)strtoll(lit, NULL, 10);
  if (errno == ERANGE) { /* beyond 64 bits: a float, unless it rounds to one (-2^63) like others */
    lua_Number d = strtod(lit, NULL);
    if (!lua_numbertointeger(d, &v)) {
      lua_pushnumber(L, d);
      return 1;
    }
  }
  lua_pushinteger(L, v);
  return 1;
}

/* Normalises the value at the top of the stack: a table in place; a number or placeholder
 * replaced in its slot, and then it returns 1 (so that only changed values are stored back). */
static int normalise(decode_ctx *cx);

static void normalise_table(decode_ctx *cx) {
  lua_State *L = cx->L;
  int t = lua_gettop(L);
  int only_index_keys = 1;
  lua_Integer n = 0;
  luaL_checkstack(L, 4, "JSON nesting");
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) == LUA_TNUMBER) n++;
    else only_index_keys = 0;
    if (normalise(cx)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, t); /* assigning an existing key during lua_next is allowed */
    } else {
      lua_pop(L, 1);
    }
  }
  /* cjson gives arrays keys 1..n and objects string keys: mark the arrays. */
  if (n > 0 && only_index_keys && lua_getmetatable(L, t) == 0) luaL_setmetatable(L, JC_ARRAY_MT);
  else if (n > 0 && only_index_keys) lua_pop(L, 1);
}

static int normalise(decode_ctx *cx) {
  lua_State *L = cx->L;
  switch (lua_type(L, -1)) {
    case LUA_TNUMBER:
      if (!lua_isinteger(L, -1)) {
        lua_Number d = lua_tonumber(L, -1);
        lua_Integer i;
        if (floor(d) == d && lua_numbertointeger(d, &i)) {
          lua_pop(L, 1);
          lua_pushinteger(L, i);
          return 1;
        }
      }
      return 0;
    case LUA_TSTRING:
      return cx->subst->count ? resolve_placeholder(cx) : 0;
    case LUA_TTABLE:
      normalise_table(cx);
      return 0;
    default:
      return 0;
  }
}

/* Runs protected: (decode_ctx*, cjson.decode, text) -> normalised value. */
static int decode_step(lua_State *L) {
  decode_ctx *cx = lua_touserdata(L, 1);
  lua_call(L, 1, 1); /* cjson.decode(text): raises on invalid JSON */
  cx->L = L;
  normalise(cx);
  return 1;
}

/* core.json_decode(text) -> value | nil, message */
static int l_decode(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  jc_json_subst subst;
  if (jc_json_prescan(s, n, nonce, &subst)) return luaL_error(L, "out of memory");
  decode_ctx cx = {L, &subst, NULL, 0, {0}};
  if (subst.count) {
    cx.prefix_len = (size_t)snprintf(cx.prefix, sizeof cx.prefix, PH_PREFIX "%s-", nonce);
    cx.literal = malloc(subst.count * sizeof *cx.literal);
    if (!cx.literal) {
      jc_json_subst_free(&subst);
      return luaL_error(L, "out of memory");
    }
    const char *p = subst.literals.p;
    for (size_t i = 0; i < subst.count; i++, p += strlen(p) + 1) cx.literal[i] = p;
  }
  lua_pushcfunction(L, decode_step);
  lua_pushlightuserdata(L, &cx);
  lua_pushvalue(L, lua_upvalueindex(1)); /* cjson decode */
  if (subst.count) lua_pushlstring(L, subst.text.p, subst.text.len);
  else lua_pushvalue(L, 1);
  int rc = lua_pcall(L, 3, 1, 0);
  free(cx.literal);
  jc_json_subst_free(&subst);
  if (rc == LUA_OK) return 1;
  if (rc != LUA_ERRRUN) return lua_error(L); /* memory errors stay errors */
  /* Report against the original text, so positions in the message are the caller's. */
  lua_pop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK) { /* only if the rewrite itself was refused */
    lua_pop(L, 1);
    lua_pushliteral(L, "invalid JSON");
  }
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

/* ---- encode ------------------------------------------------------------ */

typedef struct encode_ctx {
  lua_State *L;
  jc_buf literals; /* NUL-separated literals, in placeholder order */
  size_t count;
} encode_ctx;

static void push_placeholder(encode_ctx *cx, const char *literal) {
  if (jc_buf_append(&cx->literals, literal, strlen(literal) + 1)) luaL_error(cx->L, "out of memory");
  lua_pushfstring(cx->L, PH_PREFIX "%s-%d" PH_SUFFIX, nonce, (int)cx->count++);
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
  size_t plen = (size_t)snprintf(prefix, sizeof prefix, "\"" PH_PREFIX "%s-", nonce);
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

/* core.json_encode(value) -> text; raises on values JSON cannot carry. */
static int l_encode(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  encode_ctx cx = {L, {0}, 0};
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

/* Calls cjson-instance method `name` with the given integer arguments. */
static void configure(lua_State *L, int inst, const char *name, int a, int b) {
  lua_getfield(L, inst, name);
  lua_pushinteger(L, a);
  if (b >= 0) lua_pushinteger(L, b);
  lua_call(L, b >= 0 ? 2 : 1, 0);
}

void jc_json_register(lua_State *L) {
  make_nonce();
  int mod = lua_gettop(L);
  if (luaL_newmetatable(L, JC_ARRAY_MT)) {
    lua_pushliteral(L, "jumpcloud.array");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  /* A private cjson instance, so the settings never touch the caller's cjson. */
  lua_getglobal(L, "require");
  lua_pushliteral(L, "cjson");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "null");
  lua_setfield(L, mod, "null");
  lua_getfield(L, -1, "new");
  lua_call(L, 0, 1);
  int inst = lua_gettop(L);
  configure(L, inst, "decode_max_depth", JC_JSON_MAX_DEPTH, -1);
  configure(L, inst, "encode_max_depth", JC_JSON_MAX_DEPTH + 1, -1);
  lua_getfield(L, inst, "decode_invalid_numbers"); /* strict JSON: no NaN, Infinity or hex */
  lua_pushboolean(L, 0);
  lua_call(L, 1, 0);
  lua_getfield(L, inst, "decode");
  lua_pushcclosure(L, l_decode, 1);
  lua_setfield(L, mod, "json_decode_cjson");
  lua_pushcfunction(L, jc_json_decode);
  lua_setfield(L, mod, "json_decode");
  lua_getfield(L, inst, "encode");
  lua_pushcclosure(L, l_encode, 1);
  lua_setfield(L, mod, "json_encode");
  lua_pushcfunction(L, l_array);
  lua_setfield(L, mod, "array");
  lua_pushcfunction(L, l_is_array);
  lua_setfield(L, mod, "is_array");
  lua_settop(L, mod);
}
