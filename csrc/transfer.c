/* One request on one libcurl easy handle: options, callbacks into reused buffers, and the
 * response (or transport error) as Lua tables. Used for sequential and concurrent requests. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "jc.h"

#define MAX_HEADER_BLOCK (256 * 1024)
#define KEEP_BUFFER_CAP (1024 * 1024)

static long current_status(jc_transfer *t) {
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

/* A 2xx body goes to the file when one was asked for (through a temporary file beside it,
 * renamed over it on success: a failed download leaves what was at the path); anything else to
 * memory. max_body bounds both, counted after decompression. */
static size_t to_file(jc_transfer *t, const char *data, size_t len) {
  if (t->file_bytes + (curl_off_t)len > (curl_off_t)t->max_body) return t->overflow = 1, 0;
  if (!t->file && !t->file_error) {
    size_t n = strlen(t->file_path);
    t->temp_path = malloc(n + sizeof ".jc-XXXXXX");
    if (t->temp_path) {
      memcpy(t->temp_path, t->file_path, n);
      memcpy(t->temp_path + n, ".jc-XXXXXX", sizeof ".jc-XXXXXX");
      int fd = mkstemp(t->temp_path); /* mode 0600: a download may hold secrets */
      if (fd < 0) {
        free(t->temp_path);
        t->temp_path = NULL;
      } else if (!(t->file = fdopen(fd, "wb"))) {
        close(fd);
      }
    }
  }
  if (!t->file || fwrite(data, 1, len, t->file) != len) return t->file_error = 1, 0;
  t->file_bytes += (curl_off_t)len;
  return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  jc_transfer *t = ud;
  size_t len = size * n;
  int first = !t->body_started;
  t->body_started = 1;
  if (t->file_path && current_status(t) / 100 == 2) return to_file(t, data, len);
  if (first) { /* refuse an absurd Content-Length at once, else size the buffer once */
    curl_off_t cl = -1;
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (cl > 0 && (size_t)cl > t->max_body) return t->overflow = 1, 0;
    if (cl > 0) jc_buf_reserve(&t->body, (size_t)cl + 1); /* when it fails, appending will say */
  }
  if (t->body.len + len > t->max_body) return t->overflow = 1, 0;
  return jc_buf_append(&t->body, data, len) ? 0 : len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  jc_transfer *t = ud;
  size_t len = size * n;
  if (t->head.len + len > MAX_HEADER_BLOCK) return t->overflow = 2, 0;
  return jc_buf_append(&t->head, data, len) ? 0 : len;
}

jc_transfer *jc_transfer_new(const jc_client *c) {
  jc_transfer *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  CURL *e = t->easy = curl_easy_init();
  if (!e) {
    free(t);
    return NULL;
  }
  const jc_settings *s = &c->set;
  t->max_body = s->max_body;
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  if (c->share) curl_easy_setopt(e, CURLOPT_SHARE, c->share);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* never carry the key to another host */
  curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);     /* no dot-segment removal: the path is what was built */
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_ms);
  /* Stall guard: less than 1 byte/s for stall_s seconds aborts the transfer. */
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, s->stall_s);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  if (s->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
  if (s->proxy) curl_easy_setopt(e, CURLOPT_PROXY, s->proxy); /* else per request: see set_proxy */
  curl_easy_setopt(e, CURLOPT_NOPROXY, s->no_proxy);
  return t;
}

void jc_free_lines(struct curl_slist *list) {
  for (struct curl_slist *l = list; l; l = l->next) jc_wipe(l->data, strlen(l->data));
  curl_slist_free_all(list);
}

void jc_transfer_reset(jc_transfer *t) {
  if (t->file) fclose(t->file);
  t->file = NULL;
  if (t->temp_path) remove(t->temp_path); /* still there: the download did not complete */
  free(t->temp_path);
  t->temp_path = NULL;
  free(t->file_path);
  t->file_path = NULL;
  if (t->headers) { /* the handle must not point to a freed list */
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, NULL);
    t->set_headers = NULL;
    jc_free_lines(t->headers);
    t->headers = NULL;
  }
  if (t->set_body) { /* nor to a body Lua may collect (this makes the handle's method POST) */
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, NULL);
    t->set_body = t->set_plain_get = 0;
  }
  if (t->body.cap > KEEP_BUFFER_CAP) jc_buf_free(&t->body); /* do not pin a huge body */
  t->body.len = t->head.len = 0;
  t->overflow = t->body_started = t->file_error = 0;
  t->file_bytes = 0;
  t->errbuf[0] = '\0';
}

void jc_transfer_free(jc_transfer *t) {
  if (!t) return;
  jc_transfer_reset(t);
  curl_easy_cleanup(t->easy);
  jc_buf_free(&t->body);
  jc_buf_free(&t->head);
  free(t);
}

/* ---- headers ------------------------------------------------------------ */

int jc_add_header(struct curl_slist **list, const char *name, size_t nlen, const char *value, size_t vlen) {
  if (!jc_header_name_ok(name, nlen)) return JC_HEADER_BAD_NAME;
  if (!jc_header_value_ok(value, vlen)) return JC_HEADER_BAD_VALUE;
  char small[512], *line = small;
  size_t n = nlen + 2 + vlen + 1;
  if (n > sizeof small && !(line = malloc(n))) return JC_HEADER_NOMEM;
  memcpy(line, name, nlen);
  memcpy(line + nlen, ": ", 2);
  memcpy(line + nlen + 2, value, vlen);
  line[n - 1] = '\0';
  struct curl_slist *grown = curl_slist_append(*list, line);
  jc_wipe(line, n); /* the value may be a secret */
  if (line != small) free(line);
  if (!grown) return JC_HEADER_NOMEM;
  *list = grown;
  return JC_HEADER_OK;
}

/* ---- one request ------------------------------------------------------- */

static void set_method(jc_transfer *t, const char *method, const char *body, size_t blen) {
  CURL *e = t->easy;
  int plain_get = !body && strcmp(method, "GET") == 0;
  if (plain_get && t->set_plain_get) return; /* the handle is set for one already */
  curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L); /* resets any earlier POST state */
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
  /* libcurl re-sends a request once, unasked, when a reused connection turns out dead: a create
   * must never go twice, so POST and PATCH always get a new connection. */
  int unsafe = strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0;
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, (long)unsafe);
  t->set_plain_get = plain_get;
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    return;
  }
  if (body) { /* the caller keeps the Lua string alive for the whole transfer: no copy */
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    t->set_body = 1;
  }
  if (strcmp(method, "GET") != 0 && !(body && strcmp(method, "POST") == 0))
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
}

/* Without a proxy option, the proxy the environment gives for the URL's scheme: set on the handle
 * only when it changes. */
static void set_proxy(jc_transfer *t, const jc_settings *s, const char *url) {
  if (s->proxy) return;
  const char *p = strncasecmp(url, "https:", 6) == 0 ? s->env_https_proxy : s->env_http_proxy;
  if (p == t->set_proxy) return;
  curl_easy_setopt(t->easy, CURLOPT_PROXY, p);
  t->set_proxy = p;
}

/* 1 when the request's own headers (the table at h, or none) name the header of line `line`
 * ("Name: value"), in any case. Reads the table raw and allocates nothing. */
static int overridden(lua_State *L, int h, const char *line) {
  if (!h) return 0;
  size_t n = strcspn(line, ":");
  lua_pushnil(L);
  while (lua_next(L, h)) {
    size_t klen;
    const char *k = lua_tolstring(L, -2, &klen); /* a string: checked by add_own */
    lua_pop(L, 1);
    if (klen == n && strncasecmp(k, line, n) == 0) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}

/* The request's own header lines, from the table at h: names to strings, or false to leave out
 * the client's header. Returns 0 or a JC_HEADER_* failure with its name at the top. */
static int add_own(lua_State *L, int h, struct curl_slist **list) {
  lua_pushnil(L);
  while (lua_next(L, h)) {
    int rc = JC_HEADER_OK;
    if (lua_type(L, -2) != LUA_TSTRING) {
      rc = JC_HEADER_BAD_NAME;
    } else if (lua_type(L, -1) == LUA_TSTRING) {
      size_t nlen, vlen;
      const char *name = lua_tolstring(L, -2, &nlen), *v = lua_tolstring(L, -1, &vlen);
      rc = jc_add_header(list, name, nlen, v, vlen);
    } else if (lua_type(L, -1) != LUA_TBOOLEAN || lua_toboolean(L, -1)) {
      rc = JC_HEADER_BAD_VALUE;
    }
    lua_pop(L, 1);
    if (rc) return rc; /* the name stays on the stack for the message */
  }
  return JC_HEADER_OK;
}

/* Raises for a bad header of the request (its name at the top), after freeing the list. */
static void bad_header(lua_State *L, struct curl_slist *list, int rc) {
  jc_free_lines(list);
  if (rc == JC_HEADER_NOMEM) luaL_error(L, "out of memory");
  const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
  if (rc == JC_HEADER_BAD_NAME) luaL_error(L, "bad header name '%s' (letters, digits and !#$%%&'*+-.^_`|~ only)", name);
  /* the value may be a secret: name only the header */
  luaL_error(L, "bad value of header '%s' (a string without CR, LF or NUL, or false, expected)", name);
}

/* The request's fields, read raw onto the stack at base + F_* (kept there: the strings stay
 * alive while the core points into them). */
enum { F_METHOD, F_URL, F_HEADERS, F_BODY, F_FILE, F_TIMEOUT, F_DECODE, F_GZIP, F_COUNT };
static const char *const FIELD_NAMES[F_COUNT] = {"method", "url", "headers", "body", "to_file", "timeout", "decode", "gzip"};
static const int FIELD_TYPES[F_COUNT] = {LUA_TSTRING, LUA_TSTRING, LUA_TTABLE, LUA_TSTRING, LUA_TSTRING,
                                         LUA_TNUMBER, LUA_TNUMBER, LUA_TBOOLEAN};

static int read_fields(lua_State *L, int req) {
  luaL_checkstack(L, F_COUNT + 8, "request");
  int base = lua_gettop(L) + 1;
  for (int i = 0; i < F_COUNT; i++) {
    lua_pushstring(L, FIELD_NAMES[i]);
    int type = lua_rawget(L, req);
    if (type != FIELD_TYPES[i] && (i <= F_URL || type != LUA_TNIL)) /* method and url are required */
      luaL_error(L, "bad request field '%s' (%s expected, got %s)", FIELD_NAMES[i], lua_typename(L, FIELD_TYPES[i]),
                 luaL_typename(L, -1));
  }
  return base;
}

void jc_transfer_prepare(lua_State *L, const jc_client *c, jc_transfer *t, int req) {
  req = lua_absindex(L, req);
  int base = read_fields(L, req);
  const char *method = lua_tostring(L, base + F_METHOD), *url = lua_tostring(L, base + F_URL);
  for (const char *p = method; *p; p++)
    if (!isupper((unsigned char)*p)) luaL_error(L, "bad request field 'method' (an upper-case HTTP verb expected)");
  if (strlen(url) != lua_rawlen(L, base + F_URL)) luaL_error(L, "bad request field 'url' (contains NUL)");
  size_t blen = 0;
  const char *body = lua_tolstring(L, base + F_BODY, &blen), *file_path = lua_tostring(L, base + F_FILE);
  if (file_path && strlen(file_path) != lua_rawlen(L, base + F_FILE)) luaL_error(L, "bad request field 'to_file' (contains NUL)");
  lua_Integer decode = lua_isnil(L, base + F_DECODE) ? JC_DECODE_NONE : lua_tointeger(L, base + F_DECODE);
  if (decode < JC_DECODE_NONE || decode > JC_DECODE_ERRORS) luaL_error(L, "bad request field 'decode' (0, 1 or 2 expected)");
  lua_Number s = lua_tonumber(L, base + F_TIMEOUT); /* 0 when absent */
  long timeout_ms = c->set.timeout_ms;
  /* A deadline's rest, rounded up: the attempt then runs to the deadline, where cut short by a
   * fraction of a millisecond it could leave room for one more attempt that cannot succeed. */
  if (s > 0 && s * 1000 < timeout_ms) timeout_ms = (long)ceil(s * 1000);
  /* Most requests add no header of their own: they send the client's list as it is. A request
   * with a body gets its own list, which turns off libcurl's "Expect: 100-continue" (a stall of
   * a round trip, or a second on servers that ignore it); a GET need not pay for that line.
   * From here on nothing allocates Lua memory until the list is in the transfer. */
  int h = lua_istable(L, base + F_HEADERS) ? base + F_HEADERS : 0;
  int own = body || (h && (lua_pushnil(L), lua_next(L, h) ? (lua_pop(L, 2), 1) : 0));
  struct curl_slist *list = NULL;
  if (own) {
    int rc = h ? add_own(L, h, &list) : JC_HEADER_OK;
    if (rc) bad_header(L, list, rc);
    for (struct curl_slist *d = c->defaults; d && !rc; d = d->next) {
      if (overridden(L, h, d->data)) continue;
      struct curl_slist *grown = curl_slist_append(list, d->data);
      if (!grown) rc = JC_HEADER_NOMEM;
      else list = grown;
    }
    if (!rc && body && !overridden(L, h, "expect:")) {
      struct curl_slist *grown = curl_slist_append(list, "Expect:");
      if (!grown) rc = JC_HEADER_NOMEM;
      else list = grown;
    }
    if (rc) bad_header(L, list, rc);
  }
  char *path_copy = NULL;
  if (file_path && !(path_copy = strdup(file_path))) {
    jc_free_lines(list);
    luaL_error(L, "out of memory");
  }
  jc_transfer_reset(t);
  t->headers = list; /* freed by the reset after the request; the client's list is not */
  t->file_path = path_copy;
  t->decode = (int)decode;
  int gzip = lua_toboolean(L, base + F_GZIP);
  if (gzip != t->gzip) { /* libcurl copies the string: set it only when it changes */
    curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, gzip ? "gzip" : NULL);
    t->gzip = gzip;
  }
  curl_easy_setopt(t->easy, CURLOPT_URL, url);
  set_proxy(t, &c->set, url);
  const struct curl_slist *send = own ? list : c->defaults;
  if (send != t->set_headers) {
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, send);
    t->set_headers = send;
  }
  if (timeout_ms != t->set_timeout_ms) {
    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    t->set_timeout_ms = timeout_ms;
  }
  set_method(t, method, body, blen);
  lua_settop(L, base - 1);
}

/* ---- results ----------------------------------------------------------- */

typedef struct header_ctx {
  lua_State *L;
  int table;
} header_ctx;

/* A new response begins in the block (after a 100 Continue, a proxy's CONNECT): forget the
 * fields seen so far. */
static void headers_reset_in_place(void *ud) {
  header_ctx *h = ud;
  lua_State *L = h->L;
  lua_pushnil(L);
  while (lua_next(L, h->table)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) { /* keep the raw block's private key */
      lua_pushvalue(L, -1);
      lua_pushnil(L);
      lua_rawset(L, h->table);
    }
  }
}

static int headers_add(void *ud, const char *name, size_t nlen, const char *value, size_t vlen) {
  header_ctx *h = ud;
  lua_State *L = h->L;
  char lower[128];
  if (nlen >= sizeof lower) return 0; /* absurd name: skip it */
  for (size_t i = 0; i < nlen; i++) lower[i] = (char)tolower((unsigned char)name[i]);
  lua_pushlstring(L, lower, nlen);
  lua_pushvalue(L, -1);
  if (lua_rawget(L, h->table) == LUA_TSTRING) { /* repeated field: join as HTTP allows */
    lua_pushliteral(L, ", ");
    lua_pushlstring(L, value, vlen);
    lua_concat(L, 3);
  } else {
    lua_pop(L, 1);
    lua_pushlstring(L, value, vlen);
  }
  lua_rawset(L, h->table);
  return 0;
}

static void set_time(lua_State *L, jc_transfer *t) {
  curl_off_t micros = 0;
  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &micros);
  lua_pushnumber(L, (lua_Number)micros / 1e6);
  lua_setfield(L, -2, "time");
}

/* nil and {curl_code, cause, message, sent, time}: the Lua layer names the error (errors.lua
 * lists every code); `cause` says when the failure was the transfer's own, not libcurl's. */
static int push_failure(lua_State *L, jc_transfer *t, CURLcode rc, jc_secret secret) {
  curl_off_t sent = 0;
  curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &sent);
  lua_pushnil(L);
  lua_createtable(L, 0, 7);
  const char *cause = t->file_error ? "file_write" : t->overflow == 1 ? "body_too_large"
                    : t->overflow == 2 ? "headers_too_large" : NULL;
  if (cause) {
    lua_pushstring(L, cause);
    lua_setfield(L, -2, "cause");
  }
  lua_pushstring(L, t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
  jc_scrub_value(L, -1, secret); /* libcurl's messages quote what it was given */
  lua_setfield(L, -2, "message");
  lua_pushinteger(L, (lua_Integer)rc);
  lua_setfield(L, -2, "curl_code");
  lua_pushboolean(L, sent > 0);
  lua_setfield(L, -2, "sent");
  set_time(L, t);
  return 2;
}

/* The headers table starts as the raw header block under a private key, with a metatable
 * that parses it into the table itself on first use and then goes away: most responses are
 * only asked for a header or two, many for none, and parsing every one costs a dozen strings. */
static const char RAW_KEY = 0;

static void parse_into(lua_State *L, int table) {
  lua_rawgetp(L, table, &RAW_KEY);
  size_t len = 0;
  const char *raw = lua_tolstring(L, -1, &len);
  header_ctx h = {L, table};
  jc_header_sink sink = {&h, headers_reset_in_place, headers_add};
  if (raw) jc_headers_parse(raw, len, &sink);
  lua_pop(L, 1);
  lua_pushnil(L);
  lua_rawsetp(L, table, &RAW_KEY);
  lua_pushnil(L);
  lua_setmetatable(L, table);
}

/* The metatable is private (getmetatable gives false), but its functions still check what they get. */
static int headers_index(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  parse_into(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, 1);
  return 1;
}

static int raw_next(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  return lua_next(L, 1) ? 2 : (lua_pushnil(L), 1);
}

static int headers_pairs(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  parse_into(L, 1);
  lua_pushcfunction(L, raw_next); /* not the global next: a host may have replaced it */
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

static void push_headers(lua_State *L, jc_transfer *t) {
  lua_createtable(L, 0, 1);
  lua_pushlstring(L, t->head.p ? t->head.p : "", t->head.len);
  lua_rawsetp(L, -2, &RAW_KEY);
  if (luaL_newmetatable(L, "jumpcloud.headers")) {
    lua_pushcfunction(L, headers_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, headers_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
}

/* The body of a response held in memory (none when empty): JSON the transfer was asked to
 * decode is decoded straight from libcurl's buffer, with no Lua string of it in between; JSON
 * that does not parse stays bytes and its message goes in decode_error. What can become an error
 * (a status of 300 and above, JSON that does not parse) is scrubbed of the secret first. */
static void push_body(lua_State *L, jc_transfer *t, long status, const char *ct, int resp, jc_secret s) {
  if (t->body.len == 0) return;
  int error = status >= 300;
  if (error && jc_scrub_buf(&t->body, s)) luaL_error(L, "out of memory");
  int wanted = t->decode == JC_DECODE_ALL || (t->decode == JC_DECODE_ERRORS && error);
  if (wanted && jc_is_json_type(ct)) {
    if (jc_json_decode_buf(L, t->body.p, t->body.len) == 0) {
      if (error) jc_scrub_value(L, -1, s); /* an escaped key shows only once decoded */
      lua_setfield(L, resp, "body");
      return;
    }
    lua_setfield(L, resp, "decode_error");
    if (jc_scrub_buf(&t->body, s)) luaL_error(L, "out of memory");
  }
  lua_pushlstring(L, t->body.p, t->body.len);
  lua_setfield(L, resp, "body");
}

static int push_response(lua_State *L, jc_transfer *t, jc_secret s) {
  long status = current_status(t), connects = 0;
  curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);
  /* status, headers, time, reused, bytes, body, and url and attempts from the Lua layer: 8
   * fields, the hash part's size (one more doubles it) */
  lua_createtable(L, 0, 8);
  int resp = lua_gettop(L);
  lua_pushinteger(L, status);
  lua_setfield(L, resp, "status");
  push_headers(L, t);
  lua_setfield(L, resp, "headers");
  set_time(L, t);
  lua_pushboolean(L, connects == 0);
  lua_setfield(L, resp, "reused");
  int streamed = t->file_path && status / 100 == 2;
  if (streamed) {
    lua_pushstring(L, t->file_path);
    lua_setfield(L, resp, "file");
  }
  lua_pushinteger(L, (lua_Integer)(streamed ? (size_t)t->file_bytes : t->body.len)); /* as received */
  lua_setfield(L, resp, "bytes");
  char *ct = NULL; /* the last response's Content-Type, without parsing the headers */
  curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct);
  push_body(L, t, status, ct, resp, s);
  return 1;
}

/* Closes the streamed file and, when the transfer succeeded, puts it in place of the file asked
 * for; a failed transfer removes its temporary file (the reset does). Returns 1 when the file
 * itself failed. */
static int finish_file(jc_transfer *t, CURLcode rc) {
  if (!t->file_path) return 0;
  if (!t->file && !t->file_error && rc == CURLE_OK && current_status(t) / 100 == 2)
    to_file(t, "", 0); /* an empty 2xx body still makes its (empty) file */
  int failed = t->file_error;
  if (t->file && fclose(t->file) != 0) failed = t->file_error = 1;
  t->file = NULL;
  if (!failed && rc == CURLE_OK && t->temp_path) {
    if (rename(t->temp_path, t->file_path) != 0) failed = t->file_error = 1;
    else free(t->temp_path), t->temp_path = NULL;
  }
  return failed;
}

int jc_transfer_push_result(lua_State *L, jc_transfer *t, CURLcode rc, jc_secret s) {
  if (finish_file(t, rc) && rc == CURLE_OK) rc = CURLE_WRITE_ERROR;
  /* headers can echo the key too, and they go in errors: scrubbed whatever the status */
  if (jc_scrub_buf(&t->head, s)) luaL_error(L, "out of memory");
  return rc == CURLE_OK ? push_response(L, t, s) : push_failure(L, t, rc, s);
}
