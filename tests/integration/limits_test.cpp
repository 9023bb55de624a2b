// protocol.md §4–5: message size, rate budget, refused messages in a row,
// room size, connection cap, slow consumers and liveness. Tests that change
// a limit run their own pod with small values so they finish fast.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "local/local_fanout.hpp"
#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using Clock = std::chrono::steady_clock;

// An sdp from `sender` to `target` (empty: broadcast) that is exactly
// `size` bytes long.
std::string sdp_of_size(std::size_t size, const std::string& sender, const std::string& target) {
  std::string head = R"({"type":"sdp","senderId":")" + sender + "\",";
  if (!target.empty()) head += R"("targetId":")" + target + "\",";
  head += R"("sdp":{"type":"offer","sdp":")";
  const std::string tail = R"("}})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

void expect_peer_left(Member& m, const std::string& peer, const std::string& reason) {
  std::optional<Json> left = m->expect_message_of_type("peer-left");
  ASSERT_TRUE(left) << m.id << " waiting for peer-left " << peer;
  EXPECT_EQ(left->str("peerId"), peer);
  EXPECT_EQ(left->str("reason"), reason);
}

Config limited(void (*set)(Limits&)) {
  Config config = test_config();
  set(config.limits);
  return config;
}

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

// --- room size ------------------------------------------------------------

TEST(RoomSize, AJoinBeyondTheMaximumGetsRoomFullThen4013) {
  PodSet pods(limited([](Limits& l) { l.max_room_members = 3; }));
  Room room(pods);
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& c = room.join("c");
  WsClient d;
  ASSERT_TRUE(d.connect(room.url("d")).open);
  std::optional<Json> error = d.expect_error("room-full");
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->has("ref"));
  EXPECT_TRUE(d.expect_close(4013));
  // The members saw nothing of d.
  const std::string probe = sdp_message("", "offer", "v=0 probe\r\n", "a");
  ASSERT_TRUE(a->send_text(probe));
  EXPECT_EQ(b->next_message(), probe);
  EXPECT_EQ(c->next_message(), probe);
  // A place frees up when a member leaves.
  ASSERT_TRUE(c->close());
  ASSERT_TRUE(c->expect_close(1000));
  expect_peer_left(a, "c", "left");
  expect_peer_left(b, "c", "left");
  Member& d2 = room.join("d");
  ASSERT_TRUE(d2.welcome);
  EXPECT_EQ(d2.welcome->strings("peers"), (std::vector<std::string>{"a", "b"}));
}

TEST(RoomSize, TheDefaultRoomHolds50MembersAndRefusesThe51st) {
  Room room;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(room.join("m" + std::to_string(i)).welcome) << i;
  WsClient extra;
  ASSERT_TRUE(extra.connect(room.url("m50")).open);
  EXPECT_TRUE(extra.expect_error("room-full"));
  EXPECT_TRUE(extra.expect_close(4013));
}

// --- connection cap -------------------------------------------------------

TEST(ConnectionCap, UpgradesBeyondMaxConnectionsGetHttp503) {
  PodSet pods(limited([](Limits& l) { l.max_connections = 2; }));
  Room room(pods);
  // The cap is per pod: everyone on the first one.
  const std::string base = pods.urls()[0];
  Member& a = room.join_on(base, "a");
  Member& b = room.join_on(base, "b");
  ASSERT_TRUE(a.welcome && b.welcome);
  WsClient c;
  ConnectResult refused = c.connect(room.url_on(base, "c"));
  EXPECT_FALSE(refused.open);
  EXPECT_EQ(refused.http_status, 503);
  // Once a connection is gone, there is room again (the server may take a
  // moment to account for the close: retry, each try a real handshake).
  ASSERT_TRUE(b->close());
  ASSERT_TRUE(b->expect_close(1000));
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    WsClient d;
    ConnectResult r = d.connect(room.url_on(base, "d"));
    admitted = r.open;
    if (!admitted) {
      EXPECT_EQ(r.http_status, 503);
    }
  }
  EXPECT_TRUE(admitted);
}

// --- slow consumers -------------------------------------------------------

TEST(SlowConsumer, AReaderThatFallsBehindIsClosedWith4008AndServerMemoryStaysBounded) {
  constexpr std::size_t kCap = 256 * 1024;
  PodSet pods(limited([](Limits& l) {
    l.rate_per_second = 1e6;
    l.rate_burst = 1e6;
    l.max_buffered_bytes = kCap;
  }));
  Room room(pods);
  // All on one pod: the probe below then also orders the flood to `slow`.
  const std::string base = pods.urls()[0];
  Member& flooder = room.join_on(base, "flooder");
  Member& observer = room.join_on(base, "observer");
  RawWsClient slow;
  RawWsClient::UpgradeOptions options;
  options.receive_buffer = 4096;  // the kernel holds little for it
  ASSERT_EQ(slow.upgrade(base, "/signal/" + room.id() + "?peerId=slow", options).status, 101);
  room.expect_all_see("peer-joined", "slow");

  // Flood `slow`, which never reads. After each batch a probe through the
  // server proves it handled the batch, so "not closed yet" is real.
  const std::string big = sdp_of_size(60000, "flooder", "slow");
  // Far above cap + kernel socket buffers (at most ~4 MiB on loopback): an
  // unbounded queue would let the whole flood pile up in the server.
  constexpr std::size_t kMaxBytes = 24u << 20;
  std::size_t sent = 0;
  bool left = false;
  while (!left && sent < kMaxBytes) {
    for (int i = 0; i < 16; ++i) {
      ASSERT_TRUE(flooder->send_text(big));
      sent += big.size();
    }
    ASSERT_TRUE(flooder->send_text(ice_message("observer", "", "flooder")));
    for (;;) {
      std::optional<std::string> text = observer->next_message();
      ASSERT_TRUE(text) << "the probe never came back after " << sent << " bytes";
      std::optional<Json> next = Json::parse(*text);
      ASSERT_TRUE(next);
      if (next->type() == "ice") break;  // the probe: the batch was handled
      ASSERT_EQ(next->type(), "peer-left") << *text;
      EXPECT_EQ(next->str("peerId"), "slow");
      EXPECT_EQ(next->str("reason"), "left");
      left = true;
    }
  }
  ASSERT_TRUE(left) << "slow reader still a member after " << (sent >> 20) << " MiB sent to it";

  // Reading now, it finds what was queued, then the close: 4008 and no error
  // before it (its output was full).
  std::size_t frames = 0;
  std::string last;
  std::optional<Frame> close = slow.read_until_close(kWait, &frames, &last);
  ASSERT_TRUE(close) << "no close frame after " << frames << " data frames";
  EXPECT_EQ(close->close_code(), 4008);
  std::optional<Json> last_json = Json::parse(last);
  ASSERT_TRUE(last_json);
  EXPECT_NE(last_json->type(), "error") << last.substr(0, 200);
  EXPECT_TRUE(flooder->is_open()) << "the flooder did nothing wrong";
}

// --- liveness -------------------------------------------------------------

TEST(Liveness, AMemberThatStopsAnsweringPingsLeavesWithReasonTimeout) {
  constexpr int kPingMs = 200;
  PodSet pods(limited([](Limits& l) { l.ping_interval_ms = kPingMs; }));
  Room room(pods);
  WsClient::Options deaf;
  deaf.auto_pong = false;
  const auto connecting = Clock::now();
  Member& a = room.join("a", deaf);
  Member& b = room.join("b");
  ASSERT_TRUE(a.welcome && b.welcome);
  expect_peer_left(b, "a", "timeout");
  const auto after = std::chrono::duration_cast<Ms>(Clock::now() - connecting).count();
  // Dropped after two silent intervals, not before.
  EXPECT_GE(after, 2 * kPingMs - 50);
  EXPECT_LE(after, 10 * kPingMs);
  // The host left: b, the earliest remaining, takes over.
  std::optional<Json> change = b->expect_message_of_type("host-change");
  ASSERT_TRUE(change);
  EXPECT_TRUE(change->same_value(R"({"type":"host-change","hostId":"b","previousHostId":"a"})"))
      << change->text();
  EXPECT_GE(a->pings_received(), 1u);
  EXPECT_TRUE(a->wait_closed());
}

TEST(Liveness, AMemberThatAnswersPingsStaysWithoutSendingAnything) {
  constexpr int kPingMs = 100;
  PodSet pods(limited([](Limits& l) { l.ping_interval_ms = kPingMs; }));
  Room room(pods);
  Member& a = room.join("a");
  // Ten intervals of silence from a's side, answered pings only.
  EXPECT_FALSE(a->wait_closed(Ms(10 * kPingMs)));
  EXPECT_GE(a->pings_received(), 5u);
  Member& b = room.join("b");
  ASSERT_TRUE(b.welcome);
  EXPECT_EQ(b.welcome->strings("peers"), std::vector<std::string>{"a"});
}

TEST(Liveness, AClientThatNeverFinishesItsUpgradeIsCut) {
  PodSet pods(limited([](Limits& l) { l.handshake_timeout_ms = 200; }));
  RawWsClient raw;
  ASSERT_TRUE(raw.connect(pods.urls()[0]));
  // A request head that never ends (no blank line).
  ASSERT_TRUE(raw.send_raw("GET /signal/room HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  const auto start = Clock::now();
  EXPECT_TRUE(raw.wait_eof(Ms(3000))) << "still connected after 3 s";
  EXPECT_GE(std::chrono::duration_cast<Ms>(Clock::now() - start).count(), 100);
}

}  // namespace
}  // namespace signalmesh::test
