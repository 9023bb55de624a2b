// Two listeners on the cluster agreement's one observer seam: the store
// mirror (which also reads records) and the webhook events. Each hears
// every change; only the first loads records. Loop thread only.
#pragma once

#include "cluster/room_observer.hpp"

namespace signalmesh {

class RoomObservers final : public cluster::RoomObserver {
 public:
  // `events` may be null (no webhooks).
  RoomObservers(cluster::RoomObserver& records, cluster::RoomObserver* events)
      : records_(records), events_(events) {}

  bool loads_records() const override { return records_.loads_records(); }
  void load_room(const std::string& room_id) override { records_.load_room(room_id); }
  void player_added(const Room& room, const Member& member) override {
    records_.player_added(room, member);
    if (events_) events_->player_added(room, member);
  }
  void player_removed(const Room& room, std::string_view peer_id,
                      std::string_view reason) override {
    records_.player_removed(room, peer_id, reason);
    if (events_) events_->player_removed(room, peer_id, reason);
  }
  void host_changed(const Room& room, std::string_view host, std::string_view previous) override {
    records_.host_changed(room, host, previous);
    if (events_) events_->host_changed(room, host, previous);
  }
  void status_changed(const Room& room) override {
    records_.status_changed(room);
    if (events_) events_->status_changed(room);
  }
  void hash_reported(const Room& room, std::string_view peer_id, std::uint64_t tick,
                     std::string_view hash) override {
    records_.hash_reported(room, peer_id, tick, hash);
    if (events_) events_->hash_reported(room, peer_id, tick, hash);
  }
  void caught_up() override {
    records_.caught_up();
    if (events_) events_->caught_up();
  }
  void players_stale(const Room& room, const std::vector<std::string>& uids) override {
    records_.players_stale(room, uids);
    if (events_) events_->players_stale(room, uids);
  }
  void lost_member_reported(const Room& room, std::string_view peer_id) override {
    records_.lost_member_reported(room, peer_id);
    if (events_) events_->lost_member_reported(room, peer_id);
  }
  void tick_desynced(const Room& room, std::uint64_t tick,
                     const std::vector<std::pair<std::string, std::string>>& hashes) override {
    records_.tick_desynced(room, tick, hashes);
    if (events_) events_->tick_desynced(room, tick, hashes);
  }

 private:
  cluster::RoomObserver& records_;
  cluster::RoomObserver* events_;
};

}  // namespace signalmesh
