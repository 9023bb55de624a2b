// Three signalmesh processes in a ZeroMQ PUB/SUB full mesh on loopback (no
// Redis), driven by real WebSocket clients: cross-pod rooms, a pod killed
// with SIGKILL, the same pod restarted on its ports, a pod started late.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPods = 3;
constexpr int kPodLostMs = 1000;

// A free loopback port, picked up front: each pod must know the others'.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string mesh_endpoint(std::uint16_t port) {
  return "tcp://127.0.0.1:" + std::to_string(port);
}

class ZmqCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < kPods; ++i) mesh_ports_.push_back(free_port());
    pods_.resize(kPods);
    // All at once, as an orchestrator would: each joins the others quickly.
    for (int i = 0; i < kPods; ++i) launch(i);
    for (int i = 0; i < kPods; ++i) ASSERT_TRUE(ready(i)) << pods_[i]->stderr_text();
  }

  void launch(int i) {
    std::string peers;
    for (int j = 0; j < kPods; ++j) {
      if (j == i) continue;
      if (!peers.empty()) peers += ',';
      peers += mesh_endpoint(mesh_ports_[j]);
    }
    pods_[i] = std::make_unique<BinaryPod>(std::vector<std::string>{"--host",
                                                                    "127.0.0.1",
                                                                    "--port",
                                                                    "0",
                                                                    "--backend",
                                                                    "zmq",
                                                                    "--zmq-bind",
                                                                    mesh_endpoint(mesh_ports_[i]),
                                                                    "--zmq-peers",
                                                                    peers,
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
  }

  ::testing::AssertionResult ready(int i) {
    if (!pods_[i]->wait_listening()) return ::testing::AssertionFailure() << "not listening";
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      if (http_get(pods_[i]->url(), "/readyz", {}, Ms(1000)).status == 200) {
        return ::testing::AssertionSuccess();
      }
      std::this_thread::sleep_for(Ms(20));  // polling a status, bounded above
    }
    return ::testing::AssertionFailure() << "pod " << i << " never ready";
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

  std::vector<std::uint16_t> mesh_ports_;
  std::vector<std::unique_ptr<BinaryPod>> pods_;
  std::string room_ = random_id();
};

TEST_F(ZmqCluster, MembersOnThreePodsSeeOneRoomWithOneHostAndRelayToEachOther) {
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
  const std::string answer = sdp_message("a", "answer", "v=0\r\n", "c");
  ASSERT_TRUE(c->send_text(answer));
  EXPECT_EQ(a->next_message(), answer);
}

TEST_F(ZmqCluster, AThousandMessagesBetweenPodsArriveCompleteAndInOrder) {
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(a->send_text(R"({"type":"ice","targetId":"b","seq":)" + std::to_string(i) +
                             R"(,"candidate":{"candidate":"c"}})"));
  }
  for (int i = 0; i < 1000; ++i) {
    auto msg = b->next_message();
    ASSERT_TRUE(msg) << "message " << i << " lost";
    auto json = Json::parse(*msg);
    ASSERT_TRUE(json);
    ASSERT_EQ(json->member_json("seq"), std::to_string(i));
  }
  const auto metrics = http_get(pods_[1]->url(), "/metrics", {}, Ms(1000));
  EXPECT_NE(metrics.body.find("signalmesh_zmq_envelopes_lost_total 0\n"), std::string::npos)
      << metrics.body;
}

TEST_F(ZmqCluster, APodKilledWithSigkillLosesItsMembersWithPodLostAndTheHostMoves) {
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
  }
  EXPECT_LT(Clock::now() - killed_at, std::chrono::seconds(5)) << "protocol.md §8: within 5 s";
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
  launch(0);  // same mesh port, same pod id, nothing else done
  ASSERT_TRUE(ready(0)) << pods_[0]->stderr_text();
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
  pods_[2].reset();  // gone: start it again after the room exists
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  launch(2);
  ASSERT_TRUE(ready(2)) << pods_[2]->stderr_text();
  std::optional<Json> welcome;
  auto c = join(2, "c", &welcome);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->strings("peers"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(welcome->str("hostId"), "a");
}

}  // namespace
}  // namespace signalmesh::test
