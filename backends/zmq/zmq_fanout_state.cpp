// ZmqFanout: state reported to the gateway, the timer, statistics and
// metrics.
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "core/prometheus.hpp"
#include "zmq/zmq_fanout.hpp"
#include "zmq/zmq_sockets.hpp"

namespace signalmesh::backends::zmq {

using std::chrono::milliseconds;

// bounce == false: report up. bounce == true: down then up in one handler,
// which makes the gateway republish its member lists and ask for the
// others' (docs/cluster.md, "Backend outage") without refusing anything.
void ZmqFanout::post_state(bool bounce) {
  asio::post(*loop_, [this, alive = alive_, bounce] {
    if (!*alive || !handlers_.on_state) return;
    if (bounce) {
      up_ = false;
      handlers_.on_state(false);
      if (!*alive) return;
      up_ = true;
    }
    handlers_.on_state(true);
  });
}

// One timer, set for the earliest deadline: the join window, a probe, a
// due resync, a handshake retry; every 500 ms anyway for housekeeping.
void ZmqFanout::schedule_tick() {
  if (!sockets_ || !sockets_->tick) return;
  auto next = Clock::now() + milliseconds(500);
  if (joining_) next = std::min(next, join_deadline_);
  if (!probes_.empty()) next = std::min(next, probes_.front().deadline);
  if (resync_due_) next = std::min(next, last_resync_ + options_.resync_interval);
  for (const auto& entry : retries_) {
    if (entry.second.pending) next = std::min(next, entry.second.due);
  }
  if (tick_pending_ && tick_at_ <= next) return;
  tick_pending_ = true;
  tick_at_ = next;
  sockets_->tick->expires_at(next);
  sockets_->tick->async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!*alive || ec) return;
    tick_pending_ = false;
    on_tick();
  });
}

void ZmqFanout::on_tick() {
  const auto now = Clock::now();
  check_join(now);
  if (!probes_.empty()) finish_probes(now);
  if (resync_due_ && up_ && now - last_resync_ >= options_.resync_interval) {
    resync_due_ = false;
    last_resync_ = now;
    ++stats_.resyncs;
    post_state(true);
  }
  for (auto& [endpoint, retry] : retries_) {
    if (!retry.pending || now < retry.due) continue;
    retry.pending = false;
    reconnect_peer(endpoint);
  }
  // Forget peers long gone (restarted pods leave their old instance behind).
  for (auto it = peers_.begin(); it != peers_.end();) {
    const bool gone =
        !it->second.hears_us && now - it->second.last_heard > 2 * options_.peer_silence;
    if (gone) sequences_.forget_origin(it->first);
    it = gone ? peers_.erase(it) : std::next(it);
  }
  schedule_tick();
}

ZmqFanout::Stats ZmqFanout::stats() const {
  Stats s = stats_;
  if (sockets_ && sockets_->zap) s.curve_refused += sockets_->zap->refused();
  return s;
}

std::size_t ZmqFanout::peers_hearing_us() const {
  std::size_t n = 0;
  for (const auto& entry : peers_) n += entry.second.hears_us ? 1 : 0;
  return n;
}

std::size_t ZmqFanout::peers_heard() const {
  const auto now = Clock::now();
  std::size_t n = 0;
  for (const auto& entry : peers_) n += live(entry.second, now) ? 1 : 0;
  return n;
}

void ZmqFanout::append_metrics(std::string& out) const {
  using prometheus::counter;
  using prometheus::gauge;
  const Stats s = stats();
  counter(out, "signalmesh_zmq_envelopes_lost_total",
          "Envelopes from other pods that never arrived (sequence gaps).", s.lost);
  counter(out, "signalmesh_zmq_gaps_total", "Sequence gaps seen (each one or more losses).",
          s.gaps);
  counter(out, "signalmesh_zmq_resyncs_total", "Resyncs asked of the gateway after a loss.",
          s.resyncs);
  counter(out, "signalmesh_zmq_probe_timeouts_total",
          "Subscriptions a live peer did not confirm within the probe timeout.", s.probe_timeouts);
  counter(out, "signalmesh_zmq_handshake_failures_total",
          "Handshakes with a peer that failed (wrong CURVE key, not a mesh endpoint); retried.",
          s.handshake_failures);
  counter(out, "signalmesh_zmq_malformed_total", "Messages not in the mesh format.", s.malformed);
  counter(out, "signalmesh_zmq_curve_refused_total",
          "Connections to the PUB socket refused for want of a mesh key.", s.curve_refused);
  gauge(out, "signalmesh_zmq_held_publishes", "Publishes waiting for peers to confirm.",
        held_.size());
  gauge(out, "signalmesh_zmq_peers_configured", "Peers this pod connects to.", expected_peers_);
  gauge(out, "signalmesh_zmq_peers_connected", "Peers connected to this pod's PUB.",
        peers_hearing_us());
  gauge(out, "signalmesh_zmq_peers_heard", "Peers heard from recently.", peers_heard());
}

}  // namespace signalmesh::backends::zmq
