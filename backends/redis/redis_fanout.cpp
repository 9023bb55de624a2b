#include "redis/redis_fanout.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <stdexcept>

#include "core/log.hpp"
#include "core/prometheus.hpp"

namespace signalmesh::backends::redis {

namespace {

using std::chrono::milliseconds;

RedisUrl parse_or_throw(const std::string& url) {
  std::string error;
  auto parsed = parse_redis_url(url, &error);
  if (!parsed) throw std::invalid_argument(error);
  return *parsed;
}

}  // namespace

struct RedisFanout::Loop {
  explicit Loop(asio::io_context& io) : tick(io), retry(io), resolver(io) {}
  asio::steady_timer tick;   // timeouts and probes
  asio::steady_timer retry;  // the next reconnect
  asio::ip::tcp::resolver resolver;
};

RedisFanout::RedisFanout(const std::string& url, RedisOptions options)
    : RedisFanout(parse_or_throw(url), options) {}

RedisFanout::RedisFanout(RedisUrl url, RedisOptions options)
    : url_(std::move(url)), options_(options), rng_(std::random_device{}()) {
  static const char kHex[] = "0123456789abcdef";
  probe_channel_ = "pod-probe:";
  for (int i = 0; i < 16; ++i) probe_channel_ += kHex[rng_() % 16];
}

RedisFanout::~RedisFanout() {
  stop();
}

void RedisFanout::start(asio::io_context& loop, FanoutHandlers handlers) {
  stop();
  loop_ = &loop;
  handlers_ = std::move(handlers);
  timers_ = std::make_unique<Loop>(loop);
  backoff_ = options_.backoff_min;
  outage_logged_ = false;
  schedule_tick();
  connect();
}

void RedisFanout::stop() {
  if (phase_ == Phase::kStopped) return;
  phase_ = Phase::kStopped;
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  close_links();
  timers_.reset();  // cancels; their queued handlers find alive == false
  channels_.clear();
  loop_ = nullptr;
}

bool RedisFanout::subscribe(const std::string& channel) {
  if (!channels_.insert(channel).second) return false;
  if (sub_.command(&on_sub_reply, nullptr, {"SUBSCRIBE", channel})) ++subscribe_acks_;
  return true;
}

bool RedisFanout::unsubscribe(const std::string& channel) {
  if (channels_.erase(channel) == 0) return false;
  sub_.command(&on_sub_reply, nullptr, {"UNSUBSCRIBE", channel});
  return true;
}

bool RedisFanout::publish(const std::string& channel, std::string_view payload) {
  const std::size_t bytes = channel.size() + payload.size();
  if (phase_ == Phase::kUp && pending_bytes_ + bytes <= options_.max_pending_bytes) {
    if (subscribe_acks_ > 0) {
      held_.emplace_back(channel, payload);
      pending_bytes_ += bytes;
      return true;
    }
    if (send_publish(channel, payload, bytes)) return true;
  }
  ++stats_.dropped_publishes;
  return false;
}

bool RedisFanout::send_publish(std::string_view channel, std::string_view payload,
                               std::size_t bytes) {
  void* tag = reinterpret_cast<void*>(std::uintptr_t{bytes});
  if (!pub_.command(&on_pub_reply, tag, {"PUBLISH", channel, payload})) return false;
  pending_bytes_ += bytes;
  return true;
}

// ---- connecting -------------------------------------------------------------

void RedisFanout::connect() {
  phase_ = Phase::kConnecting;
  attempt_started_ = Clock::now();
  ++attempt_;
  ++stats_.connect_attempts;
  asio::error_code ec;
  asio::ip::make_address(url_.host, ec);
  if (!ec) return open_links(url_.host);
  // A host name: resolve off the loop (hiredis would block in getaddrinfo).
  timers_->resolver.async_resolve(
      url_.host, std::to_string(url_.port),
      [this, alive = alive_, attempt = attempt_](const asio::error_code& error,
                                                 const asio::ip::tcp::resolver::results_type& r) {
        if (!*alive || attempt != attempt_ || phase_ != Phase::kConnecting) return;
        if (error || r.empty()) return fail("cannot resolve " + url_.host + ": " + error.message());
        open_links(r.begin()->endpoint().address().to_string());
      });
}

// Everything is queued at once; hiredis writes it when the connect completes.
void RedisFanout::open_links(const std::string& address) {
  std::string why;
  for (RedisLink* link : {&pub_, &sub_}) {
    if (!link->open(*loop_, address, url_.port, this, &on_link_lost, &why)) {
      return fail("cannot connect to " + address + ": " + why);
    }
    if (!url_.password.empty() && url_.user.empty()) {
      link->command(&on_setup_reply, nullptr, {"AUTH", url_.password});
    } else if (!url_.password.empty()) {
      link->command(&on_setup_reply, nullptr, {"AUTH", url_.user, url_.password});
    }
    if (url_.db != 0) link->command(&on_setup_reply, nullptr, {"SELECT", std::to_string(url_.db)});
  }
  std::vector<std::string_view> args{"SUBSCRIBE", probe_channel_};
  args.insert(args.end(), channels_.begin(), channels_.end());
  initial_acks_ = args.size() - 1;
  sub_.command(&on_sub_reply, nullptr, args, initial_acks_);
}

void RedisFanout::send_probe() {
  probe_token_ = std::to_string(++probe_seq_);
  probe_sent_ = Clock::now();
  probe_outstanding_ = pub_.command(&on_pub_reply, reinterpret_cast<void*>(kProbeTag),
                                    {"PUBLISH", probe_channel_, probe_token_});
}

// ---- failure, reconnect, timers ---------------------------------------------

// Runs no handler: on_state(false) is posted.
void RedisFanout::fail(const std::string& why) {
  if (phase_ != Phase::kConnecting && phase_ != Phase::kUp) return;
  const bool was_up = phase_ == Phase::kUp;
  phase_ = Phase::kDown;
  if (was_up) ++stats_.downs;
  if (!outage_logged_) {
    SM_WARN("redis backend " << (was_up ? "down" : "not up") << " (" << url_.host << ":"
                             << url_.port << "): " << why << "; reconnecting");
    outage_logged_ = true;
  } else {
    SM_DEBUG("redis backend still down: " << why);
  }
  close_links();
  schedule_reconnect();
  if (was_up) notify(false);
}

void RedisFanout::close_links() {
  sub_.close();
  pub_.close();
  held_.clear();
  pending_bytes_ = 0;
  initial_acks_ = subscribe_acks_ = 0;
  probe_outstanding_ = false;
}

void RedisFanout::schedule_reconnect() {
  const auto half = backoff_.count() / 2;
  const milliseconds delay(half + static_cast<long>(rng_() % static_cast<std::uint64_t>(half + 1)));
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  timers_->retry.expires_after(delay);
  timers_->retry.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (*alive && !ec && phase_ == Phase::kDown) connect();
  });
}

void RedisFanout::schedule_tick() {
  const auto shortest = std::min({options_.probe_interval, options_.probe_timeout,
                                  options_.command_timeout, options_.connect_timeout});
  tick_period_ = std::max(milliseconds(5), shortest / 4);
  tick_due_ = Clock::now() + tick_period_;
  timers_->tick.expires_after(tick_period_);
  timers_->tick.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!*alive || ec) return;
    on_tick();
    schedule_tick();
  });
}

void RedisFanout::on_tick() {
  const auto now = Clock::now();
  // A tick a whole period late means the loop itself stalled, and replies may
  // sit unread in the sockets: let them be read before judging (once).
  const bool stalled_loop = now - tick_due_ > tick_period_;
  if (stalled_loop && !skipped_tick_) {
    skipped_tick_ = true;
    return;
  }
  skipped_tick_ = false;
  if (phase_ == Phase::kConnecting && now - attempt_started_ > options_.connect_timeout) {
    return fail("not up within " + std::to_string(options_.connect_timeout.count()) + " ms");
  }
  if (phase_ != Phase::kConnecting && phase_ != Phase::kUp) return;
  if (sub_.stalled(now, options_.command_timeout) || pub_.stalled(now, options_.command_timeout)) {
    return fail("no reply for " + std::to_string(options_.command_timeout.count()) + " ms");
  }
  if (probe_outstanding_ && now - probe_sent_ > options_.probe_timeout) {
    return fail("probe not back within " + std::to_string(options_.probe_timeout.count()) + " ms");
  }
  if (phase_ == Phase::kUp && !probe_outstanding_ && now - probe_sent_ >= options_.probe_interval) {
    send_probe();
  }
}

void RedisFanout::notify(bool up) {
  asio::post(*loop_, [this, alive = alive_, up] {
    if (*alive && handlers_.on_state) handlers_.on_state(up);
  });
}

void RedisFanout::append_metrics(std::string& out) const {
  using prometheus::counter;
  using prometheus::gauge;
  counter(out, "signalmesh_redis_downs_total",
          "Times the connection to Redis was lost after being up.", stats_.downs);
  counter(out, "signalmesh_redis_connect_attempts_total",
          "Connection attempts to Redis, the first one included.", stats_.connect_attempts);
  counter(out, "signalmesh_redis_dropped_publishes_total",
          "Publishes dropped: Redis down, or too many bytes awaiting its replies.",
          stats_.dropped_publishes);
  gauge(out, "signalmesh_redis_pending_bytes",
        "Bytes of publishes held for a subscription or awaiting Redis' reply.", pending_bytes_);
  gauge(out, "signalmesh_redis_held_publishes",
        "Publishes held until Redis acknowledges a subscription before them.", held_.size());
}

}  // namespace signalmesh::backends::redis
