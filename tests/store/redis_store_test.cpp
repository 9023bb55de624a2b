// What only the Redis store has, against a real redis-server: its key
// layout, a finished room's expiry and PERSIST, the hash cap in Redis terms,
// a restart with AOF, an outage with writes waiting, a frozen server, AUTH
// and SELECT from the URL. The behaviour every store shares is the
// conformance suite's (redis_target.cpp).
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signalmesh/store.hpp"
#include "support/redis_server.hpp"

namespace signalmesh::store {
namespace {

using Ms = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using test::RedisServer;

class RedisStoreTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (store_) store_->stop();
    loop_.poll();
  }

  void use_server(RedisServer::Options options) {
    server_ = std::make_unique<RedisServer>(std::move(options));
  }

  Settings settings(std::string url_suffix = "") {
    Settings s;
    s.url = server_->url() + url_suffix;
    s.timeout_ms = 2000;
    return s;
  }
  void open(const Settings& s) {
    store_ = make_store(s);
    store_->start(loop_, [this](bool up) { states_.push_back(up); });
  }

  bool run_until(const std::function<bool()>& done, Ms timeout = Ms(10000)) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      loop_.run_one_for(Ms(10));
    }
    return true;
  }

  // Issues `call` and runs the loop until its callback ran.
  template <typename T>
  Result<T> await(const std::function<void(Done<T>)>& call) {
    auto got = std::make_shared<std::optional<Result<T>>>();
    bool returned = false;
    call([got, &returned](Result<T> r) {
      EXPECT_TRUE(returned) << "the callback ran inside the call";
      *got = std::move(r);
    });
    returned = true;
    if (!run_until([&] { return got->has_value(); })) {
      ADD_FAILURE() << "no answer";
      return Result<T>{Status::kUnavailable, "(test) no answer", {}};
    }
    return std::move(**got);
  }

  Result<RoomRecord> create_room(const std::string& id) {
    RoomRecord room;
    room.room_id = id;
    room.created = room.updated = 1000;
    return await<RoomRecord>([&](Done<RoomRecord> d) { store_->create_room(room, d); });
  }
  Result<RoomRecord> get_room(const std::string& id) {
    return await<RoomRecord>([&](Done<RoomRecord> d) { store_->get_room(id, d); });
  }
  Result<Empty> add_player(const std::string& id, const std::string& uid, std::uint64_t order,
                           std::int64_t now = 2000) {
    return await<Empty>([&](Done<Empty> d) { store_->add_player(id, {uid, order}, now, d); });
  }
  Result<Empty> advance(const std::string& id, RoomStatus status, std::uint32_t round) {
    return await<Empty>([&](Done<Empty> d) { store_->advance_status(id, status, round, 3000, d); });
  }
  Result<Empty> put_hash(const std::string& id, std::uint32_t round, std::uint64_t tick,
                         const std::string& peer, const std::string& hash) {
    HashRecord h{id, round, tick, peer, hash, 7000};
    return await<Empty>([&](Done<Empty> d) { store_->put_hash(h, d); });
  }
  Result<Page<RoomRecord>> list_rooms(std::optional<RoomStatus> status, std::size_t limit = 100) {
    return await<Page<RoomRecord>>([&](Done<Page<RoomRecord>> d) {
      store_->list_rooms(status, PageRequest{"", limit}, d);
    });
  }
  std::string redis(const std::vector<std::string>& args) {
    return server_->command(args).value_or("(no answer)");
  }
  long long ttl(const std::string& key) { return std::stoll(redis({"TTL", key})); }

  std::unique_ptr<RedisServer> server_ = std::make_unique<RedisServer>();
  asio::io_context loop_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{loop_.get_executor()};
  StorePtr store_;
  std::vector<bool> states_;
};

std::vector<std::string> ids(const Page<RoomRecord>& page) {
  std::vector<std::string> out;
  for (const auto& r : page.items) out.push_back(r.room_id);
  return out;
}

TEST(RedisStoreUrl, UrlsItCannotUseAreRefusedAtOnce) {
  for (const char* url : {"redis://", "redis://host:0", "redis://host:6379/x", "rediss://h:1"}) {
    Settings s;
    s.url = url;
    EXPECT_THROW(make_store(s), std::invalid_argument) << url;
  }
  Settings s;
  s.url = "redis://127.0.0.1:6379/2";
  EXPECT_EQ(make_store(s)->name(), "redis");
}

TEST_F(RedisStoreTest, RecordsLiveInTheDocumentedKeysWithHashTags) {
  open(settings());
  User u;
  u.uid = "u1";
  u.handle = "Ann";
  u.created = 10;
  ASSERT_TRUE(await<User>([&](Done<User> d) { store_->create_user(u, d); }).ok());
  ASSERT_TRUE(create_room("r1").ok());
  ASSERT_TRUE(add_player("r1", "p1", 5).ok());
  ASSERT_TRUE(put_hash("r1", 1, 7, "p1", "abc").ok());

  EXPECT_EQ(redis({"TYPE", "sm:{u:u1}"}), "hash");
  EXPECT_EQ(redis({"HGET", "sm:{u:u1}", "handle"}), "Ann");
  EXPECT_EQ(redis({"ZSCORE", "sm:users", "u1"}), "0");
  EXPECT_EQ(redis({"TYPE", "sm:{r:r1}"}), "hash");
  EXPECT_EQ(redis({"HGET", "sm:{r:r1}", "status"}), "waiting");
  EXPECT_EQ(redis({"ZSCORE", "sm:{r:r1}:players", "p1"}), "5");
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms", "r1"}), "0");
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms:status:waiting", "r1"}), "0");
  EXPECT_EQ(redis({"ZRANGE", "sm:{r:r1}:hashes:1", "0", "-1"}), "0000000000000007:p1");
  EXPECT_EQ(redis({"HGET", "sm:{r:r1}:hashes:1:v", "0000000000000007:p1"}), "7000:abc");
  EXPECT_EQ(redis({"ZSCORE", "sm:{r:r1}:hashes:1:ticks", "0000000000000007"}), "7");
  EXPECT_EQ(redis({"SMEMBERS", "sm:{r:r1}:rounds"}), "1");
  // Every key of one room is in one cluster slot.
  const std::string slot = redis({"CLUSTER", "KEYSLOT", "sm:{r:r1}"});
  for (const char* key : {"sm:{r:r1}:players", "sm:{r:r1}:hashes:1:v", "sm:{r:r1}:rounds"}) {
    EXPECT_EQ(redis({"CLUSTER", "KEYSLOT", key}), slot) << key;
  }
}

TEST_F(RedisStoreTest, PlayersAreSetOperationsThatBumpTheVersionOnlyOnAChange) {
  open(settings());
  ASSERT_TRUE(create_room("r1").ok());
  ASSERT_TRUE(add_player("r1", "p1", 5, 2001).ok());
  ASSERT_TRUE(add_player("r1", "p1", 5, 2002).ok());  // again: nothing changes
  auto room = get_room("r1");
  ASSERT_TRUE(room.ok());
  EXPECT_EQ(room.value.version, 2u);
  EXPECT_EQ(room.value.updated, 2001);
  // Another pod's player, written meanwhile, is not overwritten.
  redis({"ZADD", "sm:{r:r1}:players", "3", "p0"});
  ASSERT_TRUE(add_player("r1", "p2", 9).ok());
  room = get_room("r1");
  ASSERT_EQ(room.value.players.size(), 3u);
  EXPECT_EQ(room.value.players[0].uid, "p0");
  EXPECT_EQ(room.value.players[2].uid, "p2");
}

TEST_F(RedisStoreTest, AFinishedRoomsKeysExpireAndGoingBackToWaitingPersistsThem) {
  Settings s = settings();
  s.room_retention_seconds = 100;
  open(s);
  ASSERT_TRUE(create_room("r1").ok());
  ASSERT_TRUE(add_player("r1", "p1", 1).ok());
  ASSERT_TRUE(put_hash("r1", 1, 1, "p1", "h").ok());
  EXPECT_EQ(ttl("sm:{r:r1}"), -1);
  ASSERT_TRUE(advance("r1", RoomStatus::kFinished, 1).ok());
  for (const char* key :
       {"sm:{r:r1}", "sm:{r:r1}:players", "sm:{r:r1}:rounds", "sm:{r:r1}:hashes:1",
        "sm:{r:r1}:hashes:1:v", "sm:{r:r1}:hashes:1:ticks"}) {
    const long long t = ttl(key);
    EXPECT_GT(t, 90) << key;
    EXPECT_LE(t, 100) << key;
  }
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms:status:finished", "r1"}), "0");
  // A late report after the finish ends with the room too.
  ASSERT_TRUE(put_hash("r1", 1, 2, "p1", "h").ok());
  EXPECT_GT(ttl("sm:{r:r1}:hashes:1:v"), 90);

  ASSERT_TRUE(advance("r1", RoomStatus::kWaiting, 2).ok());
  for (const char* key : {"sm:{r:r1}", "sm:{r:r1}:players", "sm:{r:r1}:hashes:1:v"}) {
    EXPECT_EQ(ttl(key), -1) << key;
  }
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms:status:finished", "r1"}), "(nil)");
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms:status:waiting", "r1"}), "0");
  EXPECT_EQ(get_room("r1").value.round, 2u);
}

TEST_F(RedisStoreTest, ListingsSkipAndForgetRoomsWhoseRecordExpired) {
  Settings s = settings();
  s.room_retention_seconds = 1;
  open(s);
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(create_room(id).ok());
  ASSERT_TRUE(advance("b", RoomStatus::kFinished, 1).ok());
  ASSERT_TRUE(run_until([&] { return redis({"EXISTS", "sm:{r:b}"}) == "0"; }, Ms(5000)));
  // The indexes still name it until a listing walks past.
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms:status:finished", "b"}), "0");
  EXPECT_TRUE(list_rooms(RoomStatus::kFinished).value.items.empty());
  auto page = list_rooms(std::nullopt, 2);
  EXPECT_EQ(ids(page.value), (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(page.value.next.empty());
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms:status:finished", "b"}), "(nil)");
  EXPECT_EQ(redis({"ZSCORE", "sm:rooms", "b"}), "(nil)");
  // The id is free again, and its next life starts clean.
  ASSERT_TRUE(create_room("b").ok());
  EXPECT_EQ(get_room("b").value.version, 1u);
}

TEST_F(RedisStoreTest, HashesKeepTheNewestTicksOfEachRoundAndTheFirstReportWins) {
  Settings s = settings();
  s.hash_retention_ticks = 3;
  open(s);
  ASSERT_TRUE(create_room("r1").ok());
  for (std::uint64_t tick = 1; tick <= 5; ++tick) {
    for (const char* peer : {"p1", "p2"}) ASSERT_TRUE(put_hash("r1", 1, tick, peer, "h").ok());
  }
  ASSERT_TRUE(put_hash("r1", 2, 1, "p1", "h").ok());
  EXPECT_EQ(redis({"ZCARD", "sm:{r:r1}:hashes:1:ticks"}), "3");
  EXPECT_EQ(redis({"HLEN", "sm:{r:r1}:hashes:1:v"}), "6");
  EXPECT_EQ(redis({"ZCARD", "sm:{r:r1}:hashes:1"}), "6");
  EXPECT_EQ(redis({"HLEN", "sm:{r:r1}:hashes:2:v"}), "1");
  EXPECT_EQ(put_hash("r1", 1, 5, "p1", "h").status, Status::kOk);
  EXPECT_EQ(put_hash("r1", 1, 5, "p1", "other").status, Status::kConflict);
  EXPECT_EQ(put_hash("nope", 1, 5, "p1", "h").status, Status::kNotFound);

  auto page = await<Page<HashRecord>>([&](Done<Page<HashRecord>> d) {
    store_->list_hashes("r1", 1, 0, 100, PageRequest{"", 4}, d);
  });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page.value.items.size(), 4u);
  EXPECT_EQ(page.value.items[0].tick, 3u);
  EXPECT_EQ(page.value.items[3].tick, 4u);
  EXPECT_EQ(page.value.items[3].peer_id, "p2");
  EXPECT_EQ(page.value.items[3].timestamp, 7000);
  auto rest = await<Page<HashRecord>>([&](Done<Page<HashRecord>> d) {
    store_->list_hashes("r1", 1, 0, 100, PageRequest{page.value.next, 4}, d);
  });
  ASSERT_EQ(rest.value.items.size(), 2u);
  EXPECT_EQ(rest.value.items[0].tick, 5u);
  EXPECT_TRUE(rest.value.next.empty());
}

TEST_F(RedisStoreTest, ARestartWithAofKeepsWhatWasAcknowledgedAndWritesWaitOutTheOutage) {
  use_server({"", true});
  open(settings());
  ASSERT_TRUE(create_room("r1").ok());
  ASSERT_TRUE(add_player("r1", "p1", 1).ok());
  ASSERT_TRUE(run_until([&] { return !states_.empty() && states_.back(); }));

  server_->stop();
  ASSERT_TRUE(run_until([&] { return !states_.back(); }));
  EXPECT_FALSE(store_->is_up());
  // An API read fails at once; a mirror write waits for the server.
  EXPECT_EQ(get_room("r1").status, Status::kUnavailable);
  std::optional<Result<Empty>> written;
  store_->add_player("r1", {"p2", 2}, 2000, [&](Result<Empty> r) { written = std::move(r); });
  loop_.run_for(Ms(300));
  EXPECT_FALSE(written);

  server_->restart();
  ASSERT_TRUE(run_until([&] { return written.has_value(); }));
  EXPECT_TRUE(written->ok()) << written->message;
  EXPECT_TRUE(states_.back());
  auto room = get_room("r1");
  ASSERT_TRUE(room.ok()) << room.message;
  ASSERT_EQ(room.value.players.size(), 2u);
  EXPECT_EQ(room.value.players[0].uid, "p1");
  EXPECT_EQ(room.value.players[1].uid, "p2");
}

TEST_F(RedisStoreTest, WritesBeyondTheQueueDropTheOldestWithUnavailable) {
  Settings s = settings();
  s.max_queued_writes = 2;
  open(s);
  ASSERT_TRUE(create_room("r1").ok());
  server_->kill();
  ASSERT_TRUE(run_until([&] { return !states_.empty() && !states_.back(); }));
  std::vector<std::optional<Result<Empty>>> got(3);
  for (int i = 0; i < 3; ++i) {
    store_->set_host("r1", "h" + std::to_string(i), 2000,
                     [&got, i](Result<Empty> r) { got[i] = std::move(r); });
  }
  ASSERT_TRUE(run_until([&] { return got[0].has_value(); }));
  EXPECT_EQ(got[0]->status, Status::kUnavailable);
  EXPECT_FALSE(got[1] || got[2]);
  std::string metrics;
  store_->append_metrics(metrics);
  EXPECT_NE(metrics.find("signalmesh_store_dropped_writes_total{store=\"redis\"} 1"),
            std::string::npos)
      << metrics;
  // The server came back empty (no AOF): the room is gone, and the queued
  // writes say so.
  server_->restart();
  ASSERT_TRUE(run_until([&] { return got[1] && got[2]; }));
  EXPECT_EQ(got[2]->status, Status::kNotFound);
}

TEST_F(RedisStoreTest, AFrozenServerAnswersUnavailableWithinTheTimeoutAndRecovers) {
  Settings s = settings();
  s.timeout_ms = 400;
  open(s);
  ASSERT_TRUE(create_room("r1").ok());
  ASSERT_TRUE(run_until([&] { return !states_.empty() && states_.back(); }));

  server_->freeze();
  const auto t0 = Clock::now();
  auto r = get_room("r1");
  const auto elapsed = std::chrono::duration_cast<Ms>(Clock::now() - t0);
  EXPECT_EQ(r.status, Status::kUnavailable);
  EXPECT_GE(elapsed.count(), 350);
  EXPECT_LE(elapsed.count(), 400 + 150);
  ASSERT_TRUE(run_until([&] { return !states_.back(); }, Ms(2000)));

  server_->thaw();
  ASSERT_TRUE(run_until([&] { return states_.back(); }));
  EXPECT_TRUE(get_room("r1").ok());
}

TEST_F(RedisStoreTest, StopDropsPendingCallsAndRunsNoCallbackAfterwards) {
  open(settings());
  ASSERT_TRUE(create_room("r1").ok());
  int callbacks = 0;
  for (int i = 0; i < 20; ++i) {
    store_->get_room("r1", [&](Result<RoomRecord>) { ++callbacks; });
    store_->add_player("r1", {"p" + std::to_string(i), 1}, 1, [&](Result<Empty>) { ++callbacks; });
  }
  store_->stop();
  store_->get_room("r1", [&](Result<RoomRecord>) { ++callbacks; });
  loop_.run_for(Ms(200));
  EXPECT_EQ(callbacks, 0);
  store_.reset();
  loop_.run_for(Ms(50));
}

TEST_F(RedisStoreTest, ThePasswordAndDbOfTheUrlAreUsed) {
  use_server({"s3cret", false});
  open(settings("/3"));
  ASSERT_TRUE(create_room("r1").ok());
  EXPECT_EQ(redis({"EXISTS", "sm:{r:r1}"}), "0");  // not in db 0
  EXPECT_EQ(redis({"EVAL", "redis.call('SELECT', 3) return redis.call('EXISTS', KEYS[1])", "1",
                   "sm:{r:r1}"}),
            "1");
}

TEST_F(RedisStoreTest, AWrongPasswordIsReportedDownAndUnavailable) {
  use_server({"s3cret", false});
  Settings s = settings();
  s.url = "redis://:wrong@127.0.0.1:" + std::to_string(server_->port());
  open(s);
  ASSERT_TRUE(run_until([&] { return !states_.empty(); }));
  EXPECT_FALSE(states_.back());
  EXPECT_EQ(get_room("r1").status, Status::kUnavailable);
}

}  // namespace
}  // namespace signalmesh::store
