// The data API under test: a DataApi over a real store (or the fake one),
// its loop run in the test thread until the answer comes (bounded), and
// the live notices it gave recorded.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/data_api.hpp"
#include "api/fake_store.hpp"

namespace signalmesh::api::testing {

inline const std::string kKey = "key-0123456789abcdef0123456789abcdef";
inline const std::string kOtherKey = "key-rotated-in-fedcba9876543210";

// Records what the API asks of the live side and answers the live
// endpoints with `answer` (their real effect is tested against pods in
// tests/integration/live_api_test.cpp).
struct RecordingLive final : LiveRooms {
  struct Call {
    std::string what, room_id, peer_id, text;
  };
  void room_status_changed(const store::RoomRecord& room) override { changed.push_back(room); }
  void room_deleted(const std::string& room_id) override { deleted.push_back(room_id); }
  void room_created(const store::RoomRecord& room) override { created.push_back(room.room_id); }
  void live_members(const std::string& room_id, LiveDone done) override {
    calls.push_back({"members", room_id, {}, {}});
    done(answer);
  }
  void kick_member(const std::string& room_id, const std::string& peer_id,
                   const std::string& reason, LiveDone done) override {
    calls.push_back({"kick", room_id, peer_id, reason});
    done(answer);
  }
  void send_message(const std::string& room_id, const std::string& target_id,
                    const std::string& data_json, LiveDone done) override {
    calls.push_back({"message", room_id, target_id, data_json});
    done(answer);
  }
  void move_host(const std::string& room_id, const std::string& host_id, LiveDone done) override {
    calls.push_back({"host", room_id, host_id, {}});
    done(answer);
  }
  std::vector<std::string> live_pods(std::string& self) override {
    self = "pod-a";
    return {"pod-a", "pod-b"};
  }
  std::vector<RecentEvent> recent_events(std::size_t limit) override {
    std::vector<RecentEvent> events = recent;
    if (events.size() > limit) events.resize(limit);
    return events;
  }
  std::vector<store::RoomRecord> changed;
  std::vector<std::string> deleted;
  std::vector<std::string> created;
  std::vector<Call> calls;
  LiveResult answer;
  std::vector<RecentEvent> recent;
};

struct Reply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  rapidjson::Document json;  // the body parsed (null when empty)

  // The header's value, "" when absent.
  std::string header(const std::string& name) const;
  // error.code of an error body, "" otherwise.
  std::string code() const;
  std::string message() const;
};

// "sqlite" (sqlite::memory:, nullptr while that store is not built),
// "fake", "none", "down" (the fake store, every call kUnavailable).
store::StorePtr make_test_store(const std::string& kind);

class ApiHarness {
 public:
  explicit ApiHarness(store::StorePtr store, ApiSettings settings = default_settings());
  ~ApiHarness();

  static ApiSettings default_settings();

  // With `Authorization: Bearer kKey` and, when a body is given,
  // Content-Type application/json.
  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& query = "", const std::string& if_match = "");
  // As it stands: nothing added.
  Reply send(HttpRequest request);

  // Runs a store call to its answer (for what only the gateway writes:
  // players, host, hashes).
  template <typename T>
  store::Result<T> await(const std::function<void(store::Done<T>)>& call) {
    auto result = std::make_shared<std::optional<store::Result<T>>>();
    call([result](store::Result<T> r) { *result = std::move(r); });
    run_until([&] { return result->has_value(); });
    EXPECT_TRUE(result->has_value()) << "the store did not answer";
    return result->value_or(store::Result<T>{store::Status::kUnavailable, "no answer", {}});
  }
  void put_hash(const std::string& room, std::uint32_t round, std::uint64_t tick,
                const std::string& peer, const std::string& hash);
  void add_player(const std::string& room, const std::string& uid, std::uint64_t order);

  store::Store& store() { return *store_; }
  std::int64_t now = 1'700'000'000'000;
  RecordingLive live;

 private:
  void run_until(const std::function<bool()>& done);

  asio::io_context loop_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  store::StorePtr store_;
  std::unique_ptr<DataApi> api_;
};

// The stores the data API suites run on: the real SQLite store first.
class StoreApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  std::unique_ptr<ApiHarness> api;
};

#define SIGNALMESH_API_SUITE(name)                                            \
  class name : public ::signalmesh::api::testing::StoreApiTest {};            \
  INSTANTIATE_TEST_SUITE_P(Stores, name, ::testing::Values("sqlite", "fake"), \
                           [](const auto& info) { return std::string(info.param); })

}  // namespace signalmesh::api::testing
