// The same peerId joining again, on another pod or the same one: the old
// connection gets error replaced and 4009, the others see nothing
// (protocol.md §1; docs/cluster.md "Replacement across pods").
#include <gtest/gtest.h>

#include "agreement/known_bug.hpp"
#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorCode;

TEST(Replacement, TheSamePeerIdJoiningOnAnotherPodReplacesTheOldConnectionSilently) {
  Cluster cluster(3);
  cluster.start_all();
  // x joins first on A, then a2 on A and c1 on C.
  auto& x_on_a = cluster.a().connect("x", "r");
  cluster.advance(10ms);
  auto& a2 = cluster.a().connect("a2", "r");
  cluster.advance(10ms);
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  for (auto* p : {&x_on_a, &a2, &c1}) p->take();

  // x connects again, on pod B (which starts following the room).
  cluster.advance(10ms);
  auto& x_on_b = cluster.b().connect("x", "r");
  cluster.settle();

  // The new connection gets a fresh welcome; x keeps its place (first
  // joined) and so its host role.
  EXPECT_EQ(x_on_b.take(), (Events{"welcome host=x peers=a2,c1"}));
  // The old one gets error replaced and 4009.
  EXPECT_EQ(x_on_a.take(), (Events{"close 4009 replaced"}));
  ASSERT_TRUE(x_on_a.closed());
  EXPECT_EQ(x_on_a.closed()->code, 4009);
  EXPECT_EQ(x_on_a.closed()->error, ErrorCode::kReplaced);
  EXPECT_FALSE(x_on_a.is_member);
  // The others see nothing: no peer-left/peer-joined pair.
  EXPECT_EQ(a2.take(), Events{});
  EXPECT_EQ(c1.take(), Events{});
  EXPECT_EQ(cluster.views("r"),
            "pod-a: x,a2,c1 host=x | pod-b: x,a2,c1 host=x | pod-c: x,a2,c1 host=x");

  // When the new x leaves, everyone hears it once, with its reason, and the
  // host moves to the earliest remaining member.
  cluster.b().disconnect(x_on_b);
  cluster.settle();
  EXPECT_EQ(a2.take(), (Events{"peer-left x left", "host-change a2 from x"}));
  EXPECT_EQ(c1.take(), (Events{"peer-left x left", "host-change a2 from x"}));
  EXPECT_EQ(cluster.views("r"), "pod-a: a2,c1 host=a2 | pod-b: - | pod-c: a2,c1 host=a2");
}

TEST(Replacement, AReplacementOnAPodAlreadyInTheRoomAndBackAgainKeepsEveryoneQuiet) {
  Cluster cluster(2);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& x1 = cluster.a().connect("x", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  for (auto* p : {&a1, &x1, &b1}) p->take();

  // A -> B: pod B already follows the room and admits x at once.
  cluster.advance(10ms);
  auto& x2 = cluster.b().connect("x", "r");
  cluster.settle();
  EXPECT_EQ(x2.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  EXPECT_EQ(x1.take(), (Events{"close 4009 replaced"}));
  // B -> A, and on the same pod A twice in a row.
  cluster.advance(10ms);
  auto& x3 = cluster.a().connect("x", "r");
  cluster.settle();
  cluster.advance(10ms);
  auto& x4 = cluster.a().connect("x", "r");
  cluster.settle();
  EXPECT_EQ(x2.take(), (Events{"close 4009 replaced"}));
  EXPECT_EQ(x3.take(), (Events{"welcome host=a1 peers=a1,b1", "close 4009 replaced"}));
  EXPECT_EQ(x4.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  EXPECT_EQ(a1.take(), Events{});
  EXPECT_EQ(b1.take(), Events{});
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,x,b1 host=a1 | pod-b: a1,x,b1 host=a1");
  // Every replaced connection was closed once.
  for (auto* p : {&x1, &x2, &x3}) EXPECT_EQ(p->extra_closes(), 0) << p->peer_id;
}

TEST(Replacement, AReplacementOnAPodWhoseWallClockIsBehindStillClosesTheOldConnection) {
  Cluster cluster(2);
  // Pod B's wall clock is 1 s behind A's (NTP gone wrong).
  cluster.b().clock().set_skew(-std::chrono::seconds(1));
  cluster.start_all();
  auto& x_on_a = cluster.a().connect("x", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  x_on_a.take();

  // 200 ms later x reconnects, to pod B (which knows x's epoch from A).
  cluster.advance(200ms);
  auto& x_on_b = cluster.b().connect("x", "r");
  cluster.settle();
  // (b1's join order comes from B's late clock: earliest, so host. That is
  // the accepted effect of skew.)
  EXPECT_EQ(x_on_b.take(), (Events{"welcome host=b1 peers=b1"}));
  EXPECT_EQ(x_on_a.take(), (Events{"close 4009 replaced"}));
  EXPECT_EQ(b1.take(), (Events{"welcome host=b1 peers=x"}));
  // One connection of x, on B, for both pods.
  cluster.b().relay(b1, "x");
  cluster.settle();
  EXPECT_EQ(x_on_b.take(), (Events{"sdp from b1"}));
  EXPECT_EQ(x_on_a.take(), Events{});
}

}  // namespace
}  // namespace signalmesh::agreement_test
