/* fuzz_escape: jc_escape on arbitrary bytes. The output must hold only unreserved characters
 * (RFC 3986: ALPHA DIGIT - . _ ~) and %XX triplets with upper-case hex, must escape every
 * other byte, and percent-decoding it must give the input back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jc.h"

static int unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1; /* lower case is not what jc_escape writes */
}

#define FAIL(...) (fprintf(stderr, "fuzz_escape: " __VA_ARGS__), fputc('\n', stderr), abort())

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  jc_buf out = {0};
  if (jc_escape(&out, (const char *)data, size)) FAIL("jc_escape failed (out of memory?) on %zu bytes", size);
  size_t expect = 0;
  for (size_t i = 0; i < size; i++) expect += unreserved(data[i]) ? 1 : 3;
  if (out.len != expect) FAIL("output is %zu bytes, expected %zu", out.len, expect);
  if (size == 0 && out.p != NULL) FAIL("empty input allocated a buffer");
  if (out.p && out.p[out.len] != '\0') FAIL("output not NUL-terminated");
  size_t j = 0;
  for (size_t i = 0; i < out.len; j++) {
    unsigned char c = (unsigned char)out.p[i];
    int byte;
    if (c == '%') {
      if (i + 2 >= out.len) FAIL("truncated escape at %zu", i);
      int hi = hexval((unsigned char)out.p[i + 1]), lo = hexval((unsigned char)out.p[i + 2]);
      if (hi < 0 || lo < 0) FAIL("bad escape %%%c%c at %zu", out.p[i + 1], out.p[i + 2], i);
      byte = hi * 16 + lo;
      if (unreserved((unsigned char)byte)) FAIL("unreserved byte 0x%02x escaped at %zu", byte, i);
      i += 3;
    } else if (unreserved(c)) {
      byte = c;
      i++;
    } else {
      FAIL("reserved byte 0x%02x left as is at %zu", c, i);
    }
    if (j >= size || (unsigned char)data[j] != byte) FAIL("decoding differs from the input at byte %zu", j);
  }
  if (j != size) FAIL("decoded %zu bytes of %zu", j, size);
  /* Appending to a non-empty buffer keeps what was there. */
  if (size) {
    size_t before = out.len;
    if (jc_escape(&out, (const char *)data, 1)) FAIL("second jc_escape failed");
    if (memcmp(out.p, out.p + before, out.len - before) != 0) FAIL("append did not keep the prefix");
  }
  jc_buf_free(&out);
  return 0;
}
