// The envelope codec, round trips (docs/cluster.md, "Envelope format"):
// every kind encodes and decodes back to the same fields, bodies byte for
// byte, and one Envelope is reused across kinds without leftovers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster/envelope.hpp"

namespace signalmesh::cluster {
namespace {

Envelope decoded(std::string_view payload) {
  Envelope out;
  EXPECT_EQ(decode(payload, out), DecodeResult::kOk) << payload;
  return out;
}

// --- round trips

TEST(EnvelopeRoundTrip, AJoinComesBackWithItsFields) {
  const std::string wire = encode("pod-a", Join{"peer_1-X", 18446744073709551615ull, 42});
  const Envelope e = decoded(wire);
  EXPECT_EQ(e.origin, "pod-a");
  const auto& j = std::get<Join>(e.body);
  EXPECT_EQ(j.peer, "peer_1-X");
  EXPECT_EQ(j.join_order, 18446744073709551615ull);
  EXPECT_EQ(j.epoch, 42u);
}

TEST(EnvelopeRoundTrip, ALeaveComesBackWithItsFields) {
  const std::string wire = encode("p", Leave{"x", "pod-lost"});
  const auto l = std::get<Leave>(decoded(wire).body);
  EXPECT_EQ(l.peer, "x");
  EXPECT_EQ(l.reason, "pod-lost");
}

TEST(EnvelopeRoundTrip, ARelayComesBackWithItsBodyByteForByte) {
  // Newlines, spaces, NULs and a fake header inside the body are just bytes.
  static const char raw[] = "{\"sdp\":\"v=0\\r\\n a\"}\nSM1 J pod-z z 1 1\n\0\xff";
  const std::string body(raw, sizeof raw - 1);
  for (auto kind : {RelayKind::kSdp, RelayKind::kIce}) {
    for (std::string_view target : {std::string_view("b1"), Relay::kBroadcast}) {
      const std::string wire = encode("pod-a", Relay{"a1", target, kind, body});
      const Envelope e = decoded(wire);
      const auto r = std::get<Relay>(e.body);
      EXPECT_EQ(e.origin, "pod-a");
      EXPECT_EQ(r.from, "a1");
      EXPECT_EQ(r.target, target);
      EXPECT_EQ(r.kind, kind);
      EXPECT_EQ(r.body, body);
    }
  }
}

TEST(EnvelopeRoundTrip, ARelayWithAnEmptyBodyIsStillARelay) {
  const auto r = std::get<Relay>(decoded("SM1 R pod-a a1 * 4\n").body);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.target, "*");
}

TEST(EnvelopeRoundTrip, AHostChangeComesBackWithItsFields) {
  const std::string wire = encode("pod-b", HostChange{"a1", "b1"});
  const auto h = std::get<HostChange>(decoded(wire).body);
  EXPECT_EQ(h.from, "a1");
  EXPECT_EQ(h.new_host, "b1");
}

TEST(EnvelopeRoundTrip, AKickComesBackWithItsBodyByteForByte) {
  const std::string body = "{\"type\":\"kick\",\"reason\":\"two\\nlines and spaces\"}\n\n";
  const std::string wire = encode("pod-a", Kick{"a1", "b1", body});
  const auto k = std::get<Kick>(decoded(wire).body);
  EXPECT_EQ(k.from, "a1");
  EXPECT_EQ(k.target, "b1");
  EXPECT_EQ(k.body, body);
}

TEST(EnvelopeRoundTrip, ASyncRequestComesBackWithItsRoom) {
  const std::string wire = encode("pod-c", SyncRequest{"room_1-x"});
  EXPECT_EQ(std::get<SyncRequest>(decoded(wire).body).room_id, "room_1-x");
}

TEST(EnvelopeRoundTrip, ASyncComesBackWithEveryMemberInOrderAndNoHostForTheDash) {
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back("peer" + std::to_string(i));
  Sync sync{"", {}};
  for (int i = 0; i < 1000; ++i) {
    sync.members.push_back(
        {ids[i], static_cast<std::uint64_t>(i) * 3, static_cast<std::uint64_t>(i)});
  }
  const std::string wire = encode("pod-a", sync);
  const auto s = std::get<Sync>(decoded(wire).body);
  EXPECT_EQ(s.explicit_host, "");
  ASSERT_EQ(s.members.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(s.members[i].peer, ids[i]);
    EXPECT_EQ(s.members[i].join_order, static_cast<std::uint64_t>(i) * 3);
    EXPECT_EQ(s.members[i].epoch, static_cast<std::uint64_t>(i));
  }
  const std::string wire_with_host = encode("pod-a", Sync{"b1", {}});
  const auto with_host = std::get<Sync>(decoded(wire_with_host).body);
  EXPECT_EQ(with_host.explicit_host, "b1");
  EXPECT_TRUE(with_host.members.empty());
}

TEST(EnvelopeRoundTrip, AHeartbeatComesBackWithItsIncarnationAndHello) {
  for (bool hello : {false, true}) {
    const std::string wire = encode("pod-a", Heartbeat{18446744073709551615ull, hello});
    const auto b = std::get<Heartbeat>(decoded(wire).body);
    EXPECT_EQ(b.incarnation, 18446744073709551615ull);
    EXPECT_EQ(b.hello, hello);
  }
}

TEST(EnvelopeRoundTrip, OneEnvelopeIsReusedAcrossKindsWithoutLeftovers) {
  Envelope e;
  const std::string big = encode("pod-a", Sync{"a1", {{"a1", 1, 1}, {"a2", 2, 2}, {"a3", 3, 3}}});
  ASSERT_EQ(decode(big, e), DecodeResult::kOk);
  ASSERT_EQ(std::get<Sync>(e.body).members.size(), 3u);

  const std::string join = encode("pod-b", Join{"b1", 5, 6});
  ASSERT_EQ(decode(join, e), DecodeResult::kOk);
  EXPECT_EQ(e.origin, "pod-b");
  EXPECT_EQ(std::get<Join>(e.body).peer, "b1");

  const std::string small = encode("pod-c", Sync{"", {{"c1", 7, 8}}});
  ASSERT_EQ(decode(small, e), DecodeResult::kOk);
  const auto& s = std::get<Sync>(e.body);
  ASSERT_EQ(s.members.size(), 1u);
  EXPECT_EQ(s.members[0].peer, "c1");
  EXPECT_EQ(s.explicit_host, "");

  // Sync after sync: the list is replaced, not appended to.
  ASSERT_EQ(decode(big, e), DecodeResult::kOk);
  ASSERT_EQ(decode(small, e), DecodeResult::kOk);
  EXPECT_EQ(std::get<Sync>(e.body).members.size(), 1u);

  const std::string relay = encode("pod-a", Relay{"a1", "b1", RelayKind::kIce, "ice!"});
  ASSERT_EQ(decode(relay, e), DecodeResult::kOk);
  EXPECT_EQ(std::get<Relay>(e.body).body, "ice!");
  const std::string kick = encode("pod-a", Kick{"a1", "b1", "kick!"});
  ASSERT_EQ(decode(kick, e), DecodeResult::kOk);
  EXPECT_EQ(std::get<Kick>(e.body).body, "kick!");
  ASSERT_EQ(decode(relay, e), DecodeResult::kOk);
  EXPECT_EQ(std::get<Relay>(e.body).kind, RelayKind::kIce);
}

}  // namespace
}  // namespace signalmesh::cluster
