/* A C host that embeds Lua and the binding, as tools that already host Lua do (spec/hardening_spec.lua
 * runs it; bin/test-asan builds it with AddressSanitizer):
 *   jc_host threads URL KEY  two threads, each with its own lua_State, loading the module, making requests
 *                            and encoding JSON while a third opens and closes states: nothing process-wide
 *                            may change under a state (the encoder's nonce once did: 1.7 % of encodes failed)
 *   jc_host scan URL KEY     a state with a wiping allocator: a client makes requests (one echoes the key),
 *                            then closes; the process's heap is scanned for the key before and after
 * KEY is the mock server's API key (wiped from argv at once). LUA_PATH and LUA_CPATH say where the
 * modules are. */
#define _GNU_SOURCE
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *url;
static char key[64];

static lua_State *new_state(lua_Alloc alloc) {
  lua_State *L = alloc ? lua_newstate(alloc, NULL) : luaL_newstate();
  luaL_openlibs(L);
  return L;
}

/* Runs chunk `code` with the given string arguments; prints and returns -1 on an error. */
static int run(lua_State *L, const char *code, int nargs) {
  if (luaL_loadstring(L, code) != LUA_OK) goto fail;
  lua_insert(L, -1 - nargs);
  if (lua_pcall(L, nargs, 0, 0) != LUA_OK) goto fail;
  return 0;
fail:
  fprintf(stderr, "lua error: %s\n", lua_tostring(L, -1));
  lua_pop(L, 1);
  return -1;
}

/* ---- threads ------------------------------------------------------------ */

static const char *WORK =
    "local url, id, key = ...\n"
    "local jumpcloud = require 'jumpcloud'\n"
    "local c <close> = jumpcloud.new{ api_key = key, base_url = url, retry = false }\n"
    "local failures, requests, encodes = 0, 0, 0\n"
    "for i = 1, 20000 do\n"
    "  local v = { big = (1 << 60) + i, small = 0.1 + i, list = jumpcloud.array{} }\n"
    "  local ok, text = pcall(jumpcloud.json.encode, v)\n"
    "  local back = ok and jumpcloud.json.decode(text)\n"
    "  if not (back and back.big == v.big and back.small == v.small) then failures = failures + 1 end\n"
    "  encodes = encodes + 1\n"
    "  if i % 50 == 0 then\n"
    "    local r = c:request('GET', '/__test/echo', { query = { i = i } })\n"
    "    if r and r.body.args.i[1] == tostring(i) then requests = requests + 1 else failures = failures + 1 end\n"
    "  end\n"
    "end\n"
    "print(string.format('thread %d: %d requests, %d encodes, %d failures', id, requests, encodes, failures))\n";

static void *worker(void *arg) {
  lua_State *L = new_state(NULL);
  lua_pushstring(L, url);
  lua_pushinteger(L, (lua_Integer)(size_t)arg);
  lua_pushstring(L, key);
  int rc = run(L, WORK, 3);
  lua_close(L);
  return rc ? (void *)1 : NULL;
}

static volatile int stop_opening;

static void *opener(void *arg) {
  (void)arg;
  while (!stop_opening) { /* each luaopen once made a new process-wide nonce */
    lua_State *L = new_state(NULL);
    run(L, "require 'jumpcloud.core'", 0);
    lua_close(L);
  }
  return NULL;
}

static int threads(void) {
  pthread_t a, b, o;
  void *ra, *rb;
  pthread_create(&o, NULL, opener, NULL);
  pthread_create(&a, NULL, worker, (void *)1);
  pthread_create(&b, NULL, worker, (void *)2);
  pthread_join(a, &ra);
  pthread_join(b, &rb);
  stop_opening = 1;
  pthread_join(o, NULL);
  return ra || rb;
}

/* ---- scan --------------------------------------------------------------- */

/* Lua's memory: freed blocks are wiped, as a host that wants no secret left behind would do. */
static void *wiping_alloc(void *ud, void *p, size_t osize, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    if (p) explicit_bzero(p, osize), free(p); /* memset before free is a dead store the compiler drops */
    return NULL;
  }
  void *q = malloc(nsize);
  if (q && p) {
    memcpy(q, p, osize < nsize ? osize : nsize);
    explicit_bzero(p, osize);
    free(p);
  }
  return q;
}

#define MASK 0x5a
static unsigned char masked[64]; /* the key, masked: the needle must not be in memory itself */
static size_t key_len;

#if defined(__SANITIZE_ADDRESS__)
#define NO_ASAN __attribute__((no_sanitize_address))
#define UNDER_ASAN 1
#else
#define NO_ASAN
#define UNDER_ASAN 0
#endif

NO_ASAN static size_t count_in(const unsigned char *p, size_t n) {
  size_t found = 0;
  for (size_t i = 0; i + key_len <= n; i++) {
    size_t j = 0;
    while (j < key_len && p[i + j] == (unsigned char)(masked[j] ^ MASK)) j++;
    if (j == key_len) {
      found++;
      if (getenv("JC_HOST_DEBUG")) { /* where a copy is, to find who made it */
        fprintf(stderr, "hit at %p: ", (void *)(p + i));
        for (size_t k = i >= 48 ? i - 48 : 0; k < i + key_len + 16 && k < n; k++)
          fputc(p[k] >= 32 && p[k] < 127 ? p[k] : '.', stderr);
        fputc('\n', stderr);
      }
    }
  }
  return found;
}

/* Copies of the key in the heap and the anonymous writable mappings (threads' stacks and the
 * main stack are not scanned: stack slots are not the heap). */
static size_t scan_heap(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  size_t found = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi;
    char perms[8], path[256] = "";
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, path) < 3) continue;
    if (strncmp(perms, "rw", 2) != 0) continue;
    if (path[0] && strcmp(path, "[heap]") != 0) continue;
    if (hi - lo > (1ul << 30)) continue;
    found += count_in((const unsigned char *)lo, hi - lo);
  }
  if (maps) fclose(maps);
  return found;
}

static const char *SCAN_OPEN =
    "local url, key = ...\n"
    "local jumpcloud = require 'jumpcloud'\n"
    "CLIENT = jumpcloud.new{ api_key = key, base_url = url, retry = false }\n"
    "assert(CLIENT:request('GET', '/__test/echo'))\n" /* echoes the key back in a 2xx body */
    "local r, err = CLIENT:request('POST', '/__test/reply', { body = '{\"status\":401,\"body\":{\"message\":\"' .. key .. '\"}}' })\n"
    "assert(err and err.status == 401)\n"
    "assert(CLIENT:batch({ { 'GET', '/__test/echo' }, { 'GET', '/__test/echo' } })[2][1])\n"
    "print('requests: 3')\n";

static const char *SCAN_CLOSE = "CLIENT:close(); CLIENT = nil; collectgarbage(); collectgarbage()\n";

static int scan(void) {
  lua_State *L = new_state(wiping_alloc);
  key_len = strlen(key);
  for (size_t i = 0; i < key_len; i++) masked[i] = (unsigned char)(key[i] ^ MASK);
  lua_pushstring(L, url);
  lua_pushlstring(L, key, key_len);
  memset(key, 0, sizeof key);
  if (run(L, SCAN_OPEN, 2)) return 1;
  if (UNDER_ASAN) {
    puts("scan: skipped (AddressSanitizer's allocator maps memory the scan cannot read)");
  } else {
    printf("while open: %zu copies\n", scan_heap());
  }
  if (run(L, SCAN_CLOSE, 0)) return 1;
  lua_gc(L, LUA_GCCOLLECT); /* a stale register of the chunk just run kept a string alive through its own collections */
  if (!UNDER_ASAN) printf("after close: %zu copies\n", scan_heap());
  fflush(stdout);
  lua_close(L);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4 || strlen(argv[3]) >= sizeof key) {
    fprintf(stderr, "usage: jc_host threads|scan URL KEY\n");
    return 2;
  }
  url = argv[2];
  memcpy(key, argv[3], strlen(argv[3]) + 1);
  memset(argv[3], 0, strlen(argv[3]));
  if (strcmp(argv[1], "threads") == 0) return threads();
  if (strcmp(argv[1], "scan") == 0) return scan();
  fprintf(stderr, "jc_host: unknown mode %s\n", argv[1]);
  return 2;
}
