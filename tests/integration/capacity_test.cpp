// protocol.md §4–5: room size, connection cap, slow consumers and liveness.
// Tests that change a limit run their own pod with small values so they
// finish fast.
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
