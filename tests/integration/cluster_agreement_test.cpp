// The cluster agreement (docs/cluster.md) with three in-process pods on one
// shared LocalHub: real gateways, real WebSocket clients over loopback, the
// same envelopes any backend carries. Members of one room are spread over
// the pods; every client must see exactly what one pod would show it.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "local/local_fanout.hpp"
#include "support/numbered.hpp"
#include "support/pods.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using backends::local::LocalFanout;
using backends::local::LocalHub;

class LocalCluster : public ::testing::Test {
 protected:
  static constexpr int kPods = 3;

  void SetUp() override { start_pods(test_config()); }

  void start_pods(Config config) {
    pods_.clear();
    switches_.clear();
    config.cluster.heartbeat_interval_ms = 100;
    config.cluster.pod_lost_ms = 600;
    config.cluster.sync_timeout_ms = 500;
    for (int i = 0; i < kPods; ++i) {
      config.pod_id = "pod" + std::to_string(i);
      auto fanout = std::make_unique<SwitchableFanout>(std::make_unique<LocalFanout>(hub_));
      switches_.push_back(fanout.get());
      pods_.push_back(std::make_unique<InProcessPod>(config, std::move(fanout)));
    }
  }

  std::string url(int pod, const std::string& peer) const {
    return pods_[pod]->url() + "/signal/" + room_ + "?peerId=" + peer;
  }

  // Connects and returns the welcome->
  std::unique_ptr<WsClient> join(int pod, const std::string& peer,
                                 std::optional<Json>* welcome = nullptr) {
    auto ws = std::make_unique<WsClient>();
    EXPECT_TRUE(ws->connect(url(pod, peer)).open) << peer << " on pod " << pod;
    auto w = ws->expect_message_of_type("welcome");
    EXPECT_TRUE(w) << peer;
    if (welcome != nullptr) *welcome = w;
    return ws;
  }

  void set_backend(int pod, bool up) {
    SwitchableFanout* fanout = switches_[pod];
    pods_[pod]->run_on_loop([fanout, up] { fanout->set_up(up); });
  }

  std::shared_ptr<LocalHub> hub_ = std::make_shared<LocalHub>();
  std::vector<SwitchableFanout*> switches_;
  std::vector<std::unique_ptr<InProcessPod>> pods_;
  std::string room_ = random_id();
};

void expect_peer_event(WsClient& ws, const char* type, const std::string& peer,
                       const char* reason = nullptr) {
  auto msg = ws.expect_message_of_type(type);
  ASSERT_TRUE(msg) << "no " << type << " about " << peer;
  EXPECT_EQ(msg->str("peerId"), peer);
  if (reason != nullptr) {
    EXPECT_EQ(msg->str("reason"), reason);
  }
}

TEST_F(LocalCluster, WelcomeListsTheMembersOfEveryPodOldestFirstWithOneHost) {
  std::optional<Json> welcome;
  auto a = join(0, "a");
  auto b = join(1, "b", &welcome);
  EXPECT_EQ(welcome->strings("peers"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(welcome->str("hostId"), "a");
  expect_peer_event(*a, "peer-joined", "b");
  auto c = join(2, "c", &welcome);
  EXPECT_EQ(welcome->strings("peers"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(welcome->str("hostId"), "a");
  expect_peer_event(*a, "peer-joined", "c");
  expect_peer_event(*b, "peer-joined", "c");
}

TEST_F(LocalCluster, TargetedAndBroadcastMessagesCrossPodsAsTheClientSentThem) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  auto c = join(2, "c");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));

  const std::string with_sender = sdp_message("b", "offer", "v=0\r\n", "a");
  ASSERT_TRUE(a->send_text(with_sender));
  EXPECT_EQ(b->next_message(), with_sender);

  const std::string broadcast = R"({"type":"ice","candidate":{"candidate":""},"extra":[1,2]})";
  ASSERT_TRUE(c->send_text(broadcast));
  const std::string expected =
      R"({"senderId":"c","type":"ice","candidate":{"candidate":""},"extra":[1,2]})";
  EXPECT_EQ(a->next_message(), expected);
  EXPECT_EQ(b->next_message(), expected);
  EXPECT_FALSE(c->next_message(Ms(200))) << "no echo to the sender";
}

TEST_F(LocalCluster, AThousandMessagesBetweenPodsArriveCompleteAndInOrder) {
  Config config = test_config();
  config.limits.rate_per_second = 1e6;
  config.limits.rate_burst = 1e6;
  start_pods(config);
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  send_numbered(*a, "b", 1000);
  expect_numbered(*b, 1000);
}

TEST_F(LocalCluster, HostHandOffAndKickWorkAcrossPods) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  auto c = join(2, "c");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));

  ASSERT_TRUE(a->send_text(host_change_message("b")));
  const std::string change =
      R"({"type":"host-change","hostId":"b","previousHostId":"a","senderId":"a"})";
  EXPECT_EQ(a->next_message(), change);
  EXPECT_EQ(b->next_message(), change);
  EXPECT_EQ(c->next_message(), change);

  ASSERT_TRUE(b->send_text(kick_message("c", "bye")));
  auto kick = c->expect_message_of_type("kick");
  ASSERT_TRUE(kick);
  EXPECT_EQ(kick->str("senderId"), "b");
  EXPECT_EQ(kick->str("reason"), "bye");
  EXPECT_TRUE(c->expect_close(4010));
  expect_peer_event(*a, "peer-left", "c", "kicked");
  expect_peer_event(*b, "peer-left", "c", "kicked");
}

TEST_F(LocalCluster, HostRightsAndTargetsAreJudgedClusterWide) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(b->send_text(R"({"type":"host-change","hostId":"a","id":7})"));
  auto err = b->expect_error("not-host");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->member_json("ref"), "7");
  ASSERT_TRUE(b->send_text(sdp_message("ghost")));
  EXPECT_TRUE(b->expect_error("unknown-target"));
}

TEST_F(LocalCluster, WhenTheHostLeavesEveryPodAgreesOnTheEarliestJoinedSuccessor) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  auto c = join(2, "c");
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(a->close());
  for (WsClient* ws : {b.get(), c.get()}) {
    expect_peer_event(*ws, "peer-left", "a", "left");
    auto change = ws->expect_message_of_type("host-change");
    ASSERT_TRUE(change);
    EXPECT_EQ(change->str("hostId"), "b");
    EXPECT_EQ(change->str("previousHostId"), "a");
    EXPECT_FALSE(change->has("senderId"));
  }
}

TEST_F(LocalCluster, TheSamePeerIdOnAnotherPodReplacesTheFirstConnectionSilently) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  std::optional<Json> welcome;
  auto a2 = join(2, "a", &welcome);
  EXPECT_EQ(welcome->str("hostId"), "a");
  EXPECT_EQ(welcome->strings("peers"), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(a->expect_error("replaced"));
  EXPECT_TRUE(a->expect_close(4009));
  EXPECT_FALSE(b->next_message(Ms(300))) << "no peer-left/peer-joined pair for a replacement";
  // The new connection is the member: messages reach it on its pod.
  ASSERT_TRUE(b->send_text(sdp_message("a")));
  auto sdp = a2->expect_message_of_type("sdp");
  ASSERT_TRUE(sdp);
  EXPECT_EQ(sdp->str("senderId"), "b");
}

TEST_F(LocalCluster, RoomCapacityIsCountedAcrossPods) {
  Config config = test_config();
  config.limits.max_room_members = 2;
  start_pods(config);
  auto a = join(0, "a");
  auto b = join(1, "b");
  WsClient c;
  ASSERT_TRUE(c.connect(url(2, "c")).open);
  EXPECT_TRUE(c.expect_error("room-full"));
  EXPECT_TRUE(c.expect_close(4013));
}

TEST_F(LocalCluster, APodCutOffFromTheClusterLosesItsMembersWithPodLost) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  auto c = join(2, "c");
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));
  set_backend(0, false);  // pod0 (the host's) falls silent
  for (WsClient* ws : {b.get(), c.get()}) {
    expect_peer_event(*ws, "peer-left", "a", "pod-lost");
    auto change = ws->expect_message_of_type("host-change");
    ASSERT_TRUE(change);
    EXPECT_EQ(change->str("hostId"), "b");
  }
}

TEST_F(LocalCluster, WithoutItsBackendAPodAnswersCrossPodMessagesWithBackendUnavailable) {
  auto a = join(0, "a");
  auto a_local = join(0, "x");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  ASSERT_TRUE(a_local->expect_message_of_type("peer-joined"));
  set_backend(0, false);
  ASSERT_TRUE(a->send_text(
      R"({"type":"sdp","targetId":"b","id":"m1","sdp":{"type":"offer","sdp":"v=0"}})"));
  auto err = a->expect_error("backend-unavailable");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->member_json("ref"), R"("m1")");
  // Members on the same pod are still served.
  ASSERT_TRUE(a->send_text(sdp_message("x")));
  EXPECT_TRUE(a_local->expect_message_of_type("sdp"));
}

TEST_F(LocalCluster, AfterAnOutageDeliveryResumesWithoutReconnecting) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  for (int pod = 0; pod < kPods; ++pod) set_backend(pod, false);
  ASSERT_TRUE(a->send_text(sdp_message("b")));
  EXPECT_TRUE(a->expect_error("backend-unavailable"));
  for (int pod = 0; pod < kPods; ++pod) set_backend(pod, true);
  // Poll (bounded) until a message gets through again.
  bool delivered = false;
  for (int i = 0; i < 50 && !delivered; ++i) {
    ASSERT_TRUE(
        a->send_text(R"({"type":"sdp","targetId":"b","sdp":{"type":"offer","sdp":"v=0"},"try":)" +
                     std::to_string(i) + "}"));
    auto reply = a->next_message(Ms(10));
    if (reply && reply->find("backend-unavailable") != std::string::npos) continue;
    delivered = b->next_message(Ms(100)).has_value();
  }
  EXPECT_TRUE(delivered);
  EXPECT_TRUE(a->is_open());
  EXPECT_TRUE(b->is_open());
}

}  // namespace
}  // namespace signalmesh::test
