// The data API of the server (shared/design/app-integration.md §4; the
// application developer's page is docs/api.md): users, rooms and state
// hashes over HTTP+JSON, answered from the store (signalmesh/store.hpp).
//
// No websocketpp here: the gateway hands each request under /api/ to
// DataApi::handle() and writes the HttpResponse it gets back. The live
// endpoints (members, kick, messages, host, pods) go through LiveRooms, the
// gateway's side, which acts through the cluster agreement.
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

// The live endpoints' view of a room and what came of an action on it.
struct LiveMember {
  std::string peer_id, pod_id;
  std::int64_t joined_ms = 0;
};
struct LiveResult {
  enum class Outcome {
    kDone,
    kNoRoom,       // the room has no member on any pod
    kNoMember,     // the named member is not in the room
    kUnavailable,  // the fan-out backend is down: nothing happened
  };
  Outcome outcome = Outcome::kDone;
  std::string host, previous_host;  // members and host: the host before and after
  std::size_t recipients = 0;       // messages
  std::vector<LiveMember> members;  // members, oldest first
};
using LiveDone = std::function<void(LiveResult)>;
// An event of this pod's webhook queue, for the operator's page.
struct RecentEvent {
  std::string id, type, room_id, state;
  std::int64_t time_ms = 0;
  std::size_t attempts = 0;
};

// What the gateway does live when the API changes a room (the API never
// touches connections). Called on the loop, after the store acknowledged.
class LiveRooms {
 public:
  virtual void room_status_changed(const store::RoomRecord& room) = 0;  // members get room-status
  virtual void room_deleted(const std::string& room_id) = 0;     // members get room-closed, 4011
  virtual void room_created(const store::RoomRecord& room) = 0;  // the room.created webhook
  // The live endpoints (app-integration.md §4): they act on the cluster's
  // members of the room whatever pod answers, without the store, and answer
  // through `done` exactly once, on the loop (possibly before returning).
  virtual void live_members(const std::string& room_id, LiveDone done) = 0;
  // `kick_reason` empty: none.
  virtual void kick_member(const std::string& room_id, const std::string& peer_id,
                           const std::string& kick_reason, LiveDone done) = 0;
  // `target_id` empty: every member. `data_json`: a checked JSON value.
  virtual void send_message(const std::string& room_id, const std::string& target_id,
                            const std::string& data_json, LiveDone done) = 0;
  virtual void move_host(const std::string& room_id, const std::string& host_id, LiveDone done) = 0;
  // The pods alive in the cluster, this one included, sorted; and this one's id.
  virtual std::vector<std::string> live_pods(std::string& self) = 0;
  // This pod's newest webhook events, newest first.
  virtual std::vector<RecentEvent> recent_events(std::size_t limit) = 0;

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
