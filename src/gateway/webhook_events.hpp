// What the application hears (app-integration.md §5, docs/webhooks.md):
// the cluster's changes as webhook events, each sent by exactly one pod.
// The agreement tells each change on the pod that is its authority (a
// member's own pod for its join and leave, the new host's pod for a host
// change, the pod where a status change started, one surviving pod for a
// lost pod's members, the host's pod for a desync); the API's pod tells of
// the rooms it created or deleted. Events go to the WebhookSender, which
// delivers them off the loop. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cluster/room_observer.hpp"
#include "webhooks/webhook_sender.hpp"

namespace signalmesh {

class WebhookEvents final : public cluster::RoomObserver {
 public:
  // `rooms_have_records`: a store keeps room records, so a room is created
  // once (by the API or the store's first open), not by every first join.
  WebhookEvents(webhooks::WebhookSender& sender, bool rooms_have_records,
                std::function<std::int64_t()> now_ms);

  // `source`: "api" or "join".
  void room_created(const std::string& room_id, std::string_view source);
  void room_deleted(const std::string& room_id);
  // The API moved the room's status (this pod answered the PATCH).
  void room_status(const std::string& room_id, store::RoomStatus status, std::uint32_t round);

  // cluster::RoomObserver
  bool loads_records() const override { return false; }
  void load_room(const std::string&) override {}
  void player_added(const Room& room, const Member& member) override;
  void player_removed(const Room& room, std::string_view peer_id, std::string_view reason) override;
  void host_changed(const Room& room, std::string_view host, std::string_view previous) override;
  void status_changed(const Room& room) override;
  void hash_reported(const Room&, std::string_view, std::uint64_t, std::string_view) override {}
  void lost_member_reported(const Room& room, std::string_view peer_id) override;
  void tick_desynced(const Room& room, std::uint64_t tick,
                     const std::vector<std::pair<std::string, std::string>>& hashes) override;

 private:
  void emit(std::string_view type, const std::string& room_id, std::string data_json);
  void peer_left(const Room& room, std::string_view peer_id, std::string_view reason);

  webhooks::WebhookSender& sender_;
  bool rooms_have_records_;
  std::function<std::int64_t()> now_ms_;
};

}  // namespace signalmesh
