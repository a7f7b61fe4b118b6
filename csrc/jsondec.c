/* A JSON decoder that builds Lua values directly, with the binding's rules built in: integral
 * numbers are Lua integers (all 64 bits of them), null is the same light userdata as cjson.null,
 * arrays (empty ones too) carry the jumpcloud.array metatable, nesting deeper than
 * JC_JSON_MAX_DEPTH is refused. It replaces lua-cjson 2.1.0 for decoding because it is faster
 * (see the README's benchmark); lua-cjson stays the encoder and the reference of the specs.
 * Every byte is untrusted: nothing is read past `end`, and no C memory is held across a call
 * that can raise, so a Lua memory error leaves nothing behind. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "jc.h"

/* Object keys repeat (a page of 100 records has ~1,800 keys, ~20 distinct ones). Interning a key
 * makes Lua hash every byte of it and, once the last page is collected, allocate it again; this
 * direct-mapped cache, kept per Lua state, finds it with one short compare instead. It holds the
 * strings (in its user value) so the byte pointers stay valid. Only short (interned) strings. */
#define KEY_SLOTS 256
#define KEY_MAX_LEN 40
typedef struct key_cache {
  const char *s[KEY_SLOTS];
  size_t len[KEY_SLOTS]; /* 0: empty */
} key_cache;
static const char KEY_CACHE_KEY = 0; /* its registry key */

typedef struct dec {
  lua_State *L;
  const char *start, *p, *end;
  int depth;
  int array_mt;    /* stack index of the jumpcloud.array metatable */
  key_cache *keys; /* the cache, and the stack index of the table of its strings */
  int key_strings;
  const char *err; /* what went wrong, at p */
} dec;

/* Pushes the key cache's table of strings and returns the cache (made on first use). */
static key_cache *push_key_cache(lua_State *L) {
  key_cache *k;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_CACHE_KEY) == LUA_TUSERDATA) {
    k = lua_touserdata(L, -1);
  } else {
    lua_pop(L, 1);
    k = lua_newuserdatauv(L, sizeof *k, 1);
    memset(k, 0, sizeof *k);
    lua_createtable(L, KEY_SLOTS, 0);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_CACHE_KEY);
  }
  lua_getiuservalue(L, -1, 1);
  lua_remove(L, -2); /* the registry keeps the userdata */
  return k;
}

static void push_key(dec *d, const char *s, size_t n) {
  lua_State *L = d->L;
  if (n == 0 || n > KEY_MAX_LEN) {
    lua_pushlstring(L, s, n);
    return;
  }
  unsigned h = ((unsigned)n * 131u + (unsigned char)s[0] * 31u + (unsigned char)s[n / 2] * 7u +
                (unsigned char)s[n - 1]) & (KEY_SLOTS - 1);
  key_cache *k = d->keys;
  if (k->len[h] == n && memcmp(k->s[h], s, n) == 0) {
    lua_rawgeti(L, d->key_strings, (lua_Integer)h + 1);
    return;
  }
  lua_pushlstring(L, s, n);
  lua_pushvalue(L, -1);
  lua_rawseti(L, d->key_strings, (lua_Integer)h + 1); /* the slot's old string may go now */
  k->s[h] = lua_tostring(L, -1);
  k->len[h] = n;
}

static int fail(dec *d, const char *what) {
  d->err = what;
  return -1;
}

static void skip_ws(dec *d) {
  while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t')) d->p++;
}

static int parse_value(dec *d);

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static void add_utf8(luaL_Buffer *b, unsigned cp) {
  char u[4];
  int n;
  if (cp < 0x80) u[0] = (char)cp, n = 1;
  else if (cp < 0x800) u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
  else if (cp < 0x10000)
    u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
  else
    u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
  luaL_addlstring(b, u, (size_t)n);
}

/* A \uXXXX escape at p (after the backslash-u); surrogate pairs become one code point. */
static int parse_unicode(dec *d, luaL_Buffer *b) {
  unsigned cp, lo;
  if (d->end - d->p < 4 || hex4(d->p, &cp)) return fail(d, "invalid unicode escape");
  d->p += 4;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(d, "lone low surrogate in unicode escape");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (d->end - d->p < 6 || d->p[0] != '\\' || d->p[1] != 'u' || hex4(d->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
      return fail(d, "lone high surrogate in unicode escape");
    d->p += 6;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  }
  add_utf8(b, cp);
  return 0;
}

/* Gives up a string whose bytes were going into b: returns -1 after closing b here, through
 * luaL_pushresult (whose lua_closeslot copes with the stack moving). Past LUAL_BUFFERSIZE a
 * buffer is a to-be-closed box on the stack; left there, it would be closed by the lua_settop
 * that clears the stack after the error, and Lua 5.4.4's lua_settop keeps a pointer into the
 * stack across that close: when the close grows the stack, the decoder then writes into freed
 * memory (found by fuzz_json_decode; spec/json_spec.lua reproduces it under valgrind). */
static int drop_buffer(dec *d, luaL_Buffer *b) {
  luaL_pushresult(b);
  lua_pop(d->L, 1);
  return -1;
}

/* A string at p (just after its opening quote): pushes it; an object key goes through the cache. */
static int parse_string(dec *d, int is_key) {
  /* the usual case, no escape at all: one fast scan for the closing quote, one for a backslash */
  const char *s = memchr(d->p, '"', (size_t)(d->end - d->p));
  if (!s) s = d->end;
  const char *bs = memchr(d->p, '\\', (size_t)(s - d->p));
  if (bs) s = bs;
  if (s >= d->end) return fail(d, "unterminated string");
  if (*s == '"') {
    if (is_key) push_key(d, d->p, (size_t)(s - d->p));
    else lua_pushlstring(d->L, d->p, (size_t)(s - d->p));
    d->p = s + 1;
    return 0;
  }
  luaL_Buffer b;
  luaL_buffinit(d->L, &b);
  luaL_addlstring(&b, d->p, (size_t)(s - d->p));
  d->p = s;
  for (;;) {
    const char *run = d->p;
    while (d->p < d->end && *d->p != '"' && *d->p != '\\') d->p++;
    luaL_addlstring(&b, run, (size_t)(d->p - run));
    if (d->p >= d->end) {
      fail(d, "unterminated string");
      return drop_buffer(d, &b);
    }
    if (*d->p == '"') break;
    if (d->end - d->p < 2) {
      fail(d, "unterminated string");
      return drop_buffer(d, &b);
    }
    char e = d->p[1];
    d->p += 2;
    switch (e) {
      case '"': luaL_addchar(&b, '"'); break;
      case '\\': luaL_addchar(&b, '\\'); break;
      case '/': luaL_addchar(&b, '/'); break;
      case 'b': luaL_addchar(&b, '\b'); break;
      case 'f': luaL_addchar(&b, '\f'); break;
      case 'n': luaL_addchar(&b, '\n'); break;
      case 'r': luaL_addchar(&b, '\r'); break;
      case 't': luaL_addchar(&b, '\t'); break;
      case 'u':
        if (parse_unicode(d, &b)) return drop_buffer(d, &b);
        break;
      default:
        d->p -= 2;
        fail(d, "invalid escape in string");
        return drop_buffer(d, &b);
    }
  }
  d->p++; /* the closing quote */
  luaL_pushresult(&b);
  return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A number at p: an integer when it is integral and fits in 64 bits, else a float. */
static int parse_number(dec *d) {
  const char *s = d->p, *q = s;
  int neg = 0;
  if (q < d->end && *q == '-') neg = 1, q++;
  if (q >= d->end || !is_digit(*q)) return fail(d, "invalid number");
  const char *digits = q;
  if (*q == '0') q++;
  else
    while (q < d->end && is_digit(*q)) q++;
  size_t ndigits = (size_t)(q - digits);
  int integral = 1;
  if (q < d->end && *q == '.') {
    integral = 0;
    q++;
    if (q >= d->end || !is_digit(*q)) return fail(d, "invalid number");
    while (q < d->end && is_digit(*q)) q++;
  }
  if (q < d->end && (*q == 'e' || *q == 'E')) {
    integral = 0;
    q++;
    if (q < d->end && (*q == '+' || *q == '-')) q++;
    if (q >= d->end || !is_digit(*q)) return fail(d, "invalid number");
    while (q < d->end && is_digit(*q)) q++;
  }
  if (q < d->end && is_digit(*q)) return fail(d, "invalid number (leading zero)");
  d->p = q;
  if (integral && ndigits <= 19) { /* exact, without strtod */
    unsigned long long u = 0;
    for (const char *c = digits; c < q; c++) u = u * 10 + (unsigned)(*c - '0');
    if (!neg && u <= (unsigned long long)LUA_MAXINTEGER) {
      lua_pushinteger(d->L, (lua_Integer)u);
      return 0;
    }
    if (neg && u <= (unsigned long long)LUA_MAXINTEGER + 1) {
      lua_pushinteger(d->L, (lua_Integer)(0 - u));
      return 0;
    }
  }
  char buf[64], *tmp = buf;
  size_t len = (size_t)(q - s);
  if (len >= sizeof buf) tmp = lua_newuserdatauv(d->L, len + 1, 0); /* freed by the GC */
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  errno = 0;
  double v = strtod(tmp, NULL);
  if (tmp != buf) lua_pop(d->L, 1);
  lua_Integer i;
  /* 1.0 and 1e3 are integers; an integer literal that got here is past 64 bits: it stays a float
   * (-9223372036854775809 rounds to -2^63, a Lua integer, but is not that number) */
  if (!integral && floor(v) == v && lua_numbertointeger(v, &i)) lua_pushinteger(d->L, i);
  else lua_pushnumber(d->L, v);
  return 0;
}

static int literal(dec *d, const char *word, size_t n) {
  if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) return fail(d, "invalid literal");
  d->p += n;
  return 0;
}

static int enter(dec *d) {
  if (++d->depth > JC_JSON_MAX_DEPTH) return fail(d, "too deeply nested");
  luaL_checkstack(d->L, 4, "JSON nesting");
  return 0;
}

/* Array elements wait on the Lua stack, up to this many, so that the table is made at its final
 * size (an empty array costs no array part; a growing one is copied at each doubling). */
#define ARRAY_BATCH 32

/* Makes an array of the n values on the stack above `base` and leaves it at base + 1. */
static void make_array(dec *d, int base, int n, int size) {
  lua_State *L = d->L;
  lua_createtable(L, size, 0);
  lua_pushvalue(L, d->array_mt);
  lua_setmetatable(L, -2);
  lua_insert(L, base + 1);
  for (int i = n; i >= 1; i--) lua_rawseti(L, base + 1, i); /* pops the top one */
}

static int parse_array(dec *d) {
  if (enter(d)) return -1;
  lua_State *L = d->L;
  luaL_checkstack(L, ARRAY_BATCH + 2, "JSON array");
  int base = lua_gettop(L), n = 0, made = 0; /* made: the table is at base + 1, values go straight in */
  d->p++; /* [ */
  skip_ws(d);
  if (d->p < d->end && *d->p == ']') {
    d->p++;
    d->depth--;
    make_array(d, base, 0, 0);
    return 0;
  }
  for (;;) {
    skip_ws(d);
    if (parse_value(d)) return -1;
    if (made) {
      lua_rawseti(L, base + 1, ++n);
    } else if (++n == ARRAY_BATCH) {
      make_array(d, base, n, 2 * ARRAY_BATCH);
      made = 1;
    }
    skip_ws(d);
    if (d->p >= d->end) return fail(d, "unterminated array");
    if (*d->p == ']') break;
    if (*d->p != ',') return fail(d, "expected ',' or ']' in array");
    d->p++;
  }
  if (!made) make_array(d, base, n, n);
  d->p++;
  d->depth--;
  return 0;
}

/* Object members wait on the Lua stack, up to this many, so that the table is made at its final
 * size (growing a table re-inserts every key); a larger object goes on in a table of twice that. */
#define OBJECT_BATCH 32

/* Makes a table of the n key/value pairs on the stack above `base`, in their order (a repeated
 * key keeps its last value), and leaves it at base + 1 in their place. */
static void make_object(lua_State *L, int base, int n, int size) {
  lua_createtable(L, 0, size);
  int t = lua_gettop(L);
  for (int i = 0; i < n; i++) {
    lua_pushvalue(L, base + 2 * i + 1);
    lua_pushvalue(L, base + 2 * i + 2);
    lua_rawset(L, t);
  }
  lua_replace(L, base + 1);
  lua_settop(L, base + 1);
}

static int parse_object(dec *d) {
  if (enter(d)) return -1;
  lua_State *L = d->L;
  luaL_checkstack(L, 2 * OBJECT_BATCH + 2, "JSON object");
  d->p++; /* { */
  skip_ws(d);
  if (d->p < d->end && *d->p == '}') {
    d->p++;
    d->depth--;
    lua_createtable(L, 0, 0);
    return 0;
  }
  int base = lua_gettop(L), n = 0, made = 0; /* made: the table is at base + 1, members go straight in */
  for (;;) {
    skip_ws(d);
    if (d->p >= d->end || *d->p != '"') return fail(d, "expected a string key in object");
    d->p++;
    if (parse_string(d, 1)) return -1;
    skip_ws(d);
    if (d->p >= d->end || *d->p != ':') return fail(d, "expected ':' after an object key");
    d->p++;
    skip_ws(d);
    if (parse_value(d)) return -1;
    if (made) {
      lua_rawset(L, base + 1);
    } else if (++n == OBJECT_BATCH) {
      make_object(L, base, n, 2 * OBJECT_BATCH);
      made = 1;
    }
    skip_ws(d);
    if (d->p >= d->end) return fail(d, "unterminated object");
    if (*d->p == '}') break;
    if (*d->p != ',') return fail(d, "expected ',' or '}' in object");
    d->p++;
  }
  if (!made) make_object(L, base, n, n);
  d->p++;
  d->depth--;
  return 0;
}

static int parse_value(dec *d) {
  if (d->p >= d->end) return fail(d, "unexpected end of document");
  switch (*d->p) {
    case '{': return parse_object(d);
    case '[': return parse_array(d);
    case '"': d->p++; return parse_string(d, 0);
    case 't': if (literal(d, "true", 4)) return -1; lua_pushboolean(d->L, 1); return 0;
    case 'f': if (literal(d, "false", 5)) return -1; lua_pushboolean(d->L, 0); return 0;
    case 'n': if (literal(d, "null", 4)) return -1; lua_pushlightuserdata(d->L, NULL); return 0;
    default:
      if (*d->p == '-' || is_digit(*d->p)) return parse_number(d);
      return fail(d, "unexpected character");
  }
}

/* Decodes the n bytes at s: pushes the value and returns 0, or pushes the error message and
 * returns -1. Reads s in place (a response body straight from libcurl's buffer: no copy). */
int jc_json_decode_buf(lua_State *L, const char *s, size_t n) {
  luaL_checkstack(L, 4, "JSON");
  int base = lua_gettop(L) + 1;
  luaL_getmetatable(L, JC_ARRAY_MT);
  key_cache *keys = push_key_cache(L);
  dec d = {L, s, s, s + n, 0, base, keys, base + 1, NULL};
  skip_ws(&d);
  int rc = parse_value(&d);
  if (rc == 0) {
    skip_ws(&d);
    if (d.p < d.end) rc = fail(&d, "unexpected content after the document");
  }
  if (rc == 0) {
    lua_replace(L, base); /* over the metatable; the key strings go */
    lua_settop(L, base);
    return 0;
  }
  lua_settop(L, base - 1);
  lua_pushfstring(L, "invalid JSON at character %d: %s", (int)(d.p - d.start) + 1, d.err);
  return -1;
}

/* core.json_decode(text) -> value | nil, message */
int jc_json_decode(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  if (jc_json_decode_buf(L, s, n) == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

/* 1 for a JSON media type: application/json..., or application/<type>+json... (any case). */
int jc_is_json_type(const char *ct) {
  static const char app[] = "application/";
  if (!ct || strncasecmp(ct, app, sizeof app - 1) != 0) return 0;
  const char *p = ct + sizeof app - 1;
  if (strncasecmp(p, "json", 4) == 0) return 1;
  for (; isalnum((unsigned char)*p) || *p == '.' || *p == '+' || *p == '-'; p++)
    if (*p == '+' && strncasecmp(p + 1, "json", 4) == 0) return 1;
  return 0;
}
