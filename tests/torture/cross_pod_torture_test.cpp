// Close torture (issue 10), the case where no close may happen at all: two
// members on different pods, each sending 150 `ice` to the other right after
// joining, both directions at once, round after round, on three pods over
// Redis and on three pods over the ZeroMQ mesh, with the default limits (150
// is inside the default burst of 200). Every message must arrive, in order
// (§3), and neither member may be closed or reset.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "support/json.hpp"
#include "support/numbered.hpp"
#include "torture/torture_pods.hpp"
#include "torture/torture_trials.hpp"

namespace signalmesh::test {
namespace {

constexpr int kMessagesEachWay = 150;

std::string numbered_burst(const std::string& target) {
  FrameBatch batch;
  for (int seq = 0; seq < kMessagesEachWay; ++seq) batch.text(numbered_ice(target, seq));
  return batch.bytes();
}

// Reads `count` numbered ice from `client`; each gap, close, reset or error
// becomes a flaw of `result`, named by `who`.
void receive_numbered(RawWsClient& client, const std::string& who, TrialResult& result) {
  for (int seq = 0; seq < kMessagesEachWay;) {
    std::optional<Frame> frame = client.next_frame(close_timeout());
    if (!frame) {
      const RawWsClient::ReadEnd end = client.last_read_end();
      if (end == RawWsClient::ReadEnd::kEof) {
        result.add(Flaw::kEofWithoutClose, who + ": EOF at message " + std::to_string(seq));
      } else if (end == RawWsClient::ReadEnd::kTimeout) {
        result.add(Flaw::kLost, who + ": message " + std::to_string(seq) + " never came");
      } else {
        result.add(Flaw::kResetBeforeClose, who + ": reset at message " + std::to_string(seq));
      }
      return;
    }
    if (frame->opcode == 8) {
      result.add(Flaw::kWrongCode, who + ": closed with " + std::to_string(frame->close_code()) +
                                       " at message " + std::to_string(seq));
      return;
    }
    if (frame->opcode != 1) continue;  // a ping: not one of the messages
    std::optional<Json> json = Json::parse(frame->payload);
    if (json && json->type() == "error") {
      result.add(Flaw::kWrongErrors, who + ": " + describe(frame->payload));
      return;
    }
    if (!json || json->type() != "ice" || json->member_json("seq") != std::to_string(seq)) {
      result.add(Flaw::kLost, who + ": " + describe(frame->payload) + " where ice " +
                                  std::to_string(seq) + " was due");
      return;
    }
    ++seq;
  }
}

TrialResult exchange_round(const PodTrio& pods, int round) {
  // Every ordered pair of pods in turn.
  const int pod_a = round % PodTrio::kPods;
  const int pod_b = (round + 1 + round / PodTrio::kPods % 2) % PodTrio::kPods;
  const std::string room = random_id();
  TrialResult result;
  RawWsClient a;
  RawWsClient b;
  if (std::string failure = join(a, pods.url(pod_a), "/signal/" + room + "?peerId=a");
      !failure.empty()) {
    result.add(Flaw::kSetup, "a: " + failure);
    return result;
  }
  if (std::string failure = join(b, pods.url(pod_b), "/signal/" + room + "?peerId=b");
      !failure.empty()) {
    result.add(Flaw::kSetup, "b: " + failure);
    return result;
  }
  // b knows a from its welcome and sends at once; a sends as soon as it
  // learns of b, while b's burst is still on its way.
  b.send_raw(numbered_burst("a"));
  std::optional<Frame> first = a.next_frame(close_timeout());
  if (!first || first->opcode != 1 || describe(first->payload) != "peer-joined") {
    result.add(Flaw::kUnexpected, "a: the first message is not b's peer-joined");
    return result;
  }
  a.send_raw(numbered_burst("b"));
  receive_numbered(a, "a (pod " + std::to_string(pod_a) + ")", result);
  receive_numbered(b, "b (pod " + std::to_string(pod_b) + ")", result);
  close_without_flaws(a, "a", result);
  close_without_flaws(b, "b", result);
  return result;
}

void run_rounds(const std::string& name, const PodTrio& pods) {
  CaseTally tally(name);
  for (int round = 0, n = trial_count(30); round < n; ++round) {
    tally.add(exchange_round(pods, round));
  }
  tally.report();
  if (tally.passes() != tally.trials()) ADD_FAILURE() << pods.logs();
}

TEST(CrossPodTorture, BurstsBothWaysBetweenRedisPodsArriveWholeWithNoClose) {
  std::string failure;
  std::unique_ptr<PodTrio> pods = PodTrio::over_redis(failure);
  ASSERT_TRUE(pods) << failure;
  run_rounds("cross-pod over Redis (150 ice each way)", *pods);
}

TEST(CrossPodTorture, BurstsBothWaysBetweenMeshPodsArriveWholeWithNoClose) {
  std::string failure;
  std::unique_ptr<PodTrio> pods = PodTrio::over_zmq_mesh(failure);
  ASSERT_TRUE(pods) << failure;
  run_rounds("cross-pod over the ZeroMQ mesh (150 ice each way)", *pods);
}

}  // namespace
}  // namespace signalmesh::test
