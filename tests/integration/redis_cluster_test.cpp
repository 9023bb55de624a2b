// Several signalmesh processes sharing rooms through a real redis-server
// (started on a free port by the test), driven by real WebSocket clients:
// pods killed with SIGKILL, Redis stopped and restarted under live clients.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/numbered.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPodLostMs = 1000;

class RedisCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>();
    for (int i = 0; i < 3; ++i) start_pod(i);
  }

  void start_pod(int i) {
    if (static_cast<int>(pods_.size()) <= i) pods_.resize(i + 1);
    pods_[i] = std::make_unique<BinaryPod>(std::vector<std::string>{"--host",
                                                                    "127.0.0.1",
                                                                    "--port",
                                                                    "0",
                                                                    "--backend",
                                                                    "redis",
                                                                    "--redis-url",
                                                                    redis_->url(),
                                                                    "--pod-id",
                                                                    "pod" + std::to_string(i),
                                                                    "--heartbeat-interval-ms",
                                                                    "200",
                                                                    "--pod-lost-ms",
                                                                    std::to_string(kPodLostMs),
                                                                    "--sync-timeout-ms",
                                                                    "1000",
                                                                    "--rate-per-second",
                                                                    "100000",
                                                                    "--rate-burst",
                                                                    "100000",
                                                                    "--log-level",
                                                                    "warn"});
    ASSERT_TRUE(pods_[i]->wait_listening()) << pods_[i]->stderr_text();
    ASSERT_TRUE(wait_ready(i)) << pods_[i]->stderr_text();
  }

  bool wait_ready(int i, int want = 200) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      if (http_get(pods_[i]->url(), "/readyz", {}, Ms(1000)).status == want) return true;
      std::this_thread::sleep_for(Ms(20));  // polling a status, bounded above
    }
    return false;
  }

  std::unique_ptr<WsClient> join(int pod, const std::string& peer,
                                 std::optional<Json>* welcome = nullptr) {
    auto ws = std::make_unique<WsClient>();
    EXPECT_TRUE(ws->connect(pods_[pod]->url() + "/signal/" + room_ + "?peerId=" + peer).open);
    auto w = ws->expect_message_of_type("welcome");
    EXPECT_TRUE(w) << peer << " on pod " << pod;
    if (welcome != nullptr) *welcome = w;
    return ws;
  }

  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<BinaryPod>> pods_;
  std::string room_ = random_id();
};

TEST_F(RedisCluster, MembersOnThreePodsSeeOneRoomWithOneHost) {
  std::optional<Json> welcome;
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  auto c = join(2, "c", &welcome);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->strings("peers"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(welcome->str("hostId"), "a");
  for (WsClient* ws : {a.get(), b.get()}) {
    auto joined = ws->expect_message_of_type("peer-joined");
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->str("peerId"), "c");
  }
  const std::string offer = sdp_message("c", "offer", "v=0\r\n", "a");
  ASSERT_TRUE(a->send_text(offer));
  EXPECT_EQ(c->next_message(), offer);
}

TEST_F(RedisCluster, AThousandMessagesBetweenPodsArriveCompleteAndInOrder) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  send_numbered(*a, "b", 1000);
  expect_numbered(*b, 1000);
}

TEST_F(RedisCluster, APodThatJoinsLateSeesTheFullMemberListInWelcome) {
  pods_[2].reset();  // not started yet: start it after the room exists
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  start_pod(2);
  std::optional<Json> welcome;
  auto c = join(2, "c", &welcome);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->strings("peers"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(welcome->str("hostId"), "a");
}

TEST_F(RedisCluster, APodKilledWithSigkillLosesItsMembersWithPodLostAndTheHostMoves) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  auto c = join(2, "c");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));
  const auto killed_at = Clock::now();
  pods_[0]->send_signal(SIGKILL);
  for (WsClient* ws : {b.get(), c.get()}) {
    auto left = ws->expect_message_of_type("peer-left", Ms(kPodLostMs + 3000));
    ASSERT_TRUE(left);
    EXPECT_EQ(left->str("peerId"), "a");
    EXPECT_EQ(left->str("reason"), "pod-lost");
    auto change = ws->expect_message_of_type("host-change");
    ASSERT_TRUE(change);
    EXPECT_EQ(change->str("hostId"), "b");
    EXPECT_FALSE(change->has("senderId"));
  }
  EXPECT_LT(Clock::now() - killed_at, std::chrono::seconds(5)) << "protocol.md §8: within 5 s";
}

TEST_F(RedisCluster, WithRedisStoppedCrossPodSendersGetBackendUnavailable) {
  auto a = join(0, "a");
  auto x = join(0, "x");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(x->expect_message_of_type("peer-joined"));
  redis_->stop();
  ASSERT_TRUE(wait_ready(0, 503)) << "readyz must turn 503 without Redis";
  ASSERT_TRUE(
      a->send_text(R"({"type":"sdp","targetId":"b","id":1,"sdp":{"type":"offer","sdp":"v"}})"));
  auto err = a->expect_error("backend-unavailable");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->member_json("ref"), "1");
  // Members on one pod still reach each other.
  ASSERT_TRUE(a->send_text(sdp_message("x")));
  EXPECT_TRUE(x->expect_message_of_type("sdp"));
}

TEST_F(RedisCluster, AfterARedisRestartDeliveryResumesAndNothingSentAfterRecoveryIsLost) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  redis_->kill();
  ASSERT_TRUE(wait_ready(0, 503));
  redis_->restart();
  const auto restarted_at = Clock::now();
  ASSERT_TRUE(wait_ready(0));
  ASSERT_TRUE(wait_ready(1));
  const auto recovered = Clock::now() - restarted_at;
  EXPECT_LT(recovered, std::chrono::seconds(2)) << "cross-pod delivery must resume within 2 s";
  send_numbered(*a, "b", 200);
  expect_numbered(*b, 200);
  EXPECT_TRUE(a->is_open());
  EXPECT_TRUE(b->is_open());
}

}  // namespace
}  // namespace signalmesh::test
