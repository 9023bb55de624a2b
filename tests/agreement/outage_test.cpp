// A pod's fan-out backend goes down and comes back (protocol.md §8;
// docs/cluster.md "Backend outage"): local traffic goes on, nobody is
// declared dead for the silence, and the resync after the return makes every
// pod agree again before the pod reports ready.
#include <gtest/gtest.h>

#include "agreement/known_bug.hpp"
#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

// a1, a2 on pod A (a1 first: the host), b1, b2 on pod B.
struct TwoPodRoom {
  Cluster cluster{2};
  FakeParticipant* a1 = nullptr;
  FakeParticipant* a2 = nullptr;
  FakeParticipant* b1 = nullptr;
  FakeParticipant* b2 = nullptr;

  TwoPodRoom() {
    cluster.start_all();
    a1 = &cluster.a().connect("a1", "r");
    cluster.advance(10ms);
    b1 = &cluster.b().connect("b1", "r");
    cluster.advance(10ms);
    a2 = &cluster.a().connect("a2", "r");
    cluster.advance(10ms);
    b2 = &cluster.b().connect("b2", "r");
    cluster.settle();
    for (auto* p : {a1, a2, b1, b2}) p->take();
  }
};

TEST(Outage, DuringAnOutageLocalTrafficGoesOnAndCrossPodTrafficIsRefused) {
  TwoPodRoom room;
  auto& cluster = room.cluster;
  auto& b = cluster.b();
  EXPECT_TRUE(b.agreement().is_caught_up());

  cluster.bus().set_up(1, false);
  EXPECT_FALSE(b.agreement().backend_up());
  EXPECT_FALSE(b.agreement().is_caught_up());
  const auto failures = b.metrics().backend_failures;

  // Between members of B: delivered.
  EXPECT_TRUE(b.relay(*room.b1, "b2"));
  // A broadcast reaches B's own members only (backend-unavailable).
  EXPECT_FALSE(b.relay(*room.b2, "*", cluster::RelayKind::kIce));
  // To a member of A: refused (the gateway answers backend-unavailable).
  EXPECT_FALSE(b.relay(*room.b1, "a1"));
  EXPECT_GT(b.metrics().backend_failures, failures);
  cluster.settle();
  EXPECT_EQ(room.b2->take(), (Events{"sdp from b1"}));
  EXPECT_EQ(room.b1->take(), (Events{"ice from b2"}));
  EXPECT_EQ(room.a1->take(), Events{});

  // B's view of A's members is kept: nobody is declared lost for silence,
  // however long the outage.
  cluster.advance(10000ms);
  EXPECT_EQ(b.view("r"), "a1,b1,a2,b2 host=a1");
  EXPECT_EQ(room.b1->take(), Events{});
  EXPECT_EQ(b.agreement().live_pod_count(), 1u);
}

TEST(Outage, ALeaveDuringAnOutageIsAnnouncedLocallyAtOnceAndToTheOthersAfterTheResync) {
  TwoPodRoom room;
  auto& cluster = room.cluster;
  cluster.advance(1000ms);
  cluster.bus().set_up(1, false);

  // b2 leaves during the outage: b1 hears it at once, A does not.
  cluster.b().disconnect(*room.b2);
  cluster.settle();
  EXPECT_EQ(room.b1->take(), (Events{"peer-left b2 left"}));
  EXPECT_EQ(room.a1->take(), Events{});
  // On A's side, a2 leaves and a3 joins; B hears neither.
  cluster.a().disconnect(*room.a2);
  cluster.advance(10ms);
  auto& a3 = cluster.a().connect("a3", "r");
  cluster.settle();
  EXPECT_EQ(a3.take(), (Events{"welcome host=a1 peers=a1,b1,b2"}));
  EXPECT_EQ(room.a1->take(), (Events{"peer-left a2 left", "peer-joined a3"}));
  EXPECT_EQ(room.b1->take(), Events{});

  // Back after 1.5 s (shorter than pod-lost): B publishes its list of
  // members and asks for the others'.
  cluster.advance(1500ms);
  cluster.b().fanout().clear_published();
  cluster.bus().set_up(1, true);
  const auto& said = cluster.b().fanout().published();
  ASSERT_GE(said.size(), 3u);
  EXPECT_EQ(said[0].channel, "cluster");
  EXPECT_EQ(said[0].payload.substr(0, 12), "SM1 B pod-b ");  // hello
  EXPECT_EQ(said[0].payload.substr(said[0].payload.size() - 2), "1\n");
  EXPECT_EQ(said[1].channel, "room:r");
  EXPECT_EQ(said[1].payload, "SM1 S pod-b - 1 b1 " + std::to_string(room.b1->epoch) + " " +
                                 std::to_string(room.b1->epoch) + "\n");
  EXPECT_EQ(said[2].channel, "cluster");
  EXPECT_EQ(said[2].payload, "SM1 Q pod-b r\n");
  // Ready only once the resync is complete.
  EXPECT_FALSE(cluster.b().agreement().is_caught_up());
  cluster.settle();

  // Both sides converge: A learns b2 left, B learns a2 left and a3 joined.
  EXPECT_EQ(room.a1->take(), (Events{"peer-left b2 left"}));
  EXPECT_EQ(a3.take(), (Events{"peer-left b2 left"}));
  EXPECT_EQ(room.b1->take(), (Events{"peer-left a2 left", "peer-joined a3"}));
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,b1,a3 host=a1 | pod-b: a1,b1,a3 host=a1");
  cluster.advance(300ms);  // the discovery window after a return
  EXPECT_TRUE(cluster.b().agreement().is_caught_up());
  // Delivery resumes without anyone reconnecting.
  EXPECT_TRUE(cluster.b().relay(*room.b1, "a3"));
  cluster.settle();
  EXPECT_EQ(a3.take(), (Events{"sdp from b1"}));
}

TEST(Outage, AnOutageLongerThanPodLostRemovesThePodsMembersElsewhereUntilItsReturn) {
  TwoPodRoom room;
  auto& cluster = room.cluster;
  cluster.bus().set_up(1, false);
  cluster.advance(6000ms);
  // A saw B fall silent: its members left with pod-lost.
  EXPECT_EQ(room.a1->take(), (Events{"peer-left b1 pod-lost", "peer-left b2 pod-lost"}));
  // B, which cannot hear anyone, keeps its view of A.
  EXPECT_EQ(room.b1->take(), Events{});
  EXPECT_EQ(cluster.b().view("r"), "a1,b1,a2,b2 host=a1");

  // B returns: its list brings its members back to A, with peer-joined.
  cluster.bus().set_up(1, true);
  cluster.advance(300ms);
  EXPECT_EQ(room.a1->take(), (Events{"peer-joined b1", "peer-joined b2"}));
  EXPECT_EQ(room.b1->take(), Events{});
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,b1,a2,b2 host=a1 | pod-b: a1,b1,a2,b2 host=a1");
  EXPECT_TRUE(cluster.b().agreement().is_caught_up());
}

TEST(Outage, ARoomFirstFollowedDuringAnOutageIsSyncedWhenTheBackendReturns) {
  TwoPodRoom room;
  auto& cluster = room.cluster;
  auto& s1 = cluster.a().connect("s1", "s");
  cluster.settle();
  s1.take();
  cluster.advance(10ms);
  cluster.bus().set_up(1, false);

  // Nobody to ask: B admits at once with what it knows (nothing of room s).
  auto& s2 = cluster.b().connect("s2", "s");
  cluster.settle();
  EXPECT_EQ(s2.take(), (Events{"welcome host=s2 peers="}));

  // The return: s1 joined first, so it is the host.
  cluster.advance(500ms);
  cluster.bus().set_up(1, true);
  cluster.advance(300ms);
  EXPECT_EQ(s2.take(), (Events{"peer-joined s1", "host-change s1 from s2"}));
  EXPECT_EQ(s1.take(), (Events{"peer-joined s2"}));
  EXPECT_EQ(cluster.views("s"), "pod-a: s1,s2 host=s1 | pod-b: s1,s2 host=s1");
  EXPECT_TRUE(cluster.b().agreement().is_caught_up());
}

TEST(Outage, APodsLastMemberOfARoomLeavingDuringTheOutageIsRemovedElsewhereAfterTheReturn) {
  // The room is forgotten at once (unfollow_if_idle), so B's return
  // resyncs nothing for it; A, hearing B's hello, asks B for the rooms where
  // it sees B's members, and B's empty list removes b1.
  Cluster cluster(2);
  cluster.start_all();
  auto& a1 = cluster.a().connect("a1", "r");
  cluster.advance(10ms);
  auto& b1 = cluster.b().connect("b1", "r");
  cluster.settle();
  a1.take();

  cluster.bus().set_up(1, false);
  cluster.b().disconnect(b1);  // B's only member of room r
  cluster.advance(1000ms);
  cluster.bus().set_up(1, true);
  cluster.advance(1000ms);
  // protocol.md §8: "a member leaving is announced ... to the others after
  // recovery".
  EXPECT_EQ(a1.take(), (Events{"peer-left b1 left"}));
  EXPECT_EQ(cluster.views("r"), "pod-a: a1 host=a1 | pod-b: -");
}

TEST(Outage, AHandOffOnTheOtherSideDuringAnOutageReachesThePodAfterItsReturn) {
  SKIP_KNOWN_BUG(
      "apply(Sync) during a resync takes the other pod's explicit host only when this pod has "
      "none, and never tells its members: after a hand-off made during the outage the pods keep "
      "different hosts (or the host changes silently)");
  TwoPodRoom room;
  auto& cluster = room.cluster;
  // An explicit host known to both: a2.
  cluster.a().hand_off(*room.a1, "a2");
  cluster.settle();
  for (auto* p : {room.a1, room.a2, room.b1, room.b2}) p->take();

  // B's backend goes down; on A (whose backend is fine) a2 hands the role
  // to a1. B cannot hear it.
  cluster.bus().set_up(1, false);
  cluster.a().hand_off(*room.a2, "a1");
  cluster.settle();
  EXPECT_EQ(room.b1->take(), Events{});
  cluster.advance(1000ms);
  cluster.bus().set_up(1, true);
  cluster.advance(300ms);
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,b1,a2,b2 host=a1 | pod-b: a1,b1,a2,b2 host=a1");
  for (auto* p : {room.b1, room.b2}) {
    const auto seen = p->take();
    ASSERT_EQ(seen.size(), 1u) << p->peer_id;
    EXPECT_EQ(seen[0].substr(0, 20), "host-change a1 from ") << p->peer_id;
  }
}

TEST(Outage, AMemberThatLeftElsewhereDuringTwoQuickOutagesIsRemovedAfterTheSecondReturn) {
  SKIP_KNOWN_BUG(
      "a return while the previous return's resync is still open (within its discovery window) "
      "publishes no new sync request: the open resync completes with answers from before the "
      "second outage, is_caught_up() turns true, and what the others changed meanwhile is never "
      "learnt");
  TwoPodRoom room;
  auto& cluster = room.cluster;
  cluster.bus().set_up(1, false);
  cluster.advance(500ms);
  // First return: B asks for A's members; A's answer is slow.
  cluster.bus().hold({0, 1});
  cluster.bus().set_up(1, true);
  cluster.advance(100ms);
  EXPECT_TRUE(cluster.b().syncing("r"));
  // A second outage (a ZeroMQ mesh bounce, a Redis reconnect) loses A's
  // answer; meanwhile a2 leaves, which B cannot hear either.
  cluster.bus().set_up(1, false);
  cluster.a().disconnect(*room.a2);
  cluster.advance(100ms);
  cluster.bus().release({0, 1});
  // Second return: B must learn what A did while it could not hear.
  cluster.bus().set_up(1, true);
  cluster.advance(1500ms);
  EXPECT_TRUE(cluster.b().agreement().is_caught_up());
  EXPECT_EQ(room.b1->take(), (Events{"peer-left a2 left"}));
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,b1,b2 host=a1 | pod-b: a1,b1,b2 host=a1");
}

TEST(Outage, AKickOfAMemberWhosePodIsInAnOutageTakesEffectAfterItsReturn) {
  SKIP_KNOWN_BUG(
      "a kick published while the target's pod cannot hear is lost: the target stays connected, "
      "and after the resync its pod's list brings it back to the others (peer-joined) as if the "
      "host had never kicked it");
  TwoPodRoom room;
  auto& cluster = room.cluster;
  cluster.bus().set_up(1, false);
  // a1 (host; A's backend is up) kicks b2, who is on the pod in an outage.
  cluster.a().kick(*room.a1, "b2");
  cluster.settle();
  EXPECT_EQ(room.a1->take(), (Events{"peer-left b2 kicked"}));
  cluster.advance(1000ms);
  cluster.bus().set_up(1, true);
  cluster.advance(300ms);
  ASSERT_TRUE(room.b2->closed());
  EXPECT_EQ(room.b2->closed()->code, 4010);
  EXPECT_EQ(room.a1->take(), Events{});
  EXPECT_EQ(cluster.views("r"), "pod-a: a1,b1,a2 host=a1 | pod-b: a1,b1,a2 host=a1");
}

}  // namespace
}  // namespace signalmesh::agreement_test
