// ZmqFanout: what comes in (envelopes and probe answers on the SUB,
// subscriptions on the PUB), loss detection, and the probes' completion.

#include "core/log.hpp"
#include "zmq/zmq_fanout.hpp"
#include "zmq/zmq_sockets.hpp"

namespace signalmesh::backends::zmq {

namespace {

// Messages read per wake-up before the loop serves others.
constexpr int kReadBatch = 256;

}  // namespace

// May run the gateway's handler, which may stop this adapter: nothing after
// it unless still alive.
void ZmqFanout::on_sub_input() {
  auto alive = alive_;
  for (int i = 0; i < kReadBatch; ++i) {
    const std::size_t n = receive(sockets_->sub, frames_);
    if (n == 0) return;
    const auto header = n == 3 ? decode_header(view(frames_[1])) : std::nullopt;
    if (!header) {
      ++stats_.malformed;
      continue;
    }
    if (header->origin == instance_) continue;  // we are in our own peer list
    heard_from(header->origin);
    const std::string_view topic = view(frames_[0]);
    if (topic.empty() || topic.front() != '\0') {
      on_envelope(*header, topic, view(frames_[2]));
      if (!*alive) return;
      continue;
    }
    const auto control = parse_control(topic);
    if (control && control->kind == ControlKind::kProbe && control->instance == instance_) {
      on_probe_answer(header->origin, control->probe);
    } else {
      ++stats_.malformed;
    }
  }
  sockets_->sub_watch->recheck();  // more may be waiting: after the others
}

void ZmqFanout::on_envelope(const Header& header, std::string_view topic,
                            std::string_view payload) {
  const auto channel = channel_of(topic);
  if (!channel) {
    ++stats_.malformed;
    return;
  }
  if (channels_.find(*channel) == channels_.end()) return;  // unsubscribed since
  ++stats_.received;
  if (const std::uint64_t lost = sequences_.observe(header.origin, *channel, header.seq)) {
    note_loss(header.origin, *channel, lost);
  }
  if (handlers_.on_message) handlers_.on_message(*channel, payload);
}

void ZmqFanout::note_loss(std::uint64_t origin, std::string_view channel, std::uint64_t lost) {
  ++stats_.gaps;
  stats_.lost += lost;
  if (!resync_due_) {
    SM_WARN("zmq backend: " << lost << " envelope(s) from peer " << hex_id(origin) << " on "
                            << channel << " never arrived (high-water mark or reconnect)"
                            << (options_.resync_on_loss ? "; resyncing" : ""));
  }
  if (!options_.resync_on_loss) return;
  resync_due_ = true;
  schedule_tick();
}

void ZmqFanout::heard_from(std::uint64_t origin) {
  const auto now = Clock::now();
  auto [it, fresh] = peers_.try_emplace(origin);
  it->second.last_heard = now;
  if (it->second.heard) return;
  it->second.heard = true;
  SM_DEBUG("zmq backend: hearing peer " << hex_id(origin));
  if (fresh || joining_) check_join(now);
}

// An answer to probe n from a peer: every subscription we made up to probe
// n is in place at its PUB.
void ZmqFanout::on_probe_answer(std::uint64_t from, std::uint64_t probe) {
  bool changed = false;
  for (auto& p : probes_) {
    if (p.id > probe) break;
    changed = p.waiting.erase(from) > 0 || changed;
  }
  if (changed) finish_probes(Clock::now());
}

void ZmqFanout::on_pub_input() {
  for (int i = 0; i < kReadBatch; ++i) {
    const std::size_t n = receive(sockets_->pub, frames_);
    if (n == 0) return;
    const std::string_view frame = view(frames_[0]);
    if (n != 1 || frame.empty() || (frame[0] != 0 && frame[0] != 1)) {
      ++stats_.malformed;
      continue;
    }
    on_peer_subscription(frame.substr(1), frame[0] == 1);
    if (!sockets_) return;
  }
  sockets_->pub_watch->recheck();
}

// Envelope subscriptions are ZeroMQ's business; control ones are ours.
void ZmqFanout::on_peer_subscription(std::string_view topic, bool subscribed) {
  if (topic.empty() || topic.front() != '\0') return;
  const auto control = parse_control(topic);
  if (!control) {
    ++stats_.malformed;
    return;
  }
  if (control->instance == instance_) return;  // our own SUB
  if (control->kind == ControlKind::kProbe) {
    if (!subscribed) return;
    const auto header = encode_header({instance_, 0});
    send(sockets_->pub, {topic, {header.data(), header.size()}, {}});
    sockets_->pub_watch->recheck();
    return;
  }
  Peer& peer = peers_[control->instance];
  peer.hears_us = subscribed;
  const auto now = Clock::now();
  if (subscribed) {
    SM_DEBUG("zmq backend: peer " << hex_id(control->instance) << " connected to our PUB");
    return check_join(now);
  }
  // Its SUB left our PUB: it is gone or reconnecting; wait for it no more.
  SM_DEBUG("zmq backend: peer " << hex_id(control->instance) << " left our PUB");
  peer.heard = false;
  for (auto& p : probes_) p.waiting.erase(control->instance);
  finish_probes(now);
}

bool ZmqFanout::live(const Peer& peer, Clock::time_point now) const {
  return peer.heard && now - peer.last_heard <= options_.peer_silence;
}

// Ends the probes every peer answered or whose time is up, then sends what
// they held.
void ZmqFanout::finish_probes(Clock::time_point now) {
  for (auto it = probes_.begin(); it != probes_.end();) {
    if (!it->waiting.empty() && now < it->deadline) {
      ++it;
      continue;
    }
    if (!it->waiting.empty()) {
      stats_.probe_timeouts += it->waiting.size();
      SM_DEBUG("zmq backend: " << it->waiting.size() << " peer(s) did not confirm subscription "
                               << it->id << " within " << options_.probe_timeout.count() << " ms");
    }
    sockets_->sub.set(::zmq::sockopt::unsubscribe, it->topic);
    if (sockets_->sub_watch) sockets_->sub_watch->recheck();
    it = probes_.erase(it);
  }
  flush_held();
}

}  // namespace signalmesh::backends::zmq
