#include "gateway/webhook_events.hpp"

#include "core/log.hpp"
#include "text/json_text.hpp"

namespace signalmesh {
namespace {

// {"name":"value"...}: ids and names are validated identifiers, but every
// string is escaped anyway.
void field(std::string& out, std::string_view name, std::string_view value) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += name;
  out += "\":";
  text::append_json_string(out, value);
}

void number(std::string& out, std::string_view name, std::uint64_t value) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

}  // namespace

WebhookEvents::WebhookEvents(webhooks::WebhookSender& sender, bool rooms_have_records,
                             std::function<std::int64_t()> now_ms)
    : sender_(sender), rooms_have_records_(rooms_have_records), now_ms_(std::move(now_ms)) {}

void WebhookEvents::emit(std::string_view type, const std::string& room_id, std::string data_json) {
  webhooks::Event event;
  try {
    event.id = webhooks::new_event_id();
  } catch (const std::exception& e) {
    SM_ERROR("webhook " << type << " of room " << room_id << " not sent: " << e.what());
    return;
  }
  event.type = std::string(type);
  event.time_ms = now_ms_();
  event.room_id = room_id;
  event.data_json = std::move(data_json);
  // A full queue is counted and logged by the sender's metrics.
  sender_.send(std::move(event));
}

void WebhookEvents::room_created(const std::string& room_id, std::string_view source) {
  std::string data = "{";
  field(data, "source", source);
  emit("room.created", room_id, data + "}");
}

void WebhookEvents::room_deleted(const std::string& room_id) {
  emit("room.deleted", room_id, "{}");
}

void WebhookEvents::room_status(const std::string& room_id, store::RoomStatus status,
                                std::uint32_t round) {
  std::string data = "{";
  field(data, "status", store::room_status_name(status));
  number(data, "round", round);
  emit("room.status", room_id, data + "}");
  if (status == store::RoomStatus::kFinished) {
    std::string finished = "{";
    number(finished, "round", round);
    emit("room.finished", room_id, finished + "}");
  }
}

void WebhookEvents::player_added(const Room& room, const Member& member) {
  // Without records, a room exists while it has members: its first one
  // creates it (protocol.md §3).
  if (!rooms_have_records_ && room.size() == 1) room_created(room.id(), "join");
  std::string data = "{";
  field(data, "peerId", member.peer_id);
  emit("peer.joined", room.id(), data + "}");
}

void WebhookEvents::peer_left(const Room& room, std::string_view peer_id, std::string_view reason) {
  std::string data = "{";
  field(data, "peerId", peer_id);
  field(data, "reason", reason);
  emit("peer.left", room.id(), data + "}");
}

void WebhookEvents::player_removed(const Room& room, std::string_view peer_id,
                                   std::string_view reason) {
  // A lost pod's members are told by one pod: lost_member_reported.
  if (reason != "pod-lost") peer_left(room, peer_id, reason);
}

void WebhookEvents::lost_member_reported(const Room& room, std::string_view peer_id) {
  peer_left(room, peer_id, "pod-lost");
}

void WebhookEvents::host_changed(const Room& room, std::string_view host,
                                 std::string_view previous) {
  // A room's first member is its host and an emptied room has none: the
  // peer.joined and peer.left say so. host.changed is a move between members.
  if (host.empty() || previous.empty()) return;
  std::string data = "{";
  field(data, "hostId", host);
  field(data, "previousHostId", previous);
  emit("host.changed", room.id(), data + "}");
}

void WebhookEvents::status_changed(const Room& room) {
  room_status(room.id(), room.state.status, room.state.round);
}

void WebhookEvents::tick_desynced(const Room& room, std::uint64_t tick,
                                  const std::vector<std::pair<std::string, std::string>>& hashes) {
  std::string data = "{";
  number(data, "round", room.state.round);
  number(data, "tick", tick);
  data += ",\"hashes\":{";
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) data += ',';
    text::append_json_string(data, hashes[i].first);
    data += ':';
    text::append_json_string(data, hashes[i].second);
  }
  emit("room.desync", room.id(), data + "}}");
}

}  // namespace signalmesh
