// Local members: admission, departure, host hand-off and kicks, and what the
// room's other members are told about them (protocol.md §1, §3).
#include <algorithm>

#include "cluster/agreement.hpp"
#include "cluster/channels.hpp"
#include "core/log.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh::cluster {

using protocol::ErrorCode;

Agreement::Agreement(AgreementSettings settings, FanoutAdapter& fanout, Clock& clock,
                     FrameMaker& frames, Metrics& metrics)
    : settings_(std::move(settings)),
      fanout_(fanout),
      clock_(clock),
      frames_(frames),
      metrics_(metrics) {}

Agreement::~Agreement() {
  stop();
}

bool Agreement::publish_room(std::string_view room_id, const std::string& envelope) {
  if (backend_up_ && fanout_.publish(room_channel(room_id), envelope)) {
    ++metrics_.backend_publishes;
    return true;
  }
  ++metrics_.backend_failures;
  return false;
}

void Agreement::publish_cluster(const std::string& envelope) {
  fanout_.publish(std::string(kClusterChannel), envelope);
  ++metrics_.backend_publishes;
}

void Agreement::request_admission(Participant& p, std::string_view room_id) {
  Room& room = rooms_.open(room_id);
  if (room.local_count() == 0 && !is_syncing(room)) {
    // This pod starts following the room: listen, then ask for the members.
    // (begin_sync may admit `p` before it returns.)
    RoomSync& sync = start_following(room);
    sync.pending.push_back(&p);
    request_record(room, sync);
    begin_sync(room, false);
    return;
  }
  auto sync = syncs_.find(room.id());
  if (sync != syncs_.end()) {
    sync->second.pending.push_back(&p);
    // A first follow's sync may be the API's, which does not read the
    // record (with local members it is a resync: the record is known).
    if (room.local_count() == 0) request_record(room, sync->second);
    return;
  }
  admit(p, room);
}

Agreement::RoomSync& Agreement::start_following(Room& room) {
  if (fanout_.subscribe(room_channel(room.id()))) ++metrics_.backend_channels;
  return syncs_[room.id()];
}

void Agreement::request_record(Room& room, RoomSync& sync) {
  if (sync.record_requested) return;
  sync.record_requested = true;
  if (observer_ != nullptr && observer_->loads_records()) {
    // The store's record is read beside the member sync, bounded by the
    // same timeout (app-integration.md §1).
    sync.record_pending = true;
    observer_->load_room(room.id());
  } else {
    room.state.record_known = !settings_.rooms_need_record;
  }
}

void Agreement::admit(Participant& p, Room& room) {
  if (p.closing) return;
  Member* existing = room.find(p.peer_id);
  if (existing == nullptr && room.size() >= room_capacity(room)) {
    p.close(4013, ErrorCode::kRoomFull);
    unfollow_if_idle(room);
    return;
  }
  p.room = &room;
  p.is_member = true;
  p.epoch = clock_.unix_us();
  // A replacement is newer than what it replaces even when this pod's wall
  // clock is behind the old connection's pod (the newest connection wins).
  if (existing != nullptr && p.epoch <= existing->epoch) p.epoch = existing->epoch + 1;

  const bool is_new = existing == nullptr;
  if (!is_new) {
    // Replacement: the old connection (here or on another pod) hands its
    // place in the join order and its host role to the new one.
    if (Participant* old = existing->participant) {
      old->is_member = false;
      old->close(4009, ErrorCode::kReplaced);
    }
    room.rebind(*existing, &p);
    existing->pod_id.clear();
    existing->epoch = p.epoch;
  } else {
    if (room.empty() && room.state.status == store::RoomStatus::kFinished) {
      // The first join of a finished room starts its next round.
      const std::uint32_t round = room.state.round + 1;
      adopt_status(room, store::RoomStatus::kWaiting, round, {});
      publish_room(room.id(), encode(settings_.pod_id,
                                     RoomStatusChange{0, round, RoomStatusChange::kApplication}));
      if (observer_) observer_->status_changed(room);
    }
    existing = &room.add(Member{p.peer_id, rooms_.next_join_order(p.epoch), {}, &p, p.epoch});
    if (observer_) observer_->player_added(room, *existing);
  }
  publish_room(room.id(), encode(settings_.pod_id, Join{p.peer_id, existing->join_order, p.epoch}));
  note_host(room, false);
  p.admitted(room);
  if (is_new) {
    deliver_to_room(room, frames_.make_frame(protocol::make_peer_joined(p.peer_id)),
                    MetricType::kPeerJoined, &p);
  }
  SM_DEBUG("peer " << p.peer_id << " joined room " << room.id() << (is_new ? "" : " (replacing)"));
}

void Agreement::withdraw(Participant& p) {
  if (!p.is_member) {
    // Still waiting for a room's sync: stop waiting.
    for (auto& [room_id, sync] : syncs_) {
      auto& pending = sync.pending;
      pending.erase(std::remove(pending.begin(), pending.end(), &p), pending.end());
    }
    return;
  }
  leave(p);
}

void Agreement::leave(Participant& p) {
  p.is_member = false;
  Room& room = *p.room;
  const std::string previous_host(room.host());
  room.remove(p.peer_id);
  // While the backend is down this reaches only our own members; the others
  // learn it from our member list when we resync (protocol.md §8).
  publish_room(room.id(), encode(settings_.pod_id, Leave{p.peer_id, p.leave_reason}));
  if (observer_) observer_->player_removed(room, p.peer_id, p.leave_reason);
  if (room.empty() && room.state.status == store::RoomStatus::kPlaying) {
    // A game that everyone left is over (app-integration.md §1).
    room.state.status = store::RoomStatus::kFinished;
    if (observer_) observer_->status_changed(room);
  }
  announce_departure(room, p.peer_id, p.leave_reason, previous_host, true);
}

void Agreement::announce_departure(Room& room, const std::string& peer_id, std::string_view reason,
                                   const std::string& previous_host, bool local) {
  note_host(room, local);
  SM_DEBUG("peer " << peer_id << " left room " << room.id() << " (" << reason << ")");
  if (!room.empty()) {
    deliver_to_room(room, frames_.make_frame(protocol::make_peer_left(peer_id, reason)),
                    MetricType::kPeerLeft, nullptr);
    if (room.host() != previous_host) {
      deliver_to_room(
          room, frames_.make_frame(protocol::make_host_change(room.host(), previous_host, {})),
          MetricType::kHostChange, nullptr);
    }
  }
  unfollow_if_idle(room);  // may forget `room`: keep it last
}

void Agreement::remove_remote_member(Room& room, const std::string& peer_id,
                                     std::string_view reason, bool report_lost) {
  const std::string previous(room.host());
  room.remove(peer_id);
  // A lost pod cannot say its members left: every pod that follows the
  // room does (the store's removal is idempotent), and one of them tells
  // the application.
  if (reason == "pod-lost" && observer_) {
    observer_->player_removed(room, peer_id, reason);
    if (report_lost) observer_->lost_member_reported(room, peer_id);
  }
  announce_departure(room, peer_id, reason, previous, false);
}

void Agreement::deliver_to_room(Room& room, const FramePtr& frame, MetricType type,
                                const Participant* except) {
  for (const auto& member : room.members()) {
    if (member.participant != nullptr && member.participant != except) {
      member.participant->deliver(frame, type);
    }
  }
}

void Agreement::change_host(Participant& host, const Member& target) {
  Room& room = *host.room;
  const std::string previous(room.host());
  const std::string new_host = target.peer_id;
  room.set_host(new_host);
  note_host(room, false);
  publish_room(room.id(), encode(settings_.pod_id, HostChange{host.peer_id, new_host}));
  deliver_to_room(room,
                  frames_.make_frame(protocol::make_host_change(new_host, previous, host.peer_id)),
                  MetricType::kHostChange, nullptr);
}

void Agreement::kick(Participant& host, const Member& target, const FramePtr& frame,
                     std::string_view body) {
  Room& room = *host.room;
  const std::string peer_id = target.peer_id;
  const std::string previous_host(room.host());
  publish_room(room.id(), encode(settings_.pod_id, Kick{host.peer_id, peer_id, body}));
  const bool ours = target.participant != nullptr;
  if (Participant* victim = target.participant) {
    victim->deliver(frame, MetricType::kKick);
    victim->is_member = false;  // its close must not announce a second leave
    victim->close(4010, ErrorCode::kNone);
  }
  room.remove(peer_id);
  if (ours && observer_) observer_->player_removed(room, peer_id, "kicked");
  // Told by the host's pod, where the kick happened (the target's pod logs
  // its close, 4010).
  SM_AUDIT("kicked", "peer kicked", {"room", room.id()}, {"peer", peer_id}, {"by", host.peer_id});
  announce_departure(room, peer_id, "kicked", previous_host, ours);  // may forget `room`
}

bool Agreement::relay_out(const Room& room, std::string_view from, std::string_view target,
                          RelayKind kind, std::string_view body) {
  return publish_room(room.id(), encode(settings_.pod_id, Relay{from, target, kind, body}));
}

void Agreement::unfollow_if_idle(Room& room) {
  if (room.local_count() != 0 || is_syncing(room)) return;
  if (fanout_.unsubscribe(room_channel(room.id()))) --metrics_.backend_channels;
  rooms_.forget(room.id());
}

}  // namespace signalmesh::cluster
