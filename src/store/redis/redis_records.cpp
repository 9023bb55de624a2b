#include "store/redis/redis_records.hpp"

#include <cerrno>
#include <cstdlib>
#include <map>

#include "store/redis/redis_keys.hpp"

namespace signalmesh::store::redis {
namespace {

using Fields = std::map<std::string, std::string>;

bool as_fields(const Reply& flat, Fields& out) {
  if (flat.type != Reply::Type::kArray || flat.elements.empty() || flat.elements.size() % 2 != 0) {
    return false;
  }
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    out[flat.elements[i].str] = flat.elements[i + 1].str;
  }
  return true;
}

bool to_int(const std::string& text, std::int64_t& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

bool to_uint(const std::string& text, std::uint64_t& out) {
  std::int64_t v = 0;
  if (!to_int(text, v) || v < 0) return false;
  out = static_cast<std::uint64_t>(v);
  return true;
}

// A ZSET score: Redis prints integers up to 2^53 exactly, larger ones in
// exponent form.
bool score_to_uint(const std::string& text, std::uint64_t& out) {
  if (to_uint(text, out)) return true;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(v >= 0)) return false;
  out = static_cast<std::uint64_t>(v);
  return true;
}

const std::string* field(const Fields& f, const char* name) {
  const auto it = f.find(name);
  return it == f.end() ? nullptr : &it->second;
}

}  // namespace

Status script_status(const Reply& reply, std::string& message) {
  if (reply.type == Reply::Type::kError) {
    message = "redis: " + reply.str;
    return Status::kUnavailable;
  }
  if (reply.type != Reply::Type::kArray || reply.elements.empty()) {
    message = "redis: unexpected reply";
    return Status::kUnavailable;
  }
  const std::string& word = reply.elements[0].str;
  const std::string detail = reply.elements.size() > 1 ? reply.elements[1].str : std::string();
  if (word == "ok") return Status::kOk;
  if (word == "not-found") {
    message = "not found";
    return Status::kNotFound;
  }
  if (word == "conflict") {
    message = detail.empty() ? "it exists" : "another hash was reported first: " + detail;
    return Status::kConflict;
  }
  if (word == "precondition") {
    message = "the version is " + detail;
    return Status::kPreconditionFailed;
  }
  if (word == "invalid") {
    message = detail;
    return Status::kInvalid;
  }
  message = "redis: unexpected reply " + word;
  return Status::kUnavailable;
}

bool decode_user(const Reply& flat, User& user) {
  Fields f;
  if (!as_fields(flat, f)) return false;
  const std::string* uid = field(f, "uid");
  const std::string* handle = field(f, "handle");
  const std::string* created = field(f, "created");
  if (uid == nullptr || handle == nullptr || created == nullptr) return false;
  user.uid = *uid;
  user.handle = *handle;
  if (!to_int(*created, user.created)) return false;
  if (const auto* email = field(f, "email")) user.email = *email;
  if (const auto* seen = field(f, "last_seen")) {
    std::int64_t v = 0;
    if (!to_int(*seen, v)) return false;
    user.last_seen = v;
  }
  if (const auto* meta = field(f, "metadata")) user.metadata = *meta;
  return true;
}

bool decode_room(const Reply& flat, const Reply& players, RoomRecord& room) {
  Fields f;
  if (!as_fields(flat, f)) return false;
  const std::string *id = field(f, "id"), *status = field(f, "status"), *round = field(f, "round");
  const std::string *created = field(f, "created"), *updated = field(f, "updated");
  const std::string* version = field(f, "version");
  if (!id || !status || !round || !created || !updated || !version) return false;
  const auto parsed = parse_room_status(*status);
  std::uint64_t r = 0;
  if (!parsed || !to_uint(*round, r) || !to_int(*created, room.created) ||
      !to_int(*updated, room.updated) || !to_uint(*version, room.version)) {
    return false;
  }
  room.room_id = *id;
  room.status = *parsed;
  room.round = static_cast<std::uint32_t>(r);
  if (const auto* host = field(f, "host")) room.host_uid = *host;
  if (const auto* meta = field(f, "metadata")) room.metadata = *meta;
  if (const auto* max = field(f, "max")) {
    std::uint64_t m = 0;
    if (!to_uint(*max, m)) return false;
    room.max_members = static_cast<std::uint32_t>(m);
  }
  if (players.type != Reply::Type::kArray || players.elements.size() % 2 != 0) return false;
  room.players.clear();
  for (std::size_t i = 0; i + 1 < players.elements.size(); i += 2) {
    Player p;
    p.uid = players.elements[i].str;
    if (!score_to_uint(players.elements[i + 1].str, p.join_order)) return false;
    room.players.push_back(std::move(p));
  }
  return true;
}

bool decode_hash(const std::string& room_id, std::uint32_t round, const Reply& member,
                 const Reply& value, HashRecord& hash) {
  if (value.type != Reply::Type::kString) return false;
  if (!parse_hash_member(member.str, hash.tick, hash.peer_id)) return false;
  const auto colon = value.str.find(':');
  if (colon == std::string::npos || !to_int(value.str.substr(0, colon), hash.timestamp)) {
    return false;
  }
  hash.room_id = room_id;
  hash.round = round;
  hash.hash = value.str.substr(colon + 1);
  return true;
}

}  // namespace signalmesh::store::redis
