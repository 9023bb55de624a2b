// Version 1.1 room state (app-integration.md §1-2): status and round, the
// store's record read when a pod starts following a room, state hashes and
// the desync verdict, and rooms the application deletes. Status and round
// only move forward, so pods that hear the same changes in any order end
// in the same state (docs/cluster.md, "Room state").
#include <algorithm>

#include "cluster/agreement.hpp"
#include "cluster/channels.hpp"
#include "core/log.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh::cluster {

using protocol::ErrorCode;
using store::RoomStatus;

namespace {

// Forward: waiting -> playing -> finished, and finished -> waiting, which
// starts the next round. Skipping a step forward is allowed.
bool next_state(const RoomState& now, RoomStatus wanted, std::uint32_t& round) {
  round = now.round;
  if (now.status == RoomStatus::kFinished && wanted == RoomStatus::kWaiting) {
    ++round;
    return true;
  }
  return static_cast<int>(wanted) > static_cast<int>(now.status);
}

}  // namespace

std::size_t Agreement::room_capacity(const Room& room) const {
  const std::size_t pod_cap = settings_.max_room_members;
  return room.state.max_members ? std::min<std::size_t>(pod_cap, *room.state.max_members) : pod_cap;
}

void Agreement::room_loaded(const std::string& room_id, const RoomLoad& load) {
  if (stopped_) return;
  Room* room = rooms_.find(room_id);
  if (room == nullptr) return;  // nobody waits for it any more
  if (load.outcome == RoomLoad::Outcome::kFound) {
    RoomState& state = room->state;
    // The live state may be ahead of the record (the store is written
    // asynchronously): keep the later of the two.
    if (state.is_before(load.status, load.round)) {
      if (state.round != load.round) room->clear_hashes();
      state.status = load.status;
      state.round = load.round;
    }
    state.metadata = load.metadata;
    state.max_members = load.max_members;
    state.record_known = true;
  }
  auto sync = syncs_.find(room_id);
  if (sync == syncs_.end() || !sync->second.record_pending) return;
  sync->second.record_pending = false;
  sync->second.record = load.outcome;
  sync->second.record_players = load.players;
  maybe_finish_sync(room_id, sync->second.members_done);
}

bool Agreement::record_allows(Participant& p, const Room& room, RoomLoad::Outcome record) {
  if (!settings_.rooms_need_record || room.state.record_known) return true;
  if (record == RoomLoad::Outcome::kMissing) {
    p.close(4004, ErrorCode::kRoomNotFound);
  } else {
    // We could not learn whether the room exists: a retry may succeed.
    p.close(1013, ErrorCode::kBackendUnavailable);
  }
  return false;
}

bool Agreement::adopt_status(Room& room, RoomStatus status, std::uint32_t round,
                             std::string_view sender) {
  if (!room.state.is_before(status, round)) return false;
  if (round != room.state.round) room.clear_hashes();
  room.state.status = status;
  room.state.round = round;
  deliver_to_room(room,
                  frames_.make_frame(
                      protocol::make_room_status(store::room_status_name(status), round, sender)),
                  MetricType::kRoomStatus, nullptr);
  return true;
}

bool Agreement::set_status(Participant& host, RoomStatus status) {
  Room& room = *host.room;
  std::uint32_t round = 0;
  if (!next_state(room.state, status, round)) return false;
  adopt_status(room, status, round, host.peer_id);
  publish_room(room.id(),
               encode(settings_.pod_id,
                      RoomStatusChange{static_cast<std::uint64_t>(status), round, host.peer_id}));
  if (observer_) observer_->status_changed(room);
  return true;
}

void Agreement::announce_status(const std::string& room_id, RoomStatus status,
                                std::uint32_t round) {
  if (Room* room = rooms_.find(room_id)) adopt_status(*room, status, round, {});
  // Published even when we do not follow the room: its pods do.
  if (backend_up_ && protocol::is_valid_id(room_id)) {
    fanout_.publish(
        room_channel(room_id),
        encode(settings_.pod_id, RoomStatusChange{static_cast<std::uint64_t>(status), round,
                                                  RoomStatusChange::kApplication}));
    ++metrics_.backend_publishes;
  }
}

void Agreement::apply(Room& room, std::string_view, const RoomStatusChange& change) {
  const std::string_view sender =
      change.sender == RoomStatusChange::kApplication ? std::string_view{} : change.sender;
  adopt_status(room, static_cast<RoomStatus>(change.status),
               static_cast<std::uint32_t>(change.round), sender);
}

StateHashes::Outcome Agreement::record_hash(Room& room, std::string_view peer, std::uint64_t tick,
                                            std::string_view hash) {
  bool desync_now = false;
  auto& hashes = room.hashes(settings_.hash_window_ticks);
  const auto outcome = hashes.record(tick, peer, hash, desync_now);
  if (desync_now) {
    SM_INFO("room " << room.id() << " round " << room.state.round << " tick " << tick
                    << ": desync");
    deliver_to_room(
        room,
        frames_.make_frame(protocol::make_desync(room.state.round, tick, hashes.reports(tick))),
        MetricType::kDesync, nullptr);
    const Member* host = room.find(room.host());
    if (observer_ && host != nullptr && host->participant != nullptr) {
      observer_->tick_desynced(room, tick, hashes.reports(tick));
    }
  }
  return outcome;
}

Agreement::HashOutcome Agreement::report_hash(Participant& p, std::uint64_t tick,
                                              std::string_view hash) {
  Room& room = *p.room;
  switch (record_hash(room, p.peer_id, tick, hash)) {
    case StateHashes::Outcome::kDuplicate:
      return HashOutcome::kDuplicate;
    case StateHashes::Outcome::kConflict:
      return HashOutcome::kConflict;
    case StateHashes::Outcome::kTooOld:
      return HashOutcome::kTooOld;
    case StateHashes::Outcome::kRecorded:
      break;
  }
  if (room.size() > room.local_count()) {
    publish_room(room.id(),
                 encode(settings_.pod_id, StateHash{p.peer_id, room.state.round, tick, hash}));
  }
  if (observer_) observer_->hash_reported(room, p.peer_id, tick, hash);
  return HashOutcome::kAccepted;
}

void Agreement::apply(Room& room, std::string_view, const StateHash& hash) {
  // A report of another round than ours is of a round we are not in (yet,
  // or any more): the store keeps it, the verdict is the current round's.
  if (hash.round != room.state.round || !protocol::is_valid_state_hash(hash.hash) ||
      hash.tick > protocol::kMaxTick) {
    return;
  }
  record_hash(room, hash.peer, hash.tick, hash.hash);
}

void Agreement::evict_all(Room& room) {
  const std::string id = room.id();
  // Waiting participants go too.
  auto sync = syncs_.find(id);
  if (sync != syncs_.end()) {
    std::vector<Participant*> pending = std::move(sync->second.pending);
    sync->second.pending.clear();
    for (Participant* p : pending) p->close(4011, ErrorCode::kRoomClosed);
  }
  std::vector<Participant*> ours;
  for (const auto& m : room.members()) {
    if (m.participant != nullptr) ours.push_back(m.participant);
  }
  // A deleted room does not finish its game as it empties (no status
  // change is written or told for a room that is gone).
  room.state.status = store::RoomStatus::kFinished;
  // The last leave may forget the room: only `ours` is used from here on.
  for (Participant* p : ours) {
    if (p->is_member) leave(*p);
    p->close(4011, ErrorCode::kRoomClosed);
  }
}

void Agreement::close_room(const std::string& room_id) {
  // Published first, even when we do not follow the room (its pods do): the
  // channel keeps order, so every pod hears of the deletion before the
  // leaves of our members below, never those as ordinary departures (a
  // peer-left, a host moved to one of its members, their webhooks).
  if (backend_up_ && protocol::is_valid_id(room_id)) {
    fanout_.publish(room_channel(room_id), encode(settings_.pod_id, RoomClosed{"deleted"}));
    ++metrics_.backend_publishes;
  }
  if (Room* room = rooms_.find(room_id)) evict_all(*room);
}

void Agreement::apply(Room& room, std::string_view, const RoomClosed&) {
  evict_all(room);
}

void Agreement::note_host(Room& room, bool local_departure) {
  const std::string_view host = room.host();
  if (host == room.stored_host) return;
  const std::string previous = std::move(room.stored_host);
  room.stored_host = std::string(host);
  const Member* member = host.empty() ? nullptr : room.find(host);
  const bool ours = member != nullptr ? member->participant != nullptr : local_departure;
  if (!ours) return;
  // Told once in the cluster, by the new host's pod (none when the room
  // emptied: its last member's `closed` line says so).
  if (!host.empty()) {
    SM_AUDIT("host-changed", "host changed", {"room", room.id()}, {"host", host},
             {"previous", previous});
  }
  if (observer_ != nullptr) observer_->host_changed(room, host, previous);
}

}  // namespace signalmesh::cluster
