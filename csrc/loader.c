/* luaopen_jumpcloud_core: loads the C core (core_impl.so, beside this file) with lazy binding.
 *
 * Lua's loader opens every C module with RTLD_NOW, which makes the dynamic linker bind each
 * function of libcurl and of its thirty-odd libraries (OpenSSL, GnuTLS, Kerberos, LDAP, ...) before
 * the first line runs: about a fifth of a script's start-up. Opened here with RTLD_LAZY, only the
 * functions a run calls are bound, as for a C program linked with libcurl. This file links
 * neither libcurl nor anything else. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>

#define IMPL_FILE "core_impl.so"
#define IMPL_OPEN "luaopen_jumpcloud_core_impl"

int luaopen_jumpcloud_core(lua_State *L) {
  Dl_info self;
  if (!dladdr((void *)luaopen_jumpcloud_core, &self) || !self.dli_fname)
    return luaL_error(L, "jumpcloud.core: cannot find where it was loaded from");
  const char *slash = strrchr(self.dli_fname, '/');
  int dir_len = slash ? (int)(slash - self.dli_fname) + 1 : 0;
  char path[4096];
  if (snprintf(path, sizeof path, "%.*s%s", dir_len, self.dli_fname, IMPL_FILE) >= (int)sizeof path)
    return luaL_error(L, "jumpcloud.core: path too long");
  /* never closed: libcurl and OpenSSL stay loaded for the life of the process */
  void *impl = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
  if (!impl) return luaL_error(L, "jumpcloud.core: cannot load %s: %s", path, dlerror());
  lua_CFunction open = (lua_CFunction)(void (*)(void))dlsym(impl, IMPL_OPEN);
  if (!open) return luaL_error(L, "jumpcloud.core: %s has no %s", path, IMPL_OPEN);
  return open(L);
}
