// What the application does to live rooms through the server API of any
// pod (app-integration.md §4): the pod that answers need not hold a member
// of the room, so it follows the room for one member sync, acts through the
// fan-out like a member's own pod would, and forgets the room again.
// Every envelope names kApplication as its sender.
#include <algorithm>

#include "cluster/agreement.hpp"
#include "cluster/channels.hpp"
#include "core/log.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh::cluster {

using protocol::ErrorCode;

void Agreement::with_live_room(const std::string& room_id, LiveAccess fn) {
  if (stopped_) return;
  Room* room = rooms_.find(room_id);
  if (room != nullptr && !is_syncing(*room)) {
    // Followed: our view is current (the members are on their pods' record).
    fn(room->empty() ? nullptr : room);
    if (Room* still = rooms_.find(room_id)) unfollow_if_idle(*still);
    return;
  }
  if (room != nullptr) {
    syncs_[room_id].live_waiters.push_back(std::move(fn));
    return;
  }
  Room& opened = rooms_.open(room_id);
  RoomSync& sync = start_following(opened);
  sync.live_waiters.push_back(std::move(fn));
  begin_sync(opened, false);  // may serve the waiter before it returns
}

void Agreement::serve_live_waiters(const std::string& room_id, std::vector<LiveAccess> waiters) {
  for (std::size_t i = 0; i < waiters.size(); ++i) {
    Room* room = rooms_.find(room_id);
    if (room == nullptr) {
      // An earlier waiter's action forgot the room: the rest follow it anew.
      for (std::size_t j = i; j < waiters.size(); ++j)
        with_live_room(room_id, std::move(waiters[j]));
      return;
    }
    waiters[i](room->empty() ? nullptr : room);
  }
}

bool Agreement::kick_as_application(Room& room, const std::string& target,
                                    std::string_view kick_json) {
  Member* member = room.find(target);
  if (member == nullptr) return false;
  const bool ours = member->participant != nullptr;
  const bool published =
      publish_room(room.id(), encode(settings_.pod_id, Kick{kApplication, target, kick_json}));
  if (!published && !ours) return false;
  const std::string peer_id = target;  // the member's own string goes with it
  const std::string previous_host(room.host());
  if (Participant* victim = member->participant) {
    victim->deliver(frames_.make_frame(std::string(kick_json)), MetricType::kKick);
    victim->is_member = false;  // its close must not announce a second leave
    victim->close(4010, ErrorCode::kNone);
  }
  room.remove(peer_id);
  if (ours && observer_) observer_->player_removed(room, peer_id, "kicked");
  // Told by the pod whose API was asked.
  SM_AUDIT("kicked", "room " << room.id() << ": the application kicked " << peer_id,
           {"room", room.id()}, {"peer", peer_id}, {"by", "application"});
  announce_departure(room, peer_id, "kicked", previous_host, ours);  // may forget `room`
  return true;
}

bool Agreement::message_as_application(Room& room, std::string_view target,
                                       std::string_view message_json) {
  const bool broadcast = target == Relay::kBroadcast;
  const Member* to = broadcast ? nullptr : room.find(target);
  if (!broadcast && to == nullptr) return false;
  // Another pod is involved when a member is there (the target's, or any).
  const bool remote = broadcast ? room.size() > room.local_count() : to->participant == nullptr;
  if (remote &&
      !publish_room(room.id(), encode(settings_.pod_id, Relay{kApplication, target,
                                                              RelayKind::kServer, message_json}))) {
    return false;  // nobody got it, not even this pod's members
  }
  const FramePtr frame = frames_.make_frame(std::string(message_json));
  if (broadcast) {
    deliver_to_room(room, frame, MetricType::kServerMessage, nullptr);
  } else if (to->participant != nullptr) {
    to->participant->deliver(frame, MetricType::kServerMessage);
  }
  return true;
}

bool Agreement::change_host_as_application(Room& room, const std::string& new_host) {
  if (room.find(new_host) == nullptr) return false;
  if (room.host() == new_host) return true;  // already: nothing to tell
  if (room.size() > room.local_count() &&
      !publish_room(room.id(), encode(settings_.pod_id, HostChange{kApplication, new_host}))) {
    return false;
  }
  const std::string previous(room.host());
  room.set_host(new_host);
  note_host(room, false);
  SM_INFO("room " << room.id() << ": the application made " << new_host << " host");
  deliver_to_room(room, frames_.make_frame(protocol::make_host_change(new_host, previous, {})),
                  MetricType::kHostChange, nullptr);
  return true;
}

std::vector<std::string> Agreement::live_pods() const {
  std::vector<std::string> pods{settings_.pod_id};
  for (const auto& entry : pods_) pods.push_back(entry.first);
  std::sort(pods.begin(), pods.end());
  return pods;
}

}  // namespace signalmesh::cluster
