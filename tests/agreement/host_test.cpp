// The host across pods: explicit hand-offs and succession by join order,
// computed by every pod from the same state (protocol.md §3; docs/cluster.md
// "Host").
#include <gtest/gtest.h>

#include "agreement/known_bug.hpp"
#include "agreement/sim_cluster.hpp"
#include "agreement/three_pod_room.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

TEST(Host, AnExplicitHandOffIsSeenOnEveryPodWithItsSender) {
  ThreePodRoom room;
  auto& cluster = room.cluster;

  // a1 (host: first joined) hands the role to c1, a member of pod C.
  cluster.a().hand_off(*room.a1, "c1");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    EXPECT_EQ(p->take(), (Events{"host-change c1 from a1 by a1"})) << p->peer_id;
  }
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c1 host=c1 | pod-b: a1,b1,c1 host=c1 | pod-c: a1,b1,c1 host=c1");

  // The new host (on another pod) hands it on, to b1.
  cluster.c().hand_off(*room.c1, "b1");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    EXPECT_EQ(p->take(), (Events{"host-change b1 from c1 by c1"})) << p->peer_id;
  }
  EXPECT_EQ(cluster.b().host("r"), "b1");
  EXPECT_EQ(cluster.c().host("r"), "b1");
}

TEST(Host, WhenTheHostLeavesTheEarliestJoinedMemberBecomesHostOnEveryPod) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  cluster.advance(10ms);
  auto& a2 = cluster.a().connect("a2", "r");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1, &a2}) p->take();

  // a1, the host, leaves: b1 joined next. peer-left comes first, then
  // host-change without senderId, on every pod.
  cluster.a().disconnect(*room.a1);
  cluster.settle();
  for (auto* p : {room.b1, room.c1, &a2}) {
    EXPECT_EQ(p->take(), (Events{"peer-left a1 left", "host-change b1 from a1"})) << p->peer_id;
  }
  // Then b1 leaves (reason timeout): c1 is next.
  cluster.b().disconnect(*room.b1, "timeout");
  cluster.settle();
  for (auto* p : {room.c1, &a2}) {
    EXPECT_EQ(p->take(), (Events{"peer-left b1 timeout", "host-change c1 from b1"})) << p->peer_id;
  }
  EXPECT_EQ(cluster.views("r"), "pod-a: c1,a2 host=c1 | pod-b: - | pod-c: c1,a2 host=c1");
}

TEST(Host, WhenAnExplicitHostLeavesTheEarliestJoinedTakesOverNotThePreviousHost) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  cluster.a().hand_off(*room.a1, "b1");
  cluster.settle();
  cluster.b().hand_off(*room.b1, "c1");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) p->take();

  cluster.c().disconnect(*room.c1);
  cluster.settle();
  // a1 joined first: it is host again, not b1 who handed the role to c1.
  for (auto* p : {room.a1, room.b1}) {
    EXPECT_EQ(p->take(), (Events{"peer-left c1 left", "host-change a1 from c1"})) << p->peer_id;
  }
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,b1 host=a1 | pod-b: a1,b1 host=a1 | pod-c: -");
}

TEST(Host, AMemberThatLeavesAndReturnsDoesNotRegainItsExplicitRole) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  cluster.a().hand_off(*room.a1, "c1");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) p->take();

  cluster.c().disconnect(*room.c1);
  cluster.settle();
  cluster.advance(10ms);
  auto& c1_again = cluster.c().connect("c1", "r");
  cluster.settle();
  EXPECT_EQ(c1_again.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  for (auto* p : {room.a1, room.b1}) {
    EXPECT_EQ(p->take(), (Events{"peer-left c1 left", "host-change a1 from c1", "peer-joined c1"}))
        << p->peer_id;
  }
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c1 host=a1 | pod-b: a1,b1,c1 host=a1 | pod-c: a1,b1,c1 host=a1");
}

TEST(Host, ATieInJoinOrderIsBrokenByTheSmallerPeerIdOnEveryPod) {
  Cluster cluster(2);
  cluster.start_all();
  auto& a0 = cluster.a().connect("a0", "r");
  cluster.advance(10ms);
  auto& b0 = cluster.b().connect("b0", "r");
  cluster.settle();
  // At the same microsecond, "zed" joins on A and "amy" on B: the same
  // join order on both pods.
  cluster.advance(10ms);
  auto& zed = cluster.a().connect("zed", "r");
  auto& amy = cluster.b().connect("amy", "r");
  cluster.settle();
  EXPECT_EQ(cluster.views("r"), "pod-a: a0,b0,amy,zed host=a0 | pod-b: a0,b0,amy,zed host=a0");
  for (auto* p : {&a0, &b0, &zed, &amy}) p->take();

  cluster.a().disconnect(a0);
  cluster.settle();
  cluster.b().disconnect(b0);
  cluster.settle();
  for (auto* p : {&zed, &amy}) {
    EXPECT_EQ(p->take(), (Events{"peer-left a0 left", "host-change b0 from a0", "peer-left b0 left",
                                 "host-change amy from b0"}))
        << p->peer_id;
  }
  EXPECT_EQ(cluster.views("r"), "pod-a: amy,zed host=amy | pod-b: amy,zed host=amy");
}

// docs/cluster.md, Known limits: "a hand-off racing with the new host
// leaving resolves to the earliest-joined member everywhere".
TEST(Host, AHandOffRacingWithTheNewHostLeavingResolvesToTheEarliestJoinedEverywhere) {
  for (bool hand_off_first_at_c : {true, false}) {
    SCOPED_TRACE(hand_off_first_at_c ? "C hears the hand-off first" : "C hears the leave first");
    ThreePodRoom room;
    auto& cluster = room.cluster;
    // Nothing crosses between pods for now.
    for (std::size_t pod = 0; pod < 3; ++pod) cluster.bus().hold_to(pod);

    // a1 hands the role to b1 while b1, on pod B, leaves.
    cluster.a().hand_off(*room.a1, "b1");
    cluster.b().disconnect(*room.b1);
    cluster.settle();
    EXPECT_EQ(room.a1->take(), (Events{"host-change b1 from a1 by a1"}));

    // Everything is delivered, to C in either order.
    room.flush(hand_off_first_at_c ? 0 : 1, 2);
    for (std::size_t pod = 0; pod < 3; ++pod) cluster.bus().release_to(pod);
    cluster.settle();

    EXPECT_EQ(room.a1->take(), (Events{"peer-left b1 left", "host-change a1 from b1"}));
    if (hand_off_first_at_c) {
      EXPECT_EQ(room.c1->take(), (Events{"host-change b1 from a1 by a1", "peer-left b1 left",
                                         "host-change a1 from b1"}));
    } else {
      EXPECT_EQ(room.c1->take(), (Events{"peer-left b1 left"}));
    }
    EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1 host=a1 | pod-b: - | pod-c: a1,c1 host=a1");
  }
}

TEST(Host, AHandOffRacingWithTheNewHostLeavingAfterAnEarlierHandOffStillEndsOnTheEarliest) {
  SKIP_KNOWN_BUG(
      "a pod that hears the new host's leave before the hand-off to it drops the hand-off and "
      "keeps the previous explicit host, while a pod that applied the hand-off first falls back "
      "to the earliest-joined member: the pods end with different hosts (docs/cluster.md, Known "
      "limits, promises the earliest-joined everywhere)");
  ThreePodRoom room;
  auto& cluster = room.cluster;
  // An explicit host first: c1 (a1 joined first, so it is the earliest).
  cluster.a().hand_off(*room.a1, "c1");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) p->take();

  // c1 hands the role to b1 while b1 leaves; A hears the leave first.
  for (std::size_t pod = 0; pod < 3; ++pod) cluster.bus().hold_to(pod);
  cluster.c().hand_off(*room.c1, "b1");
  cluster.b().disconnect(*room.b1);
  cluster.settle();
  room.flush(1, 0);
  room.flush(2, 0);
  for (std::size_t pod = 0; pod < 3; ++pod) cluster.bus().release_to(pod);
  cluster.settle();

  EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1 host=a1 | pod-b: - | pod-c: a1,c1 host=a1");
  EXPECT_EQ(room.a1->client_view(), "a1,c1 host=a1");
  EXPECT_EQ(room.c1->client_view(), "a1,c1 host=a1");
}

TEST(Host, AHandOffToAMemberWhoseJoinAPodHasNotHeardYetIsAppliedThere) {
  SKIP_KNOWN_BUG(
      "apply(HostChange) drops a hand-off to a member the pod does not know yet; when that "
      "member's join arrives (from another pod, so no FIFO between them) the pod keeps the old "
      "host for good while the others have the new one");
  ThreePodRoom room;
  auto& cluster = room.cluster;
  cluster.advance(10ms);
  // c2 joins on C (which follows the room: admitted at once). C's join is
  // held on its way to B (C -> B is slow; A -> B is not).
  cluster.bus().hold({2, 1});
  auto& c2 = cluster.c().connect("c2", "r");
  cluster.settle();
  ASSERT_TRUE(c2.welcomed());
  EXPECT_EQ(room.a1->take(), (Events{"peer-joined c2"}));

  // a1 hears of c2 and hands it the role at once.
  cluster.a().hand_off(*room.a1, "c2");
  cluster.settle();
  EXPECT_EQ(room.a1->take(), (Events{"host-change c2 from a1 by a1"}));

  // C's join of c2 reaches B after A's hand-off.
  cluster.bus().release({2, 1});
  cluster.settle();
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c1,c2 host=c2 | pod-b: a1,b1,c1,c2 host=c2 | pod-c: a1,b1,c1,c2 host=c2");
  const auto seen_by_b1 = room.b1->take();
  EXPECT_EQ(seen_by_b1.back(), "host-change c2 from a1 by a1");
}

}  // namespace
}  // namespace signalmesh::agreement_test
