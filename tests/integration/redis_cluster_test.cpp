// Several signalmesh processes sharing rooms through a real redis-server
// (started on a free port by the test), driven by real WebSocket clients:
// the checks every backend passes (support/binary_cluster.hpp), then Redis
// stopped and restarted under live clients.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/binary_cluster.hpp"
#include "support/numbered.hpp"
#include "support/raw_client.hpp"
#include "support/redis_server.hpp"

namespace signalmesh::test {
namespace {

using Clock = std::chrono::steady_clock;

class RedisCluster : public BinaryCluster {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>();
    for (int i = 0; i < kPods; ++i) start_pod(i);
  }

  std::vector<std::string> backend_flags(int) override {
    return {"--backend", "redis", "--redis-url", redis_->url()};
  }

  std::unique_ptr<RedisServer> redis_;
};

TEST_F(RedisCluster, MembersOnThreePodsSeeOneRoomWithOneHost) {
  check_three_pods_share_one_room();
}

TEST_F(RedisCluster, AThousandMessagesBetweenPodsArriveCompleteAndInOrder) {
  check_a_thousand_messages_arrive_in_order();
}

TEST_F(RedisCluster, APodThatJoinsLateSeesTheFullMemberListInWelcome) {
  check_a_late_pod_sees_every_member();
}

TEST_F(RedisCluster, APodKilledWithSigkillLosesItsMembersWithPodLostAndTheHostMoves) {
  check_a_killed_pod_loses_its_members();
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
  // The outage in the backend's own counters on /metrics.
  const auto metrics = http_get(pods_[0]->url(), "/metrics", {}, Ms(1000));
  EXPECT_NE(metrics.body.find("\nsignalmesh_redis_downs_total 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("\nsignalmesh_backend_up 1\n"), std::string::npos) << metrics.body;
}

}  // namespace
}  // namespace signalmesh::test

namespace signalmesh::test {
namespace {

// protocol.md §2: what a client sends after the upgrade but before its
// welcome (here: while pod 1, which has not followed the room, syncs it and
// reads its record) is handled right after the welcome, in order, and after
// the others heard of the join.
TEST_F(RedisCluster, MessagesSentBeforeTheWelcomeAreHandledRightAfterItInOrder) {
  auto bob = join(0, "bob");
  WsClient alice;
  ASSERT_TRUE(alice.connect(pods_[1]->url() + "/signal/" + room_ + "?peerId=alice").open);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        alice.send_text(R"({"type":"ice","targetId":"bob","candidate":{"candidate":"early-)" +
                        std::to_string(i) + "\"}}"));
  }
  auto welcome = alice.expect_message_of_type("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->str("hostId"), "bob");
  auto joined = bob->expect_message_of_type("peer-joined");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->str("peerId"), "alice");
  for (int i = 0; i < 5; ++i) {
    auto ice = bob->expect_message_of_type("ice");
    ASSERT_TRUE(ice) << i;
    EXPECT_EQ(ice->str("senderId"), "alice");
    EXPECT_NE(ice->text().find("early-" + std::to_string(i)), std::string::npos) << ice->text();
  }
}

}  // namespace
}  // namespace signalmesh::test
