/* One request on one libcurl easy handle: options, callbacks into reused buffers, and the
 * response (or transport error) as Lua tables. Used for sequential and concurrent requests. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "jc.h"

#define MAX_HEADER_BLOCK (256 * 1024)
#define KEEP_BUFFER_CAP (1024 * 1024)

static long current_status(jc_transfer *t) {
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

/* A 2xx body goes to the file when one was asked for; anything else to memory. */
static size_t to_file(jc_transfer *t, const char *data, size_t len) {
  if (!t->file) t->file = fopen(t->file_path, "wb");
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
    if (cl > 0 && (size_t)cl + 1 > t->body.cap) {
      char *p = realloc(t->body.p, (size_t)cl + 1);
      if (p) t->body.p = p, t->body.cap = (size_t)cl + 1;
    }
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
  if (s->proxy) curl_easy_setopt(e, CURLOPT_PROXY, s->proxy); /* else libcurl honours *_proxy */
  return t;
}

void jc_transfer_reset(jc_transfer *t) {
  if (t->file) fclose(t->file);
  t->file = NULL;
  free(t->file_path);
  t->file_path = NULL;
  if (t->headers) { /* the handle must not point to a freed list */
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, NULL);
    t->set_headers = NULL;
    curl_slist_free_all(t->headers);
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

/* Appends "Name: value" after checking both parts; sets *failed on a bad header. */
struct curl_slist *jc_add_header(lua_State *L, struct curl_slist *list, const char *name,
                                 const char *value, size_t vlen, int *failed) {
  for (const char *p = name; *p; p++)
    if (!isgraph((unsigned char)*p) || *p == ':') *failed = 1;
  if (!*name) *failed = 1;
  if (!jc_header_value_ok(value, vlen) || strlen(value) != vlen) *failed = 2;
  if (*failed) return list;
  lua_pushfstring(L, "%s: %s", name, value);
  struct curl_slist *grown = curl_slist_append(list, lua_tostring(L, -1));
  lua_pop(L, 1);
  if (!grown) *failed = 3;
  return grown ? grown : list;
}

/* Appends every name = value pair of the table at t (a false value appends nothing: as a request's
 * header, it leaves out the client's header of that name); raises (after freeing) on a bad one. */
struct curl_slist *jc_add_headers(lua_State *L, struct curl_slist *list, int t, const char *what) {
  if (lua_isnoneornil(L, t)) return list;
  if (lua_type(L, t) != LUA_TTABLE) {
    curl_slist_free_all(list);
    luaL_error(L, "bad %s (table expected, got %s)", what, luaL_typename(L, t));
  }
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int failed = 0;
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
      /* nothing to send */
    } else if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
      failed = 4;
    } else {
      size_t vlen;
      const char *v = lua_tolstring(L, -1, &vlen);
      list = jc_add_header(L, list, lua_tostring(L, -2), v, vlen, &failed);
    }
    if (failed) {
      curl_slist_free_all(list);
      /* The value may be a secret: name only the header. */
      if (failed == 2) luaL_error(L, "bad %s: value of '%s' contains CR, LF or NUL", what, lua_tostring(L, -2));
      if (failed == 3) luaL_error(L, "out of memory");
      luaL_error(L, "bad %s: header names must be strings without spaces or ':', values strings (or false)", what);
    }
    lua_pop(L, 1);
  }
  return list;
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

/* 1 when the request's own headers (a table of lower-cased names) replace the client's header
 * line `line` ("Name: value"). */
static int overridden(lua_State *L, const char *line, int headers_i) {
  char name[128];
  size_t n = 0;
  while (line[n] && line[n] != ':' && n < sizeof name - 1) {
    name[n] = (char)tolower((unsigned char)line[n]);
    n++;
  }
  name[n] = '\0';
  int found = lua_getfield(L, headers_i, name) != LUA_TNIL;
  lua_pop(L, 1);
  return found;
}

/* list with line appended; frees list and raises when out of memory. */
static struct curl_slist *append_or_raise(lua_State *L, struct curl_slist *list, const char *line) {
  struct curl_slist *grown = curl_slist_append(list, line);
  if (!grown) {
    curl_slist_free_all(list);
    luaL_error(L, "out of memory");
  }
  return grown;
}

void jc_transfer_prepare(lua_State *L, const jc_client *c, jc_transfer *t, int first) {
  int method_i = first, url_i = first + 1, headers_i = first + 2, body_i = first + 3, file_i = first + 4,
      timeout_i = first + 5, decode_i = first + 6, gzip_i = first + 7;
  const char *method = luaL_checkstring(L, method_i);
  const char *url = luaL_checkstring(L, url_i);
  if (!lua_isnoneornil(L, headers_i)) luaL_checktype(L, headers_i, LUA_TTABLE);
  size_t blen = 0;
  const char *body = luaL_optlstring(L, body_i, NULL, &blen);
  const char *file_path = luaL_optstring(L, file_i, NULL);
  lua_Number s = luaL_optnumber(L, timeout_i, 0);
  lua_Integer decode = luaL_optinteger(L, decode_i, JC_DECODE_NONE);
  luaL_argcheck(L, decode >= JC_DECODE_NONE && decode <= JC_DECODE_ERRORS, decode_i, "decode mode 0, 1 or 2 expected");
  for (const char *p = method; *p; p++)
    if (!isupper((unsigned char)*p)) luaL_argerror(L, method_i, "method must be an upper-case HTTP verb");
  long timeout_ms = c->set.timeout_ms;
  /* A deadline's rest, rounded up: the attempt then runs to the deadline, where cut short by a
   * fraction of a millisecond it could leave room for one more attempt that cannot succeed. */
  if (s > 0 && s * 1000 < timeout_ms) timeout_ms = (long)ceil(s * 1000);
  /* Most requests add no header of their own: they send the client's list as it is. A request
   * with a body gets its own list, which turns off libcurl's "Expect: 100-continue" (a stall of
   * a round trip, or a second on servers that ignore it); a GET need not pay for that line. */
  struct curl_slist *list = NULL;
  int has_headers = !lua_isnoneornil(L, headers_i);
  int own = body || (has_headers && (lua_pushnil(L), lua_next(L, headers_i) ? (lua_pop(L, 2), 1) : 0));
  if (own) {
    list = jc_add_headers(L, NULL, headers_i, "headers");
    for (struct curl_slist *d = c->defaults; d; d = d->next) {
      if (has_headers && overridden(L, d->data, headers_i)) continue;
      list = append_or_raise(L, list, d->data);
    }
    if (body && !(has_headers && overridden(L, "expect", headers_i))) list = append_or_raise(L, list, "Expect:");
  }
  char *path_copy = NULL;
  if (file_path && !(path_copy = strdup(file_path))) {
    curl_slist_free_all(list);
    luaL_error(L, "out of memory");
  }
  jc_transfer_reset(t);
  t->headers = list; /* freed by the reset after the request; the client's list is not */
  t->file_path = path_copy;
  t->decode = (int)decode;
  int gzip = lua_toboolean(L, gzip_i);
  if (gzip != t->gzip) { /* libcurl copies the string: set it only when it changes */
    curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, gzip ? "gzip" : NULL);
    t->gzip = gzip;
  }
  curl_easy_setopt(t->easy, CURLOPT_URL, url);
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

static const char *curl_code_name(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return "couldnt_resolve_host";
    case CURLE_COULDNT_RESOLVE_PROXY: return "couldnt_resolve_proxy";
    case CURLE_COULDNT_CONNECT: return "couldnt_connect";
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_SEND_ERROR: return "send_error";
    case CURLE_RECV_ERROR: return "recv_error";
    case CURLE_GOT_NOTHING: return "empty_reply";
    case CURLE_PARTIAL_FILE: return "partial_body";
    case CURLE_WEIRD_SERVER_REPLY: return "bad_reply";
    case CURLE_PEER_FAILED_VERIFICATION: return "tls_verification";
    case CURLE_SSL_CONNECT_ERROR: return "tls_connect";
    case CURLE_SSL_CACERT_BADFILE: return "tls_ca_file";
    case CURLE_BAD_CONTENT_ENCODING: return "bad_content_encoding";
    case CURLE_UNSUPPORTED_PROTOCOL: return "unsupported_protocol";
    case CURLE_URL_MALFORMAT: return "bad_url";
    case CURLE_ABORTED_BY_CALLBACK: return "cancelled";
    default: return "transport";
  }
}

static void set_time(lua_State *L, jc_transfer *t) {
  curl_off_t micros = 0;
  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &micros);
  lua_pushnumber(L, (lua_Number)micros / 1e6);
  lua_setfield(L, -2, "time");
}

static int push_failure(lua_State *L, jc_transfer *t, CURLcode rc) {
  curl_off_t sent = 0;
  curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &sent);
  lua_pushnil(L);
  lua_createtable(L, 0, 7);
  const char *kind = "network", *code = curl_code_name(rc), *msg = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
  if (t->file_error) kind = "file", code = "file_write", msg = "cannot write the response to the file";
  else if (t->overflow == 1) kind = "decode", code = "body_too_large", msg = "response body larger than max_body";
  else if (t->overflow == 2) kind = "decode", code = "headers_too_large", msg = "response headers too large";
  else if (rc == CURLE_OPERATION_TIMEDOUT) kind = "timeout";
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, msg);
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

static int headers_index(lua_State *L) {
  parse_into(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, 1);
  return 1;
}

static int headers_pairs(lua_State *L) {
  parse_into(L, 1);
  lua_getglobal(L, "next");
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
  }
  lua_setmetatable(L, -2);
}

/* The body of a response held in memory (none when empty): JSON the transfer was asked to
 * decode is decoded straight from libcurl's buffer, with no Lua string of it in between; JSON
 * that does not parse stays bytes and its message goes in decode_error. */
static void push_body(lua_State *L, jc_transfer *t, long status, const char *ct, int resp) {
  if (t->body.len == 0) return;
  int wanted = t->decode == JC_DECODE_ALL || (t->decode == JC_DECODE_ERRORS && status >= 300);
  if (wanted && jc_is_json_type(ct)) {
    if (jc_json_decode_buf(L, t->body.p, t->body.len) == 0) {
      lua_setfield(L, resp, "body");
      return;
    }
    lua_setfield(L, resp, "decode_error");
  }
  lua_pushlstring(L, t->body.p, t->body.len);
  lua_setfield(L, resp, "body");
}

static int push_response(lua_State *L, jc_transfer *t) {
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
  push_body(L, t, status, ct, resp);
  return 1;
}

/* Closes the streamed file; a failed transfer removes its partial file. Returns 1 when the
 * file itself failed. */
static int finish_file(jc_transfer *t, CURLcode rc) {
  if (!t->file_path) return 0;
  if (!t->file && rc == CURLE_OK && current_status(t) / 100 == 2)
    to_file(t, "", 0); /* an empty 2xx body still makes its (empty) file */
  int failed = t->file_error;
  if (t->file && fclose(t->file) != 0) failed = t->file_error = 1;
  if (t->file && (failed || rc != CURLE_OK)) remove(t->file_path);
  t->file = NULL;
  return failed;
}

int jc_transfer_push_result(lua_State *L, jc_transfer *t, CURLcode rc) {
  if (finish_file(t, rc) && rc == CURLE_OK) rc = CURLE_WRITE_ERROR;
  return rc == CURLE_OK ? push_response(L, t) : push_failure(L, t, rc);
}
