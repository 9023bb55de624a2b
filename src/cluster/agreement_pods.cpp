// Pods and catching up: heartbeats and pod-lost, room syncs (a pod that
// starts following a room collects every live pod's members first), and
// the resync after a backend outage (docs/cluster.md, protocol.md §8).
#include <algorithm>

#include "cluster/agreement.hpp"
#include "cluster/channels.hpp"
#include "core/log.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh::cluster {

void Agreement::start() {
  incarnation_ = clock_.unix_us();
  discovery_until_ = clock_.now() + settings_.discovery_window;
  if (fanout_.subscribe(std::string(kClusterChannel))) ++metrics_.backend_channels;
  schedule_heartbeat(Clock::Duration::zero());
}

void Agreement::stop() {
  stopped_ = true;
  heartbeat_timer_.reset();
  discovery_timer_.reset();
  for (auto& entry : syncs_) entry.second.timeout.reset();
  stale_checks_.clear();
}

void Agreement::schedule_heartbeat(Clock::Duration delay) {
  heartbeat_timer_ = clock_.start_timer(delay, [this] { on_heartbeat_tick(); });
}

void Agreement::on_heartbeat_tick() {
  if (stopped_) return;
  if (backend_up_) {
    publish_cluster(encode(settings_.pod_id, Heartbeat{incarnation_, false}));
    // Silence means death only while we can hear: during an outage every
    // other pod looks silent (protocol.md §8).
    const auto now = clock_.now();
    std::vector<std::string> lost;
    for (const auto& [pod, state] : pods_) {
      if (now - state.last_seen > settings_.pod_lost) lost.push_back(pod);
    }
    for (const auto& pod : lost) {
      SM_EVENT(LogLevel::kWarn, "pod-lost",
               "pod " << pod << " is silent: removing its members (pod-lost)", {"other_pod", pod});
      remove_pod(pod);
    }
  }
  schedule_heartbeat(settings_.heartbeat_interval);
}

void Agreement::on_backend_state(bool up) {
  if (up == backend_up_ || stopped_) return;
  backend_up_ = up;
  metrics_.backend_up = up;
  if (!up) {
    SM_WARN("fan-out backend " << fanout_.name() << " is down: serving local members only");
    return;
  }
  SM_INFO("fan-out backend " << fanout_.name() << " is up");
  const auto now = clock_.now();
  publish_cluster(encode(settings_.pod_id, Heartbeat{incarnation_, true}));
  if (!backend_was_up_) {
    backend_was_up_ = true;
    return;
  }
  // Back from an outage: give every known pod a full silence period to show
  // up again, then tell the others our members and ask for theirs.
  discovery_until_ = now + settings_.discovery_window;
  for (auto& [pod, state] : pods_) state.last_seen = now;
  std::vector<Room*> followed;
  rooms_.for_each([&](Room& room) { followed.push_back(&room); });
  for (Room* room : followed) {
    send_sync(*room);
    if (!is_syncing(*room)) begin_sync(*room, true);
  }
  if (is_caught_up() && observer_) observer_->caught_up();
}

void Agreement::on_heartbeat(std::string_view origin, const Heartbeat& heartbeat) {
  const auto now = clock_.now();
  const std::string pod_id(origin);
  auto [it, fresh] = pods_.try_emplace(pod_id, PodState{now, heartbeat.incarnation});
  if (!fresh && it->second.incarnation != heartbeat.incarnation) {
    // Same pod id, new process: the old one's members are gone.
    SM_EVENT(LogLevel::kWarn, "pod-restarted",
             "pod " << pod_id << " restarted: removing its old members", {"other_pod", pod_id});
    remove_pod(pod_id);
    pods_.emplace(pod_id, PodState{now, heartbeat.incarnation});
  } else {
    it->second.last_seen = now;
  }
  if (fresh) {
    SM_AUDIT("pod-joined", "pod " << pod_id << " joined the cluster", {"other_pod", pod_id});
  }
  if (heartbeat.hello && backend_up_) {
    publish_cluster(encode(settings_.pod_id, Heartbeat{incarnation_, false}));
    // A pod we knew, same process, back from its own outage: what it changed
    // meanwhile reaches us by its resync, except in rooms it stopped
    // following (its last member left while it could not publish). Asking
    // it for its list of every room where we see its members covers those
    // too: it answers an empty list for a room it no longer follows.
    if (!fresh) ask_for_rooms_of(pod_id);
  }
}

void Agreement::check_stale_players(const std::string& room_id, std::vector<std::string> uids) {
  if (observer_ == nullptr || !backend_up_) return;
  // A member joining on another pod right now may be in the record before
  // its join reaches us: it has a pod-lost period to show up.
  stale_checks_[room_id] =
      clock_.start_timer(settings_.pod_lost, [this, room_id, uids = std::move(uids)]() mutable {
        // Erasing the entry destroys the timer running this: keep what we need.
        const std::string id = std::move(room_id);
        const std::vector<std::string> listed = std::move(uids);
        stale_checks_.erase(id);
        Room* room = rooms_.find(id);
        if (room == nullptr || stopped_ || !is_caught_up()) return;
        std::vector<std::string> stale;
        for (const auto& uid : listed) {
          if (room->find(uid) == nullptr) stale.push_back(uid);
        }
        if (!stale.empty()) observer_->players_stale(*room, stale);
      });
}

void Agreement::ask_for_rooms_of(const std::string& pod_id) {
  rooms_.for_each([&](Room& room) {
    for (const auto& m : room.members()) {
      if (m.participant == nullptr && m.pod_id == pod_id) {
        publish_cluster(encode(settings_.pod_id, SyncRequest{room.id()}));
        return;
      }
    }
  });
}

void Agreement::on_sync_request(const SyncRequest& request) {
  // Every pod answers, even with no members, so the asker knows when it has
  // heard from all.
  if (Room* room = rooms_.find(request.room_id)) {
    send_sync(*room);
  } else if (protocol::is_valid_id(request.room_id)) {
    fanout_.publish(room_channel(request.room_id), encode(settings_.pod_id, Sync{}));
    ++metrics_.backend_publishes;
  }
}

void Agreement::begin_sync(Room& room, bool after_outage) {
  RoomSync& sync = syncs_[room.id()];
  sync.after_outage = after_outage;
  if (after_outage) ++outage_resyncs_;
  auto on_timeout = [this, room_id = room.id()] {
    auto it = syncs_.find(room_id);
    if (it != syncs_.end()) it->second.timed_out = true;
    maybe_finish_sync(room_id, true);
  };
  if (!backend_up_) {
    // Nobody to ask: our own view it is (once the record, if any, is in).
    if (sync.record_pending) sync.timeout = clock_.start_timer(settings_.sync_timeout, on_timeout);
    maybe_finish_sync(room.id(), true);
    return;
  }
  publish_cluster(encode(settings_.pod_id, SyncRequest{room.id()}));
  const auto now = clock_.now();
  const auto wait = std::max<Clock::Duration>(settings_.sync_timeout, discovery_until_ - now);
  sync.timeout = clock_.start_timer(wait, on_timeout);
  if (now < discovery_until_) {
    // The discovery window is still open: check again when it closes.
    discovery_timer_ =
        clock_.start_timer(discovery_until_ - now, [this] { finish_waiting_syncs(); });
  } else {
    maybe_finish_sync(room.id(), false);
  }
}

void Agreement::finish_waiting_syncs() {
  std::vector<std::string> waiting;
  for (const auto& entry : syncs_) waiting.push_back(entry.first);
  for (const auto& room_id : waiting) maybe_finish_sync(room_id, false);
}

// Finishes when every live pod has sent its list (or on `force`: timeout,
// backend down), then admits the participants that waited for it.
void Agreement::maybe_finish_sync(const std::string& room_id, bool force) {
  if (stopped_) return;
  auto it = syncs_.find(room_id);
  if (it == syncs_.end()) return;
  RoomSync& sync = it->second;
  if (!force) {
    // Within the discovery window a pod we have not heard of yet may still
    // show up: the window's end checks again.
    if (clock_.now() < discovery_until_) return;
    for (const auto& [pod, state] : pods_) {
      if (sync.replied.count(pod) == 0) return;
    }
  }
  if (sync.record_pending && !sync.timed_out) {
    sync.members_done = true;  // room_loaded finishes it
    return;
  }
  const RoomLoad::Outcome record = sync.record;
  std::vector<std::string> record_players = std::move(sync.record_players);
  std::vector<Participant*> pending = std::move(sync.pending);
  std::vector<LiveAccess> waiters = std::move(sync.live_waiters);
  const bool last_resync = sync.after_outage && --outage_resyncs_ == 0;
  syncs_.erase(it);  // its timer may be the one running this (Clock allows it)
  if (last_resync && is_caught_up() && observer_) observer_->caught_up();
  Room* room = rooms_.find(room_id);
  if (room == nullptr) return;
  if (!record_players.empty()) check_stale_players(room_id, std::move(record_players));
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (!pending[i]->closing && !record_allows(*pending[i], *room, record)) continue;
    admit(*pending[i], *room);
    room = rooms_.find(room_id);  // a refused admission may have forgotten it
    if (room == nullptr) {
      // Nobody of this pod is in it any more: the rest start over.
      for (std::size_t j = i + 1; j < pending.size(); ++j) {
        request_admission(*pending[j], room_id);
      }
      for (auto& waiter : waiters) with_live_room(room_id, std::move(waiter));
      return;
    }
  }
  serve_live_waiters(room_id, std::move(waiters));
  if (Room* still = rooms_.find(room_id)) unfollow_if_idle(*still);
}

void Agreement::send_sync(const Room& room) {
  Sync ours{room.explicit_host(), {}};
  for (const auto& m : room.members()) {
    if (m.participant != nullptr) ours.members.push_back({m.peer_id, m.join_order, m.epoch});
  }
  publish_room(room.id(), encode(settings_.pod_id, ours));
  // The room's state travels beside the member list (a separate envelope,
  // so that pods of version 1.0 still read the list).
  const RoomState& state = room.state;
  if (state.round != 1 || state.status != store::RoomStatus::kWaiting) {
    publish_room(room.id(), encode(settings_.pod_id,
                                   RoomStatusChange{static_cast<std::uint64_t>(state.status),
                                                    state.round, RoomStatusChange::kApplication}));
  }
}

void Agreement::remove_pod(const std::string& pod_id) {
  pods_.erase(pod_id);
  std::vector<std::pair<std::string, std::string>> doomed;  // (room, peer)
  rooms_.for_each([&](Room& room) {
    for (const auto& m : room.members()) {
      if (m.participant == nullptr && m.pod_id == pod_id) doomed.emplace_back(room.id(), m.peer_id);
    }
  });
  // Which pod tells the application (webhooks): the pod of each room's
  // earliest member not on the lost pod, computed before any removal so
  // that every pod picks the same one.
  std::unordered_set<std::string> reporting;
  for (const auto& entry : doomed) {
    const std::string& room_id = entry.first;
    if (reporting.count(room_id) != 0) continue;
    Room* room = rooms_.find(room_id);
    for (const auto& m : room->members()) {
      if (m.participant == nullptr && m.pod_id == pod_id) continue;
      if (m.participant != nullptr) reporting.insert(room_id);
      break;
    }
  }
  for (const auto& [room_id, peer] : doomed) {
    if (Room* room = rooms_.find(room_id)) {
      remove_remote_member(*room, peer, "pod-lost", reporting.count(room_id) != 0);
    }
  }
  // Syncs that were waiting for it wait no longer.
  finish_waiting_syncs();
}

}  // namespace signalmesh::cluster
