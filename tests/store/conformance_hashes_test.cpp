// Per-tick state hashes (app-integration.md §1, §2): the first report of a
// (peer, tick) wins, kept per round, the newest ticks retained, listed by
// tick then peer.
#include "store/store_conformance.hpp"

namespace signalmesh::store::test {
namespace {

std::vector<std::string> keys(const std::vector<HashRecord>& hashes) {
  std::vector<std::string> out;
  for (const auto& h : hashes) out.push_back(std::to_string(h.tick) + "/" + h.peer_id);
  return out;
}

TEST_P(StoreConformance, TheFirstHashReportWins) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(put_hash("r1", 1, 100, "alice", "abc123=="));
  EXPECT_STORE_OK(put_hash("r1", 1, 100, "alice", "abc123=="));
  EXPECT_STORE_STATUS(put_hash("r1", 1, 100, "alice", "other"), Status::kConflict);
  // Another peer, another tick or another round is another report.
  EXPECT_STORE_OK(put_hash("r1", 1, 100, "bob", "other"));
  EXPECT_STORE_OK(put_hash("r1", 1, 101, "alice", "other"));
  EXPECT_STORE_OK(put_hash("r1", 2, 100, "alice", "other"));
  auto page = list_hashes("r1", 1, 100, 100);
  ASSERT_STORE_OK(page);
  ASSERT_EQ(page.value.items.size(), 2u);
  EXPECT_EQ(page.value.items[0].peer_id, "alice");
  EXPECT_EQ(page.value.items[0].hash, "abc123==");
}

TEST_P(StoreConformance, HashesOfARoomWithoutARecordAreNotFound) {
  EXPECT_STORE_STATUS(put_hash("ghost", 1, 1, "p1", "h"), Status::kNotFound);
  EXPECT_STORE_STATUS(list_hashes("ghost", 1, 0, kMaxTestTick), Status::kNotFound);
}

TEST_P(StoreConformance, ListedHashesCarryEveryField) {
  ASSERT_STORE_OK(create_room("r1"));
  HashRecord h;
  h.room_id = "r1";
  h.round = 3;
  h.tick = kMaxTestTick;
  h.peer_id = "peer-1";
  h.hash = "A-Za-z0-9+/=_:-";
  h.timestamp = 1700000000123;
  ASSERT_STORE_OK(put_hash(h));
  auto page = list_hashes("r1", 3, 0, kMaxTestTick);
  ASSERT_STORE_OK(page);
  ASSERT_EQ(page.value.items.size(), 1u);
  const auto& got = page.value.items[0];
  EXPECT_EQ(got.room_id, "r1");
  EXPECT_EQ(got.round, 3u);
  EXPECT_EQ(got.tick, kMaxTestTick);
  EXPECT_EQ(got.peer_id, "peer-1");
  EXPECT_EQ(got.hash, "A-Za-z0-9+/=_:-");
  EXPECT_EQ(got.timestamp, 1700000000123);
  EXPECT_EQ(page.value.next, "");
}

TEST_P(StoreConformance, HashesAreKeptPerRound) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(put_hash("r1", 1, 5, "p1", "round-one"));
  ASSERT_STORE_OK(put_hash("r1", 2, 5, "p1", "round-two"));
  auto one = list_hashes("r1", 1, 0, kMaxTestTick);
  auto two = list_hashes("r1", 2, 0, kMaxTestTick);
  auto three = list_hashes("r1", 3, 0, kMaxTestTick);
  ASSERT_STORE_OK(one);
  ASSERT_STORE_OK(two);
  ASSERT_STORE_OK(three);
  ASSERT_EQ(one.value.items.size(), 1u);
  EXPECT_EQ(one.value.items[0].hash, "round-one");
  ASSERT_EQ(two.value.items.size(), 1u);
  EXPECT_EQ(two.value.items[0].hash, "round-two");
  EXPECT_TRUE(three.value.items.empty());
}

TEST_P(StoreConformance, ListHashesReturnsTheRangeByTickThenPeer) {
  ASSERT_STORE_OK(create_room("r1"));
  // Reported out of order.
  for (std::uint64_t tick : {7, 3, 5, 1, 9, 4}) {
    for (const char* peer : {"zed", "amy", "kim"}) {
      ASSERT_STORE_OK(put_hash("r1", 1, tick, peer, "h" + std::to_string(tick)));
    }
  }
  auto page = list_hashes("r1", 1, 4, 7);
  ASSERT_STORE_OK(page);
  EXPECT_EQ(keys(page.value.items),
            (std::vector<std::string>{"4/amy", "4/kim", "4/zed", "5/amy", "5/kim", "5/zed", "7/amy",
                                      "7/kim", "7/zed"}));
  EXPECT_EQ(page.value.next, "");
  auto none = list_hashes("r1", 1, 10, 20);
  ASSERT_STORE_OK(none);
  EXPECT_TRUE(none.value.items.empty());
  auto one = list_hashes("r1", 1, 9, 9);
  ASSERT_STORE_OK(one);
  EXPECT_EQ(one.value.items.size(), 3u);
}

TEST_P(StoreConformance, ListHashesPagesWithTheCursorInsideTheRange) {
  ASSERT_STORE_OK(create_room("r1"));
  for (std::uint64_t tick = 0; tick < 8; ++tick) {
    for (const char* peer : {"p1", "p2", "p3"}) {
      ASSERT_STORE_OK(put_hash("r1", 1, tick, peer, "h"));
    }
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = list_hashes("r1", 1, 2, 6, cursor, 4);
    ASSERT_STORE_OK(page);
    EXPECT_LE(page.value.items.size(), 4u);
    for (const auto& k : keys(page.value.items)) seen.push_back(k);
    cursor = page.value.next;
    ASSERT_LT(++pages, 20) << "the cursor never ends";
  } while (!cursor.empty());
  std::vector<std::string> expected;
  for (int tick = 2; tick <= 6; ++tick) {
    for (const char* peer : {"p1", "p2", "p3"}) {
      expected.push_back(std::to_string(tick) + "/" + peer);
    }
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 4);
}

TEST_P(StoreConformance, ABadHashCursorIsInvalid) {
  ASSERT_STORE_OK(create_room("r1"));
  EXPECT_STORE_STATUS(list_hashes("r1", 1, 0, 10, "bogus"), Status::kInvalid);
  EXPECT_STORE_STATUS(list_hashes("r1", 1, 0, 10, "c1.***"), Status::kInvalid);
}

TEST_P(StoreConformance, HashRetentionKeepsTheNewestTicksOfTheRound) {
  Settings s = settings();
  s.hash_retention_ticks = 5;
  restart_store(s);
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(put_hash("r1", 2, 0, "p1", "other-round"));
  // Ticks 0..11, two peers each, a little out of order.
  for (std::uint64_t tick : {0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11}) {
    ASSERT_STORE_OK(put_hash("r1", 1, tick, "p1", "h"));
    ASSERT_STORE_OK(put_hash("r1", 1, tick, "p2", "h"));
  }
  auto page = list_hashes("r1", 1, 0, kMaxTestTick);
  ASSERT_STORE_OK(page);
  EXPECT_EQ(keys(page.value.items),
            (std::vector<std::string>{"7/p1", "7/p2", "8/p1", "8/p2", "9/p1", "9/p2", "10/p1",
                                      "10/p2", "11/p1", "11/p2"}));
  // The cap is per round: round 2's only tick stays.
  auto other = list_hashes("r1", 2, 0, kMaxTestTick);
  ASSERT_STORE_OK(other);
  EXPECT_EQ(other.value.items.size(), 1u);
}

}  // namespace
}  // namespace signalmesh::store::test
