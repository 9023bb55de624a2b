// Three signalmesh processes in a ZeroMQ PUB/SUB full mesh on loopback (no
// Redis), driven by real WebSocket clients: the checks every backend passes
// (support/binary_cluster.hpp), nothing lost on the mesh, and a killed pod
// restarted on its ports rejoining by itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/binary_cluster.hpp"
#include "support/free_port.hpp"
#include "support/raw_client.hpp"

namespace signalmesh::test {
namespace {

std::string mesh_endpoint(std::uint16_t port) {
  return "tcp://127.0.0.1:" + std::to_string(port);
}

class ZmqCluster : public BinaryCluster {
 protected:
  void SetUp() override {
    // Picked up front: each pod must know the others' endpoints.
    for (int i = 0; i < kPods; ++i) mesh_ports_.push_back(free_loopback_port());
    // All at once, as an orchestrator would: each joins the others quickly.
    for (int i = 0; i < kPods; ++i) launch(i);
    for (int i = 0; i < kPods; ++i) ASSERT_TRUE(wait_ready(i)) << pods_[i]->stderr_text();
  }

  std::vector<std::string> backend_flags(int pod) override {
    std::string peers;
    for (int j = 0; j < kPods; ++j) {
      if (j == pod) continue;
      if (!peers.empty()) peers += ',';
      peers += mesh_endpoint(mesh_ports_[j]);
    }
    return {"--backend",   "zmq", "--zmq-bind", mesh_endpoint(mesh_ports_[pod]),
            "--zmq-peers", peers};
  }

  std::vector<std::uint16_t> mesh_ports_;
};

TEST_F(ZmqCluster, MembersOnThreePodsSeeOneRoomWithOneHostAndRelayToEachOther) {
  check_three_pods_share_one_room();
}

TEST_F(ZmqCluster, AThousandMessagesBetweenPodsArriveCompleteAndInOrder) {
  check_a_thousand_messages_arrive_in_order();
  const auto metrics = http_get(pods_[1]->url(), "/metrics", {}, Ms(1000));
  EXPECT_NE(metrics.body.find("signalmesh_zmq_envelopes_lost_total 0\n"), std::string::npos)
      << metrics.body;
}

TEST_F(ZmqCluster, APodKilledWithSigkillLosesItsMembersWithPodLostAndTheHostMoves) {
  check_a_killed_pod_loses_its_members();
}

TEST_F(ZmqCluster, AKilledPodRestartedOnItsPortsRejoinsTheMeshByItself) {
  auto b = join(1, "b");
  auto c = join(2, "c");
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));
  auto a = join(0, "a");
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));
  pods_[0]->send_signal(SIGKILL);
  ASSERT_TRUE(pods_[0]->wait_exit());
  auto left = b->expect_message_of_type("peer-left", Ms(kPodLostMs + 3000));
  ASSERT_TRUE(left);
  EXPECT_EQ(left->str("peerId"), "a");
  start_pod(0);  // same mesh port, same pod id, nothing else done
  std::optional<Json> welcome;
  auto a2 = join(0, "a2", &welcome);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->strings("peers"), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(welcome->str("hostId"), "b");
  // c saw a come, and go with the old process; now a2 comes.
  for (const char* expected : {"a", "a2"}) {
    auto joined = c->wait_for_type("peer-joined");
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->str("peerId"), expected);
  }
  const std::string offer = sdp_message("c", "offer", "v=0\r\n", "a2");
  ASSERT_TRUE(a2->send_text(offer));
  auto got = c->wait_for_type("sdp");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->str("senderId"), "a2");
  const std::string answer = sdp_message("a2", "answer", "v=0\r\n", "c");
  ASSERT_TRUE(c->send_text(answer));
  EXPECT_EQ(a2->next_message(), answer);
}

TEST_F(ZmqCluster, APodThatStartsLateSeesTheFullMemberListInWelcome) {
  check_a_late_pod_sees_every_member();
}

}  // namespace
}  // namespace signalmesh::test
