// The Redis store's one connection, on the gateway's loop: connect (AUTH,
// SELECT, SCRIPT LOAD of every script, then "up"), commands with a timeout,
// and reconnect with backoff after a lost or stalled connection. The store's
// records and scripts live above it (redis_store.cpp); this is only the wire.
//
// Two kinds of command:
// - retried (the mirror writes, all idempotent): queued while the store is
//   down, in order, at most `max_queued_writes` (the oldest is dropped with
//   kUnavailable); one in flight when the connection is lost is sent again
//   after the reconnect, so a write that was applied may be applied twice,
//   which the scripts make harmless.
// - once (the API's reads and writes): fail with kUnavailable at once while
//   the store is known to be down, or when no reply came within the timeout
//   (queued during a connect, or in flight).
//
// A command in flight for longer than the timeout means the server stalled
// (Redis answers in order, one at a time): the connection is dropped and
// opened again, as when it is lost.
//
// Handlers are always posted to the loop, never run inside a call or inside
// hiredis' own callbacks, and never after stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "redis/redis_url.hpp"
#include "signalmesh/store.hpp"
#include "store/redis/redis_scripts.hpp"

struct redisAsyncContext;

namespace asio {
class io_context;
}

namespace signalmesh::store::redis {

// An owned copy of a hiredis reply.
struct Reply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;
  long long integer = 0;
  std::vector<Reply> elements;
};

class RedisClient {
 public:
  using Clock = std::chrono::steady_clock;
  // kOk with the reply (which may be a Redis error reply), or kUnavailable.
  using Handler = std::function<void(Result<Reply>)>;

  struct Options {
    backends::redis::RedisUrl url;
    std::chrono::milliseconds timeout{2000};
    std::size_t max_queued_writes = 10000;
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{5000};
  };

  explicit RedisClient(Options options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Loop thread only, as is everything below.
  void start(asio::io_context& loop, std::function<void(bool)> on_state);
  void stop();
  bool is_up() const { return phase_ == Phase::kUp; }
  // Why the last connection failed or was dropped ("" if none did).
  const std::string& last_error() const { return last_error_; }

  // EVALSHA of `script` with `keys` and `args`.
  void eval(Script script, std::vector<std::string> keys, std::vector<std::string> args,
            bool retried, Handler handler);
  // A plain command.
  void command(std::vector<std::string> args, bool retried, Handler handler);

  void append_metrics(std::string& out) const;

 private:
  enum class Phase { kIdle, kConnecting, kUp, kDown, kStopped };
  struct Request {
    std::vector<std::string> args;  // for a script: after EVALSHA and its sha
    std::optional<Script> script;
    bool retried = false;
    Clock::time_point deadline;                   // for a `once` command
    Handler handler;                              // empty: answered already
    std::function<void(const Reply*)> handshake;  // set for a handshake step
  };
  struct InFlight {
    Request request;
    Clock::time_point sent;
  };

  void submit(Request request);
  void send(Request request);
  void connect();
  void open(const std::string& address);
  void handshake_step(std::vector<std::string> args, std::function<void(const Reply*)> done);
  void on_handshaken();
  void fail(const std::string& why);
  void close_context();
  void schedule_reconnect();
  void tick();
  void answer(Request& request, Result<Reply> result);
  void unavailable(Request& request, const std::string& why);

  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  void handle_reply(const void* reply);

  struct Timers;
  Options options_;
  asio::io_context* loop_ = nullptr;
  std::function<void(bool)> on_state_;
  std::shared_ptr<bool> alive_;  // false once stopped: posted work then does nothing
  std::unique_ptr<Timers> timers_;
  Phase phase_ = Phase::kIdle;
  bool reported_up_ = false;
  bool reported_down_ = false;
  std::string last_error_;
  redisAsyncContext* ac_ = nullptr;
  std::vector<std::string> shas_;
  std::size_t handshake_left_ = 0;
  Clock::time_point attempt_started_;
  std::uint64_t attempt_ = 0;
  std::chrono::milliseconds backoff_;
  std::minstd_rand rng_;
  std::deque<Request> queue_;  // waiting for a connection
  std::size_t queued_writes_ = 0;
  std::deque<InFlight> inflight_;

  struct Stats {
    std::uint64_t commands = 0, error_replies = 0, timeouts = 0, unavailable = 0;
    std::uint64_t connects = 0, outages = 0, dropped_writes = 0;
  } stats_;
};

}  // namespace signalmesh::store::redis
