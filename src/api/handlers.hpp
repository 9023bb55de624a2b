// The endpoint handlers, called by the router (data_api.cpp) once the path,
// method, key, path ids, query and body have passed. Each answers through
// `respond` exactly once. Loop thread only.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/data_api.hpp"
#include "api/http.hpp"

namespace signalmesh::api {

// References into the DataApi, which outlives every pending call.
struct Context {
  store::Store& store;
  LiveRooms& live;
  const ApiSettings& settings;
  const std::function<std::int64_t()>& now_ms;
};

struct Input {
  std::vector<std::string> ids;  // the path's uid or roomId, checked
  std::uint64_t tick = 0;        // the path's tick, when it has one
  Query query;                   // only the parameters the endpoint names
  rapidjson::Document body;      // an object for POST and PATCH
  std::string if_match;
};

using Handler = void (*)(const Context&, Input&, Respond);

void list_users(const Context& ctx, Input& in, Respond respond);
void create_user(const Context& ctx, Input& in, Respond respond);
void get_user(const Context& ctx, Input& in, Respond respond);
void patch_user(const Context& ctx, Input& in, Respond respond);
void delete_user(const Context& ctx, Input& in, Respond respond);

void list_rooms(const Context& ctx, Input& in, Respond respond);
void create_room(const Context& ctx, Input& in, Respond respond);
void get_room(const Context& ctx, Input& in, Respond respond);
void patch_room(const Context& ctx, Input& in, Respond respond);
void delete_room(const Context& ctx, Input& in, Respond respond);

void list_members(const Context& ctx, Input& in, Respond respond);
void kick_member(const Context& ctx, Input& in, Respond respond);
void send_message(const Context& ctx, Input& in, Respond respond);
void move_host(const Context& ctx, Input& in, Respond respond);
void list_pods(const Context& ctx, Input& in, Respond respond);
void list_events(const Context& ctx, Input& in, Respond respond);

void list_hashes(const Context& ctx, Input& in, Respond respond);
void get_tick(const Context& ctx, Input& in, Respond respond);

}  // namespace signalmesh::api
