/* The floor of the benchmark: the least a client can do with libcurl. One easy handle, reused
 * for every request (one kept-alive connection), the body collected into one growing buffer.
 * Built twice: `floor` (no JSON) and, with -DWITH_CJSON, `floor-cjson`, which also hands each
 * body to lua-cjson's decode in a lua_State (and walks the records when iterating).
 *
 * Usage: floor WORKLOAD BASE_URL N
 *   small N    GET BASE_URL/policygroups/<id> N times
 *   pages N    GET BASE_URL/policies?limit=100&skip=S&sort=_id for N pages (S wraps at 2000 pages)
 *   iterate 0  walk BASE_URL/policies 100 at a time until the x-total-count header's total
 * Prints one JSON line: wall and CPU (user + sys, getrusage) seconds of the request loop only,
 * requests made, records seen. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#ifdef WITH_CJSON
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#endif

#define SMALL_ID "5f400061000400009e3779b1"
#define PAGE 100
#define WRAP_PAGES 2000

typedef struct {
  char *p;
  size_t len, cap;
} buf;

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  buf *b = ud;
  size_t len = size * n;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return 0;
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
  return len;
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static CURL *easy;
static buf body;

/* GET url into body; the status, or -1 on a transport failure. */
static long get(const char *url) {
  body.len = 0;
  curl_easy_setopt(easy, CURLOPT_URL, url);
  CURLcode rc = curl_easy_perform(easy);
  if (rc != CURLE_OK) {
    fprintf(stderr, "floor: %s: %s\n", url, curl_easy_strerror(rc));
    return -1;
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

#ifdef WITH_CJSON
static lua_State *L;

/* Decodes body with cjson.decode; with walk, visits every record. The record count. */
static long decode(int walk) {
  lua_pushvalue(L, 1); /* cjson.decode */
  lua_pushlstring(L, body.p, body.len);
  lua_call(L, 1, 1);
  long n = 0;
  if (lua_istable(L, -1)) {
    n = (long)lua_rawlen(L, -1);
    if (walk) {
      for (long i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_pop(L, 1);
      }
    }
  }
  lua_pop(L, 1);
  return n;
}
#else
static long decode(int walk) {
  (void)walk;
  return 0;
}
#endif

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s small|pages|iterate BASE_URL N\n", argv[0]);
    return 2;
  }
  const char *workload = argv[1], *base = argv[2];
  long count = atol(argv[3]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  easy = curl_easy_init();
  struct curl_slist *hdrs = NULL;
  hdrs = curl_slist_append(hdrs, "accept: application/json");
  hdrs = curl_slist_append(hdrs, "x-api-key: bench-key-0123456789abcdef");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
#ifdef WITH_CJSON
  L = luaL_newstate();
  luaL_openlibs(L);
  if (luaL_dostring(L, "return require('cjson').decode") != LUA_OK) {
    fprintf(stderr, "floor: %s\n", lua_tostring(L, -1));
    return 1;
  }
#endif
  char url[1024];
  long requests = 0, records = 0;
  double w0 = wall_now(), c0 = cpu_now();
  if (strcmp(workload, "small") == 0) {
    snprintf(url, sizeof url, "%s/policygroups/%s", base, SMALL_ID);
    for (long i = 0; i < count; i++, requests++) {
      if (get(url) != 200) return 1;
      decode(0);
    }
  } else if (strcmp(workload, "pages") == 0) {
    for (long i = 0; i < count; i++, requests++) {
      snprintf(url, sizeof url, "%s/policies?limit=%d&skip=%ld&sort=_id", base, PAGE, (i % WRAP_PAGES) * PAGE);
      if (get(url) != 200) return 1;
      records += decode(0);
    }
  } else if (strcmp(workload, "iterate") == 0) {
    long total = 1;
    for (long skip = 0; skip < total && requests < 100000; skip += PAGE, requests++) {
      snprintf(url, sizeof url, "%s/policies?limit=%d&skip=%ld&sort=_id", base, PAGE, skip);
      if (get(url) != 200) return 1;
      struct curl_header *h;
      if (curl_easy_header(easy, "x-total-count", 0, CURLH_HEADER, -1, &h) != CURLHE_OK) {
        fprintf(stderr, "floor: no x-total-count\n");
        return 1;
      }
      total = atol(h->value);
      records += decode(1);
    }
  } else {
    fprintf(stderr, "floor: unknown workload %s\n", workload);
    return 2;
  }
  double wall = wall_now() - w0, cpu = cpu_now() - c0;
  printf("{\"wall\": %.6f, \"cpu\": %.6f, \"requests\": %ld, \"records\": %ld}\n", wall, cpu, requests, records);
#ifdef WITH_CJSON
  lua_close(L);
#endif
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(easy);
  curl_global_cleanup();
  free(body.p);
  return 0;
}
