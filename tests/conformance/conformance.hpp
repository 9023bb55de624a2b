// What the adapter conformance tests share: a loop driven by the test thread
// until an event (never a blind sleep), a recorder of what an adapter hands
// to the gateway, and Redis and ZeroMQ timers short enough for tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redis/redis_fanout.hpp"
#include "signalmesh/fanout.hpp"
#include "zmq/zmq_fanout.hpp"

namespace signalmesh::test {

using Ms = std::chrono::milliseconds;
inline constexpr Ms kEventWait{5000};

// One io_context run by the test thread, in bounded slices.
class TestLoop {
 public:
  asio::io_context& io() { return io_; }
  // Runs handlers until `done()` holds or `timeout` passed; returns done().
  template <typename Pred>
  bool run_until(Pred done, Ms timeout = kEventWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      io_.run_one_for(std::min<std::chrono::steady_clock::duration>(deadline - now, Ms(20)));
    }
    return true;
  }
  // Runs whatever is ready now, without waiting.
  void poll() { io_.poll(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
};

// Payloads that start with this are the markers of subscribe_live(): an
// Inbox keeps them apart, so that tests see only their own envelopes.
inline constexpr std::string_view kMarker = "\x01marker ";

// Records an adapter's upcalls in order.
struct Inbox {
  std::vector<std::pair<std::string, std::string>> messages;
  std::vector<std::pair<std::string, std::string>> markers;
  std::vector<bool> states;
  // Runs after each envelope is recorded (markers included), like a gateway
  // reacting to it; may call the adapter.
  std::function<void(std::string_view channel, std::string_view payload)> then;

  FanoutHandlers handlers() {
    return {[this](std::string_view channel, std::string_view payload) {
              auto& list = payload.substr(0, kMarker.size()) == kMarker ? markers : messages;
              list.emplace_back(channel, payload);
              if (then) then(channel, payload);
            },
            [this](bool up) { states.push_back(up); }};
  }
  bool up() const { return !states.empty() && states.back(); }
  bool down() const { return !states.empty() && !states.back(); }
  // The payloads received on `channel`, in order.
  std::vector<std::string> on(std::string_view channel) const {
    std::vector<std::string> out;
    for (const auto& [c, p] : messages) {
      if (c == channel) out.push_back(p);
    }
    return out;
  }
  bool has(std::string_view channel, std::string_view payload) const {
    const std::pair<std::string, std::string> wanted(channel, payload);
    const auto& list = payload.substr(0, kMarker.size()) == kMarker ? markers : messages;
    return std::find(list.begin(), list.end(), wanted) != list.end();
  }
};

// Subscribes and waits until the adapter hears its own marker on the
// channel: from then on envelopes from any adapter reach it.
inline ::testing::AssertionResult subscribe_live(TestLoop& loop, FanoutAdapter& adapter,
                                                 Inbox& inbox, const std::string& channel) {
  static int serial = 0;
  const std::string marker = std::string(kMarker) + std::to_string(++serial);
  if (!adapter.subscribe(channel)) return ::testing::AssertionFailure() << "already subscribed";
  if (!adapter.publish(channel, marker)) return ::testing::AssertionFailure() << "publish failed";
  if (!loop.run_until([&] { return inbox.has(channel, marker); })) {
    return ::testing::AssertionFailure() << "own marker never came back on " << channel;
  }
  return ::testing::AssertionSuccess();
}

// Failures noticed within a few hundred milliseconds, retries every few tens.
inline backends::redis::RedisOptions fast_redis_options() {
  backends::redis::RedisOptions o;
  o.probe_interval = Ms(100);
  o.probe_timeout = Ms(400);
  o.command_timeout = Ms(500);
  o.connect_timeout = Ms(1000);
  o.backoff_min = Ms(20);
  o.backoff_max = Ms(200);
  return o;
}

// Loopback on a port ZeroMQ picks; failures noticed within a few hundred
// milliseconds; a loss-triggered resync at most every 100 ms.
inline backends::zmq::ZmqOptions fast_zmq_options() {
  backends::zmq::ZmqOptions o;
  o.bind = "tcp://127.0.0.1:*";
  o.join_timeout = Ms(3000);
  o.probe_timeout = Ms(1000);
  o.peer_silence = Ms(3000);
  o.resync_interval = Ms(100);
  o.reconnect_interval = Ms(20);
  o.handshake_retry_min = Ms(20);
  o.handshake_retry_max = Ms(100);
  return o;
}

}  // namespace signalmesh::test
