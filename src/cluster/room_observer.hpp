// What the agreement tells the world outside the cluster about rooms: the
// store mirror (and later webhooks) listen here. Each change is reported
// by exactly one pod, the authority for it (docs/cluster.md, "Records"):
// a member's own pod for its join and leave, the pod of the new host for a
// host change, the pod where a status change or hash report started. The
// observer never calls back into the agreement synchronously. Loop thread
// only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/room.hpp"
#include "signalmesh/store.hpp"

namespace signalmesh::cluster {

// The answer to RoomObserver::load_room.
struct RoomLoad {
  enum class Outcome { kFound, kMissing, kFailed };
  Outcome outcome = Outcome::kFailed;
  store::RoomStatus status = store::RoomStatus::kWaiting;
  std::uint32_t round = 1;
  std::string metadata;
  std::optional<std::uint32_t> max_members;
  // The record's players (kFound): those the cluster turns out not to have
  // are reported back through RoomObserver::players_stale.
  std::vector<std::string> players;
};

class RoomObserver {
 public:
  // Whether load_room reads anything (false: no store; rooms start empty).
  virtual bool loads_records() const = 0;
  // This pod starts following `room_id`: read its record and answer with
  // Agreement::room_loaded (later, never inside this call).
  virtual void load_room(const std::string& room_id) = 0;
  // A member of this pod joined (not a replacement).
  virtual void player_added(const Room& room, const Member& member) = 0;
  // A member of this pod left, or (from every pod that follows the room)
  // one of a lost pod.
  virtual void player_removed(const Room& room, std::string_view peer_id,
                              std::string_view reason) = 0;
  // The room's host is now `host` (empty: the room emptied); `previous` is
  // the host this pod saw before.
  virtual void host_changed(const Room& room, std::string_view host, std::string_view previous) = 0;
  // The room's status or round moved forward here.
  virtual void status_changed(const Room& room) = 0;
  // A member of this pod reported a hash (first report for its tick).
  virtual void hash_reported(const Room& room, std::string_view peer_id, std::uint64_t tick,
                             std::string_view hash) = 0;
  // The backend is up and every resync after its outage has finished
  // (Agreement::is_caught_up() turned true): this pod's view of the rooms it
  // follows is as fresh as the cluster's.
  virtual void caught_up() {}
  // Players of the room's record that no pod of the cluster has, a grace
  // period after this pod started following it: members of a pod that died
  // without a goodbye while nobody else followed the room.
  virtual void players_stale(const Room& /*room*/, const std::vector<std::string>& /*uids*/) {}
  // A member of a lost pod was removed, told on one pod only: the pod of the
  // room's earliest-joined member that was not on the lost pod (every pod
  // that follows the room computes the same one). player_removed has been
  // called too, on every pod that follows the room.
  virtual void lost_member_reported(const Room& /*room*/, std::string_view /*peer_id*/) {}
  // A tick of the current round just became a desync, told on the pod of
  // the room's host only (every pod reaches the verdict; one tells).
  virtual void tick_desynced(const Room& /*room*/, std::uint64_t /*tick*/,
                             const std::vector<std::pair<std::string, std::string>>& /*hashes*/) {}

 protected:
  ~RoomObserver() = default;
};

}  // namespace signalmesh::cluster
