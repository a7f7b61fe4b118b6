/* luaopen_jumpcloud_core: the transport core of jumpcloud-lua. Sets no globals. */
#include <curl/curl.h>
#include "jc.h"

int luaopen_jumpcloud_core(lua_State *L) {
  static int curl_ready = 0;
  if (!curl_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return luaL_error(L, "cannot initialise libcurl");
    curl_ready = 1;
  }
  lua_newtable(L);
  lua_pushliteral(L, JC_VERSION);
  lua_setfield(L, -2, "VERSION");
  lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
  lua_setfield(L, -2, "curl_version");
  jc_client_register(L);
  jc_json_register(L);
  jc_encode_register(L);
  return 1;
}
