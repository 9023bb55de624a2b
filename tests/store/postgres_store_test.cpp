// What only the PostgreSQL store has, beyond the conformance suite: its
// schema versioning on databases that already hold one, a crash (SIGKILL)
// of the server losing nothing acknowledged, mirror writes waiting out an
// outage (and the bound on them), a statement stuck behind a lock timing
// out, and pods that migrate or report the same hash at the same moment.
// Same shared server and fresh database per test as postgres_target.cpp.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "signalmesh/store.hpp"
#include "support/postgres_server.hpp"

namespace signalmesh::store::test {

// postgres_target.cpp
::signalmesh::test::PostgresServer& shared_postgres();
std::string fresh_postgres_database();

namespace {

using Ms = std::chrono::milliseconds;
constexpr Ms kWait{10000};

class PostgresStoreTest : public ::testing::Test {
 protected:
  struct Started {
    StorePtr store;
    std::vector<bool> states;
  };

  void SetUp() override { database_ = fresh_postgres_database(); }
  void TearDown() override {
    for (auto& s : stores_) s->store->stop();
    loop_.poll();
    auto& server = shared_postgres();
    if (!server.running()) server.start();
    server.query("postgres", "DROP DATABASE IF EXISTS \"" + database_ + "\" WITH (FORCE)");
  }

  ::signalmesh::test::PostgresServer& server() { return shared_postgres(); }
  std::string sql(const std::string& text) { return server().query(database_, text); }

  Settings settings() const {
    Settings s;
    s.url = shared_postgres().url(database_);
    s.timeout_ms = 2000;
    return s;
  }

  // A store started on the loop; kept until the test ends.
  Started& open(const Settings& s) {
    stores_.push_back(std::make_unique<Started>());
    Started* started = stores_.back().get();
    started->store = make_store(s);
    started->store->start(loop_, [started](bool up) { started->states.push_back(up); });
    return *started;
  }
  bool wait_up(Started& s, bool up = true, Ms timeout = kWait) {
    return run_until([&] { return !s.states.empty() && s.states.back() == up; }, timeout);
  }

  bool run_until(const std::function<bool()>& done, Ms timeout = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      loop_.run_one_for(Ms(20));
    }
    return true;
  }

  // Runs `call` and the loop until its callback ran.
  template <typename T>
  Result<T> await(const std::function<void(Done<T>)>& call, Ms timeout = kWait) {
    std::optional<Result<T>> got;
    call([&got](Result<T> r) { got = std::move(r); });
    if (!run_until([&] { return got.has_value(); }, timeout)) {
      ADD_FAILURE() << "no answer";
      return Result<T>{Status::kUnavailable, "(test) no answer", {}};
    }
    return std::move(*got);
  }
  Result<RoomRecord> get_room(Store& s, const std::string& id) {
    return await<RoomRecord>([&](Done<RoomRecord> d) { s.get_room(id, d); });
  }
  Result<RoomRecord> create_room(Store& s, const std::string& id) {
    RoomRecord r;
    r.room_id = id;
    r.created = r.updated = 1000;
    return await<RoomRecord>([&](Done<RoomRecord> d) { s.create_room(r, d); });
  }
  Result<Empty> add_player(Store& s, const std::string& room, const std::string& uid,
                           std::uint64_t order) {
    return await<Empty>([&](Done<Empty> d) { s.add_player(room, Player{uid, order}, 2000, d); });
  }

  asio::io_context loop_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{loop_.get_executor()};
  std::string database_;
  std::vector<std::unique_ptr<Started>> stores_;
};

TEST_F(PostgresStoreTest, AFreshDatabaseGetsTheSchemaAtVersionOne) {
  auto& s = open(settings());
  ASSERT_TRUE(wait_up(s));
  EXPECT_EQ(sql("SELECT version FROM schema_version ORDER BY version"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM information_schema.tables WHERE table_name IN"
                " ('users', 'rooms', 'room_players', 'hashes')"),
            "4");
}

TEST_F(PostgresStoreTest, AStartOnAMigratedDatabaseKeepsItsRowsAndMigratesNothingAgain) {
  auto& first = open(settings());
  ASSERT_TRUE(wait_up(first));
  ASSERT_TRUE(create_room(*first.store, "kept").ok());
  ASSERT_TRUE(add_player(*first.store, "kept", "p1", 1).ok());
  const std::string applied = sql("SELECT applied FROM schema_version");
  first.store->stop();

  auto& second = open(settings());
  ASSERT_TRUE(wait_up(second));
  auto room = get_room(*second.store, "kept");
  ASSERT_TRUE(room.ok()) << room.message;
  ASSERT_EQ(room.value.players.size(), 1u);
  EXPECT_EQ(sql("SELECT count(*) FROM schema_version"), "1");
  EXPECT_EQ(sql("SELECT applied FROM schema_version"), applied) << "migration 1 ran again";
}

TEST_F(PostgresStoreTest, ADatabaseANewerPodMigratedFurtherIsStillUsed) {
  auto& first = open(settings());
  ASSERT_TRUE(wait_up(first));
  first.store->stop();
  // As a later release would leave it: an additive migration 2.
  ASSERT_EQ(sql("ALTER TABLE rooms ADD COLUMN future text;"
                " INSERT INTO schema_version VALUES (2, 0)"),
            "");
  auto& second = open(settings());
  ASSERT_TRUE(wait_up(second));
  EXPECT_TRUE(create_room(*second.store, "r1").ok());
  EXPECT_TRUE(get_room(*second.store, "r1").ok());
}

TEST_F(PostgresStoreTest, PodsStartingTogetherOnAnEmptyDatabaseMigrateItOnce) {
  std::vector<Started*> pods;
  for (int i = 0; i < 4; ++i) pods.push_back(&open(settings()));
  for (auto* p : pods) ASSERT_TRUE(wait_up(*p));
  EXPECT_EQ(sql("SELECT count(*) FROM schema_version"), "1");
  for (auto* p : pods) EXPECT_TRUE(p->store->is_up());
}

TEST_F(PostgresStoreTest, TheUrlsOwnServerOptionsAreKept) {
  ASSERT_EQ(sql("CREATE SCHEMA app"), "");
  Settings st = settings();
  st.url += "?options=-csearch_path%3Dapp";
  auto& s = open(st);
  ASSERT_TRUE(wait_up(s));
  ASSERT_TRUE(create_room(*s.store, "r1").ok());
  EXPECT_EQ(sql("SELECT count(*) FROM app.rooms"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_name = 'rooms'"),
            "0");
}

TEST_F(PostgresStoreTest, AKilledServerLosesNothingAcknowledged) {
  auto& s = open(settings());
  ASSERT_TRUE(wait_up(s));
  ASSERT_TRUE(create_room(*s.store, "r1").ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(add_player(*s.store, "r1", "p" + std::to_string(i), i).ok());
  }
  server().kill();  // SIGKILL, no shutdown checkpoint: crash recovery from the WAL
  server().start();
  auto& after = open(settings());
  ASSERT_TRUE(wait_up(after));
  auto room = get_room(*after.store, "r1");
  ASSERT_TRUE(room.ok()) << room.message;
  EXPECT_EQ(room.value.players.size(), 20u);
  EXPECT_EQ(room.value.version, 21u);
}

TEST_F(PostgresStoreTest, AKilledServerAnswersUnavailableAndMirrorWritesWaitForItsReturn) {
  Settings st = settings();
  st.timeout_ms = 300;
  auto& s = open(st);
  ASSERT_TRUE(wait_up(s));
  ASSERT_TRUE(create_room(*s.store, "r1").ok());

  server().kill();
  ASSERT_TRUE(wait_up(s, false)) << "on_state(false) was never posted";
  EXPECT_FALSE(s.store->is_up());
  const auto asked = std::chrono::steady_clock::now();
  auto down = get_room(*s.store, "r1");
  EXPECT_EQ(down.status, Status::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, Ms(1000)) << "a read waited while down";

  // A mirror write waits out the outage instead of failing.
  std::optional<Result<Empty>> write;
  s.store->add_player("r1", Player{"late", 9}, 3000, [&](Result<Empty> r) { write = r; });
  loop_.run_for(Ms(300));
  EXPECT_FALSE(write.has_value()) << "the write gave up while the server was down";

  server().start();
  ASSERT_TRUE(wait_up(s, true, Ms(20000))) << "the store never came back";
  ASSERT_TRUE(run_until([&] { return write.has_value(); }));
  EXPECT_TRUE(write->ok()) << write->message;
  auto room = get_room(*s.store, "r1");
  ASSERT_TRUE(room.ok()) << room.message;
  ASSERT_EQ(room.value.players.size(), 1u);
  EXPECT_EQ(room.value.players[0].uid, "late");
}

TEST_F(PostgresStoreTest, BeyondMaxQueuedWritesTheOldestWaitingWriteIsDropped) {
  Settings st = settings();
  st.max_queued_writes = 3;
  auto& s = open(st);
  ASSERT_TRUE(wait_up(s));
  ASSERT_TRUE(create_room(*s.store, "r1").ok());
  server().stop();
  ASSERT_TRUE(wait_up(s, false));

  std::vector<std::optional<Result<Empty>>> got(5);
  for (int i = 0; i < 5; ++i) {
    s.store->add_player("r1", Player{"p" + std::to_string(i), std::uint64_t(i)}, 3000,
                        [&got, i](Result<Empty> r) { got[i] = r; });
  }
  ASSERT_TRUE(run_until([&] { return got[0] && got[1]; }));
  EXPECT_EQ(got[0]->status, Status::kUnavailable);
  EXPECT_EQ(got[1]->status, Status::kUnavailable);
  std::string metrics;
  s.store->append_metrics(metrics);
  EXPECT_NE(metrics.find("signalmesh_store_dropped_writes_total{store=\"postgres\"} 2"),
            std::string::npos)
      << metrics;

  server().start();
  ASSERT_TRUE(run_until([&] { return got[2] && got[3] && got[4]; }, Ms(20000)));
  auto room = get_room(*s.store, "r1");
  ASSERT_TRUE(room.ok()) << room.message;
  std::vector<std::string> uids;
  for (const auto& p : room.value.players) uids.push_back(p.uid);
  EXPECT_EQ(uids, (std::vector<std::string>{"p2", "p3", "p4"}));
}

TEST_F(PostgresStoreTest, AStatementStuckBehindALockTimesOutAndTheStoreCarriesOn) {
  Settings st = settings();
  st.timeout_ms = 300;
  auto& s = open(st);
  ASSERT_TRUE(wait_up(s));
  ASSERT_TRUE(create_room(*s.store, "r1").ok());
  // Another session holds the row for longer than the timeout.
  std::thread holder(
      [this] { sql("BEGIN; SELECT * FROM rooms FOR UPDATE; SELECT pg_sleep(1.5)"); });
  // Until the holder has the lock, the patch would simply succeed.
  ASSERT_TRUE(run_until([&] {
    return sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
               " WHERE c.relname = 'rooms' AND l.mode = 'RowShareLock'") != "0";
  }));
  RoomPatch p;
  p.metadata = R"({"x":1})";
  const auto asked = std::chrono::steady_clock::now();
  auto stuck = await<RoomRecord>(
      [&](Done<RoomRecord> d) { s.store->patch_room("r1", p, std::nullopt, 5, d); });
  EXPECT_EQ(stuck.status, Status::kUnavailable) << stuck.message;
  EXPECT_LT(std::chrono::steady_clock::now() - asked, Ms(1300));
  holder.join();
  // The connection that gave up on the statement was dropped: down, then up.
  ASSERT_TRUE(run_until([&] { return s.states.size() >= 3 && s.states.back(); }));
  auto room = get_room(*s.store, "r1");
  EXPECT_TRUE(room.ok()) << room.message;
}

TEST_F(PostgresStoreTest, TwoPodsReportingOneTickAtOnceAgreeOnTheFirstHash) {
  auto& a = open(settings());
  auto& b = open(settings());
  ASSERT_TRUE(wait_up(a) && wait_up(b));
  ASSERT_TRUE(create_room(*a.store, "r1").ok());
  int ok = 0, conflict = 0, other = 0;
  auto count = [&](Result<Empty> r) {
    (r.status == Status::kOk ? ok : r.status == Status::kConflict ? conflict : other)++;
  };
  constexpr int kTicks = 30;
  for (int t = 0; t < kTicks; ++t) {
    HashRecord h{"r1", 1, std::uint64_t(t), "peer", "from-a", 1};
    a.store->put_hash(h, count);
    h.hash = "from-b";
    b.store->put_hash(h, count);
  }
  ASSERT_TRUE(run_until([&] { return ok + conflict + other == 2 * kTicks; }));
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok, kTicks);
  EXPECT_EQ(conflict, kTicks);
  EXPECT_EQ(sql("SELECT count(*) FROM hashes"), std::to_string(kTicks));
}

TEST_F(PostgresStoreTest, UrlsLibpqCannotReadAreRefusedAtOnce) {
  for (const char* url : {"postgresql://[::1/db", "postgres://u@h/db?no_such_option=1"}) {
    Settings s;
    s.url = url;
    EXPECT_THROW(make_store(s), std::invalid_argument) << url;
  }
  Settings s;
  s.url = "postgresql://u@localhost:5432/db?sslmode=disable";
  EXPECT_EQ(make_store(s)->name(), "postgres");
}

TEST_F(PostgresStoreTest, AnUnreachableServerNeverReportsUpAndAnswersUnavailable) {
  Settings st = settings();
  st.url = "postgres://signalmesh@127.0.0.1:1/nothing";
  st.timeout_ms = 300;
  auto& s = open(st);
  auto r = get_room(*s.store, "r1");
  EXPECT_EQ(r.status, Status::kUnavailable);
  EXPECT_FALSE(r.message.empty());
  EXPECT_FALSE(s.store->is_up());
  ASSERT_TRUE(wait_up(s, false)) << "a first attempt that fails is reported too";
  EXPECT_EQ(s.states, std::vector<bool>{false});
}

}  // namespace
}  // namespace signalmesh::store::test
