// The Redis fan-out backend: envelopes travel as Redis pub/sub messages, one
// Redis channel per adapter channel. It holds two hiredis connections on the
// gateway's loop: a subscriber (a subscribed connection may only
// (UN)SUBSCRIBE) and a publisher (AUTH/SELECT, then pipelined PUBLISH).
//
// The adapter keeps the set of channels it was asked for and re-subscribes
// all of them on every new connection. It is up only when both connections
// are open, every wanted channel is subscribed (acknowledged), and a probe
// published on its own `pod-probe:{random}` channel came back through the
// subscriber. Probes repeat while up: a connection that looks open but
// delivers nothing (a frozen server, a dropped subscription) fails its probe,
// and the adapter goes down and reconnects, with capped exponential backoff
// and jitter. Like every Redis subscriber, it receives its own publishes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "redis/redis_link.hpp"
#include "redis/redis_url.hpp"
#include "signalmesh/fanout.hpp"

struct redisAsyncContext;

namespace signalmesh::backends::redis {

// Every tunable of the adapter; each default says why.
struct RedisOptions {
  // A probe round trip each second bounds how long a silent subscriber goes
  // unnoticed (interval + timeout) at one tiny PUBLISH per second per pod.
  std::chrono::milliseconds probe_interval{1000};
  // Redis answers in well under a millisecond, but a saturated machine can
  // stall it or us for a second or two (measured under load: p99 2 s). A
  // false "down" costs a reconnect, a resync and in-flight envelopes, so
  // silence must last 3 s before it counts as a fault.
  std::chrono::milliseconds probe_timeout{3000};
  // A connection with commands outstanding and no reply for this long is dead.
  std::chrono::milliseconds command_timeout{4000};
  // From the first connect() to the first probe back, DNS included.
  std::chrono::milliseconds connect_timeout{2000};
  // Reconnect delays double from min to max; each is drawn from [d/2, d] so
  // that the pods of a cluster do not reconnect in lockstep.
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  // Bytes of PUBLISH awaiting Redis' reply beyond which publish() drops:
  // bounds memory when Redis stalls but the connection still looks open.
  std::size_t max_pending_bytes = 64 * 1024 * 1024;
};

class RedisFanout final : public FanoutAdapter {
 public:
  // Throws std::invalid_argument when `url` is not a valid redis:// URL.
  explicit RedisFanout(const std::string& url, RedisOptions options = {});
  RedisFanout(RedisUrl url, RedisOptions options);
  // Stops if still started. Must run before the loop is destroyed.
  ~RedisFanout() override;
  RedisFanout(const RedisFanout&) = delete;
  RedisFanout& operator=(const RedisFanout&) = delete;

  // on_state is always posted to the loop, never called from inside these
  // methods. on_message is called from the loop's read handler and may call
  // any method of this adapter, stop() included.
  void start(asio::io_context& loop, FanoutHandlers handlers) override;
  void stop() override;
  // Subscribing takes effect one round trip later. Publishes issued after
  // subscribe() returned wait for that acknowledgement, so this adapter's own
  // envelopes on the channel, and replies to them, reach it.
  bool subscribe(const std::string& channel) override;
  bool unsubscribe(const std::string& channel) override;
  // Drops (false) while down, or beyond max_pending_bytes awaiting Redis.
  bool publish(const std::string& channel, std::string_view payload) override;
  bool is_up() const override { return phase_ == Phase::kUp; }
  std::string_view name() const override { return "redis"; }
  // signalmesh_redis_*: losses of Redis, connection attempts, dropped
  // publishes, bytes and publishes waiting.
  void append_metrics(std::string& out) const override;

  struct Stats {
    std::uint64_t downs = 0;              // times it went down after being up
    std::uint64_t connect_attempts = 0;   // the first one included
    std::uint64_t dropped_publishes = 0;  // publish() returned false
  };
  const Stats& stats() const { return stats_; }
  const std::string& probe_channel() const { return probe_channel_; }

 private:
  enum class Phase { kStopped, kConnecting, kUp, kDown };
  using Clock = std::chrono::steady_clock;
  // on_pub_reply's privdata: the bytes a PUBLISH holds against
  // max_pending_bytes, or this tag for a probe.
  static constexpr std::uintptr_t kProbeTag = UINTPTR_MAX;
  struct Loop;  // the loop-bound objects: timers and resolver

  static void on_link_lost(void* self, const std::string& why);
  static void on_setup_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_sub_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_pub_reply(redisAsyncContext* ac, void* reply, void* privdata);

  void connect();
  void open_links(const std::string& address);
  bool send_publish(std::string_view channel, std::string_view payload, std::size_t bytes);
  void send_probe();
  void on_message(std::string_view channel, std::string_view payload);
  void on_ack(bool subscribed);
  void fail(const std::string& why);
  void close_links();
  void schedule_reconnect();
  void schedule_tick();
  void on_tick();
  void notify(bool up);

  RedisUrl url_;
  RedisOptions options_;
  asio::io_context* loop_ = nullptr;
  std::unique_ptr<Loop> timers_;
  FanoutHandlers handlers_;
  Phase phase_ = Phase::kStopped;
  std::set<std::string, std::less<>> channels_;
  RedisLink sub_, pub_;
  std::size_t initial_acks_ = 0;    // acks still owed to a connection's first SUBSCRIBE
  std::size_t subscribe_acks_ = 0;  // acks owed to later SUBSCRIBEs
  // Publishes waiting for those later acks, in order.
  std::deque<std::pair<std::string, std::string>> held_;
  std::size_t pending_bytes_ = 0;  // held or awaiting Redis' reply
  std::string probe_channel_;
  std::string probe_token_;
  std::uint64_t probe_seq_ = 0;
  bool probe_outstanding_ = false;
  Clock::time_point probe_sent_;
  Clock::time_point attempt_started_;
  std::uint64_t attempt_ = 0;
  bool outage_logged_ = false;
  std::chrono::milliseconds tick_period_{0};
  Clock::time_point tick_due_;
  bool skipped_tick_ = false;
  std::chrono::milliseconds backoff_{0};
  std::mt19937_64 rng_;
  Stats stats_;
  // Guards handlers queued on the loop before stop() from running after it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace signalmesh::backends::redis
