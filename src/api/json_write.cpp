#include "api/json_write.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace signalmesh::api {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(Writer& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
void string(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
// Metadata was checked to be one compact JSON object before it was stored.
void metadata(Writer& w, const std::string& text) {
  if (text.empty()) return;
  key(w, "metadata");
  w.RawValue(text.data(), text.size(), rapidjson::kObjectType);
}
void next(Writer& w, const std::string& cursor) {
  key(w, "next");
  if (cursor.empty()) {
    w.Null();
  } else {
    string(w, cursor);
  }
}
std::string text(const rapidjson::StringBuffer& buffer) {
  return {buffer.GetString(), buffer.GetSize()};
}

void write_user(Writer& w, const store::User& user) {
  w.StartObject();
  key(w, "uid");
  string(w, user.uid);
  key(w, "handle");
  string(w, user.handle);
  if (user.email) {
    key(w, "email");
    string(w, *user.email);
  }
  key(w, "created");
  w.Int64(user.created);
  if (user.last_seen) {
    key(w, "lastSeen");
    w.Int64(*user.last_seen);
  }
  metadata(w, user.metadata);
  w.EndObject();
}

void write_room(Writer& w, const store::RoomRecord& room) {
  w.StartObject();
  key(w, "roomId");
  string(w, room.room_id);
  key(w, "status");
  string(w, store::room_status_name(room.status));
  key(w, "round");
  w.Uint(room.round);
  key(w, "hostUid");
  if (room.host_uid.empty()) {
    w.Null();
  } else {
    string(w, room.host_uid);
  }
  key(w, "players");
  w.StartArray();
  for (const store::Player& player : room.players) string(w, player.uid);
  w.EndArray();
  key(w, "created");
  w.Int64(room.created);
  key(w, "updated");
  w.Int64(room.updated);
  key(w, "version");
  w.Uint64(room.version);
  metadata(w, room.metadata);
  if (room.max_members) {
    key(w, "maxMembers");
    w.Uint(*room.max_members);
  }
  w.EndObject();
}

void write_hash(Writer& w, const store::HashRecord& hash) {
  w.StartObject();
  key(w, "roomId");
  string(w, hash.room_id);
  key(w, "round");
  w.Uint(hash.round);
  key(w, "tick");
  w.Uint64(hash.tick);
  key(w, "peerId");
  string(w, hash.peer_id);
  key(w, "hash");
  string(w, hash.hash);
  key(w, "timestamp");
  w.Int64(hash.timestamp);
  w.EndObject();
}

template <typename T, typename WriteItem>
std::string page_json(std::string_view name, const store::Page<T>& page, WriteItem write_item) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, name);
  w.StartArray();
  for (const T& item : page.items) write_item(w, item);
  w.EndArray();
  next(w, page.next);
  w.EndObject();
  return text(buffer);
}

}  // namespace

std::string error_json(std::string_view code, std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "error");
  w.StartObject();
  key(w, "code");
  string(w, code);
  key(w, "message");
  string(w, message);
  w.EndObject();
  w.EndObject();
  return text(buffer);
}

std::string user_json(const store::User& user) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  write_user(w, user);
  return text(buffer);
}

std::string users_json(const store::Page<store::User>& page) {
  return page_json("users", page, write_user);
}

std::string room_json(const store::RoomRecord& room) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  write_room(w, room);
  return text(buffer);
}

std::string rooms_json(const store::Page<store::RoomRecord>& page) {
  return page_json("rooms", page, write_room);
}

std::string hashes_json(const store::Page<store::HashRecord>& page) {
  return page_json("hashes", page, write_hash);
}

std::string tick_json(std::string_view room_id, std::uint32_t round, std::uint64_t tick,
                      const std::vector<store::HashRecord>& hashes) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "roomId");
  string(w, room_id);
  key(w, "round");
  w.Uint(round);
  key(w, "tick");
  w.Uint64(tick);
  key(w, "hashes");
  w.StartObject();
  for (const store::HashRecord& hash : hashes) {
    key(w, hash.peer_id);
    string(w, hash.hash);
  }
  w.EndObject();
  w.EndObject();
  return text(buffer);
}

}  // namespace signalmesh::api
