#include "support/binary_cluster.hpp"

#include <signal.h>

#include <chrono>
#include <thread>

#include "support/numbered.hpp"
#include "support/raw_client.hpp"

namespace signalmesh::test {

using Clock = std::chrono::steady_clock;

void BinaryCluster::launch(int pod) {
  // Fast cluster timings so that deaths are seen within a test's patience;
  // the rate limit out of the way of the thousand-message check.
  std::vector<std::string> args = {"--host",
                                   "127.0.0.1",
                                   "--port",
                                   "0",
                                   "--pod-id",
                                   "pod" + std::to_string(pod),
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
                                   "warn"};
  for (auto& flag : backend_flags(pod)) args.push_back(std::move(flag));
  pods_[pod].reset();  // the old process first: the new one may reuse its ports
  pods_[pod] = std::make_unique<BinaryPod>(std::move(args));
}

::testing::AssertionResult BinaryCluster::wait_ready(int pod, int want) {
  if (!pods_[pod]->wait_listening()) {
    return ::testing::AssertionFailure() << "pod " << pod << " not listening";
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (http_get(pods_[pod]->url(), "/readyz", {}, Ms(1000)).status == want) {
      return ::testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(Ms(20));  // polling a status, bounded above
  }
  return ::testing::AssertionFailure() << "pod " << pod << " /readyz never answered " << want;
}

void BinaryCluster::start_pod(int pod) {
  launch(pod);
  ASSERT_TRUE(wait_ready(pod)) << pods_[pod]->stderr_text();
}

std::unique_ptr<WsClient> BinaryCluster::join(int pod, const std::string& peer,
                                              std::optional<Json>* welcome) {
  auto ws = std::make_unique<WsClient>();
  EXPECT_TRUE(ws->connect(pods_[pod]->url() + "/signal/" + room_ + "?peerId=" + peer).open);
  auto w = ws->expect_message_of_type("welcome");
  EXPECT_TRUE(w) << peer << " on pod " << pod;
  if (welcome != nullptr) *welcome = w;
  return ws;
}

void BinaryCluster::check_three_pods_share_one_room() {
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

void BinaryCluster::check_a_thousand_messages_arrive_in_order() {
  auto a = join(0, "a");
  auto b = join(1, "b");
  ASSERT_TRUE(a->expect_message_of_type("peer-joined"));
  send_numbered(*a, "b", 1000);
  expect_numbered(*b, 1000);
}

void BinaryCluster::check_a_late_pod_sees_every_member() {
  pods_[2].reset();  // gone: start it again after the room exists
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

void BinaryCluster::check_a_killed_pod_loses_its_members() {
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

}  // namespace signalmesh::test
