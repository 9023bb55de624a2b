// Close torture (issue 10), the closes a client brings on itself or meets at
// admission: 1008, 1009, 4029, 4000, 4001, 4003, 4013, each hundreds of
// times in a row against the signalmesh binary, the client writing all the
// while. Every trial must see the `error` the protocol promises before the
// close (§1, §4), then the close frame with its code (§5), then a clean end
// of the TCP stream: zero resets.
#include <gtest/gtest.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "auth/token.hpp"
#include "support/json.hpp"
#include "torture/torture_pods.hpp"
#include "torture/torture_trials.hpp"

namespace signalmesh::test {
namespace {

// Cheap cases: one connection per trial.
constexpr int kCheapTrials = 200;

std::unique_ptr<BinaryPod> start_or_fail(std::vector<std::string> flags) {
  std::string failure;
  std::unique_ptr<BinaryPod> pod = start_pod(std::move(flags), failure);
  EXPECT_TRUE(pod) << failure;
  return pod;
}

std::vector<std::string> with(std::vector<std::string> flags, std::vector<std::string> more) {
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

std::string member_path(const std::string& room, const std::string& peer) {
  return "/signal/" + room + "?peerId=" + peer;
}

// Runs `trials` of `one_trial` and reports the case.
template <typename Trial>
void run_case(const std::string& name, int trials, Trial one_trial) {
  CaseTally tally(name);
  for (int i = 0; i < trials; ++i) tally.add(one_trial(i));
  tally.report();
}

TEST(CloseTorture, TwentyRefusedMessagesInOneWriteGetTwentyErrorsThenClose1008) {
  auto pod = start_or_fail(unlimited_rate_flags());
  ASSERT_TRUE(pod);
  // 25 in one write: the server reads past the 20th, which closes, so five
  // more (and the writer's) are unread when it closes: the reset of issue 10.
  const std::string burst = FrameBatch().texts("nope", 25).bytes();
  const ClosePromise promise{1008, "invalid-json", 20, ""};
  run_case("1008 policy-violation", trial_count(kCheapTrials), [&](int) {
    return provoke_close(pod->url(), member_path(random_id(), "refused"), true, burst,
                         filler_batch("nope"), promise);
  });
}

TEST(CloseTorture, AnOversizedMessageFollowedByMoreFramesClosesWith1009) {
  auto pod = start_or_fail(unlimited_rate_flags());
  ASSERT_TRUE(pod);
  // Over the default 65,536-byte limit, then small frames in the same write.
  FrameBatch batch;
  batch.text(std::string(70000, 'x'));
  for (int i = 0; i < 5; ++i) batch.text(broadcast_ice());
  const ClosePromise promise{1009, "", 0, ""};
  run_case("1009 message-too-big", trial_count(kCheapTrials), [&](int) {
    return provoke_close(pod->url(), member_path(random_id(), "big"), true, batch.bytes(),
                         filler_batch(broadcast_ice()), promise);
  });
}

TEST(CloseTorture, AFloodPastTheRateBurstGetsRateLimitedThenClose4029) {
  constexpr int kBurst = 20;
  auto pod = start_or_fail({"--rate-burst", std::to_string(kBurst), "--rate-per-second", "1"});
  ASSERT_TRUE(pod);
  const std::string flood = FrameBatch().texts(broadcast_ice(), kBurst + 10).bytes();
  const ClosePromise promise{4029, "rate-limited", 1, ""};
  run_case("4029 rate-limited", trial_count(kCheapTrials), [&](int) {
    return provoke_close(pod->url(), member_path(random_id(), "flooder"), true, flood,
                         filler_batch(broadcast_ice()), promise);
  });
}

TEST(CloseTorture, AnInvalidRoomIdGetsBadRequestThenClose4000WhileTheClientWrites) {
  auto pod = start_or_fail(unlimited_rate_flags());
  ASSERT_TRUE(pod);
  const std::string too_long_room(65, 'r');
  const ClosePromise promise{4000, "bad-request", 1, ""};
  run_case("4000 bad-request", trial_count(kCheapTrials), [&](int) {
    return provoke_close(pod->url(), member_path(too_long_room, "x"), false, "",
                         filler_batch(broadcast_ice()), promise);
  });
}

class AuthCloseTorture : public ::testing::Test {
 protected:
  static constexpr const char* kSecret = "torture-secret";

  void SetUp() override {
    pod_ = start_or_fail(with(unlimited_rate_flags(), {"--jwt-secret-file", secret_.path()}));
  }

  // A valid token granting `room` to `peer` for ten minutes.
  static std::string token(const std::string& peer, const std::string& room) {
    const long long exp = static_cast<long long>(std::time(nullptr)) + 600;
    return auth::sign_token(
        R"({"sub":")" + peer + R"(","room":")" + room + R"(","exp":)" + std::to_string(exp) + "}",
        kSecret);
  }

  SecretFile secret_{kSecret};
  std::unique_ptr<BinaryPod> pod_;
};

TEST_F(AuthCloseTorture, ABadTokenGetsUnauthorizedThenClose4001WhileTheClientWrites) {
  ASSERT_TRUE(pod_);
  const std::string badly_signed =
      auth::sign_token(R"({"sub":"x","room":"*","exp":9999999999})", "another-secret");
  const ClosePromise promise{4001, "unauthorized", 1, ""};
  run_case("4001 unauthorized", trial_count(kCheapTrials), [&](int) {
    return provoke_close(pod_->url(), member_path(random_id(), "x") + "&token=" + badly_signed,
                         false, "", filler_batch(broadcast_ice()), promise);
  });
}

TEST_F(AuthCloseTorture, ATokenForAnotherRoomGetsForbiddenThenClose4003WhileTheClientWrites) {
  ASSERT_TRUE(pod_);
  const std::string other_room = token("x", "another-room");
  const ClosePromise promise{4003, "forbidden", 1, ""};
  run_case("4003 forbidden", trial_count(kCheapTrials), [&](int) {
    return provoke_close(pod_->url(), member_path(random_id(), "x") + "&token=" + other_room, false,
                         "", filler_batch(broadcast_ice()), promise);
  });
}

TEST(CloseTorture, OneTooManyForAFullRoomGetsRoomFullThenClose4013WhileItWrites) {
  auto pod = start_or_fail(with(unlimited_rate_flags(), {"--max-room-members", "2"}));
  ASSERT_TRUE(pod);
  const std::string room = random_id();
  RawWsClient first;
  RawWsClient second;
  ASSERT_EQ(join(first, pod->url(), member_path(room, "first")), "");
  ASSERT_EQ(join(second, pod->url(), member_path(room, "second")), "");
  const ClosePromise promise{4013, "room-full", 1, ""};
  run_case("4013 room-full", trial_count(kCheapTrials), [&](int i) {
    return provoke_close(pod->url(), member_path(room, "extra" + std::to_string(i)), false, "",
                         filler_batch(broadcast_ice()), promise);
  });
  // The refused never joined: the members stay, undisturbed.
  TrialResult members;
  close_without_flaws(first, "first member", members);
  close_without_flaws(second, "second member", members);
  EXPECT_TRUE(members.passed()) << members.detail;
}

}  // namespace
}  // namespace signalmesh::test
