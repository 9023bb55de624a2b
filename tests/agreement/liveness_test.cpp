// Pod liveness: a silent pod is dead after pod-lost and its members leave
// with reason pod-lost; a pod restarted under the same id loses its old
// members at once; a partitioned pod comes back through a resync
// (protocol.md §8; docs/cluster.md "Liveness", "Known limits").
#include <gtest/gtest.h>

#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

// b1 on pod B first (the host), then a1 on A, c1 on C, b2 on B.
struct RoomHostedOnB {
  Cluster cluster{3};
  FakeParticipant* b1 = nullptr;
  FakeParticipant* a1 = nullptr;
  FakeParticipant* c1 = nullptr;
  FakeParticipant* b2 = nullptr;

  RoomHostedOnB() {
    cluster.start_all();
    b1 = &cluster.b().connect("b1", "r");
    cluster.advance(10ms);
    a1 = &cluster.a().connect("a1", "r");
    cluster.advance(10ms);
    c1 = &cluster.c().connect("c1", "r");
    cluster.advance(10ms);
    b2 = &cluster.b().connect("b2", "r");
    cluster.settle();
    for (auto* p : {b1, a1, c1, b2}) p->take();
  }
};

TEST(Liveness, ASilentPodsMembersLeaveWithPodLostAndTheHostMovesOnEveryOtherPod) {
  RoomHostedOnB room;
  auto& cluster = room.cluster;
  cluster.advance(1000ms);

  // Pod B dies: nothing more from it.
  cluster.b().crash();
  // Two heartbeat intervals of silence are not death (pod-lost is 3 s).
  cluster.advance(2000ms);
  EXPECT_EQ(room.a1->take(), Events{});
  EXPECT_EQ(room.c1->take(), Events{});
  EXPECT_EQ(cluster.a().agreement().live_pod_count(), 2u);

  // By pod-lost plus one heartbeat interval, both are gone, in join order,
  // and the host moved to the earliest remaining member (a1).
  cluster.advance(2000ms);
  const Events expected{"peer-left b1 pod-lost", "host-change a1 from b1", "peer-left b2 pod-lost"};
  EXPECT_EQ(room.a1->take(), expected);
  EXPECT_EQ(room.c1->take(), expected);
  EXPECT_EQ(cluster.a().agreement().live_pod_count(), 1u);
  EXPECT_EQ(cluster.c().agreement().live_pod_count(), 1u);
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1 host=a1 | pod-c: a1,c1 host=a1");
}

TEST(Liveness, APodIsDeclaredLostNoSoonerThanPodLostAfterItsLastHeartbeat) {
  RoomHostedOnB room;
  auto& cluster = room.cluster;
  // Right after B's heartbeat goes out, B is cut off (its backend thinks it
  // is up: its publishes just vanish).
  cluster.advance(1000ms);
  cluster.bus().cut(1);
  cluster.advance(3000ms);
  EXPECT_EQ(room.a1->take(), Events{});
  cluster.advance(1000ms);
  EXPECT_EQ(room.a1->take(),
            (Events{"peer-left b1 pod-lost", "host-change a1 from b1", "peer-left b2 pod-lost"}));
}

TEST(Liveness, APartitionedPodLosesTheOthersToAndTheResyncAfterItsReturnBringsEveryoneBack) {
  RoomHostedOnB room;
  auto& cluster = room.cluster;

  // B is cut off: on both sides of the cut, the other side's members leave
  // with pod-lost.
  cluster.bus().cut(1);
  cluster.advance(5000ms);
  EXPECT_EQ(room.a1->take(),
            (Events{"peer-left b1 pod-lost", "host-change a1 from b1", "peer-left b2 pod-lost"}));
  EXPECT_EQ(room.b1->take(), (Events{"peer-left a1 pod-lost", "peer-left c1 pod-lost"}));
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,c1 host=a1 | pod-b: b1,b2 host=b1 | pod-c: a1,c1 host=a1");

  // The link comes back; the backend tells B (a reconnect, or the mesh's
  // gap detection: down, then up). B republishes its members and asks for
  // the others'.
  cluster.bus().heal(1);
  cluster.bus().set_up(1, false);
  cluster.bus().set_up(1, true);
  cluster.advance(500ms);
  EXPECT_EQ(room.a1->take(),
            (Events{"peer-joined b1", "host-change b1 from a1", "peer-joined b2"}));
  EXPECT_EQ(room.c1->take(),
            (Events{"peer-left b1 pod-lost", "host-change a1 from b1", "peer-left b2 pod-lost",
                    "peer-joined b1", "host-change b1 from a1", "peer-joined b2"}));
  EXPECT_EQ(room.b1->take(), (Events{"peer-joined a1", "peer-joined c1"}));
  EXPECT_EQ(cluster.views("r"),
            "pod-a: b1,a1,c1,b2 host=b1 | pod-b: b1,a1,c1,b2 host=b1 | pod-c: b1,a1,c1,b2 host=b1");
  EXPECT_TRUE(cluster.b().agreement().is_caught_up());
  EXPECT_EQ(cluster.a().agreement().live_pod_count(), 2u);
  EXPECT_EQ(cluster.b().agreement().live_pod_count(), 2u);
}

TEST(Liveness, APodRestartedUnderTheSameIdLosesItsOldMembersAtOnce) {
  RoomHostedOnB room;
  auto& cluster = room.cluster;
  cluster.advance(500ms);

  // B crashes and a new process starts under the same pod id 200 ms later:
  // well before pod-lost, but its first heartbeat carries a new incarnation.
  cluster.b().crash();
  cluster.advance(200ms);
  cluster.b().start();
  cluster.settle();
  const Events gone{"peer-left b1 pod-lost", "host-change a1 from b1", "peer-left b2 pod-lost"};
  EXPECT_EQ(room.a1->take(), gone);
  EXPECT_EQ(room.c1->take(), gone);
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1 host=a1 | pod-b: - | pod-c: a1,c1 host=a1");
  EXPECT_EQ(cluster.a().agreement().live_pod_count(), 2u);

  // b1 reconnects to the new process: a plain new member (no explicit role,
  // a new place in the join order).
  cluster.advance(300ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  EXPECT_EQ(b1.take(), (Events{"welcome host=a1 peers=a1,c1"}));
  EXPECT_EQ(room.a1->take(), (Events{"peer-joined b1"}));
  EXPECT_EQ(room.c1->take(), (Events{"peer-joined b1"}));
  // Nothing is removed later for the old incarnation's silence.
  cluster.advance(5000ms);
  EXPECT_EQ(room.a1->take(), Events{});
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,c1,b1 host=a1 | pod-b: a1,c1,b1 host=a1 | pod-c: a1,c1,b1 host=a1");
}

TEST(Liveness, ASyncWaitingForAPodThatDiesEndsWhenThePodIsLost) {
  Cluster cluster(3, [] {
    cluster::AgreementSettings s;
    s.sync_timeout = std::chrono::milliseconds(10000);  // longer than pod-lost
    return s;
  }());
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.settle();
  // B dies just before C asks for the room's members.
  cluster.advance(1000ms);
  cluster.b().crash();
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.advance(2000ms);
  EXPECT_FALSE(c1.welcomed());
  // Once B is declared lost, nobody is left to wait for.
  cluster.advance(2000ms);
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1"}));
  EXPECT_EQ(a1.take(), (Events{"welcome host=a1 peers=", "peer-joined c1"}));
}

}  // namespace
}  // namespace signalmesh::agreement_test
