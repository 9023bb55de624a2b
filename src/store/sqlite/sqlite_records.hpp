// The store's operations as blocking SQL over one connection: one method per
// call of signalmesh::store::Store, with its result. Worker thread only.
// Every mutation of a room bumps its version and `updated` in the same
// transaction as the change itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signalmesh/store.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace signalmesh::store::sqlite {

class Records {
 public:
  Records(Db& db, const Settings& settings) : db_(db), settings_(settings) {}

  Result<User> create_user(const User& user);
  Result<User> get_user(const std::string& uid);
  Result<Page<User>> list_users(const PageRequest& page);
  Result<User> patch_user(const std::string& uid, const UserPatch& patch);
  Result<Empty> delete_user(const std::string& uid);
  Result<Empty> touch_user(const std::string& uid, std::int64_t now);

  Result<RoomRecord> create_room(const RoomRecord& room);
  Result<RoomRecord> open_room(const std::string& room_id, bool create_if_missing,
                               std::int64_t now);
  Result<RoomRecord> get_room(const std::string& room_id);
  Result<Page<RoomRecord>> list_rooms(std::optional<RoomStatus> status, const PageRequest& page);
  Result<RoomRecord> patch_room(const std::string& room_id, const RoomPatch& patch,
                                std::optional<std::uint64_t> if_match, std::int64_t now);
  Result<Empty> delete_room(const std::string& room_id);

  Result<Empty> add_player(const std::string& room_id, const Player& player, std::int64_t now);
  Result<Empty> remove_player(const std::string& room_id, const std::string& uid, std::int64_t now);
  Result<Empty> set_host(const std::string& room_id, const std::string& host_uid, std::int64_t now);
  Result<Empty> advance_status(const std::string& room_id, RoomStatus status, std::uint32_t round,
                               std::int64_t now);
  Result<Empty> replace_players(const std::string& room_id, const std::vector<Player>& players,
                                const std::string& host_uid, std::int64_t now);

  Result<Empty> put_hash(const HashRecord& hash);
  Result<Page<HashRecord>> list_hashes(const std::string& room_id, std::uint32_t round,
                                       std::uint64_t from, std::uint64_t to,
                                       const PageRequest& page);

  // Deletes the finished rooms whose retention ran out by `now`; returns how
  // many went.
  int sweep(std::int64_t now);

 private:
  std::optional<RoomRecord> read_room(const std::string& room_id);
  std::vector<Player> read_players(const std::string& room_id);
  bool room_exists(const std::string& room_id);
  void bump(const std::string& room_id, std::int64_t now);
  // Writes every column of `room` but its players.
  void write_room(const RoomRecord& room, std::optional<std::int64_t> finished_at);
  void erase_room(const std::string& room_id);

  Db& db_;
  const Settings& settings_;
};

// Result helpers.
template <typename T>
Result<T> fail(Status status, std::string message) {
  Result<T> r;
  r.status = status;
  r.message = std::move(message);
  return r;
}
template <typename T>
Result<T> ok(T value) {
  Result<T> r;
  r.value = std::move(value);
  return r;
}

}  // namespace signalmesh::store::sqlite
