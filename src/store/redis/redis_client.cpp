// RedisClient (redis_client.hpp): commands, the queue that waits for a
// connection, timeouts and reconnect timing. The hiredis half is in
// redis_client_wire.cpp.
#include "store/redis/redis_client.hpp"

#include <hiredis/async.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

namespace signalmesh::store::redis {
namespace {

using std::chrono::milliseconds;

}  // namespace

struct RedisClient::Timers {
  explicit Timers(asio::io_context& loop) : tick(loop), retry(loop), resolver(loop) {}
  asio::steady_timer tick;
  asio::steady_timer retry;
  asio::ip::tcp::resolver resolver;
};

RedisClient::RedisClient(Options options)
    : options_(std::move(options)), backoff_(options_.backoff_min), rng_(std::random_device{}()) {}

RedisClient::~RedisClient() {
  stop();
}

void RedisClient::start(asio::io_context& loop, std::function<void(bool)> on_state) {
  loop_ = &loop;
  on_state_ = std::move(on_state);
  alive_ = std::make_shared<bool>(true);
  timers_ = std::make_unique<Timers>(loop);
  tick();
  connect();
}

void RedisClient::stop() {
  if (phase_ == Phase::kIdle || phase_ == Phase::kStopped) return;
  phase_ = Phase::kStopped;
  *alive_ = false;
  close_context();
  timers_.reset();  // cancels the waits; their handlers see alive_ false
  queue_.clear();
  inflight_.clear();
  queued_writes_ = 0;
}

void RedisClient::eval(Script script, std::vector<std::string> keys, std::vector<std::string> args,
                       bool retried, Handler handler) {
  Request r;
  r.script = script;
  r.args.reserve(1 + keys.size() + args.size());
  r.args.push_back(std::to_string(keys.size()));
  for (auto& k : keys) r.args.push_back(std::move(k));
  for (auto& a : args) r.args.push_back(std::move(a));
  r.retried = retried;
  r.handler = std::move(handler);
  submit(std::move(r));
}

void RedisClient::command(std::vector<std::string> args, bool retried, Handler handler) {
  Request r;
  r.args = std::move(args);
  r.retried = retried;
  r.handler = std::move(handler);
  submit(std::move(r));
}

void RedisClient::submit(Request request) {
  if (phase_ == Phase::kIdle || phase_ == Phase::kStopped) return;
  request.deadline = Clock::now() + options_.timeout;
  if (phase_ == Phase::kUp) return send(std::move(request));
  if (!request.retried) {
    // Known down (waiting out a backoff): say so now rather than in 2 s.
    if (phase_ == Phase::kDown) return unavailable(request, "the store is unreachable");
    queue_.push_back(std::move(request));
    return;
  }
  if (queued_writes_ >= options_.max_queued_writes) {
    const auto oldest =
        std::find_if(queue_.begin(), queue_.end(), [](const Request& r) { return r.retried; });
    if (oldest != queue_.end()) {
      ++stats_.dropped_writes;
      unavailable(*oldest, "dropped: too many writes waiting for the store");
      queue_.erase(oldest);
      --queued_writes_;
    }
  }
  if (queued_writes_ < options_.max_queued_writes) {
    queue_.push_back(std::move(request));
    ++queued_writes_;
  } else {
    ++stats_.dropped_writes;
    unavailable(request, "dropped: no write may wait for the store");
  }
}

void RedisClient::send(Request request) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(request.args.size() + 2);
  lens.reserve(request.args.size() + 2);
  if (request.script) {
    const std::string& sha = shas_[static_cast<std::size_t>(*request.script)];
    argv.insert(argv.end(), {"EVALSHA", sha.c_str()});
    lens.insert(lens.end(), {7, sha.size()});
  }
  for (const auto& a : request.args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (ac_ == nullptr) {
    // Lost while this was being issued (a handshake step after a failed
    // one, or a queued command after a drop): wait or fail like any other.
    if (!request.handshake) submit(std::move(request));
    return;
  }
  ++stats_.commands;
  const bool queued = redisAsyncCommandArgv(ac_, &on_reply, nullptr, static_cast<int>(argv.size()),
                                            argv.data(), lens.data()) == REDIS_OK;
  inflight_.push_back(InFlight{std::move(request), Clock::now()});
  if (!queued) fail("hiredis refused the command");
}

// ---- connecting ---------------------------------------------------------------

void RedisClient::connect() {
  phase_ = Phase::kConnecting;
  attempt_started_ = Clock::now();
  ++attempt_;
  ++stats_.connects;
  asio::error_code ec;
  asio::ip::make_address(options_.url.host, ec);
  if (!ec) return open(options_.url.host);
  // A host name: resolve off the loop (hiredis would block in getaddrinfo).
  timers_->resolver.async_resolve(
      options_.url.host, std::to_string(options_.url.port),
      [this, alive = alive_, attempt = attempt_](const asio::error_code& error,
                                                 const asio::ip::tcp::resolver::results_type& r) {
        if (!*alive || attempt != attempt_ || phase_ != Phase::kConnecting) return;
        if (error || r.empty()) return fail("cannot resolve " + options_.url.host);
        open(r.begin()->endpoint().address().to_string());
      });
}

void RedisClient::schedule_reconnect() {
  const auto half = backoff_.count() / 2;
  const milliseconds delay(half + static_cast<long>(rng_() % static_cast<unsigned>(half + 1)));
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  timers_->retry.expires_after(delay);
  timers_->retry.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (*alive && !ec && phase_ == Phase::kDown) connect();
  });
}

// hiredis 0.14 has no timer hook: one periodic tick enforces every timeout.
void RedisClient::tick() {
  const auto now = Clock::now();
  const auto timeout = options_.timeout;
  if (phase_ == Phase::kConnecting && now - attempt_started_ > timeout) {
    ++stats_.timeouts;
    fail("no connection within " + std::to_string(timeout.count()) + " ms");
  }
  for (auto& f : inflight_) {
    if (!f.request.retried && f.request.handler && now > f.request.deadline) {
      ++stats_.timeouts;
      unavailable(f.request, "no reply within " + std::to_string(timeout.count()) + " ms");
    }
  }
  if (!inflight_.empty() && now - inflight_.front().sent > timeout) {
    fail("no reply within " + std::to_string(timeout.count()) + " ms");
  }
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->retried || now <= it->deadline) {
      ++it;
      continue;
    }
    ++stats_.timeouts;
    unavailable(*it, "no connection within " + std::to_string(timeout.count()) + " ms");
    it = queue_.erase(it);
  }
  const auto period = std::clamp(timeout / 8, milliseconds(5), milliseconds(250));
  timers_->tick.expires_after(period);
  timers_->tick.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (*alive && !ec) tick();
  });
}

void RedisClient::answer(Request& request, Result<Reply> result) {
  if (!request.handler) return;
  Handler handler = std::move(request.handler);
  request.handler = nullptr;
  asio::post(*loop_, [alive = alive_, h = std::move(handler), r = std::move(result)]() mutable {
    if (*alive) h(std::move(r));
  });
}

void RedisClient::unavailable(Request& request, const std::string& why) {
  if (!request.handler) return;
  ++stats_.unavailable;
  Result<Reply> r;
  r.status = Status::kUnavailable;
  r.message = "redis: " + why;
  answer(request, std::move(r));
}

void RedisClient::append_metrics(std::string& out) const {
  auto line = [&out](const char* name, const char* type, std::uint64_t value) {
    out += "# TYPE signalmesh_store_";
    out += name;
    out += ' ';
    out += type;
    out += "\nsignalmesh_store_";
    out += name;
    out += "{store=\"redis\"} " + std::to_string(value) + "\n";
  };
  line("up", "gauge", phase_ == Phase::kUp ? 1 : 0);
  line("commands_total", "counter", stats_.commands);
  line("error_replies_total", "counter", stats_.error_replies);
  line("timeouts_total", "counter", stats_.timeouts);
  line("unavailable_total", "counter", stats_.unavailable);
  line("connect_attempts_total", "counter", stats_.connects);
  line("outages_total", "counter", stats_.outages);
  line("queued_writes", "gauge", queued_writes_);
  line("dropped_writes_total", "counter", stats_.dropped_writes);
}

}  // namespace signalmesh::store::redis
