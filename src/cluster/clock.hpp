// Time for the cluster agreement: the steady clock it measures silences and
// deadlines by, the wall clock that orders joins across pods, and one-shot
// timers. The gateway implements it over Asio (asio_clock.hpp); the unit
// tests over a clock they advance by hand. Loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace signalmesh::cluster {

// A pending one-shot timer; destroying it cancels it (its function never runs).
class Timer {
 public:
  virtual ~Timer() = default;
};

class Clock {
 public:
  using Time = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual Time now() const = 0;
  // Microseconds since the Unix epoch (comparable between pods).
  virtual std::uint64_t unix_us() const = 0;
  // Runs `fn` once on the loop after `delay`, unless the timer is destroyed
  // first. `fn` may destroy the timer that runs it.
  virtual std::unique_ptr<Timer> start_timer(Duration delay, std::function<void()> fn) = 0;

 protected:
  ~Clock() = default;
};

}  // namespace signalmesh::cluster
