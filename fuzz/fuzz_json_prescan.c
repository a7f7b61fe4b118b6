/* fuzz_json_prescan: jc_json_prescan on arbitrary text. Checks: with no placeholder nothing is
 * written; otherwise the literals are exactly `count` NUL-terminated strings, each an empty array
 * ('[', JSON whitespace, ']') or an integer of more than 15 digits (-?[1-9][0-9]{15,}); and walking
 * the rewritten text beside the input, every byte is the same except where placeholder i
 * ("@@jc-<nonce>-i@@", quotes included) stands for literal i, in order, and is not followed by
 * ':' (a key). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jc.h"

#define FAIL(...) (fprintf(stderr, "fuzz_json_prescan: " __VA_ARGS__), fputc('\n', stderr), abort())
static const char nonce[] = "0123456789abcdef";

static int literal_ok(const char *l) {
  size_t n = strlen(l);
  if (l[0] == '[') {
    size_t i = 1;
    while (i < n && (l[i] == ' ' || l[i] == '\t' || l[i] == '\n' || l[i] == '\r')) i++;
    return i == n - 1 && l[i] == ']';
  }
  size_t i = l[0] == '-', digits = 0;
  if (l[i] == '0') return 0; /* no leading zero in JSON */
  for (; i < n; i++, digits++)
    if (l[i] < '0' || l[i] > '9') return 0;
  return digits > 15;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size ? size : 1); /* exactly `size` bytes, so ASan sees reads past the text */
  if (!s) return 0;
  if (size) memcpy(s, data, size);
  jc_json_subst out;
  memset(&out, 0xa5, sizeof out); /* prescan must initialise it */
  if (jc_json_prescan(s, size, nonce, &out)) FAIL("prescan failed (out of memory?)");
  if (out.count == 0) {
    if (out.text.p || out.text.len || out.literals.p || out.literals.len) FAIL("no placeholder but output written");
    free(s);
    return 0;
  }
  /* literals: count NUL-terminated strings filling the buffer exactly */
  const char **lit = calloc(out.count, sizeof *lit);
  const char *p = out.literals.p, *lend = out.literals.p + out.literals.len;
  for (size_t i = 0; i < out.count; i++) {
    if (p >= lend) FAIL("%zu literals for %zu placeholders", i, out.count);
    lit[i] = p;
    const char *z = memchr(p, '\0', (size_t)(lend - p));
    if (!z) FAIL("literal %zu not terminated", i);
    if (!literal_ok(p)) FAIL("literal %zu is neither [] nor a long integer: [%s]", i, p);
    p = z + 1;
  }
  if (p != lend) FAIL("bytes after the last literal");
  /* the rewrite walked beside the input */
  const char *t = out.text.p, *tend = out.text.p + out.text.len, *q = s, *qend = s + size;
  size_t k = 0;
  char ph[64];
  while (t < tend || q < qend) {
    if (t < tend && q < qend && *t == *q) { /* a literal starts with [ - or a digit, never a quote */
      t++, q++;
      continue;
    }
    if (k >= out.count) FAIL("texts differ at input offset %zu with no placeholder left", (size_t)(q - s));
    int n = snprintf(ph, sizeof ph, "\"@@jc-%s-%zu@@\"", nonce, k);
    size_t ll = strlen(lit[k]);
    if ((size_t)(tend - t) < (size_t)n || memcmp(t, ph, (size_t)n) != 0)
      FAIL("texts differ at input offset %zu and placeholder %zu is not there", (size_t)(q - s), k);
    if ((size_t)(qend - q) < ll || memcmp(q, lit[k], ll) != 0)
      FAIL("placeholder %zu at input offset %zu does not stand for its literal", k, (size_t)(q - s));
    t += n, q += ll, k++;
    const char *after = q; /* a placeholder is a value, never an object key */
    while (after < qend && (*after == ' ' || *after == '\t' || *after == '\n' || *after == '\r')) after++;
    if (after < qend && *after == ':') FAIL("placeholder %zu stands where a key is (':' follows)", k - 1);
  }
  if (k != out.count) FAIL("%zu placeholders found in the text, count says %zu", k, out.count);
  free(lit);
  jc_json_subst_free(&out);
  if (out.count || out.text.p || out.literals.p) FAIL("jc_json_subst_free left state behind");
  free(s);
  return 0;
}
