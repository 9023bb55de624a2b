// Mirror writes of live state (signalmesh/store.hpp): players one at a time
// so that pods never overwrite each other, the host, a monotonic status, and
// the whole view after an outage.
#include <algorithm>
#include <numeric>

#include "store/store_conformance.hpp"

namespace signalmesh::store::test {
namespace {

TEST_P(StoreConformance, PlayersAreListedOldestFirstWhateverTheOrderOfTheAdds) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(add_player("r1", "carol", 30));
  ASSERT_STORE_OK(add_player("r1", "alice", 10));
  ASSERT_STORE_OK(add_player("r1", "dave", 40));
  ASSERT_STORE_OK(add_player("r1", "bob", 20));
  auto room = get_room("r1");
  ASSERT_STORE_OK(room);
  ASSERT_EQ(room.value.players.size(), 4u);
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"alice", 10}, {"bob", 20}, {"carol", 30}, {"dave", 40}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(room.value.players[i].uid, expected[i].first);
    EXPECT_EQ(room.value.players[i].join_order, expected[i].second);
  }
}

TEST_P(StoreConformance, JoinOrdersBeyondThirtyTwoBitsKeepTheirOrder) {
  ASSERT_STORE_OK(create_room("r1"));
  const std::uint64_t big = std::uint64_t{1} << 40;
  ASSERT_STORE_OK(add_player("r1", "late", big + 1));
  ASSERT_STORE_OK(add_player("r1", "early", big));
  auto room = get_room("r1");
  ASSERT_EQ(room.value.players.size(), 2u);
  EXPECT_EQ(room.value.players[0].uid, "early");
  EXPECT_EQ(room.value.players[0].join_order, big);
}

TEST_P(StoreConformance, AddingAPlayerTwiceKeepsOnePlayer) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(add_player("r1", "alice", 1));
  ASSERT_STORE_OK(add_player("r1", "alice", 1));
  auto room = get_room("r1");
  ASSERT_EQ(room.value.players.size(), 1u);
  EXPECT_EQ(room.value.players[0].uid, "alice");
  EXPECT_EQ(room.value.players[0].join_order, 1u);
}

TEST_P(StoreConformance, RemovePlayerRemovesOnlyThatPlayerAndAnAbsentOneIsFine) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(add_player("r1", "alice", 1));
  ASSERT_STORE_OK(add_player("r1", "bob", 2));
  ASSERT_STORE_OK(add_player("r1", "carol", 3));
  ASSERT_STORE_OK(remove_player("r1", "bob"));
  EXPECT_EQ(player_uids("r1"), (std::vector<std::string>{"alice", "carol"}));
  EXPECT_STORE_OK(remove_player("r1", "bob"));
  EXPECT_STORE_OK(remove_player("r1", "never-there"));
  EXPECT_EQ(player_uids("r1"), (std::vector<std::string>{"alice", "carol"}));
}

TEST_P(StoreConformance, MirrorWritesToARoomWithoutARecordAreNotFound) {
  EXPECT_STORE_STATUS(add_player("ghost", "p1", 1), Status::kNotFound);
  EXPECT_STORE_STATUS(remove_player("ghost", "p1"), Status::kNotFound);
  EXPECT_STORE_STATUS(set_host("ghost", "p1"), Status::kNotFound);
  EXPECT_STORE_STATUS(advance_status("ghost", RoomStatus::kPlaying, 1), Status::kNotFound);
  EXPECT_STORE_STATUS(replace_players("ghost", {{"p1", 1}}, "p1"), Status::kNotFound);
  // None of them made the record.
  EXPECT_STORE_STATUS(get_room("ghost"), Status::kNotFound);
}

TEST_P(StoreConformance, TwoPodsAddingDifferentPlayersAtOnceKeepThemAll) {
  if (!env_->can_share()) GTEST_SKIP() << "two stores on this target share nothing";
  ASSERT_STORE_OK(create_room("r1"));
  StartedStore other = open_store(settings());
  // Interleaved and all in flight together: neither pod waits for the other.
  constexpr int kEach = 25;
  int answered = 0;
  int failed = 0;
  auto count = [&](Result<Empty> r) {
    ++answered;
    if (!r.ok()) ++failed;
  };
  for (int i = 0; i < kEach; ++i) {
    store_->add_player("r1", Player{"a" + std::to_string(i), std::uint64_t(2 * i)}, 2000, count);
    other->add_player("r1", Player{"b" + std::to_string(i), std::uint64_t(2 * i + 1)}, 2000, count);
  }
  ASSERT_TRUE(run_until([&] { return answered == 2 * kEach; }));
  EXPECT_EQ(failed, 0);
  for (Store* s : {store_.store.get(), other.store.get()}) {
    auto room = get_room(*s, "r1");
    ASSERT_STORE_OK(room);
    ASSERT_EQ(room.value.players.size(), std::size_t(2 * kEach));
    for (int i = 0; i < 2 * kEach; ++i) {
      const std::string uid = (i % 2 ? "b" : "a") + std::to_string(i / 2);
      EXPECT_EQ(room.value.players[i].uid, uid);
    }
    // Every add was a change of its own.
    EXPECT_EQ(room.value.version, std::uint64_t(1 + 2 * kEach));
  }
  other->stop();
}

TEST_P(StoreConformance, SetHostSetsTheHost) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(add_player("r1", "alice", 1));
  ASSERT_STORE_OK(add_player("r1", "bob", 2));
  ASSERT_STORE_OK(set_host("r1", "alice"));
  EXPECT_EQ(get_room("r1").value.host_uid, "alice");
  ASSERT_STORE_OK(set_host("r1", "bob"));
  EXPECT_EQ(get_room("r1").value.host_uid, "bob");
  ASSERT_STORE_OK(set_host("r1", ""));
  EXPECT_EQ(get_room("r1").value.host_uid, "");
}

TEST_P(StoreConformance, ReplacePlayersReplacesTheWholeViewAndTheHost) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(add_player("r1", "stale", 1));
  ASSERT_STORE_OK(add_player("r1", "kept", 2));
  ASSERT_STORE_OK(set_host("r1", "stale"));
  ASSERT_STORE_OK(replace_players("r1", {{"new2", 9}, {"kept", 2}, {"new1", 5}}, "kept"));
  auto room = get_room("r1");
  ASSERT_STORE_OK(room);
  EXPECT_EQ(room.value.host_uid, "kept");
  ASSERT_EQ(room.value.players.size(), 3u);
  EXPECT_EQ(room.value.players[0].uid, "kept");
  EXPECT_EQ(room.value.players[1].uid, "new1");
  EXPECT_EQ(room.value.players[1].join_order, 5u);
  EXPECT_EQ(room.value.players[2].uid, "new2");

  ASSERT_STORE_OK(replace_players("r1", {}, ""));
  room = get_room("r1");
  EXPECT_TRUE(room.value.players.empty());
  EXPECT_EQ(room.value.host_uid, "");
}

TEST_P(StoreConformance, AdvanceStatusIsMonotonicWhateverTheOrderOfTheReports) {
  using S = RoomStatus;
  const std::vector<std::pair<std::uint32_t, RoomStatus>> steps = {
      {1, S::kPlaying}, {1, S::kFinished}, {2, S::kWaiting}, {2, S::kPlaying}};
  std::vector<int> order(steps.size());
  std::iota(order.begin(), order.end(), 0);
  int room_index = 0;
  do {
    const std::string id = "r" + std::to_string(room_index++);
    ASSERT_STORE_OK(create_room(id));
    std::pair<std::uint32_t, int> latest{1, static_cast<int>(S::kWaiting)};
    for (int i : order) {
      ASSERT_STORE_OK(advance_status(id, steps[i].second, steps[i].first));
      latest = std::max(latest, std::make_pair(steps[i].first, static_cast<int>(steps[i].second)));
      auto room = get_room(id);
      ASSERT_STORE_OK(room);
      EXPECT_EQ(room.value.round, latest.first) << id;
      EXPECT_EQ(static_cast<int>(room.value.status), latest.second) << id;
    }
    auto room = get_room(id);
    EXPECT_EQ(room.value.round, 2u);
    EXPECT_EQ(room.value.status, S::kPlaying);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_P(StoreConformance, AdvanceStatusToTheStoredOrAnEarlierStateChangesNothing) {
  ASSERT_STORE_OK(create_room("r1", 1000));
  ASSERT_STORE_OK(advance_status("r1", RoomStatus::kPlaying, 1, 1500));
  const auto before = get_room("r1").value;
  ASSERT_STORE_OK(advance_status("r1", RoomStatus::kPlaying, 1, 3000));
  ASSERT_STORE_OK(advance_status("r1", RoomStatus::kWaiting, 1, 3001));
  auto after = get_room("r1").value;
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.updated, before.updated);
  EXPECT_EQ(after.status, RoomStatus::kPlaying);
}

}  // namespace
}  // namespace signalmesh::store::test
