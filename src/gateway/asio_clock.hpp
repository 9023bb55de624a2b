// The agreement's clock and timers on the gateway's Asio loop.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "cluster/clock.hpp"

namespace signalmesh {

class AsioClock final : public cluster::Clock {
 public:
  explicit AsioClock(asio::io_context& loop) : loop_(loop) {}

  Time now() const override { return std::chrono::steady_clock::now(); }
  std::uint64_t unix_us() const override {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  }
  std::unique_ptr<cluster::Timer> start_timer(Duration delay, std::function<void()> fn) override {
    return std::make_unique<AsioTimer>(loop_, delay, std::move(fn));
  }

 private:
  class AsioTimer final : public cluster::Timer {
   public:
    AsioTimer(asio::io_context& loop, Duration delay, std::function<void()> fn) : timer_(loop) {
      timer_.expires_after(delay);
      // The handler owns `fn`, so `fn` may destroy this timer while it runs.
      // An expired wait's handler may already be queued when the timer is
      // destroyed (cancel comes too late then): `alive_` tells it.
      timer_.async_wait(
          [fn = std::move(fn), alive = std::weak_ptr<bool>(alive_)](const asio::error_code& ec) {
            if (!ec && !alive.expired()) fn();
          });
    }

   private:
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    asio::steady_timer timer_;
  };

  asio::io_context& loop_;
};

}  // namespace signalmesh
