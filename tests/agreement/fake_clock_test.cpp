// The test clock itself: the scenarios rely on timers firing in time order,
// on cancelled timers never running, and on timers that stop or start timers.
#include "agreement/fake_clock.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace signalmesh::agreement_test {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, TimeMovesOnlyWhenAdvancedAndTheWallClockFollowsIt) {
  FakeClock clock;
  const auto t0 = clock.now();
  const auto u0 = clock.unix_us();
  EXPECT_EQ(u0, FakeClock::kUnixStartUs);
  EXPECT_EQ(clock.now(), t0);
  clock.advance(1500ms);
  EXPECT_EQ(clock.now() - t0, 1500ms);
  EXPECT_EQ(clock.unix_us() - u0, 1'500'000u);
}

TEST(FakeClock, AdvanceFiresDueTimersInTimeOrderAtTheirOwnTime) {
  FakeClock clock;
  const auto t0 = clock.now();
  std::vector<std::string> fired;
  auto late = clock.start_timer(
      30ms, [&] { fired.push_back("30@" + std::to_string((clock.now() - t0) / 1ms)); });
  auto early = clock.start_timer(
      10ms, [&] { fired.push_back("10@" + std::to_string((clock.now() - t0) / 1ms)); });
  auto tie = clock.start_timer(10ms, [&] { fired.push_back("10b"); });
  auto never = clock.start_timer(31ms, [&] { fired.push_back("31"); });
  clock.advance(30ms);
  EXPECT_EQ(fired, (std::vector<std::string>{"10@10", "10b", "30@30"}));
  EXPECT_EQ(clock.pending_timers(), 1u);
  clock.advance(1ms);
  EXPECT_EQ(fired.back(), "31");
}

TEST(FakeClock, ATimerDestroyedBeforeItFiresNeverRuns) {
  FakeClock clock;
  bool ran = false;
  auto timer = clock.start_timer(5ms, [&] { ran = true; });
  timer.reset();
  clock.advance(10ms);
  EXPECT_FALSE(ran);
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST(FakeClock, ATimersFunctionMayDestroyItsTimerAndStartNewOnes) {
  FakeClock clock;
  std::vector<std::string> fired;
  std::unique_ptr<cluster::Timer> self;
  std::unique_ptr<cluster::Timer> next;
  std::unique_ptr<cluster::Timer> doomed =
      clock.start_timer(20ms, [&] { fired.push_back("doomed"); });
  self = clock.start_timer(10ms, [&] {
    fired.push_back("self");
    self.reset();    // its own timer
    doomed.reset();  // another, not yet due
    next = clock.start_timer(0ms, [&] { fired.push_back("now"); });
  });
  clock.advance(25ms);
  EXPECT_EQ(fired, (std::vector<std::string>{"self", "now"}));
}

TEST(FakeClock, ATimerMayOutliveItsClock) {
  std::unique_ptr<cluster::Timer> timer;
  {
    FakeClock clock;
    timer = clock.start_timer(5ms, [] {});
  }
  timer.reset();  // no crash, nothing to cancel
  SUCCEED();
}

TEST(FakeClock, ASkewedViewSharesTimeAndTimersButNotTheWallClock) {
  FakeClock clock;
  SkewedClock behind(clock, -250ms);
  EXPECT_EQ(behind.now(), clock.now());
  EXPECT_EQ(clock.unix_us() - behind.unix_us(), 250'000u);
  bool ran = false;
  auto timer = behind.start_timer(5ms, [&] { ran = true; });
  clock.advance(5ms);
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace signalmesh::agreement_test
