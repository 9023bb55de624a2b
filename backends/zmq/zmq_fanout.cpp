// ZmqFanout: sockets, lifecycle and the outbound path (subscribe, probes,
// publish, held publishes, self-echo). What comes in is in
// zmq_fanout_inbound.cpp, the peers and their handshakes in
// zmq_fanout_peers.cpp, the timer, state and metrics in zmq_fanout_state.cpp.
#include "zmq/zmq_fanout.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <random>
#include <stdexcept>

#include "core/log.hpp"
#include "zmq/zmq_sockets.hpp"

namespace signalmesh::backends::zmq {

namespace {

bool is_usage_error(int error) {
  return error == EINVAL || error == EPROTONOSUPPORT || error == ENOCOMPATPROTO || error == ENODEV;
}

}  // namespace

ZmqFanout::ZmqFanout(ZmqOptions options) : options_(std::move(options)), frames_(3) {
  if (options_.bind.empty()) {
    throw std::invalid_argument("the zmq backend needs an endpoint to bind (--zmq-bind)");
  }
  if (options_.curve.enabled()) {
    if (!curve_available()) throw std::invalid_argument("this libzmq has no CURVE support");
    const std::string derived = public_key_of(options_.curve.secret_key);
    if (options_.curve.public_key.empty()) options_.curve.public_key = derived;
    if (options_.curve.public_key != derived) {
      throw std::invalid_argument("the CURVE public key does not belong to the secret key");
    }
    for (const auto& peer : options_.peers) {
      if (peer.server_key.size() != kZ85KeySize) {
        throw std::invalid_argument("no CURVE public key for peer " + peer.endpoint);
      }
    }
  }
  std::random_device random;
  while (instance_ == 0) instance_ = (std::uint64_t{random()} << 32) ^ random();
  open();
  for (const auto& peer : options_.peers) connect_peer(peer);
}

ZmqFanout::~ZmqFanout() {
  stop();
  sockets_.reset();
}

void ZmqFanout::open() {
  auto s = std::make_unique<Sockets>();
  const auto& o = options_;
  try {
    if (o.curve.enabled()) {
      std::set<std::string> mesh_keys{o.curve.public_key};
      for (const auto& peer : o.peers) mesh_keys.insert(peer.server_key);
      s->zap = std::make_unique<ZapHandler>(s->context, mesh_keys);
    }
    for (::zmq::socket_t* socket : {&s->pub, &s->sub}) {
      socket->set(::zmq::sockopt::linger, 0);
      socket->set(::zmq::sockopt::heartbeat_ivl, static_cast<int>(o.heartbeat_interval.count()));
      socket->set(::zmq::sockopt::heartbeat_timeout, static_cast<int>(o.heartbeat_timeout.count()));
    }
    s->pub.set(::zmq::sockopt::sndhwm, o.sndhwm);
    s->pub.set(::zmq::sockopt::xpub_verbose, 1);  // every probe is answered, repeats too
    s->pub.set(::zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});  // subscriptions only
    if (o.curve.enabled()) {
      s->pub.set(::zmq::sockopt::curve_server, 1);
      s->pub.set(::zmq::sockopt::curve_secretkey, o.curve.secret_key);
      s->pub.set(::zmq::sockopt::zap_domain, "signalmesh");
    }
    s->pub.bind(o.bind);
    bound_ = s->pub.get(::zmq::sockopt::last_endpoint);
    s->sub.set(::zmq::sockopt::rcvhwm, o.rcvhwm);
    s->sub.set(::zmq::sockopt::maxmsgsize, o.max_frame_bytes);
    s->sub.set(::zmq::sockopt::reconnect_ivl, static_cast<int>(o.reconnect_interval.count()));
    if (o.curve.enabled()) {
      s->sub.set(::zmq::sockopt::curve_publickey, o.curve.public_key);
      s->sub.set(::zmq::sockopt::curve_secretkey, o.curve.secret_key);
    }
    // Our identity (so that each peer's PUB knows we hear it) and the start
    // probe (answered by each peer whenever we connect to it).
    s->sub.set(::zmq::sockopt::subscribe, identity_topic(instance_));
    s->sub.set(::zmq::sockopt::subscribe, probe_topic(instance_, 0));
    const char* monitor = "inproc://signalmesh-sub-monitor";  // one per context
    if (zmq_socket_monitor(s->sub.handle(), monitor,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0) {
      throw ::zmq::error_t();
    }
    s->monitor.set(::zmq::sockopt::linger, 0);
    s->monitor.set(::zmq::sockopt::rcvhwm, 0);  // never full: a full one blocks I/O
    s->monitor.connect(monitor);
  } catch (const ::zmq::error_t& e) {
    const std::string what = "zmq backend: cannot bind " + o.bind + ": " + e.what();
    if (is_usage_error(e.num())) throw std::invalid_argument(what);
    throw std::runtime_error(what);
  }
  sockets_ = std::move(s);
  expected_peers_ = 0;
}

void ZmqFanout::start(asio::io_context& loop, FanoutHandlers handlers) {
  stop();
  if (!sockets_) {
    try {
      open();
      for (const auto& peer : options_.peers) connect_peer(peer);
    } catch (const std::exception& e) {
      SM_ERROR(e.what() << "; the zmq backend stays down");
      return;
    }
  }
  loop_ = &loop;
  handlers_ = std::move(handlers);
  sockets_->tick = std::make_unique<asio::steady_timer>(loop);
  if (sockets_->zap) sockets_->zap->attach(loop);
  sockets_->pub_watch =
      std::make_unique<SocketWatch>(loop, sockets_->pub, [this] { on_pub_input(); });
  sockets_->sub_watch =
      std::make_unique<SocketWatch>(loop, sockets_->sub, [this] { on_sub_input(); });
  sockets_->monitor_watch =
      std::make_unique<SocketWatch>(loop, sockets_->monitor, [this] { on_monitor_input(); });
  joining_ = true;
  join_deadline_ = Clock::now() + options_.join_timeout;
  SM_INFO("zmq backend: PUB bound to " << bound_ << ", " << expected_peers_ << " peer(s)"
                                       << (options_.curve.enabled() ? ", CURVE on" : "")
                                       << ", instance " << hex_id(instance_));
  check_join(Clock::now());
  schedule_tick();
}

void ZmqFanout::stop() {
  if (loop_ == nullptr) return;
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  if (sockets_->zap) stats_.curve_refused += sockets_->zap->refused();
  sockets_.reset();  // cancels the timer, releases the fds, closes everything
  loop_ = nullptr;
  up_ = joining_ = false;
  tick_pending_ = false;
  channels_.clear();
  peers_.clear();
  probes_.clear();
  held_.clear();
  held_bytes_ = 0;
  echoes_.clear();
  echo_posted_ = false;
  sequences_ = SequenceTracker();
  resync_due_ = false;
  retries_.clear();
}

bool ZmqFanout::subscribe(const std::string& channel) {
  if (!is_valid_channel(channel) || !channels_.emplace(channel, 0).second) return false;
  if (!sockets_) return true;
  sockets_->sub.set(::zmq::sockopt::subscribe, data_topic(channel));
  begin_probe();
  if (sockets_->sub_watch) sockets_->sub_watch->recheck();
  return true;
}

bool ZmqFanout::unsubscribe(const std::string& channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return false;
  channels_.erase(it);
  sequences_.forget_channel(channel);
  if (!sockets_) return true;
  sockets_->sub.set(::zmq::sockopt::unsubscribe, data_topic(channel));
  if (sockets_->sub_watch) sockets_->sub_watch->recheck();
  return true;
}

// Publishes wait until every peer we hear confirms the subscription: a
// ZeroMQ subscription is in place at a PUB once that PUB has seen the probe
// subscribed after it, on the same connection.
void ZmqFanout::begin_probe() {
  const auto now = Clock::now();
  Probe probe;
  for (const auto& [id, peer] : peers_) {
    if (live(peer, now)) probe.waiting.insert(id);
  }
  // Nobody to wait for: a peer that connects later gets all our
  // subscriptions before anything else.
  if (probe.waiting.empty() || loop_ == nullptr) return;
  probe.id = next_probe_++;
  probe.topic = probe_topic(instance_, probe.id);
  probe.deadline = now + options_.probe_timeout;
  sockets_->sub.set(::zmq::sockopt::subscribe, probe.topic);
  probes_.push_back(std::move(probe));
  schedule_tick();
}

bool ZmqFanout::publish(const std::string& channel, std::string_view payload) {
  if (loop_ == nullptr || !sockets_ || !is_valid_channel(channel)) {
    ++stats_.dropped_publishes;
    return false;
  }
  auto it = channels_.find(channel);
  if (!probes_.empty()) {
    const std::size_t bytes = channel.size() + payload.size();
    if (held_bytes_ + bytes > options_.max_held_bytes) {
      ++stats_.dropped_publishes;
      return false;
    }
    held_.push_back({channel, std::string(payload), it != channels_.end() ? ++it->second : 0});
    held_bytes_ += bytes;
    return true;
  }
  send_envelope(channel, payload, it != channels_.end() ? ++it->second : 0);
  return true;
}

void ZmqFanout::send_envelope(const std::string& channel, std::string_view payload,
                              std::uint64_t seq) {
  topic_.assign(channel);
  topic_ += '\0';
  const auto header = encode_header({instance_, seq});
  if (!send(sockets_->pub, {topic_, {header.data(), header.size()}, payload})) {
    ++stats_.dropped_publishes;
    return;
  }
  ++stats_.published;
  if (channels_.count(channel) != 0) echo(channel, payload);
  sockets_->pub_watch->recheck();
}

void ZmqFanout::flush_held() {
  while (probes_.empty() && !held_.empty() && sockets_) {
    Held held = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= std::min(held_bytes_, held.channel.size() + held.payload.size());
    send_envelope(held.channel, held.payload, held.seq);
  }
}

// Our own envelopes on a channel we follow, as every Redis subscriber gets
// them; on a later loop turn, never from inside publish().
void ZmqFanout::echo(const std::string& channel, std::string_view payload) {
  echoes_.emplace_back(channel, payload);
  if (echo_posted_) return;
  echo_posted_ = true;
  asio::post(*loop_, [this, alive = alive_] {
    if (*alive) drain_echoes();
  });
}

void ZmqFanout::drain_echoes() {
  echo_posted_ = false;
  std::deque<std::pair<std::string, std::string>> batch;
  batch.swap(echoes_);
  auto alive = alive_;
  for (const auto& [channel, payload] : batch) {
    if (channels_.count(channel) == 0 || !handlers_.on_message) continue;
    handlers_.on_message(channel, payload);
    if (!*alive) return;
  }
}

}  // namespace signalmesh::backends::zmq
