// The live endpoints (app-integration.md §4, docs/api.md §7): a room's
// members, kick, server messages, the host, and the cluster's pods. They
// need no store: the gateway acts through the cluster agreement (LiveRooms),
// whatever pod the request reaches.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "api/handlers.hpp"
#include "api/json_read.hpp"

namespace signalmesh::api {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Outcome = LiveResult::Outcome;

// kick's `reason`, as a member's kick allows (protocol.md §2).
constexpr std::size_t kMaxKickReason = 256;
// A server-message's `data`, written compactly: as a room's metadata.
constexpr std::size_t kMaxMessageData = kMaxMetadataBytes;
constexpr std::size_t kMaxRecentEvents = 200;

void key(Writer& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
void string(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
std::string text(const rapidjson::StringBuffer& buffer) {
  return {buffer.GetString(), buffer.GetSize()};
}

// The answer for what did not take effect; nullopt when it did.
std::optional<HttpResponse> failure(const LiveResult& result, const std::string& room_id,
                                    const std::string& peer_id) {
  switch (result.outcome) {
    case Outcome::kDone:
      return std::nullopt;
    case Outcome::kNoRoom:
      return error_response(404, "not-found", "room '" + room_id + "' has no members");
    case Outcome::kNoMember:
      return error_response(404, "not-found",
                            "'" + peer_id + "' is not a member of room '" + room_id + "'");
    case Outcome::kUnavailable:
      break;
  }
  HttpResponse response = error_response(503, "backend-unavailable",
                                         "the cluster's fan-out backend is down: nothing was done");
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

// Code points, not bytes: as a client's reason is counted.
std::size_t code_points(std::string_view utf8) {
  std::size_t count = 0;
  for (unsigned char c : utf8) count += (c & 0xC0) != 0x80;
  return count;
}

}  // namespace

void list_members(const Context& ctx, Input& in, Respond respond) {
  const std::string id = in.ids[0];
  ctx.live.live_members(id, [respond, id](LiveResult r) {
    if (auto problem = failure(r, id, {})) return respond(std::move(*problem));
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    key(w, "roomId");
    string(w, id);
    key(w, "hostId");
    string(w, r.host);
    key(w, "members");
    w.StartArray();
    for (const LiveMember& m : r.members) {
      w.StartObject();
      key(w, "peerId");
      string(w, m.peer_id);
      key(w, "pod");
      string(w, m.pod_id);
      key(w, "joined");
      w.Int64(m.joined_ms);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    respond(json_response(200, text(buffer)));
  });
}

void kick_member(const Context& ctx, Input& in, Respond respond) {
  const std::string id = in.ids[0];
  const std::string peer = in.ids[1];
  std::string reason;
  if (auto it = in.query.find("reason"); it != in.query.end()) {
    reason = it->second;
    if (code_points(reason) > kMaxKickReason) {
      return respond(error_response(400, "invalid-query", "reason is at most 256 characters"));
    }
  }
  ctx.live.kick_member(id, peer, reason, [respond, id, peer](LiveResult r) {
    if (auto problem = failure(r, id, peer)) return respond(std::move(*problem));
    respond(no_content());
  });
}

void send_message(const Context& ctx, Input& in, Respond respond) {
  const std::string id = in.ids[0];
  const rapidjson::Value& body = in.body;
  if (auto problem = check_fields(body, {"targetId", "data"})) return respond(std::move(*problem));
  std::string target;
  if (const auto* v = find_field(body, "targetId"); v != nullptr && !v->IsNull()) {
    if (auto problem = read_id(*v, "targetId", target)) return respond(std::move(*problem));
  }
  const auto* data = find_field(body, "data");
  if (data == nullptr) return respond(invalid_field("data", "is required: any JSON value"));
  std::string data_json;
  if (data->IsObject()) {
    // Checked like metadata: compact, no key twice.
    if (auto problem = read_metadata(*data, data_json)) {
      return respond(invalid_field("data",
                                   "must be at most 16384 bytes written compactly, "
                                   "with no key twice"));
    }
  } else {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    data->Accept(w);
    data_json = text(buffer);
  }
  if (data_json.size() > kMaxMessageData) {
    return respond(invalid_field("data", "must be at most 16384 bytes written compactly"));
  }
  ctx.live.send_message(id, target, data_json, [respond, id, target](LiveResult r) {
    if (auto problem = failure(r, id, target)) return respond(std::move(*problem));
    respond(json_response(202, "{\"recipients\":" + std::to_string(r.recipients) + "}"));
  });
}

void move_host(const Context& ctx, Input& in, Respond respond) {
  const std::string id = in.ids[0];
  const rapidjson::Value& body = in.body;
  if (auto problem = check_fields(body, {"hostId"})) return respond(std::move(*problem));
  const auto* v = find_field(body, "hostId");
  if (v == nullptr) return respond(invalid_field("hostId", "is required"));
  std::string host;
  if (auto problem = read_id(*v, "hostId", host)) return respond(std::move(*problem));
  ctx.live.move_host(id, host, [respond, id, host](LiveResult r) {
    if (auto problem = failure(r, id, host)) return respond(std::move(*problem));
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    key(w, "hostId");
    string(w, r.host);
    key(w, "previousHostId");
    string(w, r.previous_host);
    w.EndObject();
    respond(json_response(200, text(buffer)));
  });
}

void list_pods(const Context& ctx, Input&, Respond respond) {
  std::string self;
  const std::vector<std::string> pods = ctx.live.live_pods(self);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "self");
  string(w, self);
  key(w, "pods");
  w.StartArray();
  for (const auto& pod : pods) string(w, pod);
  w.EndArray();
  w.EndObject();
  respond(json_response(200, text(buffer)));
}

void list_events(const Context& ctx, Input& in, Respond respond) {
  std::uint64_t limit = 50;
  if (auto problem = read_integer(in.query, "limit", 1, kMaxRecentEvents, limit)) {
    return respond(std::move(*problem));
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "events");
  w.StartArray();
  for (const RecentEvent& e : ctx.live.recent_events(limit)) {
    w.StartObject();
    key(w, "id");
    string(w, e.id);
    key(w, "type");
    string(w, e.type);
    key(w, "roomId");
    string(w, e.room_id);
    key(w, "time");
    w.Int64(e.time_ms);
    key(w, "state");
    string(w, e.state);
    key(w, "attempts");
    w.Uint64(e.attempts);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  respond(json_response(200, text(buffer)));
}

}  // namespace signalmesh::api
