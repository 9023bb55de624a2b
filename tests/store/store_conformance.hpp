// The store conformance suite's harness (signalmesh/store.hpp): one body of
// tests, run against every implementation over its real server. A store
// joins the suite with one small file that describes its target and
// instantiates the suite:
//
//   INSTANTIATE_TEST_SUITE_P(Redis, StoreConformance,
//                            ::testing::Values(StoreTarget{"aof", make_redis_env}),
//                            store_target_name);
//
// The fixture runs an asio::io_context on the test thread, starts the store
// on it, and waits for each callback by running the loop (bounded, never a
// blind sleep). Every call made through it also checks that the callback ran
// on the loop thread and not inside the call.
#pragma once

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "signalmesh/store.hpp"

namespace signalmesh::store::test {

using Ms = std::chrono::milliseconds;
// A store answers within this long, or the test fails.
inline constexpr Ms kAnswerWait{10000};
// The largest tick a hash may carry (2^53 - 1): list_hashes' "to the end".
inline constexpr std::uint64_t kMaxTestTick = (std::uint64_t{1} << 53) - 1;

// One server (or file) behind a store, fresh and empty for each test.
class TargetEnv {
 public:
  virtual ~TargetEnv() = default;
  // Settings.url of a store over this target.
  virtual std::string url() = 0;
  // Whether restart_server() is meaningful: a server (or file) that is
  // stopped and started again and must keep what it acknowledged.
  virtual bool can_restart() { return false; }
  // Stops the real server and starts it again on the same port or file,
  // keeping its data; returns once it answers again.
  virtual void restart_server() {}
  // Whether stop_server()/start_server() can make the store unreachable
  // (an outage). Defaults to can_restart(): a server that restarts can be
  // stopped; a file cannot be made to vanish under an open connection.
  virtual bool can_stop() { return can_restart(); }
  virtual void stop_server() {}
  virtual void start_server() {}
  // Whether two stores made from url() see the same data (the "two pods"
  // tests). False for a private in-memory database.
  virtual bool can_share() { return true; }
};

struct StoreTarget {
  std::string name;  // the test name suffix: letters, digits, '_'
  std::function<std::unique_ptr<TargetEnv>()> make;
};

inline std::string store_target_name(const ::testing::TestParamInfo<StoreTarget>& info) {
  return info.param.name;
}

// A store, started on the fixture's loop, and what its on_state reported.
struct StartedStore {
  StorePtr store;
  std::shared_ptr<std::vector<bool>> states = std::make_shared<std::vector<bool>>();
  Store& operator*() const { return *store; }
  Store* operator->() const { return store.get(); }
};

class StoreConformance : public ::testing::TestWithParam<StoreTarget> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Settings for a store over this test's target (url set, fast timeouts).
  Settings settings() const;
  // Replaces store_ by a new store started with `s`.
  void restart_store(const Settings& s);
  // Another store on the same target ("a second pod"), started on the loop.
  StartedStore open_store(const Settings& s);

  // Runs the loop until `done()` holds or `timeout` passed; returns done().
  bool run_until(const std::function<bool()>& done, Ms timeout = kAnswerWait);
  // Runs the loop for `duration` whatever happens (to see that nothing does).
  void run_for(Ms duration);

  // Issues `call(store, done)` and runs the loop until `done` ran: the
  // result, or kUnavailable with a test failure after kAnswerWait. Fails the
  // test if the callback ran inside the call or on another thread.
  template <typename T>
  Result<T> await(Store& store, const std::function<void(Store&, Done<T>)>& call);

  // One wrapper per Store method, on store_ unless another store is given.
  Result<User> create_user(User u) { return create_user(*store_, std::move(u)); }
  Result<User> create_user(Store& s, User u);
  Result<User> get_user(const std::string& uid);
  Result<Page<User>> list_users(std::string cursor = "", std::size_t limit = 100);
  Result<User> patch_user(const std::string& uid, UserPatch patch);
  Result<Empty> delete_user(const std::string& uid);
  Result<Empty> touch_user(const std::string& uid, std::int64_t now);

  Result<RoomRecord> create_room(RoomRecord room);
  Result<RoomRecord> create_room(const std::string& room_id, std::int64_t created = 1000);
  Result<RoomRecord> open_room(const std::string& room_id, bool create_if_missing,
                               std::int64_t now);
  Result<RoomRecord> get_room(const std::string& room_id) { return get_room(*store_, room_id); }
  Result<RoomRecord> get_room(Store& s, const std::string& room_id);
  Result<Page<RoomRecord>> list_rooms(std::optional<RoomStatus> status, std::string cursor = "",
                                      std::size_t limit = 100);
  Result<RoomRecord> patch_room(const std::string& room_id, RoomPatch patch,
                                std::optional<std::uint64_t> if_match = std::nullopt,
                                std::int64_t now = 2000);
  Result<Empty> delete_room(const std::string& room_id);

  Result<Empty> add_player(const std::string& room_id, const std::string& uid,
                           std::uint64_t join_order, std::int64_t now = 2000) {
    return add_player(*store_, room_id, uid, join_order, now);
  }
  Result<Empty> add_player(Store& s, const std::string& room_id, const std::string& uid,
                           std::uint64_t join_order, std::int64_t now = 2000);
  Result<Empty> remove_player(const std::string& room_id, const std::string& uid,
                              std::int64_t now = 2000);
  Result<Empty> set_host(const std::string& room_id, const std::string& host_uid,
                         std::int64_t now = 2000);
  Result<Empty> advance_status(const std::string& room_id, RoomStatus status, std::uint32_t round,
                               std::int64_t now = 2000);
  Result<Empty> replace_players(const std::string& room_id, std::vector<Player> players,
                                const std::string& host_uid, std::int64_t now = 2000);

  Result<Empty> put_hash(HashRecord hash);
  Result<Empty> put_hash(const std::string& room_id, std::uint32_t round, std::uint64_t tick,
                         const std::string& peer_id, const std::string& hash);
  Result<Page<HashRecord>> list_hashes(const std::string& room_id, std::uint32_t round,
                                       std::uint64_t from, std::uint64_t to,
                                       std::string cursor = "", std::size_t limit = 100);

  // The uids of a room's players, in the stored order.
  std::vector<std::string> player_uids(const std::string& room_id);

  asio::io_context loop_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{loop_.get_executor()};
  std::unique_ptr<TargetEnv> env_;
  StartedStore store_;
};

// Expectation helpers: print the store's message on failure.
#define EXPECT_STORE_OK(result)                                               \
  do {                                                                        \
    const auto& r_ = (result);                                                \
    EXPECT_EQ(r_.status, ::signalmesh::store::Status::kOk)                    \
        << ::signalmesh::store::status_name(r_.status) << ": " << r_.message; \
  } while (0)
#define ASSERT_STORE_OK(result)                                               \
  do {                                                                        \
    const auto& r_ = (result);                                                \
    ASSERT_EQ(r_.status, ::signalmesh::store::Status::kOk)                    \
        << ::signalmesh::store::status_name(r_.status) << ": " << r_.message; \
  } while (0)
#define EXPECT_STORE_STATUS(result, expected)                                 \
  do {                                                                        \
    const auto& r_ = (result);                                                \
    EXPECT_EQ(r_.status, (expected))                                          \
        << ::signalmesh::store::status_name(r_.status) << ": " << r_.message; \
  } while (0)

template <typename T>
Result<T> StoreConformance::await(Store& store, const std::function<void(Store&, Done<T>)>& call) {
  // Shared with the callback, which may outlive this frame if it comes late.
  struct State {
    std::optional<Result<T>> result;
    std::atomic<bool> returned{false};
    std::atomic<bool> ran_inside{false};
    std::atomic<bool> wrong_thread{false};
  };
  auto state = std::make_shared<State>();
  const auto loop_thread = std::this_thread::get_id();
  call(store, [state, loop_thread](Result<T> r) {
    if (!state->returned) state->ran_inside = true;
    if (std::this_thread::get_id() != loop_thread) state->wrong_thread = true;
    state->result = std::move(r);
  });
  state->returned = true;
  EXPECT_FALSE(state->ran_inside) << "the callback ran inside the call";
  if (!run_until([&] { return state->result.has_value(); })) {
    ADD_FAILURE() << "no answer within " << kAnswerWait.count() << " ms";
    Result<T> r;
    r.status = Status::kUnavailable;
    r.message = "(test) no answer";
    return r;
  }
  EXPECT_FALSE(state->wrong_thread) << "the callback ran off the loop thread";
  return std::move(*state->result);
}

}  // namespace signalmesh::store::test
