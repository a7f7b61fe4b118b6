/* jumpcloud.core: shared declarations of the C core (transport, buffers, JSON bridge). */
#ifndef JC_H
#define JC_H

#include <stddef.h>
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

/* json.c: text rewriting around lua-cjson 2.1.0 (see json.c for why). */
typedef struct jc_json_subst {
  size_t count;   /* number of placeholders written */
  jc_buf text;    /* rewritten text (only when count > 0) */
  jc_buf literals;/* the original literal of each placeholder, NUL separated */
} jc_json_subst;
int jc_json_prescan(const char *s, size_t n, const char *nonce, jc_json_subst *out);
void jc_json_subst_free(jc_json_subst *s);

/* Lua-facing entry points, one registration function per concern. */
void jc_client_register(lua_State *L);
void jc_json_register(lua_State *L);
void jc_encode_register(lua_State *L);

#endif
