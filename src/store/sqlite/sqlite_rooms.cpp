// Rooms and their players: the API's records and the pods' mirror writes.
#include <algorithm>

#include "store/common/cursor.hpp"
#include "store/common/records.hpp"
#include "store/sqlite/sqlite_records.hpp"

namespace signalmesh::store::sqlite {
namespace {

#define SM_ROOM_COLUMNS \
  "room_id, status, round, host_uid, created, updated, version, metadata, max_members"

RoomRecord read_room_row(const Statement& s) {
  RoomRecord r;
  r.room_id = s.text(0);
  // Only this code writes the column; an unknown name would be a broken file.
  r.status = parse_room_status(s.text(1)).value_or(RoomStatus::kWaiting);
  r.round = static_cast<std::uint32_t>(s.i64(2));
  r.host_uid = s.text(3);
  r.created = s.i64(4);
  r.updated = s.i64(5);
  r.version = static_cast<std::uint64_t>(s.i64(6));
  r.metadata = s.text(7);
  if (auto max = s.opt_i64(8)) r.max_members = static_cast<std::uint32_t>(*max);
  return r;
}

std::string not_found(const std::string& room_id) {
  return "no room '" + room_id + "'";
}

bool same_players(const std::vector<Player>& a, const std::vector<Player>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Player& x, const Player& y) {
    return x.uid == y.uid && x.join_order == y.join_order;
  });
}

}  // namespace

std::optional<RoomRecord> Records::read_room(const std::string& room_id) {
  std::optional<RoomRecord> room;
  {
    Statement s = db_.query("SELECT " SM_ROOM_COLUMNS " FROM rooms WHERE room_id = ?", room_id);
    if (!s.step()) return std::nullopt;
    room = read_room_row(s);
  }
  room->players = read_players(room_id);
  return room;
}

std::vector<Player> Records::read_players(const std::string& room_id) {
  std::vector<Player> players;
  Statement s = db_.query(
      "SELECT uid, join_order FROM room_players WHERE room_id = ? ORDER BY join_order, uid",
      room_id);
  while (s.step()) players.push_back({s.text(0), static_cast<std::uint64_t>(s.i64(1))});
  return players;
}

bool Records::room_exists(const std::string& room_id) {
  return db_.query("SELECT 1 FROM rooms WHERE room_id = ?", room_id).step();
}

void Records::bump(const std::string& room_id, std::int64_t now) {
  db_.query("UPDATE rooms SET version = version + 1, updated = ? WHERE room_id = ?", now, room_id)
      .run();
}

void Records::write_room(const RoomRecord& room, std::optional<std::int64_t> finished_at) {
  // finished_at: kept while the room stays finished (a metadata change does
  // not extend its retention), set when it becomes finished, cleared when it
  // goes back to waiting.
  db_.query(
         "UPDATE rooms SET status = ?1, round = ?2, host_uid = ?3, updated = ?4, version = ?5, "
         "metadata = ?6, max_members = ?7, finished_at = CASE WHEN ?1 = 'finished' "
         "THEN COALESCE(finished_at, ?8) ELSE NULL END WHERE room_id = ?9",
         room_status_name(room.status), room.round, room.host_uid, room.updated, room.version,
         room.metadata, room.max_members, finished_at, room.room_id)
      .run();
}

void Records::erase_room(const std::string& room_id) {
  db_.query("DELETE FROM room_players WHERE room_id = ?", room_id).run();
  db_.query("DELETE FROM hashes WHERE room_id = ?", room_id).run();
  db_.query("DELETE FROM rooms WHERE room_id = ?", room_id).run();
}

Result<RoomRecord> Records::create_room(const RoomRecord& given) {
  RoomRecord room = given;
  room.players.clear();
  room.host_uid.clear();
  room.version = 1;
  if (room.updated == 0) room.updated = room.created;
  const bool finished = room.status == RoomStatus::kFinished;
  db_.query(
         "INSERT INTO rooms (room_id, status, round, host_uid, created, updated, version, "
         "metadata, max_members, finished_at) VALUES (?, ?, ?, '', ?, ?, 1, ?, ?, ?) "
         "ON CONFLICT (room_id) DO NOTHING",
         room.room_id, room_status_name(room.status), room.round, room.created, room.updated,
         room.metadata, room.max_members,
         finished ? std::optional<std::int64_t>(room.updated) : std::nullopt)
      .run();
  if (db_.changes() == 0) {
    return fail<RoomRecord>(Status::kConflict, "room '" + room.room_id + "' exists");
  }
  return ok(std::move(room));
}

Result<RoomRecord> Records::open_room(const std::string& room_id, bool create_if_missing,
                                      std::int64_t now) {
  Transaction tx(db_);
  if (auto room = read_room(room_id)) return ok(std::move(*room));
  if (!create_if_missing) return fail<RoomRecord>(Status::kNotFound, not_found(room_id));
  RoomRecord room;
  room.room_id = room_id;
  room.created = room.updated = now;
  auto created = create_room(room);
  tx.commit();
  return created;
}

Result<RoomRecord> Records::get_room(const std::string& room_id) {
  auto room = read_room(room_id);
  if (!room) return fail<RoomRecord>(Status::kNotFound, not_found(room_id));
  return ok(std::move(*room));
}

Result<Page<RoomRecord>> Records::list_rooms(std::optional<RoomStatus> status,
                                             const PageRequest& page) {
  std::string after;
  if (!page.cursor.empty()) {
    auto key = decode_cursor(page.cursor);
    if (!key) return fail<Page<RoomRecord>>(Status::kInvalid, "bad cursor");
    after = std::move(*key);
  }
  const std::size_t limit = std::clamp<std::size_t>(page.limit, 1, 500);
  const auto fetch = static_cast<std::int64_t>(limit + 1);  // +1: is there a next page?
  Page<RoomRecord> out;
  {
    Statement s =
        status ? db_.query("SELECT " SM_ROOM_COLUMNS
                           " FROM rooms WHERE status = ? AND room_id > ? ORDER BY room_id LIMIT ?",
                           room_status_name(*status), after, fetch)
               : db_.query("SELECT " SM_ROOM_COLUMNS
                           " FROM rooms WHERE room_id > ? ORDER BY room_id LIMIT ?",
                           after, fetch);
    while (s.step()) out.items.push_back(read_room_row(s));
  }
  if (out.items.size() > limit) {
    out.items.pop_back();
    out.next = encode_cursor(out.items.back().room_id);
  }
  for (auto& room : out.items) room.players = read_players(room.room_id);
  return ok(std::move(out));
}

Result<RoomRecord> Records::patch_room(const std::string& room_id, const RoomPatch& patch,
                                       std::optional<std::uint64_t> if_match, std::int64_t now) {
  Transaction tx(db_);
  auto room = read_room(room_id);
  if (!room) return fail<RoomRecord>(Status::kNotFound, not_found(room_id));
  if (if_match && *if_match != room->version) {
    return fail<RoomRecord>(Status::kPreconditionFailed, "room '" + room_id + "' is at version " +
                                                             std::to_string(room->version) +
                                                             ", not " + std::to_string(*if_match));
  }
  bool changed = false;
  if (patch.status) {
    switch (classify_status_move(room->status, *patch.status)) {
      case StatusMove::kNone:
        break;
      case StatusMove::kForward:
        room->status = *patch.status;
        changed = true;
        break;
      case StatusMove::kNextRound:
        room->status = RoomStatus::kWaiting;
        ++room->round;
        changed = true;
        break;
      case StatusMove::kInvalid:
        return fail<RoomRecord>(Status::kInvalid, std::string("status cannot go back from ") +
                                                      std::string(room_status_name(room->status)) +
                                                      " to " +
                                                      std::string(room_status_name(*patch.status)));
    }
  }
  if (patch.metadata && *patch.metadata != room->metadata) {
    room->metadata = *patch.metadata;
    changed = true;
  }
  if (patch.max_members && *patch.max_members != room->max_members) {
    room->max_members = *patch.max_members;
    changed = true;
  }
  if (changed) {
    ++room->version;
    room->updated = now;
    write_room(*room, now);
  }
  tx.commit();
  return ok(std::move(*room));
}

Result<Empty> Records::delete_room(const std::string& room_id) {
  Transaction tx(db_);
  if (!room_exists(room_id)) return fail<Empty>(Status::kNotFound, not_found(room_id));
  erase_room(room_id);
  tx.commit();
  return ok(Empty{});
}

Result<Empty> Records::add_player(const std::string& room_id, const Player& player,
                                  std::int64_t now) {
  Transaction tx(db_);
  if (!room_exists(room_id)) return fail<Empty>(Status::kNotFound, not_found(room_id));
  // A row per player: another pod's players are never rewritten. Adding one
  // again changes nothing unless its join order moved (the latest wins).
  db_.query(
         "INSERT INTO room_players (room_id, uid, join_order) VALUES (?, ?, ?) "
         "ON CONFLICT (room_id, uid) DO UPDATE SET join_order = excluded.join_order "
         "WHERE join_order != excluded.join_order",
         room_id, player.uid, player.join_order)
      .run();
  if (db_.changes() > 0) bump(room_id, now);
  tx.commit();
  return ok(Empty{});
}

Result<Empty> Records::remove_player(const std::string& room_id, const std::string& uid,
                                     std::int64_t now) {
  Transaction tx(db_);
  if (!room_exists(room_id)) return fail<Empty>(Status::kNotFound, not_found(room_id));
  db_.query("DELETE FROM room_players WHERE room_id = ? AND uid = ?", room_id, uid).run();
  if (db_.changes() > 0) bump(room_id, now);
  tx.commit();
  return ok(Empty{});
}

Result<Empty> Records::set_host(const std::string& room_id, const std::string& host_uid,
                                std::int64_t now) {
  Transaction tx(db_);
  if (!room_exists(room_id)) return fail<Empty>(Status::kNotFound, not_found(room_id));
  db_.query(
         "UPDATE rooms SET host_uid = ?1, version = version + 1, updated = ?2 "
         "WHERE room_id = ?3 AND host_uid != ?1",
         host_uid, now, room_id)
      .run();
  tx.commit();
  return ok(Empty{});
}

Result<Empty> Records::advance_status(const std::string& room_id, RoomStatus status,
                                      std::uint32_t round, std::int64_t now) {
  Transaction tx(db_);
  RoomStatus stored_status;
  std::uint32_t stored_round;
  {
    Statement s = db_.query("SELECT status, round FROM rooms WHERE room_id = ?", room_id);
    if (!s.step()) return fail<Empty>(Status::kNotFound, not_found(room_id));
    stored_status = parse_room_status(s.text(0)).value_or(RoomStatus::kWaiting);
    stored_round = static_cast<std::uint32_t>(s.i64(1));
  }
  if (is_later(round, status, stored_round, stored_status)) {
    const bool finished = status == RoomStatus::kFinished;
    db_.query(
           "UPDATE rooms SET status = ?, round = ?, version = version + 1, updated = ?, "
           "finished_at = ? WHERE room_id = ?",
           room_status_name(status), round, now,
           finished ? std::optional<std::int64_t>(now) : std::nullopt, room_id)
        .run();
  }
  tx.commit();
  return ok(Empty{});
}

Result<Empty> Records::replace_players(const std::string& room_id, const std::vector<Player>& given,
                                       const std::string& host_uid, std::int64_t now) {
  Transaction tx(db_);
  auto room = read_room(room_id);
  if (!room) return fail<Empty>(Status::kNotFound, not_found(room_id));
  std::vector<Player> players = given;
  std::sort(players.begin(), players.end(), [](const Player& a, const Player& b) {
    return a.join_order != b.join_order ? a.join_order < b.join_order : a.uid < b.uid;
  });
  if (same_players(players, room->players) && host_uid == room->host_uid) return ok(Empty{});
  db_.query("DELETE FROM room_players WHERE room_id = ?", room_id).run();
  for (const auto& p : players) {
    db_.query(
           "INSERT INTO room_players (room_id, uid, join_order) VALUES (?, ?, ?) "
           "ON CONFLICT (room_id, uid) DO UPDATE SET join_order = excluded.join_order",
           room_id, p.uid, p.join_order)
        .run();
  }
  db_.query("UPDATE rooms SET host_uid = ?, version = version + 1, updated = ? WHERE room_id = ?",
            host_uid, now, room_id)
      .run();
  tx.commit();
  return ok(Empty{});
}

int Records::sweep(std::int64_t now) {
  if (settings_.room_retention_seconds == 0) return 0;
  const std::int64_t cutoff = now - std::int64_t{settings_.room_retention_seconds} * 1000;
  Transaction tx(db_);
  std::vector<std::string> expired;
  {
    Statement s = db_.query(
        "SELECT room_id FROM rooms WHERE finished_at IS NOT NULL AND finished_at <= ? LIMIT 1000",
        cutoff);
    while (s.step()) expired.push_back(s.text(0));
  }
  for (const auto& id : expired) erase_room(id);
  tx.commit();
  return static_cast<int>(expired.size());
}

}  // namespace signalmesh::store::sqlite
