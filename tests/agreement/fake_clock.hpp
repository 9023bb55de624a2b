// A cluster::Clock whose time only moves when a test says so. advance()
// fires the timers that fall due, in time order (ties: in the order they were
// started); a timer destroyed before it fires never runs; a timer's function
// may destroy its own timer or start new ones (a new one that falls due within
// the same advance() fires in it). unix_us() is a fixed epoch plus the time
// elapsed, so join orders and incarnations follow the hand-driven time.
//
// SkewedClock is one pod's view of a shared FakeClock whose wall clock is off
// by a fixed amount (steady time and timers are the shared ones).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "cluster/clock.hpp"

namespace signalmesh::agreement_test {

class FakeClock final : public cluster::Clock {
 public:
  // 2023-11-14T22:13:20Z: any fixed, realistic wall-clock start will do.
  static constexpr std::uint64_t kUnixStartUs = 1'700'000'000'000'000;

  FakeClock();
  ~FakeClock();
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  Time now() const override;
  std::uint64_t unix_us() const override;
  std::unique_ptr<cluster::Timer> start_timer(Duration delay, std::function<void()> fn) override;

  // Moves time forward by `by`, firing every timer due up to the new time.
  void advance(Duration by);
  // When the earliest pending timer is due; nullopt when none is pending.
  std::optional<Time> next_due() const;
  std::size_t pending_timers() const;
  // Time elapsed since the clock was made.
  Duration elapsed() const;

 private:
  class FakeTimer;
  using Key = std::pair<Time, std::uint64_t>;  // due, start order
  struct State {
    Time now;
    std::uint64_t next_seq = 0;
    std::map<Key, std::function<void()>> timers;
  };
  std::shared_ptr<State> state_;
  Time origin_;
};

class SkewedClock final : public cluster::Clock {
 public:
  SkewedClock(FakeClock& base, std::chrono::microseconds wall_skew = {})
      : base_(base), skew_(wall_skew) {}

  Time now() const override { return base_.now(); }
  std::uint64_t unix_us() const override {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(base_.unix_us()) + skew_.count());
  }
  std::unique_ptr<cluster::Timer> start_timer(Duration delay, std::function<void()> fn) override {
    return base_.start_timer(delay, std::move(fn));
  }
  void set_skew(std::chrono::microseconds skew) { skew_ = skew; }

 private:
  FakeClock& base_;
  std::chrono::microseconds skew_;
};

}  // namespace signalmesh::agreement_test
