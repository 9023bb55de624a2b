// The store's life (signalmesh/store.hpp, app-integration.md §3): callbacks
// on the loop and never inside a call, none after stop(), nothing
// acknowledged lost across a restart, an outage reported and survived,
// finished rooms expiring after the retention.
#include "store/store_conformance.hpp"

namespace signalmesh::store::test {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(StoreConformance, EveryCallbackRunsOnTheLoopThreadAndNeverInsideItsCall) {
  ASSERT_STORE_OK(create_room("r1"));
  int calls = 0;
  int answered = 0;
  bool inside = false;
  bool off_loop = false;
  const auto loop_thread = std::this_thread::get_id();
  auto make = [&](int* in_call) {
    return [&, in_call](auto) {
      if (*in_call) inside = true;
      if (std::this_thread::get_id() != loop_thread) off_loop = true;
      ++answered;
    };
  };
  int in_call = 0;
  auto issue = [&](const std::function<void()>& call) {
    in_call = 1;
    call();
    in_call = 0;
    ++calls;
  };
  Store& s = *store_;
  User u;
  u.uid = "u1";
  u.handle = "U";
  issue([&] { s.create_user(u, make(&in_call)); });
  issue([&] { s.get_user("u1", make(&in_call)); });
  issue([&] { s.list_users({}, make(&in_call)); });
  issue([&] { s.patch_user("u1", {}, make(&in_call)); });
  issue([&] { s.touch_user("u1", 5, make(&in_call)); });
  issue([&] { s.delete_user("u1", make(&in_call)); });
  RoomRecord room;
  room.room_id = "r2";
  issue([&] { s.create_room(room, make(&in_call)); });
  issue([&] { s.open_room("r3", true, 5, make(&in_call)); });
  issue([&] { s.get_room("r1", make(&in_call)); });
  issue([&] { s.list_rooms(std::nullopt, {}, make(&in_call)); });
  issue([&] { s.patch_room("r1", {}, std::nullopt, 5, make(&in_call)); });
  issue([&] { s.add_player("r1", {"p", 1}, 5, make(&in_call)); });
  issue([&] { s.set_host("r1", "p", 5, make(&in_call)); });
  issue([&] { s.remove_player("r1", "p", 5, make(&in_call)); });
  issue([&] { s.advance_status("r1", RoomStatus::kPlaying, 1, 5, make(&in_call)); });
  issue([&] { s.replace_players("r1", {}, "", 5, make(&in_call)); });
  HashRecord h;
  h.room_id = "r1";
  h.peer_id = "p";
  h.hash = "h";
  issue([&] { s.put_hash(h, make(&in_call)); });
  issue([&] { s.list_hashes("r1", 1, 0, 10, {}, make(&in_call)); });
  issue([&] { s.delete_room("r2", make(&in_call)); });
  EXPECT_EQ(answered, 0) << "a callback ran before the loop did";
  ASSERT_TRUE(run_until([&] { return answered == calls; }))
      << answered << " of " << calls << " answered";
  EXPECT_FALSE(inside);
  EXPECT_FALSE(off_loop);
}

TEST_P(StoreConformance, StopWithCallsInFlightRunsNoCallbackAfterwards) {
  ASSERT_STORE_OK(create_room("r1"));
  int before_stop = 0;
  int after_stop = 0;
  bool stopped = false;
  auto count = [&](Result<Empty>) { ++(stopped ? after_stop : before_stop); };
  for (int i = 0; i < 50; ++i) {
    store_->add_player("r1", Player{"p" + std::to_string(i), std::uint64_t(i)}, 5, count);
  }
  // Some answered, others still queued or running in the store.
  ASSERT_TRUE(run_until([&] { return before_stop > 0; }));
  for (int i = 0; i < 200; ++i) {
    HashRecord h;
    h.room_id = "r1";
    h.tick = static_cast<std::uint64_t>(i);
    h.peer_id = "p";
    h.hash = "h";
    store_->put_hash(h, count);
  }
  store_->stop();
  stopped = true;
  run_for(Ms(500));
  EXPECT_EQ(after_stop, 0);
}

TEST_P(StoreConformance, ARestartLosesNothingAcknowledged) {
  if (!env_->can_restart()) GTEST_SKIP() << "this target keeps nothing across a restart";
  User u;
  u.uid = "alice";
  u.handle = "Alice";
  u.email = "a@example.com";
  u.created = 11;
  ASSERT_STORE_OK(create_user(u));
  ASSERT_STORE_OK(touch_user("alice", 22));
  ASSERT_STORE_OK(create_room("r1", 100));
  RoomPatch p;
  p.metadata = R"({"k":"v"})";
  p.max_members = std::optional<std::uint32_t>(6);
  ASSERT_STORE_OK(patch_room("r1", p));
  ASSERT_STORE_OK(add_player("r1", "alice", 1));
  ASSERT_STORE_OK(add_player("r1", "bob", 2));
  ASSERT_STORE_OK(set_host("r1", "bob"));
  ASSERT_STORE_OK(advance_status("r1", RoomStatus::kPlaying, 1));
  ASSERT_STORE_OK(put_hash("r1", 1, 42, "alice", "hash42"));
  const RoomRecord before = get_room("r1").value;

  store_->stop();
  env_->restart_server();
  restart_store(settings());

  auto user = get_user("alice");
  ASSERT_STORE_OK(user);
  EXPECT_EQ(user.value.handle, "Alice");
  EXPECT_EQ(user.value.email, "a@example.com");
  EXPECT_EQ(user.value.last_seen, 22);
  auto room = get_room("r1");
  ASSERT_STORE_OK(room);
  EXPECT_EQ(room.value.status, RoomStatus::kPlaying);
  EXPECT_EQ(room.value.host_uid, "bob");
  EXPECT_EQ(room.value.metadata, R"({"k":"v"})");
  EXPECT_EQ(room.value.max_members, 6u);
  EXPECT_EQ(room.value.version, before.version);
  EXPECT_EQ(room.value.updated, before.updated);
  EXPECT_EQ(player_uids("r1"), (std::vector<std::string>{"alice", "bob"}));
  auto hashes = list_hashes("r1", 1, 0, kMaxTestTick);
  ASSERT_STORE_OK(hashes);
  ASSERT_EQ(hashes.value.items.size(), 1u);
  EXPECT_EQ(hashes.value.items[0].hash, "hash42");
}

TEST_P(StoreConformance, AnOutageAnswersUnavailableInTimeAndTheStoreRecovers) {
  if (!env_->can_stop()) GTEST_SKIP() << "this target cannot be made unreachable";
  Settings s = settings();
  s.timeout_ms = 300;
  restart_store(s);
  ASSERT_TRUE(run_until([&] { return !store_.states->empty() && store_.states->back(); }));
  ASSERT_STORE_OK(create_room("r1"));

  env_->stop_server();
  // A store may notice the server is gone only when it uses it: keep asking.
  const auto asked = std::chrono::steady_clock::now();
  auto down = get_room("r1");
  const auto took = std::chrono::steady_clock::now() - asked;
  EXPECT_STORE_STATUS(down, Status::kUnavailable);
  EXPECT_LT(took, Ms(s.timeout_ms) + Ms(1500)) << "slower than timeout_ms";
  EXPECT_FALSE(down.message.empty());
  ASSERT_TRUE(run_until([&] {
    if (!store_.states->empty() && !store_.states->back()) return true;
    store_->get_room("r1", [](Result<RoomRecord>) {});
    run_for(Ms(50));
    return false;
  })) << "on_state(false) was never posted";
  EXPECT_FALSE(store_->is_up());

  env_->start_server();
  ASSERT_TRUE(run_until(
      [&] {
        if (store_.states->back()) return true;
        store_->get_room("r1", [](Result<RoomRecord>) {});
        run_for(Ms(50));
        return false;
      },
      Ms(20000)))
      << "on_state(true) was never posted after the server came back";
  EXPECT_TRUE(store_->is_up());
  auto again = get_room("r1");
  EXPECT_STORE_OK(again);
  EXPECT_STORE_OK(add_player("r1", "p1", 1));
}

TEST_P(StoreConformance, FinishedRoomsExpireAfterTheRetentionAndReopenedOnesDoNot) {
  Settings s = settings();
  s.room_retention_seconds = 1;
  restart_store(s);
  ASSERT_STORE_OK(create_room("finished-by-mirror"));
  ASSERT_STORE_OK(create_room("finished-by-api"));
  ASSERT_STORE_OK(create_room("reopened"));
  ASSERT_STORE_OK(create_room("playing"));
  ASSERT_STORE_OK(add_player("finished-by-mirror", "p1", 1));
  ASSERT_STORE_OK(put_hash("finished-by-mirror", 1, 1, "p1", "h"));
  const auto now = wall_ms();
  ASSERT_STORE_OK(advance_status("finished-by-mirror", RoomStatus::kFinished, 1, now));
  RoomPatch finish;
  finish.status = RoomStatus::kFinished;
  ASSERT_STORE_OK(patch_room("finished-by-api", finish, std::nullopt, now));
  ASSERT_STORE_OK(advance_status("reopened", RoomStatus::kFinished, 1, now));
  ASSERT_STORE_OK(advance_status("reopened", RoomStatus::kWaiting, 2, now));
  ASSERT_STORE_OK(advance_status("playing", RoomStatus::kPlaying, 1, now));

  const auto gone = [&](const char* id) { return get_room(id).status == Status::kNotFound; };
  ASSERT_TRUE(run_until(
      [&] {
        if (gone("finished-by-mirror") && gone("finished-by-api")) return true;
        run_for(Ms(100));
        return false;
      },
      Ms(8000)))
      << "finished rooms outlived a 1 s retention by 7 s";
  // Twice the retention after finishing, the others are still there.
  run_for(Ms(std::max<std::int64_t>(0, now + 2000 - wall_ms())));
  EXPECT_STORE_OK(get_room("reopened"));
  EXPECT_STORE_OK(get_room("playing"));
}

}  // namespace
}  // namespace signalmesh::store::test
