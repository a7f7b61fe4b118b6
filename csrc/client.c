/* The client userdata: one reused libcurl easy handle (so connections are kept alive),
 * the transport settings, and reused buffers for the response. Status codes are data
 * here; the Lua layer decides what is an error. */
#define _GNU_SOURCE /* memmem */
#include <curl/curl.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jc.h"

#define MAX_HEADER_BLOCK (256 * 1024)
#define KEEP_BUFFER_CAP (1024 * 1024)

typedef struct jc_client {
  CURL *easy;                  /* NULL once closed */
  struct curl_slist *defaults; /* headers sent on every request (the API key among them) */
  char *key;                   /* the API key, only to scrub it from what servers echo back */
  size_t key_len;
  jc_buf body, head;           /* response buffers, reused across requests */
  size_t max_body;
  long timeout_ms;             /* the client's total timeout; a call may ask for less */
  int overflow;                /* 1: body over max_body, 2: header block too large */
  int body_started;            /* the current response's first body chunk has been seen */
  const char *file_path;       /* stream a 2xx body to this file instead of memory */
  FILE *file;
  int file_error;
  curl_off_t file_bytes;
  char errbuf[CURL_ERROR_SIZE];
} jc_client;

static jc_client *check_open(lua_State *L, int idx) {
  jc_client *c = luaL_checkudata(L, idx, JC_CLIENT_MT);
  if (!c->easy) luaL_error(L, "attempt to use a closed " JC_CLIENT_MT);
  return c;
}

/* One cleanup for close, __close and __gc: safe to run twice. */
static void release(jc_client *c) {
  if (c->easy) curl_easy_cleanup(c->easy);
  c->easy = NULL;
  curl_slist_free_all(c->defaults);
  c->defaults = NULL;
  if (c->key) memset(c->key, 0, c->key_len);
  free(c->key);
  c->key = NULL;
  jc_buf_free(&c->body);
  jc_buf_free(&c->head);
}

static long current_status(jc_client *c) {
  long status = 0;
  curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

/* A 2xx body goes to the file when one was asked for; anything else to memory. */
static size_t to_file(jc_client *c, const char *data, size_t len) {
  if (!c->file) c->file = fopen(c->file_path, "wb");
  if (!c->file || fwrite(data, 1, len, c->file) != len) return c->file_error = 1, 0;
  c->file_bytes += (curl_off_t)len;
  return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  jc_client *c = ud;
  size_t len = size * n;
  int first = !c->body_started;
  c->body_started = 1;
  if (c->file_path && current_status(c) / 100 == 2) return to_file(c, data, len);
  if (first) { /* refuse an absurd Content-Length at once, else size the buffer once */
    curl_off_t cl = -1;
    curl_easy_getinfo(c->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (cl > 0 && (size_t)cl > c->max_body) return c->overflow = 1, 0;
    if (cl > 0 && (size_t)cl + 1 > c->body.cap) {
      char *p = realloc(c->body.p, (size_t)cl + 1);
      if (p) c->body.p = p, c->body.cap = (size_t)cl + 1;
    }
  }
  if (c->body.len + len > c->max_body) return c->overflow = 1, 0;
  return jc_buf_append(&c->body, data, len) ? 0 : len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  jc_client *c = ud;
  size_t len = size * n;
  if (c->head.len + len > MAX_HEADER_BLOCK) return c->overflow = 2, 0;
  return jc_buf_append(&c->head, data, len) ? 0 : len;
}

/* ---- construction ------------------------------------------------------ */

static const char *opt_string(lua_State *L, int t, const char *key) {
  lua_getfield(L, t, key);
  const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  lua_pop(L, 1); /* the string stays alive: it is referenced by the options table */
  return s;
}

static lua_Number opt_number(lua_State *L, int t, const char *key, lua_Number dflt) {
  lua_getfield(L, t, key);
  lua_Number v = lua_isnil(L, -1) ? dflt : luaL_checknumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Appends "Name: value" after checking both parts; raises on a bad header. */
static struct curl_slist *add_header(lua_State *L, struct curl_slist *list, const char *name,
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

/* Appends every name = value pair of the table at t; raises (after freeing) on a bad one. */
static struct curl_slist *add_headers(lua_State *L, struct curl_slist *list, int t, const char *what) {
  if (lua_isnoneornil(L, t)) return list;
  if (lua_type(L, t) != LUA_TTABLE) {
    curl_slist_free_all(list);
    luaL_error(L, "bad %s (table expected, got %s)", what, luaL_typename(L, t));
  }
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int failed = 0;
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
      failed = 4;
    } else {
      size_t vlen;
      const char *v = lua_tolstring(L, -1, &vlen);
      list = add_header(L, list, lua_tostring(L, -2), v, vlen, &failed);
    }
    if (failed) {
      curl_slist_free_all(list);
      /* The value may be a secret: name only the header. */
      if (failed == 2) luaL_error(L, "bad %s: value of '%s' contains CR, LF or NUL", what, lua_tostring(L, -2));
      if (failed == 3) luaL_error(L, "out of memory");
      luaL_error(L, "bad %s: header names and values must be strings, names without spaces or ':'", what);
    }
    lua_pop(L, 1);
  }
  return list;
}

/* core.new{base headers, api_key=, timeout=, connect_timeout=, stall_timeout=, user_agent=,
 *          ca_file=, proxy=, max_body=} -> client */
static int l_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  jc_client *c = lua_newuserdatauv(L, sizeof *c, 1);
  memset(c, 0, sizeof *c); /* closed until everything is acquired */
  luaL_setmetatable(L, JC_CLIENT_MT);
  lua_newtable(L);
  lua_setiuservalue(L, -2, 1);
  int failed = 0;
  size_t klen = 0;
  lua_getfield(L, 1, "api_key");
  const char *key = lua_tolstring(L, -1, &klen);
  if (key) c->defaults = add_header(L, c->defaults, "x-api-key", key, klen, &failed);
  if (failed == 2) return luaL_error(L, "bad api_key: contains CR, LF or NUL");
  if (failed) return luaL_error(L, "out of memory");
  if (key && klen) {
    c->key = malloc(klen + 1);
    if (!c->key) return luaL_error(L, "out of memory");
    memcpy(c->key, key, klen + 1);
    c->key_len = klen;
  }
  lua_pop(L, 1);
  lua_getfield(L, 1, "headers");
  c->defaults = add_headers(L, c->defaults, lua_gettop(L), "headers");
  lua_pop(L, 1);
  struct curl_slist *grown = curl_slist_append(c->defaults, "Expect:"); /* no 100-continue stalls */
  if (!grown) return luaL_error(L, "out of memory");
  c->defaults = grown;
  c->max_body = (size_t)opt_number(L, 1, "max_body", 64.0 * 1024 * 1024);
  const char *ua = opt_string(L, 1, "user_agent"), *ca = opt_string(L, 1, "ca_file");
  const char *proxy = opt_string(L, 1, "proxy");
  long timeout_ms = (long)(opt_number(L, 1, "timeout", 60) * 1000);
  long connect_ms = (long)(opt_number(L, 1, "connect_timeout", 10) * 1000);
  long stall_s = (long)opt_number(L, 1, "stall_timeout", 30);

  CURL *e = curl_easy_init();
  if (!e) return luaL_error(L, "cannot create a libcurl handle");
  c->easy = e;
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* never carry the key to another host */
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  c->timeout_ms = timeout_ms;
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  /* Stall guard: less than 1 byte/s for stall_s seconds aborts the transfer. */
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, stall_s);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
  if (ua) curl_easy_setopt(e, CURLOPT_USERAGENT, ua);
  if (ca) curl_easy_setopt(e, CURLOPT_CAINFO, ca);
  if (proxy) curl_easy_setopt(e, CURLOPT_PROXY, proxy); /* else libcurl honours the *_proxy variables */
  return 1;
}

/* ---- one request ------------------------------------------------------- */

static void set_method(CURL *e, const char *method, const char *body, size_t blen) {
  curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L); /* resets any earlier POST state */
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    return;
  }
  if (body) { /* the Lua string stays on the stack for the whole transfer: no copy */
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
  }
  if (strcmp(method, "GET") != 0 && !(body && strcmp(method, "POST") == 0))
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
}

typedef struct header_ctx {
  lua_State *L;
  int table;
} header_ctx;

static void headers_reset(void *ud) {
  header_ctx *h = ud;
  lua_newtable(h->L);
  lua_replace(h->L, h->table);
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
    default: return "transport";
  }
}

/* Pushes nil and an error table for a failed transfer. */
static int push_failure(lua_State *L, jc_client *c, CURLcode rc) {
  curl_off_t sent = 0;
  curl_easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &sent);
  lua_pushnil(L);
  lua_createtable(L, 0, 5);
  const char *kind = "network", *code = curl_code_name(rc), *msg = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
  if (c->file_error) kind = "file", code = "file_write", msg = "cannot write the response to the file";
  else if (c->overflow == 1) kind = "decode", code = "body_too_large", msg = "response body larger than max_body";
  else if (c->overflow == 2) kind = "decode", code = "headers_too_large", msg = "response headers too large";
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
  curl_off_t micros = 0;
  curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME_T, &micros);
  lua_pushnumber(L, (lua_Number)micros / 1e6);
  lua_setfield(L, -2, "time");
  return 2;
}

/* Pushes the response table {status, headers, body, time, reused}. */
static int push_response(lua_State *L, jc_client *c) {
  long status = 0, connects = 0;
  curl_off_t micros = 0;
  curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(c->easy, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME_T, &micros);
  lua_createtable(L, 0, 5);
  int resp = lua_gettop(L);
  lua_pushinteger(L, status);
  lua_setfield(L, resp, "status");
  lua_newtable(L);
  header_ctx h = {L, lua_gettop(L)};
  jc_header_sink sink = {&h, headers_reset, headers_add};
  jc_headers_parse(c->head.p ? c->head.p : "", c->head.len, &sink);
  lua_setfield(L, resp, "headers");
  lua_pushlstring(L, c->body.p ? c->body.p : "", c->body.len);
  lua_setfield(L, resp, "body");
  lua_pushnumber(L, (lua_Number)micros / 1e6);
  lua_setfield(L, resp, "time");
  lua_pushboolean(L, connects == 0);
  lua_setfield(L, resp, "reused");
  if (c->file_path && status / 100 == 2) {
    lua_pushstring(L, c->file_path);
    lua_setfield(L, resp, "file");
    lua_pushinteger(L, (lua_Integer)c->file_bytes);
    lua_setfield(L, resp, "bytes");
  }
  return 1;
}

static void reset_buffers(jc_client *c) {
  if (c->body.cap > KEEP_BUFFER_CAP) jc_buf_free(&c->body); /* do not pin a huge body */
  c->body.len = c->head.len = 0;
  c->overflow = c->body_started = c->file_error = 0;
  c->file_bytes = 0;
  c->file_path = NULL;
  c->errbuf[0] = '\0';
}

/* Closes the streamed file; a failed transfer removes its partial file. Returns 1 when the
 * file itself failed (rc is then set so the error says so). */
static int finish_file(jc_client *c, CURLcode *rc) {
  if (c->file_path && !c->file && *rc == CURLE_OK && current_status(c) / 100 == 2)
    to_file(c, "", 0); /* an empty 2xx body still makes its (empty) file */
  int failed = c->file_error || (c->file && fclose(c->file) != 0);
  if (c->file_error && c->file) fclose(c->file);
  if (c->file && (failed || *rc != CURLE_OK)) remove(c->file_path);
  c->file = NULL;
  if (failed) *rc = CURLE_WRITE_ERROR;
  return failed;
}

/* client:perform(method, url, headers, body [, {to_file = path}]) -> response | nil, transport error */
static int l_perform(lua_State *L) {
  jc_client *c = check_open(L, 1);
  const char *method = luaL_checkstring(L, 2);
  const char *url = luaL_checkstring(L, 3);
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  size_t blen = 0;
  const char *body = luaL_optlstring(L, 5, NULL, &blen);
  for (const char *p = method; *p; p++)
    if (!isupper((unsigned char)*p)) return luaL_argerror(L, 2, "method must be an upper-case HTTP verb");
  const char *file_path = NULL;
  long timeout_ms = c->timeout_ms;
  if (!lua_isnoneornil(L, 6)) {
    luaL_checktype(L, 6, LUA_TTABLE);
    file_path = opt_string(L, 6, "to_file");
    lua_Number t = opt_number(L, 6, "timeout", 0);
    if (t > 0 && t * 1000 < timeout_ms) timeout_ms = t * 1000 < 1 ? 1 : (long)(t * 1000); /* a deadline's rest */
  }
  struct curl_slist *list = NULL;
  for (struct curl_slist *d = c->defaults; d; d = d->next) {
    struct curl_slist *grown = curl_slist_append(list, d->data);
    if (!grown) {
      curl_slist_free_all(list);
      return luaL_error(L, "out of memory");
    }
    list = grown;
  }
  list = add_headers(L, list, 4, "headers");
  reset_buffers(c);
  c->file_path = file_path;
  curl_easy_setopt(c->easy, CURLOPT_URL, url);
  curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, list);
  set_method(c->easy, method, body, blen);
  curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  CURLcode rc = curl_easy_perform(c->easy);
  curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, NULL);
  curl_slist_free_all(list);
  int n = finish_file(c, &rc) ? push_failure(L, c, rc) : rc == CURLE_OK ? push_response(L, c) : push_failure(L, c, rc);
  reset_buffers(c);
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
  lua_pushfstring(L, JC_CLIENT_MT " (%s%p)", c->easy ? "" : "closed, ", (void *)c);
  return 1;
}

/* Methods first (C ones and those the Lua layer adds), then the per-client state table. */
static int l_index(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

static int l_newindex(lua_State *L) {
  return luaL_error(L, "cannot set field '%s' of a " JC_CLIENT_MT, luaL_tolstring(L, 2, NULL));
}

/* core.state(client): the table of Lua-side state of a client (open or closed). */
static int l_state(lua_State *L) {
  luaL_checkudata(L, 1, JC_CLIENT_MT);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

static int l_is_open(lua_State *L) {
  jc_client *c = luaL_testudata(L, 1, JC_CLIENT_MT);
  lua_pushboolean(L, c && c->easy);
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
  lua_pushvalue(L, -1);
  lua_setfield(L, mod, "methods"); /* the Lua layer adds its methods here */
  lua_pushcclosure(L, l_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  static const luaL_Reg fns[] = {{"new", l_new}, {"state", l_state}, {"is_open", l_is_open}, {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}
