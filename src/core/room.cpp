#include "core/room.hpp"

#include <algorithm>
#include <tuple>

namespace signalmesh {
namespace {

bool joined_before(const Member& a, const Member& b) {
  return std::tie(a.join_order, a.peer_id) < std::tie(b.join_order, b.peer_id);
}

}  // namespace

Member* Room::find(std::string_view peer_id) {
  for (auto& member : members_) {
    if (member.peer_id == peer_id) return &member;
  }
  return nullptr;
}

std::string_view Room::host() const {
  if (members_.empty()) return {};
  if (!explicit_host_.empty()) {
    for (const auto& member : members_) {
      if (member.peer_id == explicit_host_) return member.peer_id;
    }
  }
  return members_.front().peer_id;
}

Member& Room::add(Member member) {
  if (member.participant != nullptr) ++local_count_;
  auto at = std::upper_bound(members_.begin(), members_.end(), member, joined_before);
  return *members_.insert(at, std::move(member));
}

bool Room::remove(std::string_view peer_id) {
  auto it = std::find_if(members_.begin(), members_.end(),
                         [&](const Member& m) { return m.peer_id == peer_id; });
  if (it == members_.end()) return false;
  if (it->participant != nullptr) --local_count_;
  // A departed explicit host no longer counts: the successor rule applies,
  // and a later member with the same id does not inherit the role.
  if (explicit_host_ == peer_id) explicit_host_.clear();
  members_.erase(it);
  return true;
}

void Room::rebind(Member& member, cluster::Participant* participant) {
  if (member.participant == nullptr && participant != nullptr) ++local_count_;
  if (member.participant != nullptr && participant == nullptr) --local_count_;
  member.participant = participant;
}

Room* RoomRegistry::find(std::string_view room_id) {
  auto it = rooms_.find(room_id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

Room& RoomRegistry::open(std::string_view room_id) {
  if (Room* room = find(room_id)) return *room;
  auto room = std::make_unique<Room>(std::string(room_id));
  Room& ref = *room;
  rooms_.emplace(ref.id(), std::move(room));
  return ref;
}

void RoomRegistry::close_if_empty(std::string_view room_id) {
  auto it = rooms_.find(room_id);
  if (it != rooms_.end() && it->second->empty()) rooms_.erase(it);
}

}  // namespace signalmesh

namespace signalmesh {

void RoomRegistry::forget(std::string_view room_id) {
  auto it = rooms_.find(room_id);
  if (it != rooms_.end()) rooms_.erase(it);
}

}  // namespace signalmesh
