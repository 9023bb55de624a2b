// The room most agreement scenarios start from: a1 on pod A, then b1 on B,
// then c1 on C (each 10 ms after the previous), with every event so far
// taken, so a test sees only what its own steps cause.
#pragma once

#include <chrono>
#include <cstddef>

#include "agreement/sim_cluster.hpp"

namespace signalmesh::agreement_test {

struct ThreePodRoom {
  Cluster cluster{3};
  FakeParticipant* a1 = nullptr;
  FakeParticipant* b1 = nullptr;
  FakeParticipant* c1 = nullptr;

  ThreePodRoom() {
    using namespace std::chrono_literals;
    cluster.start_all();
    a1 = &cluster.a().connect("a1", "r");
    cluster.advance(10ms);
    b1 = &cluster.b().connect("b1", "r");
    cluster.advance(10ms);
    c1 = &cluster.c().connect("c1", "r");
    cluster.settle();
    for (auto* p : {a1, b1, c1}) p->take();
  }

  // Delivers everything queued from pod `from` to pod `to`, held or not.
  void flush(std::size_t from, std::size_t to) {
    while (cluster.bus().deliver_next({from, to})) {
    }
  }
};

}  // namespace signalmesh::agreement_test
