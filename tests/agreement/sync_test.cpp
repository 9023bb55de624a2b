// A pod that starts following a room collects every live pod's member list
// before it admits anyone (docs/cluster.md "Following a room", "Discovery");
// a later sync repairs a view that lost an envelope.
#include <gtest/gtest.h>

#include "agreement/known_bug.hpp"
#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

bool is_kind(const Posted& p, char kind) {
  return p.payload.size() > 4 && p.payload.compare(0, 4, "SM1 ") == 0 && p.payload[4] == kind;
}

TEST(Sync, ALatePodsWelcomeListsEveryMemberOfTheOtherPodsOldestFirstWithTheHost) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.advance(10ms);
  auto& a2 = cluster.a().connect("a2", "r");
  cluster.advance(10ms);
  auto& b2 = cluster.b().connect("b2", "r");
  cluster.settle();
  // An explicit host: a late pod must learn it too, not compute a1.
  cluster.a().hand_off(a1, "b2");
  cluster.settle();
  for (auto* p : {&a1, &b1, &a2, &b2}) p->take();

  // Pod C follows the room for the first time.
  EXPECT_FALSE(cluster.c().follows("r"));
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  EXPECT_EQ(c1.take(), (Events{"welcome host=b2 peers=a1,b1,a2,b2"}));
  for (auto* p : {&a1, &b1, &a2, &b2}) EXPECT_EQ(p->take(), (Events{"peer-joined c1"}));
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,a2,b2,c1 host=b2 | pod-b: a1,b1,a2,b2,c1 host=b2 | "
            "pod-c: a1,b1,a2,b2,c1 host=b2");
}

TEST(Sync, AdmissionWaitsUntilEveryLivePodHasSentItsMemberList) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();

  // Pod B's envelopes to C are held: C's request reaches B, B's answer waits.
  cluster.bus().hold({1, 2});
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.advance(100ms);
  EXPECT_FALSE(c1.welcomed());
  EXPECT_TRUE(cluster.c().syncing("r"));
  // Nobody hears of c1 before it is admitted.
  EXPECT_EQ(a1.take(), (Events{"welcome host=a1 peers=", "peer-joined b1"}));
  EXPECT_EQ(b1.take(), (Events{"welcome host=a1 peers=a1"}));

  // B's list arrives: c1 is admitted with the whole room.
  cluster.bus().release({1, 2});
  cluster.settle();
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined c1"}));
  EXPECT_EQ(b1.take(), (Events{"peer-joined c1"}));
  EXPECT_FALSE(cluster.c().syncing("r"));
}

TEST(Sync, APodThatNeverAnswersDelaysAdmissionOnlyUntilTheSyncTimeout) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  a1.take();
  b1.take();

  // B's answer is held for longer than the sync timeout (1 s), shorter than
  // pod-lost (3 s): c1 is admitted at 1 s with what C knows.
  cluster.bus().hold({1, 2});
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.advance(999ms);
  EXPECT_FALSE(c1.welcomed());
  cluster.advance(1ms);
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined c1"}));
  EXPECT_EQ(b1.take(), (Events{"peer-joined c1"}));

  // B's late list still counts: c1 hears of b1.
  cluster.bus().release({1, 2});
  cluster.settle();
  EXPECT_EQ(c1.take(), (Events{"peer-joined b1"}));
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c1 host=a1 | pod-b: a1,b1,c1 host=a1 | pod-c: a1,b1,c1 host=a1");
}

TEST(Sync, EveryPodAnswersASyncRequestEvenWithoutMembers) {
  Cluster cluster(3);
  cluster.start_all();
  for (std::size_t i = 0; i < 3; ++i) cluster.pod(i).fanout().clear_published();
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  ASSERT_TRUE(c1.welcomed());
  // C asked on the cluster channel; A and B, in no room, answered on the
  // room's channel with an empty list.
  ASSERT_FALSE(cluster.c().fanout().published().empty());
  EXPECT_EQ(cluster.c().fanout().published().front().channel, "cluster");
  EXPECT_EQ(cluster.c().fanout().published().front().payload, "SM1 Q pod-c r\n");
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& said = cluster.pod(i).fanout().published();
    ASSERT_EQ(said.size(), 1u) << cluster.pod(i).id();
    EXPECT_EQ(said[0].channel, "room:r");
    EXPECT_EQ(said[0].payload, "SM1 S " + cluster.pod(i).id() + " - 0\n");
    EXPECT_FALSE(cluster.pod(i).follows("r"));
  }
}

TEST(Sync, ALeaveLostOnTheWayIsRepairedByTheNextSyncOfTheRoom) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  a1.take();

  // b1 leaves; its leave never reaches A.
  cluster.bus().hold({1, 0});
  cluster.b().disconnect(b1);
  EXPECT_EQ(cluster.bus().drop({1, 0}, [](const Posted& p) { return is_kind(p, 'L'); }), 1u);
  cluster.bus().release({1, 0});
  cluster.settle();
  EXPECT_EQ(a1.take(), Events{});
  EXPECT_EQ(cluster.a().view("r"), "a1,b1 host=a1");

  // A third pod starts following the room: B answers its request with its
  // (empty) list on the room's channel, and A reads it too.
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-left b1 left", "peer-joined c1"}));
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1 host=a1 | pod-b: - | pod-c: a1,c1 host=a1");
}

TEST(Sync, AJoinLostOnTheWayIsRepairedByTheNextSyncOfTheRoom) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  a1.take();
  b1.take();

  // b2 joins on B; its join never reaches A.
  cluster.advance(10ms);
  cluster.bus().hold({1, 0});
  auto& b2 = cluster.b().connect("b2", "r");
  cluster.settle();
  EXPECT_EQ(cluster.bus().drop({1, 0}, [](const Posted& p) { return is_kind(p, 'J'); }), 1u);
  cluster.bus().release({1, 0});
  cluster.settle();
  EXPECT_EQ(a1.take(), Events{});
  EXPECT_EQ(cluster.a().view("r"), "a1,b1 host=a1");

  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1,b1,b2"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined b2", "peer-joined c1"}));
  EXPECT_EQ(b2.take(), (Events{"welcome host=a1 peers=a1,b1", "peer-joined c1"}));
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,b2,c1 host=a1 | pod-b: a1,b1,b2,c1 host=a1 | "
            "pod-c: a1,b1,b2,c1 host=a1");
}

TEST(Discovery, AStartingPodAdmitsNobodyBeforeTheDiscoveryWindowHasPassed) {
  Cluster cluster(3);
  // A and B run, with members.
  cluster.a().start();
  cluster.b().start();
  cluster.advance(1000ms);
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.advance(10ms);
  a1.take();
  b1.take();

  // C starts and a client arrives at once. The others answer C's hello and
  // its request immediately, but C cannot know yet that nobody else exists:
  // it waits out the 300 ms window.
  cluster.c().start();
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  EXPECT_EQ(cluster.c().agreement().live_pod_count(), 2u);
  cluster.advance(299ms);
  EXPECT_FALSE(c1.welcomed());
  cluster.advance(1ms);
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined c1"}));
}

TEST(Discovery, APodHeardOnlyLateInTheWindowIsStillWaitedFor) {
  Cluster cluster(3);
  cluster.a().start();
  cluster.b().start();
  cluster.advance(1000ms);
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.advance(10ms);
  a1.take();
  b1.take();

  // Everything B says to the new pod C is slow: its heartbeat and its list
  // arrive 250 ms late, still inside C's discovery window.
  cluster.bus().hold({1, 2});
  cluster.c().start();
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.advance(250ms);
  EXPECT_EQ(cluster.c().agreement().live_pod_count(), 1u);
  EXPECT_FALSE(c1.welcomed());
  cluster.bus().release({1, 2});
  cluster.advance(50ms);
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined c1"}));
  EXPECT_EQ(b1.take(), (Events{"peer-joined c1"}));
}

TEST(Discovery, APodHeardInTheWindowThatNeverAnswersIsWaitedForUntilTheSyncTimeout) {
  Cluster cluster(3);
  cluster.a().start();
  cluster.b().start();
  cluster.advance(1000ms);
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  a1.take();

  // C starts; B answers its hello, but B's member list is lost. (A's
  // answers come after B's heartbeat.)
  cluster.bus().hold({0, 2});
  cluster.bus().hold({1, 2});
  cluster.c().start();
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  EXPECT_EQ(cluster.bus().drop({1, 2}, [](const Posted& p) { return is_kind(p, 'S'); }), 1u);
  cluster.bus().release({1, 2});
  cluster.settle();
  cluster.bus().release({0, 2});
  cluster.settle();
  EXPECT_EQ(cluster.c().agreement().live_pod_count(), 2u);
  // The window closes at 300 ms: B is known and has not answered.
  cluster.advance(300ms);
  EXPECT_FALSE(c1.welcomed());
  cluster.advance(699ms);
  EXPECT_FALSE(c1.welcomed());
  // The sync timeout (1 s) admits with what C has.
  cluster.advance(1ms);
  EXPECT_EQ(c1.take(), (Events{"welcome host=a1 peers=a1"}));
  EXPECT_EQ(a1.take(), (Events{"peer-joined c1"}));
}

TEST(Discovery, APodAloneAdmitsItsFirstMemberWhenTheWindowCloses) {
  Cluster cluster(1);
  cluster.a().start();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(299ms);
  EXPECT_FALSE(a1.welcomed());
  cluster.advance(1ms);
  EXPECT_EQ(a1.take(), (Events{"welcome host=a1 peers="}));
  // After the window, a new room admits at once (nobody to ask).
  auto& a2 = cluster.a().connect("a2", "s");
  EXPECT_EQ(a2.take(), (Events{"welcome host=a2 peers="}));
}

}  // namespace
}  // namespace signalmesh::agreement_test
