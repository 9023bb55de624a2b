// Cluster agreement over the fan-out adapter, whatever the backend: each pod
// is the authority for its own members and announces them; a pod that starts
// following a room asks the others for their members; heartbeats tell live
// pods from dead ones. Rules and envelope format: docs/cluster.md.
#include <chrono>

#include "core/log.hpp"
#include "gateway/gateway_impl.hpp"

namespace signalmesh {

using cluster::Envelope;
using cluster::Kind;
using protocol::ErrorCode;

namespace {
constexpr std::string_view kClusterChannel = "cluster";
constexpr std::string_view kRoomPrefix = "room:";
// How long a starting pod listens for the others' heartbeats before it
// trusts its list of live pods (they answer a hello at once).
constexpr auto kDiscoveryWindow = std::chrono::milliseconds(300);
}  // namespace

std::uint64_t Gateway::Impl::now_us() const {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

void Gateway::Impl::start_cluster() {
  incarnation_ = now_us();
  discovery_until_ = std::chrono::steady_clock::now() + kDiscoveryWindow;
  if (fanout_->subscribe(std::string(kClusterChannel))) ++metrics_.backend_channels;
  heartbeat_timer_.expires_after(std::chrono::milliseconds(0));
  heartbeat_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && !stopped_) on_heartbeat_tick();
  });
}

bool Gateway::Impl::publish_room(const Room& room, const std::string& envelope) {
  if (backend_up_ && fanout_->publish(std::string(kRoomPrefix) + room.id(), envelope)) {
    ++metrics_.backend_publishes;
    return true;
  }
  ++metrics_.backend_failures;
  return false;
}

void Gateway::Impl::on_heartbeat_tick() {
  const auto now = std::chrono::steady_clock::now();
  if (backend_up_) {
    fanout_->publish(std::string(kClusterChannel),
                     cluster::encode_heartbeat(config_.pod_id, incarnation_, false));
    ++metrics_.backend_publishes;
    // Silence means death only while we can hear: during an outage every
    // other pod looks silent (protocol.md §8).
    const auto limit = std::chrono::milliseconds(config_.cluster.pod_lost_ms);
    std::vector<std::string> lost;
    for (const auto& [pod, state] : pods_) {
      if (now - state.last_seen > limit) lost.push_back(pod);
    }
    for (const auto& pod : lost) {
      SM_WARN("pod " << pod << " is silent: removing its members (pod-lost)");
      remove_pod(pod);
    }
  }
  heartbeat_timer_.expires_after(std::chrono::milliseconds(config_.cluster.heartbeat_interval_ms));
  heartbeat_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && !stopped_) on_heartbeat_tick();
  });
}

void Gateway::Impl::on_backend_state(bool up) {
  if (up == backend_up_) return;
  backend_up_ = up;
  metrics_.backend_up = up;
  if (!up) {
    SM_WARN("fan-out backend " << fanout_->name() << " is down: serving local members only");
    return;
  }
  SM_INFO("fan-out backend " << fanout_->name() << " is up");
  const auto now = std::chrono::steady_clock::now();
  fanout_->publish(std::string(kClusterChannel),
                   cluster::encode_heartbeat(config_.pod_id, incarnation_, true));
  if (!backend_was_up_) {
    backend_was_up_ = true;
    return;
  }
  // Back from an outage: give every known pod a full silence period to show
  // up again, then tell the others our members and ask for theirs.
  discovery_until_ = now + kDiscoveryWindow;
  for (auto& [pod, state] : pods_) state.last_seen = now;
  std::vector<Room*> followed;
  rooms_.for_each([&](Room& room) { followed.push_back(&room); });
  for (Room* room : followed) {
    send_sync(*room);
    if (!is_syncing(*room)) begin_sync(*room, true);
  }
}

void Gateway::Impl::begin_sync(Room& room, bool after_outage) {
  RoomSync& sync = syncs_[room.id()];
  sync.after_outage = after_outage;
  if (after_outage) ++outage_resyncs_;
  if (!backend_up_) {
    maybe_finish_sync(room.id(), true);  // nobody to ask: our own view it is
    return;
  }
  fanout_->publish(std::string(kClusterChannel),
                   cluster::encode_sync_request(config_.pod_id, room.id()));
  ++metrics_.backend_publishes;
  sync.timeout = std::make_unique<asio::steady_timer>(loop_);
  const auto wait = std::max(std::chrono::steady_clock::duration(
                                 std::chrono::milliseconds(config_.cluster.sync_timeout_ms)),
                             discovery_until_ - std::chrono::steady_clock::now());
  sync.timeout->expires_after(wait);
  sync.timeout->async_wait([this, room_id = room.id()](const asio::error_code& ec) {
    if (!ec && !stopped_) maybe_finish_sync(room_id, true);
  });
  // A discovery window still open: check again when it closes.
  if (std::chrono::steady_clock::now() < discovery_until_) {
    discovery_timer_.expires_at(discovery_until_);
    discovery_timer_.async_wait([this](const asio::error_code& ec) {
      if (ec || stopped_) return;
      std::vector<std::string> waiting;
      for (const auto& entry : syncs_) waiting.push_back(entry.first);
      for (const auto& room_id : waiting) maybe_finish_sync(room_id, false);
    });
  } else {
    maybe_finish_sync(room.id(), false);
  }
}

// Finishes when every live pod has sent its list (or on `force`: timeout,
// backend down), then admits the connections that waited for it.
void Gateway::Impl::maybe_finish_sync(const std::string& room_id, bool force) {
  auto it = syncs_.find(room_id);
  if (it == syncs_.end()) return;
  RoomSync& sync = it->second;
  if (!force) {
    for (const auto& [pod, state] : pods_) {
      if (sync.replied.count(pod) == 0) return;
    }
  }
  std::vector<ConnectionPtr> pending = std::move(sync.pending);
  if (sync.after_outage) --outage_resyncs_;
  if (sync.timeout) sync.timeout->cancel();
  syncs_.erase(it);
  Room* room = rooms_.find(room_id);
  if (room == nullptr) return;
  for (const auto& con : pending) {
    if (con->closing || con->get_state() != websocketpp::session::state::open) continue;
    admit(*con, *room);
    room = rooms_.find(room_id);  // a refused admission may have forgotten it
    if (room == nullptr) return;
  }
  unfollow_if_idle(*room);
}

void Gateway::Impl::send_sync(const Room& room) {
  std::vector<cluster::SyncedMember> ours;
  for (const auto& m : room.members()) {
    if (m.session != nullptr) ours.push_back({m.peer_id, m.join_order, m.epoch});
  }
  publish_room(room, cluster::encode_sync(config_.pod_id, room.explicit_host(), ours));
}

void Gateway::Impl::unfollow_if_idle(Room& room) {
  if (room.local_count() != 0 || is_syncing(room)) return;
  if (fanout_->unsubscribe(std::string(kRoomPrefix) + room.id())) --metrics_.backend_channels;
  rooms_.forget(room.id());
}

void Gateway::Impl::on_envelope(std::string_view channel, std::string_view payload) {
  ++metrics_.backend_receives;
  switch (cluster::decode(payload, envelope_)) {
    case cluster::DecodeResult::kOk:
      break;
    case cluster::DecodeResult::kOtherVersion:
    case cluster::DecodeResult::kMalformed:
      ++metrics_.envelopes_ignored;
      return;
  }
  if (envelope_.origin == config_.pod_id) return;  // our own echo
  if (channel == kClusterChannel) {
    if (envelope_.kind == Kind::kHeartbeat) {
      on_heartbeat(envelope_);
    } else if (envelope_.kind == Kind::kSyncRequest) {
      // Every pod answers, even with no members, so the asker knows when it
      // has heard from all.
      Room* room = rooms_.find(envelope_.arg);
      if (room != nullptr) {
        send_sync(*room);
      } else if (protocol::is_valid_id(envelope_.arg)) {
        fanout_->publish(std::string(kRoomPrefix) + envelope_.arg,
                         cluster::encode_sync(config_.pod_id, {}, {}));
        ++metrics_.backend_publishes;
      }
    }
    return;
  }
  if (channel.substr(0, kRoomPrefix.size()) != kRoomPrefix) return;
  Room* room = rooms_.find(channel.substr(kRoomPrefix.size()));
  if (room == nullptr) return;  // a room we stopped following
  // Any envelope proves its pod alive.
  auto pod = pods_.find(envelope_.origin);
  if (pod != pods_.end()) pod->second.last_seen = std::chrono::steady_clock::now();
  on_room_envelope(*room, envelope_);
}

void Gateway::Impl::on_heartbeat(const Envelope& envelope) {
  const auto now = std::chrono::steady_clock::now();
  auto [it, fresh] = pods_.try_emplace(envelope.origin, PodState{now, envelope.n1});
  if (!fresh && it->second.incarnation != envelope.n1) {
    // Same pod id, new process: the old one's members are gone.
    SM_WARN("pod " << envelope.origin << " restarted: removing its old members");
    remove_pod(envelope.origin);
    pods_.emplace(envelope.origin, PodState{now, envelope.n1});
  } else {
    it->second.last_seen = now;
  }
  if (fresh) SM_INFO("pod " << envelope.origin << " joined the cluster");
  if (envelope.n2 == 1 && backend_up_) {
    fanout_->publish(std::string(kClusterChannel),
                     cluster::encode_heartbeat(config_.pod_id, incarnation_, false));
  }
}

void Gateway::Impl::on_room_envelope(Room& room, const Envelope& envelope) {
  switch (envelope.kind) {
    case Kind::kJoin:
      apply_join(room, envelope);
      break;
    case Kind::kLeave: {
      Member* m = room.find(envelope.peer);
      if (m != nullptr && m->session == nullptr && m->pod_id == envelope.origin) {
        remove_remote_member(room, envelope.peer, envelope.arg);
      }
      break;
    }
    case Kind::kRelay: {
      const auto type =
          static_cast<MetricType>(envelope.n1 < static_cast<std::uint64_t>(MetricType::kCount)
                                      ? envelope.n1
                                      : static_cast<std::uint64_t>(MetricType::kSdp));
      if (envelope.arg == "*") {
        const Member* from = room.find(envelope.peer);
        send_to_room(room, make_text_frame(std::string(envelope.body)), type,
                     from != nullptr ? from->session : nullptr);
      } else if (Member* to = room.find(envelope.arg); to != nullptr && to->session != nullptr) {
        send(*to->session, make_text_frame(std::string(envelope.body)), type);
      }
      break;
    }
    case Kind::kHostChange: {
      if (room.find(envelope.arg) == nullptr) break;
      const std::string previous(room.host());
      room.set_host(envelope.arg);
      send_to_room(
          room, make_text_frame(protocol::make_host_change(envelope.arg, previous, envelope.peer)),
          MetricType::kHostChange, nullptr);
      break;
    }
    case Kind::kKick: {
      Member* target = room.find(envelope.arg);
      if (target == nullptr) break;
      const std::string previous(room.host());
      if (Session* victim = target->session) {
        send(*victim, make_text_frame(std::string(envelope.body)), MetricType::kKick);
        victim->is_member = false;
        close(*victim, 4010, "kicked");
      }
      const std::string peer_id = envelope.arg;
      room.remove(peer_id);
      announce_departure(room, peer_id, "kicked", previous);
      break;
    }
    case Kind::kSync:
      apply_sync(room, envelope);
      break;
    default:
      break;
  }
}

void Gateway::Impl::apply_join(Room& room, const Envelope& envelope) {
  Member* existing = room.find(envelope.peer);
  if (existing == nullptr) {
    const std::string previous(room.host());
    room.add(Member{envelope.peer, envelope.n1, envelope.origin, nullptr, envelope.n2});
    send_to_room(room, make_text_frame(protocol::make_peer_joined(envelope.peer)),
                 MetricType::kPeerJoined, nullptr);
    if (!previous.empty() && room.host() != previous) {
      send_to_room(room, make_text_frame(protocol::make_host_change(room.host(), previous, {})),
                   MetricType::kHostChange, nullptr);
    }
    return;
  }
  if (existing->session != nullptr) {
    // The same peerId on two pods: the newer connection wins (ties: the
    // larger pod id), the other pod closes its own when it hears ours.
    const bool theirs_newer = envelope.n2 > existing->epoch ||
                              (envelope.n2 == existing->epoch && envelope.origin > config_.pod_id);
    if (!theirs_newer) return;
    Session& old = *existing->session;
    old.is_member = false;
    close_with_error(old, ErrorCode::kReplaced, 4009);
    room.rebind(*existing, nullptr);
  }
  existing->pod_id = envelope.origin;
  existing->epoch = envelope.n2;
  unfollow_if_idle(room);
}

// The origin pod's complete member list: members of that pod we do not see
// in it have left, listed ones we lack have joined.
void Gateway::Impl::apply_sync(Room& room, const Envelope& envelope) {
  const std::string room_id = room.id();
  std::vector<std::string> gone;
  for (const auto& m : room.members()) {
    if (m.session != nullptr || m.pod_id != envelope.origin) continue;
    bool listed = false;
    for (const auto& s : envelope.members) listed = listed || s.peer_id == m.peer_id;
    if (!listed) gone.push_back(m.peer_id);
  }
  for (const auto& peer : gone) {
    Room* r = rooms_.find(room_id);
    if (r == nullptr) return;
    remove_remote_member(*r, peer, "left");
  }
  Room* r = rooms_.find(room_id);
  if (r == nullptr) return;
  if (!envelope.arg.empty() && r->explicit_host().empty() && is_syncing(*r)) {
    r->set_host(envelope.arg);
  }
  for (const auto& s : envelope.members) {
    Envelope join;
    join.origin = envelope.origin;
    join.peer = s.peer_id;
    join.n1 = s.join_order;
    join.n2 = s.epoch;
    apply_join(*r, join);
    r = rooms_.find(room_id);
    if (r == nullptr) return;
  }
  if (!envelope.arg.empty() && r->find(envelope.arg) != nullptr && is_syncing(*r)) {
    r->set_host(envelope.arg);
  }
  auto sync = syncs_.find(room_id);
  if (sync != syncs_.end()) {
    sync->second.replied.insert(envelope.origin);
    maybe_finish_sync(room_id, false);
  }
}

void Gateway::Impl::remove_remote_member(Room& room, const std::string& peer_id,
                                         std::string_view reason) {
  const std::string previous(room.host());
  room.remove(peer_id);
  announce_departure(room, peer_id, reason, previous);
}

void Gateway::Impl::remove_pod(const std::string& pod_id) {
  pods_.erase(pod_id);
  std::vector<std::pair<std::string, std::string>> doomed;  // (room, peer)
  rooms_.for_each([&](Room& room) {
    for (const auto& m : room.members()) {
      if (m.session == nullptr && m.pod_id == pod_id) doomed.emplace_back(room.id(), m.peer_id);
    }
  });
  for (const auto& [room_id, peer] : doomed) {
    if (Room* room = rooms_.find(room_id)) remove_remote_member(*room, peer, "pod-lost");
  }
  // Syncs that were waiting for it wait no longer.
  std::vector<std::string> waiting;
  for (const auto& entry : syncs_) waiting.push_back(entry.first);
  for (const auto& room_id : waiting) maybe_finish_sync(room_id, false);
}

}  // namespace signalmesh
