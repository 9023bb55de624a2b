// protocol.md §4–5: message size, rate budget and refused messages in a row
// (room size, connection cap, slow consumers, liveness: capacity_test.cpp). Tests that change
// a limit run their own pod with small values so they finish fast.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "integration/limits_support.hpp"
#include "local/local_fanout.hpp"
#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

// --- message size ---------------------------------------------------------

TEST(MessageSize, AMessageOfExactly65536BytesIsAccepted) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  const std::string max = sdp_of_size(65536, "a", "b");
  ASSERT_EQ(max.size(), 65536u);
  ASSERT_TRUE(a->send_text(max));
  EXPECT_EQ(b->next_message(), max);
  EXPECT_TRUE(a->is_open());
}

TEST(MessageSize, AMessageOf65537BytesClosesWith1009AndThePeerLeaves) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  ASSERT_TRUE(a->send_text(sdp_of_size(65537, "a", "b")));
  EXPECT_TRUE(a->expect_close(1009));
  expect_peer_left(b, "a", "left");
}

TEST(MessageSize, TheLimitAppliesToTheReassembledMessageNotToEachFragment) {
  Room room;
  Member& b = room.join("b");
  RawWsClient raw;
  ASSERT_EQ(raw.upgrade(b.url, "/signal/" + room.id() + "?peerId=r").status, 101);
  ASSERT_TRUE(raw.next_frame());  // welcome
  ASSERT_TRUE(b->expect_message_of_type("peer-joined"));

  const std::string fits = sdp_of_size(65536, "r", "b");
  ASSERT_TRUE(raw.send_frame(1, fits.substr(0, 30000), false));
  ASSERT_TRUE(raw.send_frame(0, fits.substr(30000), true));
  EXPECT_EQ(b->next_message(), fits);

  const std::string too_big = sdp_of_size(65537, "r", "b");
  ASSERT_TRUE(raw.send_frame(1, too_big.substr(0, 30000), false));
  ASSERT_TRUE(raw.send_frame(0, too_big.substr(30000, 30000), false));
  ASSERT_TRUE(raw.send_frame(0, too_big.substr(60000), true));
  std::optional<Frame> close = raw.read_until_close();
  ASSERT_TRUE(close) << "no close frame";
  EXPECT_EQ(close->close_code(), 1009);
  expect_peer_left(b, "r", "left");
}

// --- rate budget ----------------------------------------------------------

class RateLimit : public ::testing::Test {
 protected:
  RateLimit()
      : pods_(limited([](Limits& l) {
          l.rate_per_second = 5;
          l.rate_burst = 10;
        })),
        room_(pods_) {}
  void SetUp() override {
    a_ = &room_.join("a");
    b_ = &room_.join("b");
    ASSERT_TRUE(a_->welcome && b_->welcome);
  }
  // a's over-budget message gets rate-limited (with its ref) then 4029, and
  // b sees a leave.
  void expect_rate_limited() {
    ASSERT_TRUE((*a_)->send_text(
        R"({"type":"sdp","id":"over","targetId":"b","sdp":{"type":"offer","sdp":"v"}})"));
    std::optional<Json> error = (*a_)->expect_error("rate-limited");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->member_json("ref"), "\"over\"");
    EXPECT_TRUE((*a_)->expect_close(4029));
    expect_peer_left(*b_, "a", "left");
  }
  PodSet pods_;
  Room room_;
  Member* a_ = nullptr;
  Member* b_ = nullptr;
};

TEST_F(RateLimit, ABurstIsAcceptedAndTheMessageBeyondItGetsRateLimitedThen4029) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->send_text(ice_message("b")));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*b_)->expect_message_of_type("ice")) << i;
  expect_rate_limited();
}

TEST_F(RateLimit, EveryConnectionHasABudgetOfItsOwn) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->send_text(ice_message("b")));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*b_)->expect_message_of_type("ice")) << i;
  // a's budget is spent; b's is whole.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*b_)->send_text(ice_message("a")));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->expect_message_of_type("ice")) << i;
  expect_rate_limited();
}

TEST_F(RateLimit, RefusedMessagesTakeTokensToo) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->send_text("not json"));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->expect_error("invalid-json")) << i;
  expect_rate_limited();
}

TEST_F(RateLimit, BinaryFramesTakeTokensToo) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->send_binary("x"));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->expect_error("binary-unsupported")) << i;
  expect_rate_limited();
}

TEST_F(RateLimit, PingsAndPongsTakeNoTokens) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE((*a_)->ping("p"));
    ASSERT_TRUE((*a_)->pong("q"));
  }
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*a_)->send_text(ice_message("b")));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*b_)->expect_message_of_type("ice")) << i;
  expect_rate_limited();
}

TEST(RateRefill, TheBudgetRefillsAtItsRateUpToTheBurst) {
  PodSet pods(limited([](Limits& l) {
    l.rate_per_second = 20;
    l.rate_burst = 5;
  }));
  Room room(pods);
  Member& a = room.join("a");
  Member& b = room.join("b");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a->send_text(ice_message("b")));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b->expect_message_of_type("ice"));
  // 400 ms at 20/s refill 8 tokens, capped at the burst of 5. (This wait is
  // the point of the test: time must pass.)
  EXPECT_FALSE(b->next_message(Ms(400)));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a->send_text(ice_message("b")));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b->expect_message_of_type("ice")) << i;
  ASSERT_TRUE(a->send_text(ice_message("b")));
  EXPECT_TRUE(a->expect_error("rate-limited"));
  EXPECT_TRUE(a->expect_close(4029));
}

TEST(RateDefault, TheDefaultBurstOf200IsAcceptedAndSustainedFloodingIsCut) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(a->send_text(ice_message("b")));
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(b->expect_message_of_type("ice")) << i;
  EXPECT_FALSE(a->next_message(Ms(0))) << "no error within the burst";
  // Sending 60 more takes far less than a second (50 tokens/s).
  for (int i = 0; i < 60 && a->send_text(ice_message("b")); ++i) {
  }
  EXPECT_TRUE(a->expect_error("rate-limited"));
  EXPECT_TRUE(a->expect_close(4029));
  // b got at most the few tokens refilled while sending, then a left.
  int relayed = 0;
  for (;;) {
    std::optional<std::string> next = b->next_message();
    ASSERT_TRUE(next) << "b never saw a leave";
    std::optional<Json> json = Json::parse(*next);
    ASSERT_TRUE(json);
    if (json->type() == "peer-left") {
      EXPECT_EQ(json->str("peerId"), "a");
      EXPECT_EQ(json->str("reason"), "left");
      break;
    }
    ASSERT_EQ(json->type(), "ice") << *next;
    ++relayed;
  }
  // Beyond the burst, only what the bucket refilled (50/s) while this ran.
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LE(relayed, 1 + static_cast<int>(50 * elapsed_s)) << "in " << elapsed_s << " s";
}

// --- refused messages in a row -------------------------------------------

TEST(RefusedInARow, TheTwentiethRefusedMessageGetsItsErrorThenClose1008) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  for (int i = 0; i < 19; ++i) ASSERT_TRUE(a->send_text(i % 2 ? "{" : R"({"type":"nope"})"));
  ASSERT_TRUE(a->send_text(R"({"type":"chat","id":"twentieth"})"));
  for (int i = 0; i < 19; ++i) ASSERT_TRUE(a->expect_message_of_type("error")) << i;
  std::optional<Json> last = a->expect_error("unknown-type");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->str("ref"), "twentieth");
  EXPECT_TRUE(a->expect_close(1008));
  expect_peer_left(b, "a", "left");
}

TEST(RefusedInARow, AnAcceptedMessageResetsTheCount) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  const std::string ok = ice_message("b");
  for (int i = 0; i < 19; ++i) ASSERT_TRUE(a->send_text("nope"));
  ASSERT_TRUE(a->send_text(ok));
  for (int i = 0; i < 19; ++i) ASSERT_TRUE(a->send_text("nope"));
  ASSERT_TRUE(a->send_text(ok));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(a->send_text("nope"));
  for (int i = 0; i < 58; ++i) ASSERT_TRUE(a->expect_error("invalid-json")) << i;
  EXPECT_TRUE(a->expect_close(1008));
  EXPECT_TRUE(b->expect_message_of_type("ice"));
  EXPECT_TRUE(b->expect_message_of_type("ice"));
  expect_peer_left(b, "a", "left");
}

TEST(RefusedInARow, EveryKindOfRefusalCountsBinaryFramesIncluded) {
  Room room;
  Member& host = room.join("host");
  Member& a = room.join("a");
  const std::vector<std::string> codes = {"binary-unsupported", "unknown-target", "not-host",
                                          "sender-mismatch", "invalid-message"};
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(a->send_binary("b"));
    ASSERT_TRUE(a->send_text(sdp_message("ghost")));
    ASSERT_TRUE(a->send_text(kick_message("host")));
    ASSERT_TRUE(a->send_text(sdp_message("host", "offer", "v", "someone")));
    ASSERT_TRUE(a->send_text(R"({"type":"sdp"})"));
  }
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(a->expect_error(codes[i % codes.size()])) << i;
  EXPECT_TRUE(a->expect_close(1008));
  expect_peer_left(host, "a", "left");
}

TEST(RefusedInARow, BackendUnavailableNeitherCountsNorResets) {
  // Two pods on one hub; a's pod loses its backend, so messages from a to b
  // (on the other pod) get backend-unavailable.
  auto hub = std::make_shared<backends::local::LocalHub>();
  auto fanout =
      std::make_unique<SwitchableFanout>(std::make_unique<backends::local::LocalFanout>(hub));
  SwitchableFanout* backend = fanout.get();
  InProcessPod pod0(test_config(), std::move(fanout));
  InProcessPod pod1(test_config(), std::make_unique<backends::local::LocalFanout>(hub));
  const std::string room = random_id();
  WsClient a;
  WsClient b;
  ASSERT_TRUE(a.connect(pod0.url() + "/signal/" + room + "?peerId=a").open);
  ASSERT_TRUE(a.expect_message_of_type("welcome"));
  ASSERT_TRUE(b.connect(pod1.url() + "/signal/" + room + "?peerId=b").open);
  ASSERT_TRUE(b.expect_message_of_type("welcome"));
  ASSERT_TRUE(a.expect_message_of_type("peer-joined"));
  pod0.run_on_loop([backend] { backend->set_up(false); });

  for (int i = 0; i < 19; ++i) ASSERT_TRUE(a.send_text("nope"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.send_text(sdp_message("b")));
  ASSERT_TRUE(a.send_text("nope"));
  for (int i = 0; i < 19; ++i) ASSERT_TRUE(a.expect_error("invalid-json")) << i;
  // Counted, these would have closed a at the first; resetting, never.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.expect_error("backend-unavailable")) << i;
  EXPECT_TRUE(a.expect_error("invalid-json"));
  EXPECT_TRUE(a.expect_close(1008));
}

}  // namespace
}  // namespace signalmesh::test
