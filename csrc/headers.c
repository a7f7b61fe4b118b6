/* Response header parsing: raw header lines as libcurl hands them over. Untrusted input:
 * every byte of the block comes from the server. */
#include <string.h>
#include "jc.h"

int jc_header_value_ok(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') return 0;
  return 1;
}

/* RFC 9110 5.1: a field name is a token. Checks all n bytes (a NUL ends nothing here). */
int jc_header_name_ok(const char *s, size_t n) {
  static const char extra[] = "!#$%&'*+-.^_`|~";
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && !(c && memchr(extra, c, sizeof extra - 1))) return 0;
  }
  return 1;
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }
/* A bare CR is not allowed in a field value (RFC 9110 5.5: read it as SP): trim it at the ends. */
static int is_trim(char c) { return is_ows(c) || c == '\r'; }

/* One line without its line ending. */
static int parse_line(const char *line, size_t n, const jc_header_sink *sink) {
  if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
    /* A new response begins (100 Continue, proxy CONNECT, ...): forget earlier headers. */
    if (sink->on_status) sink->on_status(sink->ud);
    return 0;
  }
  const char *colon = memchr(line, ':', n);
  if (!colon || colon == line) return 0; /* not a field line: ignore it */
  size_t nlen = (size_t)(colon - line);
  for (size_t i = 0; i < nlen; i++)
    if (is_ows(line[i]) || (unsigned char)line[i] < 0x21 || (unsigned char)line[i] > 0x7e) return 0;
  const char *v = colon + 1, *end = line + n;
  while (v < end && is_trim(*v)) v++;
  while (end > v && is_trim(end[-1])) end--;
  return sink->on_header(sink->ud, line, nlen, v, (size_t)(end - v));
}

int jc_headers_parse(const char *block, size_t len, const jc_header_sink *sink) {
  size_t start = 0;
  while (start < len) {
    const char *nl = memchr(block + start, '\n', len - start);
    size_t stop = nl ? (size_t)(nl - block) : len;
    size_t n = stop - start;
    if (n && block[start + n - 1] == '\r') n--;
    if (n && parse_line(block + start, n, sink)) return -1;
    start = stop + 1;
  }
  return 0;
}
