// An in-memory Store for the data API tests: the store contract
// (signalmesh/store.hpp) kept in maps, answering on the loop like a real
// store. Its `down` switch makes every call kUnavailable, which no real
// store can be made to do on demand: the 503 tests need it.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "signalmesh/store.hpp"

namespace signalmesh::api::testing {

class FakeStore final : public store::Store {
 public:
  bool down = false;

  void start(asio::io_context& loop, std::function<void(bool)> on_state) override;
  void stop() override { loop_ = nullptr; }
  bool is_up() const override { return !down; }
  std::string_view name() const override { return "fake"; }

  void create_user(store::User user, store::Done<store::User> done) override;
  void get_user(std::string uid, store::Done<store::User> done) override;
  void list_users(store::PageRequest page, store::Done<store::Page<store::User>> done) override;
  void patch_user(std::string uid, store::UserPatch patch, store::Done<store::User> done) override;
  void delete_user(std::string uid, store::Done<store::Empty> done) override;
  void touch_user(std::string uid, std::int64_t now, store::Done<store::Empty> done) override;

  void create_room(store::RoomRecord room, store::Done<store::RoomRecord> done) override;
  void open_room(std::string room_id, bool create_if_missing, std::int64_t now,
                 store::Done<store::RoomRecord> done) override;
  void get_room(std::string room_id, store::Done<store::RoomRecord> done) override;
  void list_rooms(std::optional<store::RoomStatus> status, store::PageRequest page,
                  store::Done<store::Page<store::RoomRecord>> done) override;
  void patch_room(std::string room_id, store::RoomPatch patch,
                  std::optional<std::uint64_t> if_match, std::int64_t now,
                  store::Done<store::RoomRecord> done) override;
  void delete_room(std::string room_id, store::Done<store::Empty> done) override;

  void add_player(std::string room_id, store::Player player, std::int64_t now,
                  store::Done<store::Empty> done) override;
  void remove_player(std::string room_id, std::string uid, std::int64_t now,
                     store::Done<store::Empty> done) override;
  void set_host(std::string room_id, std::string host_uid, std::int64_t now,
                store::Done<store::Empty> done) override;
  void advance_status(std::string room_id, store::RoomStatus status, std::uint32_t round,
                      std::int64_t now, store::Done<store::Empty> done) override;
  void replace_players(std::string room_id, std::vector<store::Player> players,
                       std::string host_uid, std::int64_t now,
                       store::Done<store::Empty> done) override;

  void put_hash(store::HashRecord hash, store::Done<store::Empty> done) override;
  void list_hashes(std::string room_id, std::uint32_t round, std::uint64_t from, std::uint64_t to,
                   store::PageRequest page,
                   store::Done<store::Page<store::HashRecord>> done) override;

 private:
  template <typename T>
  void answer(store::Done<T> done, store::Result<T> result);
  template <typename T>
  bool refuse_if_down(store::Done<T>& done);
  store::Result<store::Empty> change_room(const std::string& room_id, std::int64_t now,
                                          const std::function<void(store::RoomRecord&)>& change);

  asio::io_context* loop_ = nullptr;
  std::map<std::string, store::User> users_;
  std::map<std::string, store::RoomRecord> rooms_;
  // (room, round, tick, peer) -> record
  std::map<std::tuple<std::string, std::uint32_t, std::uint64_t, std::string>, store::HashRecord>
      hashes_;
};

}  // namespace signalmesh::api::testing
