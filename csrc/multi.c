/* Concurrent requests through one libcurl multi handle per client: the Lua layer adds
 * requests by id, waits for finished ones, and cancels what it no longer wants (a `break`
 * out of a parallel walk, an error raised in a hook). Easy handles are pooled and reused, so
 * their connections are. The request table of each transfer in flight is kept in the
 * transport's user value, by id: libcurl reads its body in place. */
#include <stdlib.h>
#include <string.h>
#include "jc.h"

#define MAX_POOL 64

static jc_transfer *in_flight(jc_client *c, lua_Integer id) {
  for (size_t i = 0; i < c->pool_len; i++)
    if (c->pool[i]->in_multi && c->pool[i]->id == id) return c->pool[i];
  return NULL;
}

static jc_transfer *free_transfer(lua_State *L, jc_client *c) {
  for (size_t i = 0; i < c->pool_len; i++)
    if (!c->pool[i]->in_multi) return c->pool[i];
  if (c->pool_len >= MAX_POOL) luaL_error(L, "too many concurrent requests (at most %d)", MAX_POOL);
  jc_transfer **grown = realloc(c->pool, (c->pool_len + 1) * sizeof *grown);
  if (!grown) luaL_error(L, "out of memory");
  c->pool = grown;
  jc_transfer *t = jc_transfer_new(c);
  if (!t) luaL_error(L, "cannot create a libcurl handle");
  c->pool[c->pool_len++] = t;
  return t;
}

/* Takes t out of the multi handle and forgets its request. Allocates nothing. */
static void detach(lua_State *L, jc_client *c, jc_transfer *t, int transport_idx) {
  curl_multi_remove_handle(c->multi, t->easy);
  t->in_multi = 0;
  jc_transfer_reset(t);
  lua_getiuservalue(L, transport_idx, 1);
  lua_pushnil(L);
  lua_rawseti(L, -2, t->id);
  lua_pop(L, 1);
}

static int multi_add(lua_State *L) {
  jc_client *c = lua_touserdata(L, 1);
  lua_Integer id = lua_tointeger(L, 2);
  if (!c->multi && !(c->multi = curl_multi_init())) return luaL_error(L, "cannot create a libcurl multi handle");
  jc_transfer *t = free_transfer(L, c);
  jc_transfer_prepare(L, c, t, 3);
  t->id = id;
  lua_getiuservalue(L, 1, 1); /* the transfer points into the request: keep it while in flight */
  lua_pushvalue(L, 3);
  lua_rawseti(L, -2, id);
  lua_pop(L, 1);
  CURLMcode mc = curl_multi_add_handle(c->multi, t->easy);
  if (mc != CURLM_OK) {
    jc_transfer_reset(t);
    return luaL_error(L, "cannot start a request: %s", curl_multi_strerror(mc));
  }
  t->in_multi = 1;
  int running;
  curl_multi_perform(c->multi, &running); /* connect and send now, before the caller moves on */
  return 0;
}

/* transport:multi_add(id, request): starts a request (see jc_transfer_prepare for its fields). */
static int l_multi_add(lua_State *L) {
  jc_client *c = jc_check_open(L, 1);
  lua_Integer id = luaL_checkinteger(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  /* a second request under one id would release the first one's body while libcurl sends it */
  if (in_flight(c, id)) return luaL_error(L, "request %d is already in flight", (int)id);
  lua_settop(L, 3);
  return jc_client_guarded(L, c, multi_add);
}

static int multi_wait(lua_State *L) {
  jc_client *c = lua_touserdata(L, 1);
  lua_Number wait = lua_tonumber(L, 2);
  lua_newtable(L);
  int out = lua_gettop(L), n = 0, running = 0;
  if (!c->multi) {
    lua_pushinteger(L, 0);
    return 2;
  }
  curl_multi_perform(c->multi, &running);
  int queued = 0;
  CURLMsg *msg = curl_multi_info_read(c->multi, &queued);
  if (!msg && running > 0 && wait > 0) {
    curl_multi_poll(c->multi, NULL, 0, wait < 3600 ? (int)(wait * 1000) : 3600 * 1000, NULL);
    curl_multi_perform(c->multi, &running);
    msg = curl_multi_info_read(c->multi, &queued);
  }
  for (; msg; msg = curl_multi_info_read(c->multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    jc_transfer *t = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    CURLcode rc = msg->data.result;
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, t->id);
    lua_setfield(L, -2, "id");
    if (jc_transfer_push_result(L, t, rc, jc_client_secret(c)) == 1) {
      lua_setfield(L, -2, "response");
    } else {
      lua_setfield(L, -3, "error");
      lua_pop(L, 1); /* the nil */
    }
    lua_rawseti(L, out, ++n);
    detach(L, c, t, 1);
  }
  lua_pushinteger(L, running);
  return 2;
}

/* transport:multi_wait(seconds) -> finished, running: waits at most `seconds` for progress and
 * returns the requests that finished, each {id =, response =} or {id =, error =}. */
static int l_multi_wait(lua_State *L) {
  jc_client *c = jc_check_open(L, 1);
  lua_Number wait = luaL_optnumber(L, 2, 0);
  lua_settop(L, 1);
  lua_pushnumber(L, wait > 0 ? wait : 0); /* NaN and negative: no wait */
  return jc_client_guarded(L, c, multi_wait);
}

/* transport:multi_cancel([id]): stops request `id`, or every request in flight. Works on a
 * closed client too (there is nothing left to stop then). */
static int l_multi_cancel(lua_State *L) {
  jc_client *c = luaL_checkudata(L, 1, JC_TRANSPORT_MT);
  int all = lua_isnoneornil(L, 2);
  lua_Integer id = all ? 0 : luaL_checkinteger(L, 2);
  for (size_t i = 0; i < c->pool_len; i++) {
    jc_transfer *t = c->pool[i];
    if (t->in_multi && (all || t->id == id)) detach(L, c, t, 1);
  }
  return 0;
}

void jc_multi_register(lua_State *L, int methods) {
  static const luaL_Reg fns[] = {{"multi_add", l_multi_add}, {"multi_wait", l_multi_wait},
                                 {"multi_cancel", l_multi_cancel}, {NULL, NULL}};
  lua_pushvalue(L, methods);
  luaL_setfuncs(L, fns, 0);
  lua_pop(L, 1);
}
