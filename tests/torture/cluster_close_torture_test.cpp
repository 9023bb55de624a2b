// Close torture (issue 10) on pods that share rooms: the two closes that
// reset most often before the fix, 1008 (a burst of refused messages) and
// 1009 (an oversized message followed by more frames), hundreds of times on
// the pods of three-pod clusters over Redis and over the ZeroMQ mesh, each
// trial in a new room (so each admission waits for the cluster's sync). The
// promise is the single pod's: its errors, its close code, no reset.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "torture/torture_pods.hpp"
#include "torture/torture_trials.hpp"

namespace signalmesh::test {
namespace {

constexpr int kTrials = 200;

void run_on_every_pod(const std::string& name, const PodTrio& pods, const std::string& trigger,
                      const std::string& filler, const ClosePromise& promise) {
  CaseTally tally(name);
  for (int i = 0, n = trial_count(kTrials); i < n; ++i) {
    const int pod = i % PodTrio::kPods;
    tally.add(provoke_close(pods.url(pod), "/signal/" + random_id() + "?peerId=victim", true,
                            trigger, filler, promise));
  }
  tally.report();
  if (tally.passes() != tally.trials()) ADD_FAILURE() << pods.logs();
}

void run_1008_and_1009(const std::string& backend, const PodTrio& pods) {
  // 25 refused in one write: 20 errors, then 1008 with five frames unread.
  run_on_every_pod("1008 policy-violation over " + backend, pods,
                   FrameBatch().texts("nope", 25).bytes(), filler_batch("nope"),
                   ClosePromise{1008, "invalid-json", 20, ""});
  FrameBatch oversized;
  oversized.text(std::string(70000, 'x'));
  for (int i = 0; i < 5; ++i) oversized.text(broadcast_ice());
  run_on_every_pod("1009 message-too-big over " + backend, pods, oversized.bytes(),
                   filler_batch(broadcast_ice()), ClosePromise{1009, "", 0, ""});
}

TEST(ClusterCloseTorture, RefusedBurstsAndOversizedMessagesCloseCleanlyOnRedisPods) {
  std::string failure;
  std::unique_ptr<PodTrio> pods = PodTrio::over_redis(failure);
  ASSERT_TRUE(pods) << failure;
  run_1008_and_1009("Redis", *pods);
}

TEST(ClusterCloseTorture, RefusedBurstsAndOversizedMessagesCloseCleanlyOnMeshPods) {
  std::string failure;
  std::unique_ptr<PodTrio> pods = PodTrio::over_zmq_mesh(failure);
  ASSERT_TRUE(pods) << failure;
  run_1008_and_1009("the ZeroMQ mesh", *pods);
}

}  // namespace
}  // namespace signalmesh::test
