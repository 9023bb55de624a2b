// What a pod does with envelopes it cannot or must not apply
// (docs/cluster.md, "Envelope format"): another version or a malformed one is
// ignored and counted, its own echoes are dropped, kinds on the wrong channel
// and rooms it does not follow change nothing.
#include <gtest/gtest.h>

#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

struct TwoMembers {
  Cluster cluster{2};
  FakeParticipant* a1 = nullptr;
  FakeParticipant* b1 = nullptr;

  TwoMembers() {
    cluster.start_all();
    a1 = &cluster.a().connect("a1", "r");
    cluster.advance(10ms);
    b1 = &cluster.b().connect("b1", "r");
    cluster.settle();
    a1->take();
    b1->take();
  }
  // Pod B's endpoint publishes raw bytes; pod A receives them.
  void b_says(const std::string& channel, const std::string& payload) {
    ASSERT_TRUE(cluster.b().fanout().publish(channel, payload));
    cluster.settle();
  }
};

TEST(EnvelopeHandling, AnotherVersionOrAMalformedEnvelopeIsIgnoredAndCounted) {
  TwoMembers room;
  const auto ignored = room.cluster.a().metrics().envelopes_ignored;
  room.b_says("room:r", "SM2 L pod-b b1 left\n");
  room.b_says("room:r", "SM1 L pod-b b1\n");
  room.b_says("cluster", "SM1 B pod-b notanumber 0\n");
  room.b_says("room:r", "");
  EXPECT_EQ(room.cluster.a().metrics().envelopes_ignored, ignored + 4);
  EXPECT_EQ(room.a1->take(), Events{});
  EXPECT_EQ(room.cluster.views("r"), "pod-a: a1,b1 host=a1 | pod-b: a1,b1 host=a1");
}

TEST(EnvelopeHandling, APodDropsEnvelopesThatNameItselfAsOrigin) {
  TwoMembers room;
  // Every backend echoes a pod's publishes back to it: a1's own leave, as if
  // echoed, must not remove a1 on A (nor B's member b1, with A as origin).
  room.b_says("room:r", "SM1 L pod-a a1 left\n");
  room.b_says("room:r", "SM1 J pod-a b1 1 1\n");
  EXPECT_EQ(room.a1->take(), Events{});
  EXPECT_EQ(room.cluster.a().view("r"), "a1,b1 host=a1");
  // B, for which pod-a is another pod, took the leave as A's word (and the
  // older join of its own b1 changed nothing).
  EXPECT_EQ(room.cluster.b().view("r"), "b1 host=b1");
  EXPECT_EQ(room.b1->take(), (Events{"peer-left a1 left", "host-change b1 from a1"}));
}

TEST(EnvelopeHandling, KindsOnTheWrongChannelAndUnfollowedRoomsChangeNothing) {
  TwoMembers room;
  // A leave on the cluster channel; a heartbeat and a sync request on a
  // room's channel; a leave for a room pod A does not follow.
  room.b_says("cluster", "SM1 L pod-b b1 left\n");
  room.b_says("room:r", "SM1 B pod-b 1 1\n");
  room.b_says("room:r", "SM1 Q pod-b r\n");
  room.cluster.a().fanout().subscribe("room:s");  // as if it still listened
  room.b_says("room:s", "SM1 J pod-b zed 1 1\n");
  EXPECT_EQ(room.a1->take(), Events{});
  EXPECT_EQ(room.cluster.a().view("r"), "a1,b1 host=a1");
  EXPECT_FALSE(room.cluster.a().follows("s"));
  // Only B's real departure removes b1.
  room.cluster.b().disconnect(*room.b1);
  room.cluster.settle();
  EXPECT_EQ(room.a1->take(), (Events{"peer-left b1 left"}));
}

TEST(EnvelopeHandling, ALeaveFromAPodThatDoesNotOwnTheMemberIsIgnored) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  a1.take();
  // Pod C claims b1 left: only B is b1's authority.
  ASSERT_TRUE(cluster.c().fanout().publish("room:r", "SM1 L pod-c b1 left\n"));
  cluster.settle();
  EXPECT_EQ(a1.take(), Events{});
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,b1 host=a1 | pod-b: a1,b1 host=a1 | pod-c: -");
  EXPECT_EQ(b1.take(), (Events{"welcome host=a1 peers=a1"}));
}

}  // namespace
}  // namespace signalmesh::agreement_test
