// Envelopes from different pods arrive in any order relative to each other
// (only each pod's own stay in order): held and released in different
// orders, every pod must end with the same room, and every client with the
// room its events describe. (Random orders: random_schedules_test.cpp.)
#include <gtest/gtest.h>

#include "agreement/known_bug.hpp"
#include "agreement/sim_cluster.hpp"
#include "agreement/three_pod_room.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

TEST(Reordering, AJoinOnOnePodAndALeaveOnAnotherConvergeInEitherOrder) {
  for (bool leave_first : {true, false}) {
    SCOPED_TRACE(leave_first ? "C hears B's leave first" : "C hears A's join first");
    ThreePodRoom room;
    auto& cluster = room.cluster;
    cluster.bus().hold({0, 2});
    cluster.bus().hold({1, 2});

    // a2 joins on A while b1 leaves on B; C hears of neither yet.
    cluster.advance(10ms);
    auto& a2 = cluster.a().connect("a2", "r");
    cluster.b().disconnect(*room.b1);
    cluster.settle();
    EXPECT_EQ(room.c1->take(), Events{});
    EXPECT_EQ(room.a1->take(), (Events{"peer-joined a2", "peer-left b1 left"}));

    room.flush(leave_first ? 1 : 0, 2);
    room.flush(leave_first ? 0 : 1, 2);
    cluster.bus().release({0, 2});
    cluster.bus().release({1, 2});
    cluster.settle();
    EXPECT_EQ(room.c1->take(), leave_first ? (Events{"peer-left b1 left", "peer-joined a2"})
                                           : (Events{"peer-joined a2", "peer-left b1 left"}));
    EXPECT_EQ(a2.take(), (Events{"welcome host=a1 peers=a1,b1,c1", "peer-left b1 left"}));
    EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1,a2 host=a1 | pod-b: - | pod-c: a1,c1,a2 host=a1");
  }
}

TEST(Reordering, APeerMovingFromOnePodToAnotherConvergesWhateverAThirdPodHearsFirst) {
  for (bool join_first : {true, false}) {
    SCOPED_TRACE(join_first ? "C hears B's join first" : "C hears A's leave first");
    ThreePodRoom room;
    auto& cluster = room.cluster;
    cluster.advance(10ms);
    auto& x_on_a = cluster.a().connect("x", "r");
    cluster.settle();
    for (auto* p : {room.a1, room.b1, room.c1}) p->take();

    // x closes on A and at once connects on B; A's leave is slow to reach
    // B and C, B's join is slow to reach C.
    cluster.bus().hold({0, 1});
    cluster.bus().hold({0, 2});
    cluster.bus().hold({1, 2});
    cluster.a().disconnect(x_on_a);
    cluster.advance(10ms);
    auto& x_on_b = cluster.b().connect("x", "r");
    cluster.settle();
    EXPECT_EQ(x_on_b.take(), (Events{"welcome host=a1 peers=a1,b1,c1"}));

    room.flush(0, 1);
    room.flush(join_first ? 1 : 0, 2);
    room.flush(join_first ? 0 : 1, 2);
    for (std::size_t from : {0, 1}) cluster.bus().release_from(from);
    cluster.settle();

    // x is a member, on B, everywhere.
    EXPECT_EQ(cluster.views("r"),
              "pod-a: a1,b1,c1,x host=a1 | pod-b: a1,b1,c1,x host=a1 | pod-c: a1,b1,c1,x host=a1");
    EXPECT_EQ(room.c1->client_view(), "a1,b1,c1,x host=a1");
    EXPECT_EQ(room.a1->client_view(), "a1,b1,c1,x host=a1");
    // And when it leaves B, it is gone everywhere.
    cluster.b().disconnect(x_on_b);
    cluster.settle();
    EXPECT_EQ(cluster.views("r"),
              "pod-a: a1,b1,c1 host=a1 | pod-b: a1,b1,c1 host=a1 | pod-c: a1,b1,c1 host=a1");
    for (auto* p : {room.a1, room.b1, room.c1}) {
      EXPECT_EQ(p->client_view(), "a1,b1,c1 host=a1") << p->peer_id;
    }
  }
}

TEST(Reordering, OnePeerIdJoiningTwoPodsAtOnceEndsOnTheNewerConnectionEverywhere) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  for (std::size_t pod = 0; pod < 3; ++pod) cluster.bus().hold_to(pod);

  // x connects on A, and 1 ms later on B, before either pod heard the other.
  cluster.advance(10ms);
  auto& x_on_a = cluster.a().connect("x", "r");
  cluster.clock().advance(1ms);
  auto& x_on_b = cluster.b().connect("x", "r");
  ASSERT_TRUE(x_on_a.welcomed());
  ASSERT_TRUE(x_on_b.welcomed());

  // C hears B's join first, then A's; A and B hear each other.
  room.flush(1, 2);
  room.flush(0, 2);
  for (std::size_t pod = 0; pod < 3; ++pod) cluster.bus().release_to(pod);
  cluster.settle();
  // The newer connection (B's) wins.
  EXPECT_EQ(x_on_a.take(), (Events{"welcome host=a1 peers=a1,b1,c1", "close 4009 replaced"}));
  EXPECT_FALSE(x_on_b.closed());
  EXPECT_EQ(room.c1->take(), (Events{"peer-joined x"}));

  // x leaves B: gone everywhere.
  cluster.b().disconnect(x_on_b);
  cluster.settle();
  EXPECT_EQ(room.c1->take(), (Events{"peer-left x left"}));
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c1 host=a1 | pod-b: a1,b1,c1 host=a1 | pod-c: a1,b1,c1 host=a1");
}

TEST(Reordering, AKickedMemberIsNotBroughtBackByAnOlderListFromItsPod) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  // c1 leaves and comes back, so that C asks again for the room's members:
  // B answers with its list (b1), on the room's channel; it is slow to
  // reach A.
  cluster.c().disconnect(*room.c1);
  cluster.settle();
  room.a1->take();
  cluster.bus().hold({1, 0});
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  ASSERT_TRUE(c1.welcomed());
  room.b1->take();
  // a1 (host) kicks b1; B closes it, and forgets the room (no member left).
  cluster.a().kick(*room.a1, "b1");
  cluster.settle();
  EXPECT_EQ(room.b1->take(), (Events{"kick from a1", "close 4010"}));
  EXPECT_FALSE(cluster.b().follows("r"));
  // B's older list reaches A.
  cluster.bus().release({1, 0});
  cluster.settle();
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,c1 host=a1 | pod-b: - | pod-c: a1,c1 host=a1");
  EXPECT_EQ(room.a1->client_view(), "a1,c1 host=a1");
}

TEST(Reordering, AKickOfAMemberWhoseJoinAPodHasNotHeardYetStillRemovesItThere) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  // c2 joins on C (which follows the room: admitted at once); C's join is
  // slow to reach B.
  cluster.advance(10ms);
  cluster.bus().hold({2, 1});
  auto& c2 = cluster.c().connect("c2", "r");
  cluster.settle();
  ASSERT_TRUE(c2.welcomed());
  // a1 (host) kicks c2 at once; the kick reaches B before c2's join.
  cluster.a().kick(*room.a1, "c2");
  cluster.settle();
  EXPECT_EQ(c2.take(), (Events{"welcome host=a1 peers=a1,b1,c1", "kick from a1", "close 4010"}));
  cluster.bus().release({2, 1});
  cluster.settle();
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c1 host=a1 | pod-b: a1,b1,c1 host=a1 | pod-c: a1,b1,c1 host=a1");
  EXPECT_EQ(room.b1->client_view(), "a1,b1,c1 host=a1");
}

}  // namespace
}  // namespace signalmesh::agreement_test
