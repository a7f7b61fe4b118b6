/* fuzz_headers: jc_headers_parse on arbitrary header blocks. A sink checks each field as it
 * comes: name and value lie inside the block (value after the name, on the same line), the
 * name is non-empty visible ASCII without ':' or whitespace, the value has no LF at all and
 * no CR, space or tab at either end. The events (status lines, fields) must also equal those
 * of a small reference parser written from the documented rules, and a sink that refuses a
 * field must stop the parse there with -1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jc.h"

#define FAIL(...) (fprintf(stderr, "fuzz_headers: " __VA_ARGS__), fputc('\n', stderr), abort())

typedef struct event {
  const char *name, *value; /* name NULL: a status line */
  size_t nlen, vlen;
} event;

typedef struct log {
  const char *block;
  size_t len;
  event *ev;
  size_t n, cap;
  size_t stop_at; /* refuse the field with this index (counting fields only); SIZE_MAX: never */
  size_t fields;
} log_t;

static void push(log_t *lg, const char *name, size_t nlen, const char *value, size_t vlen) {
  if (lg->n == lg->cap) {
    lg->cap = lg->cap ? 2 * lg->cap : 16;
    lg->ev = realloc(lg->ev, lg->cap * sizeof *lg->ev);
    if (!lg->ev) abort();
  }
  lg->ev[lg->n++] = (event){name, value, nlen, vlen};
}

static void on_status(void *ud) { push(ud, NULL, 0, NULL, 0); }

static int ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int on_header(void *ud, const char *name, size_t nlen, const char *value, size_t vlen) {
  log_t *lg = ud;
  const char *lo = lg->block, *hi = lg->block + lg->len;
  if (name < lo || name + nlen > hi || value < lo || value + vlen > hi) FAIL("field outside the block");
  if (nlen == 0) FAIL("empty name");
  if (value < name + nlen + 1) FAIL("value starts before the end of the name and its colon");
  if (name[nlen] != ':') FAIL("name not followed by ':'");
  if (memchr(name, '\n', (size_t)(value + vlen - name))) FAIL("field spans a line break");
  for (size_t i = 0; i < nlen; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == ':' || c < 0x21 || c > 0x7e) FAIL("bad byte 0x%02x in name", c);
  }
  if (vlen && (ws(value[0]) || ws(value[vlen - 1]))) FAIL("value begins or ends with CR, LF, SP or HTAB");
  if (memchr(value, '\n', vlen)) FAIL("LF inside a value");
  push(lg, name, nlen, value, vlen);
  return lg->fields++ == lg->stop_at;
}

/* The reference: lines end at LF (one CR before it dropped); a line beginning "HTTP/" starts a
 * response; a field line is name ':' value with a name of visible ASCII, the value trimmed of
 * SP, HTAB and CR; every other line is ignored. */
static int trim(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static void reference(const char *b, size_t len, log_t *lg) {
  const char *p = b, *end = b + len;
  while (p < end) {
    const char *eol = p;
    while (eol < end && *eol != '\n') eol++;
    const char *lend = eol;
    if (lend > p && lend[-1] == '\r') lend--;
    size_t n = (size_t)(lend - p);
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
      push(lg, NULL, 0, NULL, 0);
    } else {
      size_t c = 0;
      while (c < n && p[c] != ':') c++;
      int ok = c > 0 && c < n;
      for (size_t i = 0; ok && i < c; i++) ok = (unsigned char)p[i] >= 0x21 && (unsigned char)p[i] <= 0x7e;
      if (ok) {
        const char *v = p + c + 1, *ve = lend;
        while (v < ve && trim(*v)) v++;
        while (ve > v && trim(ve[-1])) ve--;
        push(lg, p, c, v, (size_t)(ve - v));
      }
    }
    p = eol + 1;
  }
}

static void compare(const log_t *a, const log_t *b, size_t upto) {
  for (size_t i = 0; i < upto; i++) {
    const event *x = &a->ev[i], *y = &b->ev[i];
    if ((x->name == NULL) != (y->name == NULL)) FAIL("event %zu: status line vs field", i);
    if (x->name && (x->name != y->name || x->nlen != y->nlen || x->value != y->value || x->vlen != y->vlen))
      FAIL("event %zu: field [%.*s]=[%.*s], reference [%.*s]=[%.*s]", i, (int)x->nlen, x->name, (int)x->vlen,
           x->value, (int)y->nlen, y->name, (int)y->vlen, y->value);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A copy of exactly `size` bytes, so ASan sees any read past the block. */
  char *block = malloc(size ? size : 1);
  if (!block) return 0;
  if (size) memcpy(block, data, size);
  int clean = !memchr(block, '\r', size) && !memchr(block, '\n', size) && !memchr(block, '\0', size);
  if (jc_header_value_ok(block, size) != clean) FAIL("jc_header_value_ok says %d", !clean);
  log_t got = {block, size, NULL, 0, 0, SIZE_MAX, 0}, want = {block, size, NULL, 0, 0, SIZE_MAX, 0};
  jc_header_sink sink = {&got, on_status, on_header};
  if (jc_headers_parse(block, size, &sink) != 0) FAIL("parse failed with a sink that accepts everything");
  reference(block, size, &want);
  if (got.n != want.n) FAIL("%zu events, reference %zu", got.n, want.n);
  compare(&got, &want, got.n);
  if (got.fields) { /* refuse one field: the parse stops right after it */
    log_t stop = {block, size, NULL, 0, 0, size % got.fields, 0};
    sink.ud = &stop;
    if (jc_headers_parse(block, size, &sink) != -1) FAIL("a refused field did not fail the parse");
    if (stop.fields != stop.stop_at + 1) FAIL("parse went on after a refused field");
    compare(&stop, &got, stop.n);
    free(stop.ev);
  }
  sink.on_status = NULL; /* on_status is optional */
  log_t quiet = {block, size, NULL, 0, 0, SIZE_MAX, 0};
  sink.ud = &quiet;
  if (jc_headers_parse(block, size, &sink) != 0 || quiet.fields != got.fields) FAIL("parse without on_status differs");
  free(quiet.ev);
  free(got.ev);
  free(want.ev);
  free(block);
  return 0;
}
