// The fixture of the store conformance suite (store_conformance.hpp).
#include "store/store_conformance.hpp"

#include <asio/post.hpp>

namespace signalmesh::store::test {

void StoreConformance::SetUp() {
  env_ = GetParam().make();
  ASSERT_TRUE(env_) << "the target made no environment";
  restart_store(settings());
}

void StoreConformance::TearDown() {
  if (store_.store) store_->stop();
  store_.store.reset();
  // Handlers posted before stop() run now and must call nothing.
  loop_.poll();
  env_.reset();
}

Settings StoreConformance::settings() const {
  Settings s;
  s.url = env_->url();
  s.timeout_ms = 2000;
  return s;
}

StartedStore StoreConformance::open_store(const Settings& s) {
  StartedStore started;
  started.store = make_store(s);
  started->start(loop_, [states = started.states](bool up) { states->push_back(up); });
  return started;
}

void StoreConformance::restart_store(const Settings& s) {
  if (store_.store) store_->stop();
  store_ = open_store(s);
}

bool StoreConformance::run_until(const std::function<bool()>& done, Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    loop_.run_one_for(std::min<std::chrono::steady_clock::duration>(deadline - now, Ms(20)));
  }
  return true;
}

void StoreConformance::run_for(Ms duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    loop_.run_one_for(std::min<std::chrono::steady_clock::duration>(
        deadline - std::chrono::steady_clock::now(), Ms(20)));
  }
}

Result<User> StoreConformance::create_user(Store& s, User u) {
  return await<User>(s, [&](Store& st, Done<User> d) { st.create_user(std::move(u), d); });
}
Result<User> StoreConformance::get_user(const std::string& uid) {
  return await<User>(*store_, [&](Store& st, Done<User> d) { st.get_user(uid, d); });
}
Result<Page<User>> StoreConformance::list_users(std::string cursor, std::size_t limit) {
  return await<Page<User>>(*store_, [&](Store& st, Done<Page<User>> d) {
    st.list_users(PageRequest{cursor, limit}, d);
  });
}
Result<User> StoreConformance::patch_user(const std::string& uid, UserPatch patch) {
  return await<User>(*store_, [&](Store& st, Done<User> d) { st.patch_user(uid, patch, d); });
}
Result<Empty> StoreConformance::delete_user(const std::string& uid) {
  return await<Empty>(*store_, [&](Store& st, Done<Empty> d) { st.delete_user(uid, d); });
}
Result<Empty> StoreConformance::touch_user(const std::string& uid, std::int64_t now) {
  return await<Empty>(*store_, [&](Store& st, Done<Empty> d) { st.touch_user(uid, now, d); });
}

Result<RoomRecord> StoreConformance::create_room(RoomRecord room) {
  return await<RoomRecord>(*store_,
                           [&](Store& st, Done<RoomRecord> d) { st.create_room(room, d); });
}
Result<RoomRecord> StoreConformance::create_room(const std::string& room_id, std::int64_t created) {
  RoomRecord room;
  room.room_id = room_id;
  room.created = created;
  room.updated = created;
  return create_room(std::move(room));
}
Result<RoomRecord> StoreConformance::open_room(const std::string& room_id, bool create_if_missing,
                                               std::int64_t now) {
  return await<RoomRecord>(*store_, [&](Store& st, Done<RoomRecord> d) {
    st.open_room(room_id, create_if_missing, now, d);
  });
}
Result<RoomRecord> StoreConformance::get_room(Store& s, const std::string& room_id) {
  return await<RoomRecord>(s, [&](Store& st, Done<RoomRecord> d) { st.get_room(room_id, d); });
}
Result<Page<RoomRecord>> StoreConformance::list_rooms(std::optional<RoomStatus> status,
                                                      std::string cursor, std::size_t limit) {
  return await<Page<RoomRecord>>(*store_, [&](Store& st, Done<Page<RoomRecord>> d) {
    st.list_rooms(status, PageRequest{cursor, limit}, d);
  });
}
Result<RoomRecord> StoreConformance::patch_room(const std::string& room_id, RoomPatch patch,
                                                std::optional<std::uint64_t> if_match,
                                                std::int64_t now) {
  return await<RoomRecord>(*store_, [&](Store& st, Done<RoomRecord> d) {
    st.patch_room(room_id, patch, if_match, now, d);
  });
}
Result<Empty> StoreConformance::delete_room(const std::string& room_id) {
  return await<Empty>(*store_, [&](Store& st, Done<Empty> d) { st.delete_room(room_id, d); });
}

Result<Empty> StoreConformance::add_player(Store& s, const std::string& room_id,
                                           const std::string& uid, std::uint64_t join_order,
                                           std::int64_t now) {
  return await<Empty>(s, [&](Store& st, Done<Empty> d) {
    st.add_player(room_id, Player{uid, join_order}, now, d);
  });
}
Result<Empty> StoreConformance::remove_player(const std::string& room_id, const std::string& uid,
                                              std::int64_t now) {
  return await<Empty>(*store_,
                      [&](Store& st, Done<Empty> d) { st.remove_player(room_id, uid, now, d); });
}
Result<Empty> StoreConformance::set_host(const std::string& room_id, const std::string& host_uid,
                                         std::int64_t now) {
  return await<Empty>(*store_,
                      [&](Store& st, Done<Empty> d) { st.set_host(room_id, host_uid, now, d); });
}
Result<Empty> StoreConformance::advance_status(const std::string& room_id, RoomStatus status,
                                               std::uint32_t round, std::int64_t now) {
  return await<Empty>(*store_, [&](Store& st, Done<Empty> d) {
    st.advance_status(room_id, status, round, now, d);
  });
}
Result<Empty> StoreConformance::replace_players(const std::string& room_id,
                                                std::vector<Player> players,
                                                const std::string& host_uid, std::int64_t now) {
  return await<Empty>(*store_, [&](Store& st, Done<Empty> d) {
    st.replace_players(room_id, players, host_uid, now, d);
  });
}

Result<Empty> StoreConformance::put_hash(HashRecord hash) {
  return await<Empty>(*store_, [&](Store& st, Done<Empty> d) { st.put_hash(hash, d); });
}
Result<Empty> StoreConformance::put_hash(const std::string& room_id, std::uint32_t round,
                                         std::uint64_t tick, const std::string& peer_id,
                                         const std::string& hash) {
  HashRecord h;
  h.room_id = room_id;
  h.round = round;
  h.tick = tick;
  h.peer_id = peer_id;
  h.hash = hash;
  h.timestamp = 5000 + static_cast<std::int64_t>(tick);
  return put_hash(std::move(h));
}
Result<Page<HashRecord>> StoreConformance::list_hashes(const std::string& room_id,
                                                       std::uint32_t round, std::uint64_t from,
                                                       std::uint64_t to, std::string cursor,
                                                       std::size_t limit) {
  return await<Page<HashRecord>>(*store_, [&](Store& st, Done<Page<HashRecord>> d) {
    st.list_hashes(room_id, round, from, to, PageRequest{cursor, limit}, d);
  });
}

std::vector<std::string> StoreConformance::player_uids(const std::string& room_id) {
  std::vector<std::string> uids;
  auto room = get_room(room_id);
  EXPECT_STORE_OK(room);
  for (const auto& p : room.value.players) uids.push_back(p.uid);
  return uids;
}

}  // namespace signalmesh::store::test
