// Random scripts on three pods (joins, leaves, relays; then hand-offs, kicks,
// replacements) with the delivery between pods shuffled at random (each link
// still FIFO) and never caught up between two steps of the script. At the
// end, after everything was delivered: every pod following the room has the
// same members and host, every client was told exactly that room, and no
// peerId has two live connections. A failure names the seed and the script;
// AGREEMENT_TEST_TRACE=1 with --gtest_filter replays its deliveries.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "agreement/known_bug.hpp"
#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

struct Mix {
  bool hand_offs = false;
  bool kicks = false;
  bool replacements = false;  // a new connection reuses a peerId seen before
};

// Runs one script; returns "" when the pods converged, else what diverged.
std::string run_script(unsigned seed, const Mix& mix) {
  std::mt19937 rng(seed);
  Cluster cluster(3);
  cluster.start_all();
  std::vector<std::pair<std::size_t, FakeParticipant*>> clients;  // (pod, client)
  std::string script;
  int next_id = 0;
  for (int op = 0; op < 16; ++op) {
    std::vector<std::size_t> members;  // indexes of clients that are members now
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (clients[i].second->is_member && !clients[i].second->gone) members.push_back(i);
    }
    const auto roll = rng() % 10;
    if (roll < 4 || members.size() < 2) {
      const std::size_t pod = rng() % 3;
      std::string id = "p" + std::to_string(next_id++);
      if (mix.replacements && !clients.empty() && rng() % 3 == 0) {
        id = clients[rng() % clients.size()].second->peer_id;
      }
      script += "join " + id + "@" + cluster.pod(pod).id() + "; ";
      clients.emplace_back(pod, &cluster.pod(pod).connect(id, "r"));
    } else if (roll < 7) {
      const auto& [pod, p] = clients[members[rng() % members.size()]];
      script += "leave " + p->peer_id + "@" + cluster.pod(pod).id() + "; ";
      cluster.pod(pod).disconnect(*p, rng() % 2 ? "left" : "timeout");
    } else if (roll < 8 || !(mix.hand_offs || mix.kicks)) {
      const auto& [pod, p] = clients[members[rng() % members.size()]];
      cluster.pod(pod).relay(*p, "*", cluster::RelayKind::kIce);
    } else {
      // The host as its own pod sees it acts on a member its pod knows.
      for (const std::size_t i : members) {
        const auto& [pod, p] = clients[i];
        if (p->room->host() != p->peer_id) continue;
        const auto& room_members = p->room->members();
        const std::string target = room_members[rng() % room_members.size()].peer_id;
        if (target == p->peer_id) break;
        const bool kick = mix.kicks && (!mix.hand_offs || rng() % 2 == 0);
        script += (kick ? "kick " : "hand-off ") + p->peer_id + "->" + target + "; ";
        if (kick) {
          cluster.pod(pod).kick(*p, target);
        } else {
          cluster.pod(pod).hand_off(*p, target);
        }
        break;
      }
    }
    const int steps = static_cast<int>(rng() % 6);
    for (int i = 0; i < steps && cluster.step_randomly(rng); ++i) {
    }
    cluster.clock().advance(1ms);
  }
  cluster.settle();
  cluster.advance(2000ms);

  std::string reference;
  std::string problems;
  for (std::size_t pod = 0; pod < 3; ++pod) {
    if (!cluster.pod(pod).follows("r")) continue;
    const std::string view = cluster.pod(pod).sorted_view("r");
    if (reference.empty()) reference = view;
    if (view != reference) problems = "the pods disagree; ";
  }
  std::map<std::string, int> live;
  for (const auto& [pod, p] : clients) {
    if (!p->is_member || p->gone) continue;
    ++live[p->peer_id];
    if (p->client_view() != reference) {
      problems += p->peer_id + "@" + cluster.pod(pod).id() + " was told " + p->client_view() + "; ";
    }
  }
  for (const auto& [id, n] : live) {
    if (n > 1) problems += id + " has " + std::to_string(n) + " live connections; ";
  }
  if (problems.empty()) return "";
  return "seed " + std::to_string(seed) + ": " + problems + "\n  views: " + cluster.views("r") +
         "\n  script: " + script;
}

void expect_converges(const Mix& mix, unsigned seeds) {
  int failures = 0;
  for (unsigned seed = 1; seed <= seeds && failures < 3; ++seed) {
    const std::string diverged = run_script(seed, mix);
    if (!diverged.empty()) {
      ADD_FAILURE() << diverged;
      ++failures;
    }
  }
}

TEST(RandomSchedules, JoinsLeavesAndRelaysInAnyDeliveryOrderEndInOneRoomEveryClientKnows) {
  expect_converges(Mix{}, 400);
}

TEST(RandomSchedules, HandOffsAndKicksInAnyDeliveryOrderEndInOneRoomEveryClientKnows) {
  SKIP_KNOWN_BUG(
      "hand-offs and kicks of a member a pod has not heard of yet are dropped there (see "
      "Host.AHandOffToAMemberWhoseJoinAPodHasNotHeardYetIsAppliedThere, "
      "Reordering.AKickOfAMemberWhoseJoinAPodHasNotHeardYetStillRemovesItThere)");
  expect_converges(Mix{true, true, false}, 400);
}

TEST(RandomSchedules, ReplacementsInAnyDeliveryOrderEndInOneRoomEveryClientKnows) {
  SKIP_KNOWN_BUG(
      "a join for a member known as remote is applied without comparing epochs, and keeps the "
      "first join order seen (see "
      "Reordering.OnePeerIdJoiningTwoPodsAtOnceEndsOnTheNewerConnectionEverywhere)");
  expect_converges(Mix{false, false, true}, 400);
}

}  // namespace
}  // namespace signalmesh::agreement_test
