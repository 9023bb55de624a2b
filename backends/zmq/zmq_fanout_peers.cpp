// ZmqFanout: the peers. Connecting and disconnecting them, the join window
// at start, and the SUB's handshake monitor: libzmq gives up on a peer
// whose handshake failed with a protocol error (PR #1043: a wrong CURVE
// key, something else on its port), so this file connects it again, with
// backoff, until the right pod answers.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/log.hpp"
#include "zmq/zmq_fanout.hpp"
#include "zmq/zmq_sockets.hpp"

namespace signalmesh::backends::zmq {

namespace {

constexpr int kMonitorBatch = 64;

}  // namespace

// Throws std::invalid_argument when ZeroMQ rejects the endpoint.
void ZmqFanout::connect_peer(const ZmqPeer& peer) {
  if (peer.endpoint == options_.bind || peer.endpoint == bound_) return;  // ourselves
  try {
    if (options_.curve.enabled()) {
      if (peer.server_key.size() != kZ85KeySize) {
        throw std::invalid_argument("zmq backend: no CURVE public key for peer " + peer.endpoint);
      }
      sockets_->sub.set(::zmq::sockopt::curve_serverkey, peer.server_key);
      sockets_->zap->allow(peer.server_key);
    }
    sockets_->sub.connect(peer.endpoint);
  } catch (const ::zmq::error_t& e) {
    throw std::invalid_argument("zmq backend: cannot connect to peer " + peer.endpoint + ": " +
                                e.what());
  }
  ++expected_peers_;
}

void ZmqFanout::add_peer(const ZmqPeer& peer) {
  options_.peers.push_back(peer);
  if (!sockets_) return;
  try {
    connect_peer(peer);
  } catch (const std::invalid_argument& e) {
    SM_ERROR(e.what());
  }
}

void ZmqFanout::remove_peer(const std::string& endpoint) {
  auto& peers = options_.peers;
  const auto it = std::find_if(peers.begin(), peers.end(),
                               [&](const ZmqPeer& p) { return p.endpoint == endpoint; });
  if (it == peers.end()) return;
  peers.erase(it);
  if (!sockets_ || endpoint == options_.bind || endpoint == bound_) return;
  try {
    sockets_->sub.disconnect(endpoint);
    --expected_peers_;
  } catch (const ::zmq::error_t& e) {
    SM_ERROR("zmq backend: cannot disconnect from " << endpoint << ": " << e.what());
  }
  if (sockets_->sub_watch) sockets_->sub_watch->recheck();
}

void ZmqFanout::check_join(Clock::time_point now) {
  if (!joining_) return;
  std::size_t heard = 0;
  std::size_t hearing_us = 0;
  for (const auto& [id, peer] : peers_) {
    heard += peer.heard ? 1 : 0;
    hearing_us += peer.hears_us ? 1 : 0;
  }
  const bool complete = heard >= expected_peers_ && hearing_us >= expected_peers_;
  if (!complete && now < join_deadline_) return;
  joining_ = false;
  up_ = true;
  if (complete) {
    SM_INFO("zmq backend up: connected both ways to " << heard << " peer(s)");
  } else {
    SM_WARN("zmq backend up with " << std::min(heard, hearing_us) << " of " << expected_peers_
                                   << " peer(s) connected both ways; the others join when they "
                                      "come up");
  }
  post_state(false);
}

void ZmqFanout::on_monitor_input() {
  for (int i = 0; i < kMonitorBatch; ++i) {
    const std::size_t n = receive(sockets_->monitor, frames_);
    if (n == 0) return;
    if (n != 2 || frames_[0].size() < sizeof(std::uint16_t)) continue;
    std::uint16_t event = 0;
    std::memcpy(&event, frames_[0].data(), sizeof event);  // native byte order
    on_handshake(view(frames_[1]), event != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  }
  sockets_->monitor_watch->recheck();
}

// `endpoint` is the peer's endpoint as it was given to connect().
void ZmqFanout::on_handshake(std::string_view endpoint, bool failed) {
  auto it = retries_.find(endpoint);
  if (!failed) {
    if (it == retries_.end()) return;
    SM_INFO("zmq backend: handshake with peer " << endpoint << " succeeded again");
    retries_.erase(it);
    return;
  }
  ++stats_.handshake_failures;
  const bool known = std::any_of(options_.peers.begin(), options_.peers.end(),
                                 [&](const ZmqPeer& p) { return p.endpoint == endpoint; });
  if (!known) {
    SM_WARN("zmq backend: handshake with " << endpoint << " failed; not a configured peer");
    return;
  }
  if (it == retries_.end()) {
    it = retries_.emplace(std::string(endpoint), Retry{}).first;
    SM_WARN("zmq backend: handshake with peer "
            << endpoint << " failed (" << (options_.curve.enabled() ? "not its CURVE key, or " : "")
            << "not a signalmesh mesh endpoint); retrying until it answers");
  }
  Retry& retry = it->second;
  retry.backoff = retry.backoff.count() == 0
                      ? options_.handshake_retry_min
                      : std::min(2 * retry.backoff, options_.handshake_retry_max);
  retry.due = Clock::now() + retry.backoff;
  retry.pending = true;
  schedule_tick();
}

// A SUB must disconnect an endpoint before it can connect it again.
void ZmqFanout::reconnect_peer(const std::string& endpoint) {
  const auto it = std::find_if(options_.peers.begin(), options_.peers.end(),
                               [&](const ZmqPeer& p) { return p.endpoint == endpoint; });
  if (it == options_.peers.end() || !sockets_) return;
  SM_DEBUG("zmq backend: connecting to peer " << endpoint << " again");
  try {
    sockets_->sub.disconnect(endpoint);
  } catch (const ::zmq::error_t&) {
    // Already forgotten by libzmq: connecting is enough.
  }
  --expected_peers_;
  try {
    connect_peer(*it);
  } catch (const std::invalid_argument& e) {
    SM_ERROR(e.what());
  }
  sockets_->sub_watch->recheck();
}

}  // namespace signalmesh::backends::zmq
