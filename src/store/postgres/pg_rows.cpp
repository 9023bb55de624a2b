#include "store/postgres/pg_rows.hpp"

namespace signalmesh::store::postgres {

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string number_array(const std::vector<std::uint64_t>& items) {
  std::string out = "{";
  for (auto v : items) {
    if (out.size() > 1) out += ',';
    out += std::to_string(v);
  }
  out += '}';
  return out;
}

bool params_are_text(const Params& params) {
  for (const auto& p : params) {
    if (p && p->find('\0') != std::string::npos) return false;
  }
  return true;
}

User user_at(const PgResult& r, int row) {
  User u;
  u.uid = std::string(r.text(row, 0));
  u.handle = std::string(r.text(row, 1));
  u.email = r.optional_text(row, 2);
  u.created = r.int64(row, 3);
  u.last_seen = r.optional_int64(row, 4);
  u.metadata = std::string(r.text(row, 5));
  return u;
}

std::vector<RoomRecord> rooms_from(const PgResult& r, int first) {
  std::vector<RoomRecord> rooms;
  for (int row = 0; row < r.rows(); ++row) {
    if (r.is_null(row, first)) continue;  // no room (an outer join's empty side)
    const std::string_view id = r.text(row, first);
    if (rooms.empty() || rooms.back().room_id != id) {
      RoomRecord room;
      room.room_id = std::string(id);
      const auto status = r.int64(row, first + 1);
      room.status = status == 1   ? RoomStatus::kPlaying
                    : status == 2 ? RoomStatus::kFinished
                                  : RoomStatus::kWaiting;
      room.round = static_cast<std::uint32_t>(r.int64(row, first + 2));
      room.host_uid = std::string(r.text(row, first + 3));
      room.created = r.int64(row, first + 4);
      room.updated = r.int64(row, first + 5);
      room.version = r.uint64(row, first + 6);
      room.metadata = std::string(r.text(row, first + 7));
      if (auto max = r.optional_int64(row, first + 8)) {
        room.max_members = static_cast<std::uint32_t>(*max);
      }
      rooms.push_back(std::move(room));
    }
    if (!r.is_null(row, first + 9)) {
      rooms.back().players.push_back(
          Player{std::string(r.text(row, first + 9)), r.uint64(row, first + 10)});
    }
  }
  return rooms;
}

}  // namespace signalmesh::store::postgres
