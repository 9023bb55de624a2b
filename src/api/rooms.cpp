// /api/v1/rooms: room records. The API writes status, metadata and
// maxMembers; players and host are the live cluster's, mirrored by the
// gateway. A status change or a delete is passed on to LiveRooms, which
// tells the members.
#include <openssl/rand.h>

#include <memory>
#include <utility>

#include "api/handlers.hpp"
#include "api/json_read.hpp"
#include "api/json_write.hpp"

namespace signalmesh::api {
namespace {

// 128 random bits, like a peerId the server assigns (protocol.md §1).
constexpr std::size_t kRoomIdBytes = 16;

std::string not_found(const std::string& id) {
  return "room '" + id + "' not found";
}

std::optional<std::string> random_room_id() {
  unsigned char bytes[kRoomIdBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return std::nullopt;
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string id;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char b : bytes) {
    bits = (bits << 8) | b;
    count += 8;
    while (count >= 6) {
      count -= 6;
      id.push_back(kAlphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) id.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  return id;
}

HttpResponse room_response(int status, const store::RoomRecord& room) {
  HttpResponse response = json_response(status, room_json(room));
  response.headers.emplace_back("ETag", "\"" + std::to_string(room.version) + "\"");
  if (status == 201) response.headers.emplace_back("Location", "/api/v1/rooms/" + room.room_id);
  return response;
}

// `"7"` (as ETag gives it) or `7`; `*` or nothing: no precondition.
std::optional<HttpResponse> read_if_match(std::string_view text,
                                          std::optional<std::uint64_t>& out) {
  if (text.empty() || text == "*") return std::nullopt;
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  const auto version = parse_decimal(text, UINT64_MAX);
  if (!version) return invalid_field("If-Match", "must be a room version as ETag gives it: \"7\"");
  out = *version;
  return std::nullopt;
}

// maxMembers of a create or a patch; null removes the room's own limit.
std::optional<HttpResponse> read_limit(const Context& ctx, const rapidjson::Value& body,
                                       std::optional<std::optional<std::uint32_t>>& out) {
  const auto* v = find_field(body, "maxMembers");
  if (!v) return std::nullopt;
  if (v->IsNull()) {
    out.emplace(std::nullopt);
    return std::nullopt;
  }
  std::uint32_t limit = 0;
  if (auto problem = read_max_members(*v, ctx.settings.max_room_members, limit)) return problem;
  out.emplace(limit);
  return std::nullopt;
}

std::optional<HttpResponse> read_metadata_field(const rapidjson::Value& body,
                                                std::optional<std::string>& out) {
  const auto* v = find_field(body, "metadata");
  if (!v) return std::nullopt;
  std::string text;  // "" (null) removes it
  if (!v->IsNull()) {
    if (auto problem = read_metadata(*v, text)) return problem;
  }
  out = std::move(text);
  return std::nullopt;
}

// The patch itself, and the live notice when (status, round) moved.
void apply_patch(const Context& ctx, std::string id, store::RoomPatch patch,
                 std::optional<std::uint64_t> if_match, std::optional<store::RoomRecord> before,
                 Respond respond) {
  const bool has_status = patch.status.has_value();
  const std::string wanted =
      has_status ? std::string(store::room_status_name(*patch.status)) : std::string();
  LiveRooms& live = ctx.live;
  ctx.store.patch_room(
      id, std::move(patch), if_match, ctx.now_ms(),
      [respond, id, if_match, before = std::move(before), has_status, wanted,
       &live](store::Result<store::RoomRecord> r) {
        if (r.status == store::Status::kPreconditionFailed) {
          return respond(store_error(r.status, "If-Match \"" + std::to_string(*if_match) +
                                                   "\" is not the room's current version"));
        }
        if (r.status == store::Status::kInvalid && has_status) {
          return respond(store_error(
              r.status, "status '" + wanted + "' does not follow the room's current status"));
        }
        if (!r.ok()) {
          const bool missing = r.status == store::Status::kNotFound;
          return respond(store_error(r.status, missing ? not_found(id) : "the store refused it"));
        }
        const store::RoomRecord& room = r.value;
        if (before && (before->status != room.status || before->round != room.round)) {
          live.room_status_changed(room);
        }
        respond(room_response(200, room));
      });
}

}  // namespace

void list_rooms(const Context& ctx, Input& in, Respond respond) {
  store::PageRequest page;
  if (auto problem = read_page(in.query, page)) return respond(std::move(*problem));
  std::optional<store::RoomStatus> status;
  if (const auto it = in.query.find("status"); it != in.query.end()) {
    status = store::parse_room_status(it->second);
    if (!status) {
      return respond(
          error_response(400, "invalid-query", "status must be waiting, playing or finished"));
    }
  }
  ctx.store.list_rooms(
      status, std::move(page), [respond](store::Result<store::Page<store::RoomRecord>> r) {
        if (!r.ok()) {
          return respond(
              store_error(r.status, "the cursor is not one this API gave", "invalid-cursor"));
        }
        respond(json_response(200, rooms_json(r.value)));
      });
}

void create_room(const Context& ctx, Input& in, Respond respond) {
  const rapidjson::Value& body = in.body;
  if (auto problem = check_fields(body, {"roomId", "hostUid", "metadata", "maxMembers"})) {
    return respond(std::move(*problem));
  }
  store::RoomRecord room;
  const auto* room_id = find_field(body, "roomId");
  if (room_id && !room_id->IsNull()) {
    if (auto problem = read_id(*room_id, "roomId", room.room_id))
      return respond(std::move(*problem));
  }
  // Checked, but the host is the live room's (its first member, protocol.md
  // §3); the record shows it once someone joins.
  const auto* host_uid = find_field(body, "hostUid");
  if (host_uid && !host_uid->IsNull()) {
    std::string ignored;
    if (auto problem = read_id(*host_uid, "hostUid", ignored)) return respond(std::move(*problem));
  }
  std::optional<std::string> metadata;
  if (auto problem = read_metadata_field(body, metadata)) return respond(std::move(*problem));
  std::optional<std::optional<std::uint32_t>> limit;
  if (auto problem = read_limit(ctx, body, limit)) return respond(std::move(*problem));
  if (room.room_id.empty()) {
    auto id = random_room_id();
    if (!id) return respond(error_response(500, "internal-error", "no random bytes for a room id"));
    room.room_id = std::move(*id);
  }
  room.metadata = metadata.value_or("");
  if (limit) room.max_members = *limit;
  room.created = room.updated = ctx.now_ms();
  const std::string id = room.room_id;
  LiveRooms& live = ctx.live;
  ctx.store.create_room(std::move(room), [respond, id, &live](store::Result<store::RoomRecord> r) {
    if (!r.ok()) return respond(store_error(r.status, "room '" + id + "' exists"));
    live.room_created(r.value);
    respond(room_response(201, r.value));
  });
}

void get_room(const Context& ctx, Input& in, Respond respond) {
  const std::string id = in.ids[0];
  ctx.store.get_room(id, [respond, id](store::Result<store::RoomRecord> r) {
    if (!r.ok()) return respond(store_error(r.status, not_found(id)));
    respond(room_response(200, r.value));
  });
}

void patch_room(const Context& ctx, Input& in, Respond respond) {
  const rapidjson::Value& body = in.body;
  if (auto problem = check_fields(body, {"status", "metadata", "maxMembers"})) {
    return respond(std::move(*problem));
  }
  store::RoomPatch patch;
  if (const auto* v = find_field(body, "status")) {
    patch.status = v->IsString() ? store::parse_room_status({v->GetString(), v->GetStringLength()})
                                 : std::nullopt;
    if (!patch.status) {
      return respond(invalid_field("status", "must be waiting, playing or finished"));
    }
  }
  if (auto problem = read_metadata_field(body, patch.metadata)) return respond(std::move(*problem));
  if (auto problem = read_limit(ctx, body, patch.max_members)) return respond(std::move(*problem));
  std::optional<std::uint64_t> if_match;
  if (auto problem = read_if_match(in.if_match, if_match)) return respond(std::move(*problem));
  std::string id = in.ids[0];
  if (!patch.status) {
    return apply_patch(ctx, std::move(id), std::move(patch), if_match, std::nullopt,
                       std::move(respond));
  }
  // The store answers the new record only; the status it had before tells
  // whether the members must hear of it. A change between the two reads
  // can only cause a repeated room-status, never a missed one.
  ctx.store.get_room(id, [ctx, id, patch = std::move(patch), if_match,
                          respond](store::Result<store::RoomRecord> r) mutable {
    if (!r.ok()) return respond(store_error(r.status, not_found(id)));
    apply_patch(ctx, id, std::move(patch), if_match, std::move(r.value), std::move(respond));
  });
}

void delete_room(const Context& ctx, Input& in, Respond respond) {
  const std::string id = in.ids[0];
  LiveRooms& live = ctx.live;
  ctx.store.delete_room(id, [respond, id, &live](store::Result<store::Empty> r) {
    if (!r.ok()) return respond(store_error(r.status, not_found(id)));
    live.room_deleted(id);
    respond(no_content());
  });
}

}  // namespace signalmesh::api
