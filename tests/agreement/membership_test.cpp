// Joins, leaves and relays across pods: every member of every pod hears of
// every join and leave, once, with its reason (protocol.md §1, §3).
#include <gtest/gtest.h>

#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

TEST(Membership, AJoinOnOnePodIsAnnouncedToTheMembersOfEveryPod) {
  Cluster cluster(3);
  cluster.start_all();

  // a1 creates the room on pod A: its first member is its host.
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.settle();
  EXPECT_EQ(a1.take(), (Events{"welcome host=a1 peers="}));

  // b1 joins on pod B: its welcome lists a1, and a1 hears of b1.
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  EXPECT_EQ(b1.take(), (Events{"welcome host=a1 peers=a1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined b1"}));

  // c1 joins on pod C: both others hear of it, once.
  cluster.advance(10ms);
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined c1"}));
  EXPECT_EQ(b1.take(), (Events{"peer-joined c1"}));

  // Every pod sees the same room.
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c1 host=a1 | pod-b: a1,b1,c1 host=a1 | pod-c: a1,b1,c1 host=a1");
}

TEST(Membership, ALeaveOnOnePodIsAnnouncedOnEveryPodWithItsReason) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.advance(10ms);
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.advance(10ms);
  auto& c2 = cluster.c().connect("c2", "r");
  cluster.settle();
  for (auto* p : {&a1, &b1, &c1, &c2}) p->take();

  // b1 closes its connection: every other member sees peer-left "left".
  cluster.b().disconnect(b1);
  cluster.settle();
  EXPECT_EQ(a1.take(), (Events{"peer-left b1 left"}));
  EXPECT_EQ(c1.take(), (Events{"peer-left b1 left"}));
  EXPECT_EQ(c2.take(), (Events{"peer-left b1 left"}));
  // Pod B had no other member there: it stops following the room.
  EXPECT_FALSE(cluster.b().follows("r"));
  EXPECT_EQ(cluster.b().fanout().subscribed("room:r"), false);

  // c2 stops answering pings: reason "timeout", on its own pod too.
  cluster.c().disconnect(c2, "timeout");
  cluster.settle();
  EXPECT_EQ(a1.take(), (Events{"peer-left c2 timeout"}));
  EXPECT_EQ(c1.take(), (Events{"peer-left c2 timeout"}));
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1 host=a1 | pod-b: - | pod-c: a1,c1 host=a1");
}

TEST(Membership, PeerJoinedArrivesBeforeAnyMessageFromTheNewMember) {
  Cluster cluster(2);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.settle();
  a1.take();

  // B's envelopes to A are held after B's sync request went through: b1 is
  // admitted (A's member list reached B) and at once sends an offer to a1
  // and an ice broadcast.
  cluster.bus().hold({1, 0});
  auto& b1 = cluster.b().connect("b1", "r");
  ASSERT_EQ(cluster.bus().queued({1, 0}).size(), 1u);
  EXPECT_EQ(cluster.bus().queued({1, 0}).front().payload, "SM1 Q pod-b r\n");
  cluster.bus().deliver_next({1, 0});
  cluster.settle();
  ASSERT_TRUE(b1.welcomed());
  EXPECT_TRUE(cluster.b().relay(b1, "a1", cluster::RelayKind::kSdp));
  EXPECT_TRUE(cluster.b().relay(b1, "*", cluster::RelayKind::kIce));
  cluster.settle();
  EXPECT_EQ(a1.take(), Events{});

  // Released: the join comes first, then the messages in the order sent.
  cluster.bus().release({1, 0});
  cluster.settle();
  EXPECT_EQ(a1.take(), (Events{"peer-joined b1", "sdp from b1", "ice from b1"}));
  // No echo: b1 never gets its own broadcast.
  EXPECT_EQ(b1.take(), (Events{"welcome host=a1 peers=a1"}));
}

TEST(Membership, ARelayToAMemberOfAnotherPodReachesOnlyThatMember) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(1ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.advance(1ms);
  auto& b2 = cluster.b().connect("b2", "r");
  cluster.advance(1ms);
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  for (auto* p : {&a1, &b1, &b2, &c1}) p->take();

  EXPECT_TRUE(cluster.a().relay(a1, "b2", cluster::RelayKind::kSdp));
  EXPECT_TRUE(cluster.c().relay(c1, "*", cluster::RelayKind::kIce));
  cluster.settle();
  EXPECT_EQ(a1.take(), (Events{"ice from c1"}));
  EXPECT_EQ(b1.take(), (Events{"ice from c1"}));
  EXPECT_EQ(b2.take(), (Events{"sdp from a1", "ice from c1"}));
  EXPECT_EQ(c1.take(), Events{});
}

}  // namespace
}  // namespace signalmesh::agreement_test
