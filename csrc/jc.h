/* jumpcloud.core: shared declarations of the C core (transport, buffers, JSON bridge). */
#ifndef JC_H
#define JC_H

#include <stddef.h>
#include <stdio.h>
#include <curl/curl.h>
#include <lua.h>
#include <lauxlib.h>

#define JC_VERSION "0.1.0"
#define JC_TRANSPORT_MT "jumpcloud.Transport"
#define JC_ARRAY_MT "jumpcloud.array"
#define JC_JSON_MAX_DEPTH 128
/* What a caller sees when it uses a closed client: the transport is private to the client. */
#define JC_CLOSED_MSG "attempt to use a closed jumpcloud.Client"

/* A growable byte buffer; every function returns 0 on success, -1 when out of memory. Freeing
 * wipes it: a buffer may have held what a server echoed of a secret. */
typedef struct jc_buf {
  char *p;
  size_t len, cap;
} jc_buf;

int jc_buf_append(jc_buf *b, const char *s, size_t n);
int jc_buf_putc(jc_buf *b, char c);
/* Makes room for cap bytes in all. */
int jc_buf_reserve(jc_buf *b, size_t cap);
void jc_buf_free(jc_buf *b);
/* Overwrites n bytes with zeros in a way the compiler cannot drop. */
void jc_wipe(void *p, size_t n);

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
/* 1 when the name is a header field name (RFC 9110 token characters, no NUL). */
int jc_header_name_ok(const char *s, size_t n);

/* jsondec.c: core.json_decode(text) -> value | nil, message; jc_json_decode_buf pushes the
 * value of n bytes and returns 0, or pushes the error message and returns -1. */
int jc_json_decode(lua_State *L);
int jc_json_decode_buf(lua_State *L, const char *s, size_t n);
/* 1 when a Content-Type names JSON (application/json, application/...+json). */
int jc_is_json_type(const char *content_type);

/* scrub.c: the API key out of everything a server sends back, before Lua sees it. A key shorter
 * than JC_SCRUB_MIN bytes (a test key) is not scrubbed: it would mangle ordinary words. */
#define JC_SCRUB_MIN 8
#define JC_REDACTED "[redacted]"
typedef struct jc_secret {
  const char *p;
  size_t len; /* 0: nothing to scrub */
} jc_secret;
/* Replaces every occurrence of the secret in b; -1 when out of memory (b is then wiped). */
int jc_scrub_buf(jc_buf *b, jc_secret s);
/* Replaces the value at idx (a string, or a decoded JSON table: keys and values at any depth)
 * by a copy without the secret, in place. */
void jc_scrub_value(lua_State *L, int idx, jc_secret s);
void jc_scrub_register(lua_State *L);

/* transfer.c: one request on one easy handle, with its reused response buffers. */
typedef struct jc_settings {
  char *ca_file, *proxy; /* owned copies, NULL when unset */
  /* Without a proxy option, the proxy environment as libcurl reads it, read once for the client:
   * left to libcurl, it is read again for every request (five getenv calls). "" for none. */
  char *env_http_proxy, *env_https_proxy, *no_proxy;
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
  const char *set_proxy;      /* what CURLOPT_PROXY was last set to, when the client's is per scheme */
  jc_buf body, head;
  size_t max_body;
  int overflow;               /* 1: body over max_body, 2: header block too large */
  int body_started;           /* the response's first body chunk has been seen */
  int in_multi;               /* added to the client's multi handle */
  int decode;                 /* JC_DECODE_*: which JSON bodies the response decodes */
  int gzip;                   /* the handle asks for gzip (JSON pages compress 5 to 10 times) */
  lua_Integer id;             /* the caller's id of a concurrent request */
  char *file_path;            /* stream a 2xx body to this file instead of memory... */
  char *temp_path;            /* ...through this temporary file beside it, renamed on success */
  FILE *file;
  int file_error;
  curl_off_t file_bytes;
  char errbuf[CURL_ERROR_SIZE];
} jc_transfer;

typedef struct jc_client {
  int open;
  int busy;                    /* calls of this transport inside the core right now */
  int release_due;             /* closed during such a call: released when the last one returns */
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

jc_secret jc_client_secret(const jc_client *c);
/* Entry points that can run Lua code (any allocation can run a finalizer) call `fn` through
 * here: the client stays allocated until the last such call returns, even when a finalizer or a
 * hook closes it meanwhile. Errors are re-raised after the count is restored. */
int jc_client_guarded(lua_State *L, jc_client *c, lua_CFunction fn);

jc_transfer *jc_transfer_new(const jc_client *c);
void jc_transfer_free(jc_transfer *t);
/* Sets up t for the request described by the table at `req` (method, url, headers, body,
 * to_file, timeout, decode, gzip: read raw); raises on bad input, holding nothing then. */
void jc_transfer_prepare(lua_State *L, const jc_client *c, jc_transfer *t, int req);
/* Pushes the response table, or nil and an error table; returns how many values it pushed.
 * Everything from the server is scrubbed of the secret first. */
int jc_transfer_push_result(lua_State *L, jc_transfer *t, CURLcode rc, jc_secret s);
/* Releases what one request took (header list, file); keeps the buffers for the next. */
void jc_transfer_reset(jc_transfer *t);
/* Headers: a checked "Name: value" line appended to list; 0 or a JC_HEADER_* failure. */
enum { JC_HEADER_OK = 0, JC_HEADER_BAD_NAME = 1, JC_HEADER_BAD_VALUE = 2, JC_HEADER_NOMEM = 3 };
int jc_add_header(struct curl_slist **list, const char *name, size_t nlen, const char *value, size_t vlen);
/* Frees a header list after wiping its lines: the client's, and a request's copy of them, carry the key. */
void jc_free_lines(struct curl_slist *list);

/* Lua-facing entry points, one registration function per concern. */
void jc_client_register(lua_State *L);
void jc_multi_register(lua_State *L, int methods);
jc_client *jc_check_open(lua_State *L, int idx);
void jc_json_register(lua_State *L);
void jc_encode_register(lua_State *L);

#endif
