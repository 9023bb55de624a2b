#include "store/redis/redis_keys.hpp"

#include <cstdio>

namespace signalmesh::store::redis {
namespace {

std::string tagged(std::string_view prefix, std::string_view id, std::string_view suffix = {}) {
  std::string key;
  key.reserve(prefix.size() + id.size() + 1 + suffix.size());
  key.append(prefix).append(id).append("}").append(suffix);
  return key;
}

}  // namespace

std::string user_key(std::string_view uid) {
  return tagged(kUserPrefix, uid);
}
std::string room_key(std::string_view room_id) {
  return tagged(kRoomPrefix, room_id);
}
std::string players_key(std::string_view room_id) {
  return tagged(kRoomPrefix, room_id, ":players");
}
std::string rounds_key(std::string_view room_id) {
  return tagged(kRoomPrefix, room_id, ":rounds");
}
std::string hashes_key(std::string_view room_id, std::uint32_t round) {
  return tagged(kRoomPrefix, room_id, ":hashes:" + std::to_string(round));
}
std::string hash_values_key(std::string_view room_id, std::uint32_t round) {
  return hashes_key(room_id, round) + ":v";
}
std::string hash_ticks_key(std::string_view room_id, std::uint32_t round) {
  return hashes_key(room_id, round) + ":ticks";
}

std::string status_index_key(RoomStatus status) {
  return std::string(kRoomsIndex) + ":status:" + std::string(room_status_name(status));
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string padded_tick(std::uint64_t tick) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llu", static_cast<unsigned long long>(tick));
  return buf;
}

std::string hash_member(std::uint64_t tick, std::string_view peer_id) {
  std::string member = padded_tick(tick);
  member.append(":").append(peer_id);
  return member;
}

bool parse_hash_member(std::string_view member, std::uint64_t& tick, std::string& peer_id) {
  if (member.size() < 18 || member[16] != ':') return false;
  std::uint64_t value = 0;
  for (char c : member.substr(0, 16)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > kMaxTick || !valid_id(member.substr(17))) return false;
  tick = value;
  peer_id = std::string(member.substr(17));
  return true;
}

std::string cursor_key(std::uint64_t tick, std::string_view peer_id) {
  std::string key = std::to_string(tick);
  key.append(":").append(peer_id);
  return key;
}

bool parse_cursor_key(std::string_view key, std::uint64_t& tick, std::string& peer_id) {
  const auto colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 16) return false;
  std::uint64_t value = 0;
  for (char c : key.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > kMaxTick || !valid_id(key.substr(colon + 1))) return false;
  tick = value;
  peer_id = std::string(key.substr(colon + 1));
  return true;
}

}  // namespace signalmesh::store::redis
