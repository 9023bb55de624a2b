// Protocol 1.1 room state across pods (docs/cluster.md, "Room state and
// records"): status and round agreed by every pod, the desync verdict
// reached on every pod from the same reports, a deleted room closed
// everywhere; and the envelopes that carry them.
#include <gtest/gtest.h>

#include "agreement/sim_cluster.hpp"
#include "agreement/three_pod_room.hpp"
#include "cluster/envelope.hpp"

namespace signalmesh::agreement_test {
namespace {

using cluster::Agreement;
using store::RoomStatus;

TEST(RoomState, TheHostsStatusChangeReachesEveryPodWithItsSender) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  ASSERT_TRUE(cluster.a().agreement().set_status(*room.a1, RoomStatus::kPlaying));
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    EXPECT_EQ(p->take(), (Events{"room-status playing 1 by a1"})) << p->peer_id;
  }
  for (auto* pod : {&cluster.a(), &cluster.b(), &cluster.c()}) {
    EXPECT_EQ(pod->agreement().find_room("r")->state.status, RoomStatus::kPlaying) << pod->id();
  }
  // Only forward: playing -> waiting is refused and tells nobody.
  EXPECT_FALSE(cluster.a().agreement().set_status(*room.a1, RoomStatus::kWaiting));
  EXPECT_FALSE(cluster.a().agreement().set_status(*room.a1, RoomStatus::kPlaying));
  ASSERT_TRUE(cluster.a().agreement().set_status(*room.a1, RoomStatus::kFinished));
  // finished -> waiting starts the next round.
  ASSERT_TRUE(cluster.a().agreement().set_status(*room.a1, RoomStatus::kWaiting));
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    EXPECT_EQ(p->take(), (Events{"room-status finished 1 by a1", "room-status waiting 2 by a1"}))
        << p->peer_id;
  }
  EXPECT_EQ(cluster.c().agreement().find_room("r")->state.round, 2u);
}

TEST(RoomState, TheApplicationsStatusChangeFromAPodWithoutMembersHasNoSender) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  cluster.b().agreement().announce_status("r", RoomStatus::kPlaying, 1);
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    EXPECT_EQ(p->take(), (Events{"room-status playing 1"})) << p->peer_id;
  }
  // An older state heard later changes nothing.
  cluster.c().agreement().announce_status("r", RoomStatus::kWaiting, 1);
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) EXPECT_TRUE(p->take().empty()) << p->peer_id;
}

TEST(RoomState, DifferentHashesForATickAreOneDesyncForEveryMemberOnEveryPod) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  EXPECT_EQ(cluster.a().agreement().report_hash(*room.a1, 5, "x"),
            Agreement::HashOutcome::kAccepted);
  cluster.settle();
  EXPECT_EQ(cluster.b().agreement().report_hash(*room.b1, 5, "x"),
            Agreement::HashOutcome::kAccepted);
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) EXPECT_TRUE(p->take().empty()) << p->peer_id;
  EXPECT_EQ(cluster.c().agreement().report_hash(*room.c1, 5, "y"),
            Agreement::HashOutcome::kAccepted);
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    EXPECT_EQ(p->take(), (Events{"desync tick 5 a1=x b1=x c1=y"})) << p->peer_id;
  }
  // Once per tick; the same report again is a duplicate, another a conflict.
  EXPECT_EQ(cluster.a().agreement().report_hash(*room.a1, 5, "x"),
            Agreement::HashOutcome::kDuplicate);
  EXPECT_EQ(cluster.a().agreement().report_hash(*room.a1, 5, "z"),
            Agreement::HashOutcome::kConflict);
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) EXPECT_TRUE(p->take().empty()) << p->peer_id;
}

TEST(RoomState, TheVerdictIsTheSameWhateverOrderThePodsHearTheReportsIn) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  // Both reports are made before any pod hears the other's.
  cluster.a().agreement().report_hash(*room.a1, 9, "p");
  cluster.c().agreement().report_hash(*room.c1, 9, "q");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    const auto events = p->take();
    ASSERT_EQ(events.size(), 1u) << p->peer_id;
    EXPECT_EQ(events[0].rfind("desync tick 9 ", 0), 0u) << events[0];
  }
}

TEST(RoomState, ADeletedRoomClosesItsMembersOnEveryPodWith4011) {
  ThreePodRoom room;
  auto& cluster = room.cluster;
  cluster.b().agreement().close_room("r");
  cluster.settle();
  for (auto* p : {room.a1, room.b1, room.c1}) {
    const auto events = p->take();
    ASSERT_FALSE(events.empty()) << p->peer_id;
    EXPECT_EQ(events.back(), "close 4011 room-closed") << p->peer_id;
  }
}

TEST(RoomStateEnvelopes, StatusHashAndClosedComeBackWithTheirFields) {
  using namespace cluster;
  // Decoded views point into the wire text: keep each alive while it is read.
  Envelope e;
  const std::string status_wire = encode("pod-a", RoomStatusChange{2, 7, "a1"});
  ASSERT_EQ(decode(status_wire, e), DecodeResult::kOk);
  const auto s = std::get<RoomStatusChange>(e.body);
  EXPECT_EQ(s.status, 2u);
  EXPECT_EQ(s.round, 7u);
  EXPECT_EQ(s.sender, "a1");
  const std::string hash_wire =
      encode("pod-a", StateHash{"b1", 3, 9007199254740991ull, "aZ+/=_:-"});
  ASSERT_EQ(decode(hash_wire, e), DecodeResult::kOk);
  const auto h = std::get<StateHash>(e.body);
  EXPECT_EQ(h.peer, "b1");
  EXPECT_EQ(h.round, 3u);
  EXPECT_EQ(h.tick, 9007199254740991ull);
  EXPECT_EQ(h.hash, "aZ+/=_:-");
  const std::string closed_wire = encode("pod-a", RoomClosed{"deleted"});
  ASSERT_EQ(decode(closed_wire, e), DecodeResult::kOk);
  EXPECT_EQ(std::get<RoomClosed>(e.body).reason, "deleted");
  // Out of range or truncated: malformed, never applied.
  EXPECT_EQ(decode("SM1 T pod-a 3 1 a1\n", e), DecodeResult::kMalformed);
  EXPECT_EQ(decode("SM1 T pod-a 1 0 a1\n", e), DecodeResult::kMalformed);
  EXPECT_EQ(decode("SM1 X pod-a b1 1 5\n", e), DecodeResult::kMalformed);
  EXPECT_EQ(decode("SM1 C pod-a deleted\nbody", e), DecodeResult::kMalformed);
}

}  // namespace
}  // namespace signalmesh::agreement_test
