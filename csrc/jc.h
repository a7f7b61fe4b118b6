/* jumpcloud.core: shared declarations of the C core (transport, buffers, JSON bridge). */
#ifndef JC_H
#define JC_H

#include <stddef.h>
#include <stdio.h>
#include <curl/curl.h>
#include <lua.h>
#include <lauxlib.h>

#define JC_VERSION "0.1.0"
#define JC_CLIENT_MT "jumpcloud.Client"
#define JC_ARRAY_MT "jumpcloud.array"
#define JC_JSON_MAX_DEPTH 128

/* A growable byte buffer; every function returns 0 on success, -1 when out of memory. */
typedef struct jc_buf {
  char *p;
  size_t len, cap;
} jc_buf;

int jc_buf_append(jc_buf *b, const char *s, size_t n);
int jc_buf_putc(jc_buf *b, char c);
void jc_buf_free(jc_buf *b);

/* encode.c: RFC 3986 percent-encoding (everything but unreserved characters). */
int jc_escape(jc_buf *out, const char *s, size_t n);

/* headers.c: parse a raw block of response header lines (possibly several responses:
 * only the last one counts). Calls on_status once per status line, on_header per field. */
typedef struct jc_header_sink {
  void *ud;
  void (*on_status)(void *ud);
  int (*on_header)(void *ud, const char *name, size_t nlen, const char *value, size_t vlen);
} jc_header_sink;
int jc_headers_parse(const char *block, size_t len, const jc_header_sink *sink);
/* 1 when the value is safe to send in a header line (no CR, LF or NUL). */
int jc_header_value_ok(const char *s, size_t n);

/* jsondec.c: core.json_decode(text) -> value | nil, message; jc_json_decode_buf pushes the
 * value of n bytes and returns 0, or pushes the error message and returns -1. */
int jc_json_decode(lua_State *L);
int jc_json_decode_buf(lua_State *L, const char *s, size_t n);
/* 1 when a Content-Type names JSON (application/json, application/...+json). */
int jc_is_json_type(const char *content_type);

/* transfer.c: one request on one easy handle, with its reused response buffers. */
typedef struct jc_settings {
  char *ca_file, *proxy; /* owned copies, NULL when unset */
  long timeout_ms, connect_ms, stall_s;
  size_t max_body;
} jc_settings;

/* Which response bodies labelled JSON are decoded (straight from the transfer's buffer). */
enum { JC_DECODE_NONE = 0, JC_DECODE_ALL = 1, JC_DECODE_ERRORS = 2 };

typedef struct jc_transfer {
  CURL *easy;
  struct curl_slist *headers; /* this request's header list */
  /* What the handle is already set to, so that a run of like requests sets no option twice:
   * the header list CURLOPT_HTTPHEADER points to, the timeout, a plain GET (no body, no
   * custom verb), and whether CURLOPT_POSTFIELDS points to a caller's body. */
  const struct curl_slist *set_headers;
  long set_timeout_ms;
  int set_plain_get, set_body;
  jc_buf body, head;
  size_t max_body;
  int overflow;               /* 1: body over max_body, 2: header block too large */
  int body_started;           /* the response's first body chunk has been seen */
  int in_multi;               /* added to the client's multi handle */
  int decode;                 /* JC_DECODE_*: which JSON bodies the response decodes */
  int gzip;                   /* the handle asks for gzip (JSON pages compress 5 to 10 times) */
  lua_Integer id;             /* the caller's id of a concurrent request */
  char *file_path;            /* stream a 2xx body to this file instead of memory */
  FILE *file;
  int file_error;
  curl_off_t file_bytes;
  char errbuf[CURL_ERROR_SIZE];
} jc_transfer;

typedef struct jc_client {
  int open;
  jc_settings set;
  struct curl_slist *defaults; /* headers sent on every request (the API key among them) */
  char *key;                   /* the API key, only to scrub it from what servers echo back */
  size_t key_len;
  CURLSH *share;               /* one connection cache for every handle of the client */
  jc_transfer *main;           /* sequential requests */
  CURLM *multi;                /* concurrent requests, made on first use */
  jc_transfer **pool;          /* the transfers made for concurrent requests, reused */
  size_t pool_len;
} jc_client;

jc_transfer *jc_transfer_new(const jc_client *c);
void jc_transfer_free(jc_transfer *t);
/* Sets up t for one request from the Lua arguments from stack index `first` on: method, url,
 * headers table, body string, file path to stream a 2xx body to, timeout in seconds, decode
 * mode (JC_DECODE_*), whether to ask for gzip; raises on bad input. */
void jc_transfer_prepare(lua_State *L, const jc_client *c, jc_transfer *t, int first);
/* Pushes the response table, or nil and an error table; returns how many values it pushed. */
int jc_transfer_push_result(lua_State *L, jc_transfer *t, CURLcode rc);
/* Releases what one request took (header list, file); keeps the buffers for the next. */
void jc_transfer_reset(jc_transfer *t);
struct curl_slist *jc_add_headers(lua_State *L, struct curl_slist *list, int t, const char *what);
struct curl_slist *jc_add_header(lua_State *L, struct curl_slist *list, const char *name,
                                 const char *value, size_t vlen, int *failed);

/* Lua-facing entry points, one registration function per concern. */
void jc_client_register(lua_State *L);
void jc_multi_register(lua_State *L, int methods);
jc_client *jc_check_open(lua_State *L, int idx);
void jc_json_register(lua_State *L);
void jc_encode_register(lua_State *L);

#endif
