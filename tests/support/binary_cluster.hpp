// Three signalmesh processes sharing rooms through a real backend (a
// redis-server, a ZeroMQ mesh), driven by real WebSocket clients. A backend's
// fixture says only how its pods are launched; the checks every backend must
// pass live here once, and each suite runs them under its own test names.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {

class BinaryCluster : public ::testing::Test {
 protected:
  static constexpr int kPods = 3;
  static constexpr int kPodLostMs = 1000;

  // The flags that choose and configure pod i's backend.
  virtual std::vector<std::string> backend_flags(int pod) = 0;

  // Starts pod i (replacing any earlier process in its slot); does not wait.
  void launch(int pod);
  // Until pod i listens and its /readyz answers `want`, at most 10 s.
  ::testing::AssertionResult wait_ready(int pod, int want = 200);
  // launch() and wait_ready(), failing the test if the pod does not come up.
  void start_pod(int pod);

  // A client that joined room_ on `pod` as `peer` and got its welcome.
  std::unique_ptr<WsClient> join(int pod, const std::string& peer,
                                 std::optional<Json>* welcome = nullptr);

  // The checks every backend passes (protocol.md §1, §3, §8):
  // members on three pods see one room with one host and reach each other;
  void check_three_pods_share_one_room();
  // a thousand messages from one pod to another arrive complete and in order;
  void check_a_thousand_messages_arrive_in_order();
  // a pod started after the room exists lists every member in its welcome;
  void check_a_late_pod_sees_every_member();
  // SIGKILL: the pod's members leave with pod-lost and the host moves, < 5 s.
  void check_a_killed_pod_loses_its_members();

  std::vector<std::unique_ptr<BinaryPod>> pods_ = std::vector<std::unique_ptr<BinaryPod>>(kPods);
  std::string room_ = random_id();
};

}  // namespace signalmesh::test
