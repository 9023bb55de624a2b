// Kicks across pods (the target gets the kick and 4010, everyone else
// peer-left reason kicked) and room capacity counted over every pod (4013)
// (protocol.md §3, §5; docs/cluster.md "Capacity").
#include <gtest/gtest.h>

#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorCode;

TEST(Kick, AKickAcrossPodsClosesTheTargetWith4010AndEveryoneSeesKicked) {
  Cluster cluster(3);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");  // the host
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.advance(10ms);
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.advance(10ms);
  auto& c2 = cluster.c().connect("c2", "r");
  cluster.settle();
  for (auto* p : {&a1, &b1, &c1, &c2}) p->take();

  // a1 (host, pod A) kicks c1 (pod C).
  cluster.a().kick(a1, "c1");
  cluster.settle();
  // The target receives the kick itself, then the close 4010 with no error.
  EXPECT_EQ(c1.take(), (Events{"kick from a1", "close 4010"}));
  ASSERT_TRUE(c1.closed());
  EXPECT_EQ(c1.closed()->error, ErrorCode::kNone);
  // Everyone else, on every pod, sees peer-left reason kicked, once.
  EXPECT_EQ(a1.take(), (Events{"peer-left c1 kicked"}));
  EXPECT_EQ(b1.take(), (Events{"peer-left c1 kicked"}));
  EXPECT_EQ(c2.take(), (Events{"peer-left c1 kicked"}));
  EXPECT_EQ(cluster.views("r"),
            "pod-a: a1,b1,c2 host=a1 | pod-b: a1,b1,c2 host=a1 | pod-c: a1,b1,c2 host=a1");

  // A kick of a member on the host's own pod reaches the other pods too.
  cluster.advance(10ms);
  auto& a2 = cluster.a().connect("a2", "r");
  cluster.settle();
  for (auto* p : {&a1, &b1, &c2}) p->take();
  cluster.a().kick(a1, "a2");
  cluster.settle();
  EXPECT_EQ(a2.take(), (Events{"welcome host=a1 peers=a1,b1,c2", "kick from a1", "close 4010"}));
  EXPECT_EQ(a1.take(), (Events{"peer-left a2 kicked"}));
  EXPECT_EQ(b1.take(), (Events{"peer-left a2 kicked"}));
  EXPECT_EQ(c2.take(), (Events{"peer-left a2 kicked"}));
}

TEST(Kick, TheKickedHostsSuccessorIsAnnouncedAfterTheKick) {
  Cluster cluster(2);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.advance(10ms);
  auto& b2 = cluster.b().connect("b2", "r");
  cluster.settle();
  // a1 hands the role to b2, who kicks a1 (the earliest joined).
  cluster.a().hand_off(a1, "b2");
  cluster.settle();
  for (auto* p : {&a1, &b1, &b2}) p->take();
  cluster.b().kick(b2, "a1");
  cluster.settle();
  EXPECT_EQ(a1.take(), (Events{"kick from b2", "close 4010"}));
  EXPECT_EQ(b1.take(), (Events{"peer-left a1 kicked"}));
  EXPECT_EQ(b2.take(), (Events{"peer-left a1 kicked"}));
  EXPECT_EQ(cluster.views("r"), "pod-a: - | pod-b: b1,b2 host=b2");
}

TEST(Capacity, RoomCapacityIsCountedOverEveryPod) {
  cluster::AgreementSettings settings;
  settings.max_room_members = 3;
  Cluster cluster(3, settings);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& a2 = cluster.a().connect("a2", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  for (auto* p : {&a1, &a2, &b1}) p->take();

  // The room holds 3 members over two pods. A fourth on a pod that already
  // follows it, and one on a pod that does not yet: both 4013 room-full.
  auto& b2 = cluster.b().connect("b2", "r");
  cluster.settle();
  auto& c1 = cluster.c().connect("c1", "r");
  cluster.settle();
  for (auto* p : {&b2, &c1}) {
    EXPECT_EQ(p->take(), (Events{"close 4013 room-full"})) << p->peer_id;
    EXPECT_FALSE(p->is_member);
  }
  // Nobody heard of them, and pod C does not keep following the room.
  EXPECT_EQ(a1.take(), Events{});
  EXPECT_EQ(b1.take(), Events{});
  EXPECT_FALSE(cluster.c().follows("r"));
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,a2,b1 host=a1 | pod-b: a1,a2,b1 host=a1 | pod-c: -");

  // A replacement is admitted even when the room is full.
  auto& a2_on_c = cluster.c().connect("a2", "r");
  cluster.settle();
  EXPECT_EQ(a2_on_c.take(), (Events{"welcome host=a1 peers=a1,b1"}));
  EXPECT_EQ(a2.take(), (Events{"close 4009 replaced"}));

  // A place freed on one pod can be taken on another.
  cluster.a().disconnect(a1);
  cluster.settle();
  auto& b3 = cluster.b().connect("b3", "r");
  cluster.settle();
  EXPECT_EQ(b3.take(), (Events{"welcome host=a2 peers=a2,b1"}));
  EXPECT_EQ(a2_on_c.take(),
            (Events{"peer-left a1 left", "host-change a2 from a1", "peer-joined b3"}));
}

}  // namespace
}  // namespace signalmesh::agreement_test
