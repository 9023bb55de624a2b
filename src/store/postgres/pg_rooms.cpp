// The PostgreSQL store's rooms: the API's records and the gateway's mirror
// writes of live state. See pg_sql.hpp for how each rule is kept atomic.
#include <algorithm>
#include <set>

#include "store/common/cursor.hpp"
#include "store/postgres/pg_sql.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace signalmesh::store::postgres {

namespace {

Result<RoomRecord> one_room(const PgResult& r, int first, Status missing, const char* what) {
  auto rooms = rooms_from(r, first);
  if (rooms.empty()) return failure<RoomRecord>(missing, what);
  Result<RoomRecord> out;
  out.value = std::move(rooms.front());
  return out;
}

Param optional_number(const std::optional<std::uint32_t>& v) {
  return v ? number_param(*v) : Param();
}

}  // namespace

void PostgresStore::run_found(const char* sql, Params params, Done<Empty> done) {
  run(sql, std::move(params), true, std::move(done), [](const PgResult& r) {
    if (r.rows() != 1 || r.int64(0, 0) == 0) {
      return failure<Empty>(Status::kNotFound, "no such room");
    }
    return Result<Empty>{};
  });
}

void PostgresStore::create_room(RoomRecord room, Done<RoomRecord> done) {
  const std::int64_t updated = room.updated != 0 ? room.updated : room.created;
  Params p{text_param(std::move(room.room_id)),
           status_param(room.status),
           number_param(room.round),
           number_param(room.created),
           number_param(updated),
           nonempty_param(std::move(room.metadata)),
           optional_number(room.max_members),
           number_param(retention_ms())};
  run(sql::kCreateRoom, std::move(p), false, std::move(done), [](const PgResult& r) {
    return one_room(r, 0, Status::kConflict, "a room with that id exists");
  });
}

void PostgresStore::open_room(std::string room_id, bool create_if_missing, std::int64_t now,
                              Done<RoomRecord> done) {
  if (!create_if_missing) return get_room(std::move(room_id), std::move(done));
  run(sql::kOpenRoom, {text_param(std::move(room_id)), number_param(now)}, false, std::move(done),
      [](const PgResult& r) { return one_room(r, 0, Status::kNotFound, "no such room"); });
}

void PostgresStore::get_room(std::string room_id, Done<RoomRecord> done) {
  run(sql::kGetRoom, {text_param(std::move(room_id))}, false, std::move(done),
      [](const PgResult& r) { return one_room(r, 0, Status::kNotFound, "no such room"); });
}

void PostgresStore::list_rooms(std::optional<RoomStatus> status, PageRequest page,
                               Done<Page<RoomRecord>> done) {
  Param after;
  if (!page.cursor.empty()) {
    auto key = decode_cursor(page.cursor);
    if (!key) return refuse(done, Status::kInvalid, "a cursor this store did not write");
    after = std::move(*key);
  }
  const std::size_t limit = std::clamp<std::size_t>(page.limit, 1, 500);
  Params p{status ? status_param(*status) : Param(), std::move(after), unsigned_param(limit + 1)};
  run(sql::kListRooms, std::move(p), false, std::move(done), [limit](const PgResult& r) {
    Result<Page<RoomRecord>> out;
    out.value.items = rooms_from(r, 0);
    // One room more than the page: there is a next page.
    if (out.value.items.size() > limit) {
      out.value.items.resize(limit);
      out.value.next = encode_cursor(out.value.items.back().room_id);
    }
    return out;
  });
}

void PostgresStore::patch_room(std::string room_id, RoomPatch patch,
                               std::optional<std::uint64_t> if_match, std::int64_t now,
                               Done<RoomRecord> done) {
  Params p{text_param(std::move(room_id)),
           patch.status ? status_param(*patch.status) : Param(),
           bool_param(patch.metadata.has_value()),
           patch.metadata ? nonempty_param(*patch.metadata) : Param(),
           bool_param(patch.max_members.has_value()),
           patch.max_members ? optional_number(*patch.max_members) : Param(),
           if_match ? unsigned_param(*if_match) : Param(),
           number_param(now),
           number_param(retention_ms())};
  run(sql::kPatchRoom, std::move(p), false, std::move(done), [](const PgResult& r) {
    if (r.rows() == 0) return failure<RoomRecord>(Status::kNotFound, "no such room");
    const std::string_view verdict = r.text(0, 0);
    if (verdict == "precondition") {
      return failure<RoomRecord>(Status::kPreconditionFailed, "the room has another version");
    }
    if (verdict == "invalid") {
      return failure<RoomRecord>(Status::kInvalid,
                                 "status only moves forward (or from finished to waiting)");
    }
    return one_room(r, 1, Status::kNotFound, "no such room");
  });
}

void PostgresStore::delete_room(std::string room_id, Done<Empty> done) {
  run(sql::kDeleteRoom, {text_param(std::move(room_id))}, false, std::move(done),
      [](const PgResult& r) {
        if (r.rows() == 0) return failure<Empty>(Status::kNotFound, "no such room");
        return Result<Empty>{};
      });
}

void PostgresStore::add_player(std::string room_id, Player player, std::int64_t now,
                               Done<Empty> done) {
  run_found(sql::kAddPlayer,
            {text_param(std::move(room_id)), text_param(std::move(player.uid)),
             unsigned_param(player.join_order), number_param(now)},
            std::move(done));
}

void PostgresStore::remove_player(std::string room_id, std::string uid, std::int64_t now,
                                  Done<Empty> done) {
  run_found(sql::kRemovePlayer,
            {text_param(std::move(room_id)), text_param(std::move(uid)), number_param(now)},
            std::move(done));
}

void PostgresStore::set_host(std::string room_id, std::string host_uid, std::int64_t now,
                             Done<Empty> done) {
  run_found(sql::kSetHost,
            {text_param(std::move(room_id)), text_param(std::move(host_uid)), number_param(now)},
            std::move(done));
}

void PostgresStore::advance_status(std::string room_id, RoomStatus status, std::uint32_t round,
                                   std::int64_t now, Done<Empty> done) {
  run_found(sql::kAdvanceStatus,
            {text_param(std::move(room_id)), status_param(status), number_param(round),
             number_param(now), number_param(retention_ms())},
            std::move(done));
}

void PostgresStore::replace_players(std::string room_id, std::vector<Player> players,
                                    std::string host_uid, std::int64_t now, Done<Empty> done) {
  // One row per uid (the first one given wins): an upsert may not touch a
  // row twice in one statement.
  std::vector<std::string> uids;
  std::vector<std::uint64_t> orders;
  std::set<std::string> seen;
  for (auto& player : players) {
    if (!seen.insert(player.uid).second) continue;
    orders.push_back(player.join_order);
    uids.push_back(std::move(player.uid));
  }
  run_found(sql::kReplacePlayers,
            {text_param(std::move(room_id)), text_param(text_array(uids)),
             text_param(number_array(orders)), text_param(std::move(host_uid)), number_param(now)},
            std::move(done));
}

}  // namespace signalmesh::store::postgres
