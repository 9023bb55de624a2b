// What other pods tell this one: envelopes in, applied to the rooms this pod
// follows (docs/cluster.md).
#include <variant>

#include "cluster/agreement.hpp"
#include "cluster/channels.hpp"
#include "core/log.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh::cluster {

using protocol::ErrorCode;

void Agreement::on_envelope(std::string_view channel, std::string_view payload) {
  ++metrics_.backend_receives;
  if (stopped_) return;
  switch (decode(payload, envelope_)) {
    case DecodeResult::kOk:
      break;
    case DecodeResult::kOtherVersion:
    case DecodeResult::kMalformed:
      ++metrics_.envelopes_ignored;
      return;
  }
  if (envelope_.origin == settings_.pod_id) return;  // our own echo
  if (channel == kClusterChannel) {
    if (const auto* heartbeat = std::get_if<Heartbeat>(&envelope_.body)) {
      on_heartbeat(envelope_.origin, *heartbeat);
    } else if (const auto* request = std::get_if<SyncRequest>(&envelope_.body)) {
      on_sync_request(*request);
    }
    return;
  }
  if (channel.substr(0, kRoomPrefix.size()) != kRoomPrefix) return;
  Room* room = rooms_.find(channel.substr(kRoomPrefix.size()));
  if (room == nullptr) return;  // a room we stopped following
  // Any envelope proves its pod alive.
  auto pod = pods_.find(std::string(envelope_.origin));
  if (pod != pods_.end()) pod->second.last_seen = clock_.now();
  on_room_envelope(*room, envelope_);
}

void Agreement::on_room_envelope(Room& room, const Envelope& envelope) {
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, SyncRequest> || std::is_same_v<T, Heartbeat>) {
          // Cluster-channel kinds have no meaning on a room's channel.
        } else {
          apply(room, envelope.origin, body);
        }
      },
      envelope.body);
}

void Agreement::apply(Room& room, std::string_view origin, const Join& join) {
  Member* existing = room.find(join.peer);
  if (existing == nullptr) {
    const std::string previous(room.host());
    room.add(
        Member{std::string(join.peer), join.join_order, std::string(origin), nullptr, join.epoch});
    deliver_to_room(room, frames_.make_frame(protocol::make_peer_joined(join.peer)),
                    MetricType::kPeerJoined, nullptr);
    if (!previous.empty() && room.host() != previous) {
      deliver_to_room(room,
                      frames_.make_frame(protocol::make_host_change(room.host(), previous, {})),
                      MetricType::kHostChange, nullptr);
    }
    note_host(room, false);
    return;
  }
  if (existing->participant == nullptr && existing->pod_id != origin &&
      (join.epoch < existing->epoch ||
       (join.epoch == existing->epoch && origin < existing->pod_id))) {
    // Two pods admitted the same peerId at once and we heard the newer
    // first: the older connection's pod closes its own when it hears it.
    return;
  }
  if (Participant* ours = existing->participant) {
    // The same peerId on two pods: the newer connection wins (ties: the
    // larger pod id), the other pod closes its own when it hears ours.
    const bool theirs_newer = join.epoch > existing->epoch ||
                              (join.epoch == existing->epoch && origin > settings_.pod_id);
    if (!theirs_newer) return;
    ours->is_member = false;
    ours->close(4009, ErrorCode::kReplaced);
    room.rebind(*existing, nullptr);
  }
  existing->pod_id = std::string(origin);
  existing->epoch = join.epoch;
  unfollow_if_idle(room);
}

void Agreement::apply(Room& room, std::string_view origin, const Leave& leave) {
  Member* m = room.find(leave.peer);
  if (m != nullptr && m->participant == nullptr && m->pod_id == origin) {
    const std::string peer(leave.peer);  // the member's own string goes with it
    remove_remote_member(room, peer, leave.reason);
  }
}

void Agreement::apply(Room& room, std::string_view, const Relay& relay) {
  const MetricType type = relay.kind == RelayKind::kIce      ? MetricType::kIce
                          : relay.kind == RelayKind::kServer ? MetricType::kServerMessage
                                                             : MetricType::kSdp;
  if (relay.target == Relay::kBroadcast) {
    const Member* from = room.find(relay.from);
    deliver_to_room(room, frames_.make_frame(std::string(relay.body)), type,
                    from != nullptr ? from->participant : nullptr);
  } else if (Member* to = room.find(relay.target); to != nullptr && to->participant != nullptr) {
    to->participant->deliver(frames_.make_frame(std::string(relay.body)), type);
  }
}

void Agreement::apply(Room& room, std::string_view, const HostChange& change) {
  if (room.find(change.new_host) == nullptr) return;
  const std::string previous(room.host());
  room.set_host(change.new_host);
  note_host(room, false);
  // The application's hand-off has no senderId (app-integration.md §4).
  const std::string_view sender = change.from == kApplication ? std::string_view{} : change.from;
  deliver_to_room(room,
                  frames_.make_frame(protocol::make_host_change(change.new_host, previous, sender)),
                  MetricType::kHostChange, nullptr);
}

void Agreement::apply(Room& room, std::string_view, const Kick& kick) {
  Member* target = room.find(kick.target);
  if (target == nullptr) return;
  const std::string previous(room.host());
  const std::string peer_id(kick.target);
  const std::string room_id = room.id();
  const bool ours = target->participant != nullptr;
  if (Participant* victim = target->participant) {
    victim->deliver(frames_.make_frame(std::string(kick.body)), MetricType::kKick);
    victim->is_member = false;
    victim->close(4010, ErrorCode::kNone);
  }
  room.remove(peer_id);
  // As the member's authority we also say it left: a pod that heard the kick
  // before the member's join, or that gets an older member list of ours
  // after the kick, would otherwise keep it for good.
  if (ours) {
    publish_room(room_id, encode(settings_.pod_id, Leave{peer_id, "kicked"}));
    if (observer_) observer_->player_removed(room, peer_id, "kicked");
  }
  announce_departure(room, peer_id, "kicked", previous, ours);
}

// The origin pod's complete member list: members of that pod we do not see
// in it have left, listed ones we lack have joined.
void Agreement::apply(Room& room, std::string_view origin, const Sync& sync) {
  const std::string room_id = room.id();
  std::vector<std::string> gone;
  for (const auto& m : room.members()) {
    if (m.participant != nullptr || m.pod_id != origin) continue;
    bool listed = false;
    for (const auto& s : sync.members) listed = listed || s.peer == m.peer_id;
    if (!listed) gone.push_back(m.peer_id);
  }
  for (const auto& peer : gone) {
    Room* r = rooms_.find(room_id);
    if (r == nullptr) return;
    remove_remote_member(*r, peer, "left");
  }
  Room* r = rooms_.find(room_id);
  if (r == nullptr) return;
  if (!sync.explicit_host.empty() && r->explicit_host().empty() && is_syncing(*r)) {
    r->set_host(sync.explicit_host);
  }
  for (const auto& s : sync.members) {
    apply(*r, origin, Join{s.peer, s.join_order, s.epoch});
    r = rooms_.find(room_id);
    if (r == nullptr) return;
  }
  if (!sync.explicit_host.empty() && r->find(sync.explicit_host) != nullptr && is_syncing(*r)) {
    r->set_host(sync.explicit_host);
  }
  auto pending = syncs_.find(room_id);
  if (pending != syncs_.end()) {
    pending->second.replied.insert(std::string(origin));
    maybe_finish_sync(room_id, false);
  }
}

}  // namespace signalmesh::cluster
