// The data API of the server (shared/design/app-integration.md §4; the
// application developer's page is docs/api.md): users, rooms and state
// hashes over HTTP+JSON, answered from the store (signalmesh/store.hpp).
//
// No websocketpp here: the gateway hands each request under /api/ to
// DataApi::handle() and writes the HttpResponse it gets back. The live
// endpoints (kick, messages, host) and webhooks are not part of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signalmesh/store.hpp"

namespace signalmesh::api {

// `path` without the query; `query` without the '?' (a leading '?' is
// tolerated); the header values as received, empty when absent.
struct HttpRequest {
  std::string method, path, query, authorization, if_match, content_type, body;
};
// JSON body (empty for 204); Content-Type is set by the API in `headers`.
struct HttpResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What the gateway does live when the API changes a room (the API never
// touches connections). Called on the loop, after the store acknowledged.
class LiveRooms {
 public:
  virtual void room_status_changed(const store::RoomRecord& room) = 0;  // members get room-status
  virtual void room_deleted(const std::string& room_id) = 0;  // members get room-closed, 4011

 protected:
  ~LiveRooms() = default;
};

struct ApiSettings {
  // Empty: the API is off (404 for the whole /api/ tree).
  std::vector<std::string> keys;
  // The gateway's HTTP request body cap; a longer body is 413.
  std::size_t max_body_bytes = 65536;
  // The pod's --max-room-members: a room's maxMembers may not exceed it.
  std::uint32_t max_room_members = 50;
};

class DataApi {
 public:
  // `store`, `live` and `now_ms` must outlive every pending request: stop
  // the store (which drops its pending calls) before destroying them.
  DataApi(store::Store& store, LiveRooms& live, ApiSettings settings,
          std::function<std::int64_t()> now_ms);
  bool enabled() const;                            // keys not empty
  static bool is_api_path(std::string_view path);  // "/api" or "/api/..."
  // Answers through `respond`, exactly once, on the loop: before handle()
  // returns when no store call is needed (errors), else after the store
  // answered. Loop thread only.
  void handle(HttpRequest request, std::function<void(HttpResponse)> respond);

 private:
  store::Store& store_;
  LiveRooms& live_;
  ApiSettings settings_;
  std::function<std::int64_t()> now_ms_;
  std::vector<std::string> key_digests_;  // SHA-256 of each key
};

// Keys: one per line of --api-key-file (blank lines and #comments skipped),
// plus SIGNALMESH_API_KEY. Throws std::runtime_error with a clear message
// for an unreadable file or an empty result when a file was given.
std::vector<std::string> load_api_keys(const std::string& key_file, const char* env_value);

}  // namespace signalmesh::api
