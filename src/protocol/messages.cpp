// Builders of the server messages of protocol.md §3 and §4. Each builds its
// text in one std::string sized up front: a broadcast is built once and
// shared, so these are off the per-recipient path anyway.
#include <string>

#include "signalmesh/protocol.hpp"
#include "text/json_text.hpp"

namespace signalmesh::protocol {
namespace {

// Room for the quotes and the commonest escapes of a string of `size`.
std::size_t string_room(std::string_view text) {
  return text.size() + 8;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  text::append_json_string(out, value);
}

}  // namespace

std::string with_sender_id(std::string_view payload, std::string_view sender) {
  const std::size_t brace = payload.find('{');
  if (brace == std::string_view::npos)
    return std::string(payload);  // Not an object: contract broken.
  std::string out;
  out.reserve(payload.size() + string_room(sender) + 12);
  out.append(payload.substr(0, brace + 1));
  out += "\"senderId\":";
  text::append_json_string(out, sender);
  // Validated payloads always have `type`, but "{}" must stay valid JSON.
  std::size_t next = brace + 1;
  while (next < payload.size() && (payload[next] == ' ' || payload[next] == '\t' ||
                                   payload[next] == '\n' || payload[next] == '\r')) {
    ++next;
  }
  if (next < payload.size() && payload[next] != '}') out += ',';
  out.append(payload.substr(brace + 1));
  return out;
}

std::string make_welcome(std::string_view room_id, std::string_view peer_id,
                         std::string_view host_id, const std::vector<std::string>& peers,
                         std::string_view ice_servers_json, std::string_view room_json) {
  std::size_t size = 80 + string_room(room_id) + string_room(peer_id) + string_room(host_id) +
                     ice_servers_json.size() + room_json.size() + 8;
  for (const std::string& peer : peers) size += string_room(peer) + 1;
  std::string out;
  out.reserve(size);
  out += "{\"type\":\"welcome\"";
  append_field(out, "roomId", room_id);
  append_field(out, "peerId", peer_id);
  append_field(out, "hostId", host_id);
  out += ",\"peers\":[";
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (i > 0) out += ',';
    text::append_json_string(out, peers[i]);
  }
  out += ']';
  if (!ice_servers_json.empty()) {
    out += ",\"iceServers\":";
    out += ice_servers_json;
  }
  if (!room_json.empty()) {
    out += ",\"room\":";
    out += room_json;
  }
  out += '}';
  return out;
}

std::string make_room_info(std::string_view status, std::uint32_t round,
                           std::string_view metadata_json) {
  std::string out;
  out.reserve(48 + status.size() + metadata_json.size());
  out += "{\"status\":";
  text::append_json_string(out, status);
  out += ",\"round\":";
  out += std::to_string(round);
  // The store validated it as a JSON object: it goes out as it is.
  out += ",\"metadata\":";
  out += metadata_json.empty() ? std::string_view("null") : metadata_json;
  out += '}';
  return out;
}

std::string make_room_status(std::string_view status, std::uint32_t round,
                             std::string_view sender_id) {
  std::string out;
  out.reserve(72 + status.size() + string_room(sender_id));
  out += "{\"type\":\"room-status\"";
  append_field(out, "status", status);
  out += ",\"round\":";
  out += std::to_string(round);
  if (!sender_id.empty()) append_field(out, "senderId", sender_id);
  out += '}';
  return out;
}

std::string make_desync(std::uint32_t round, std::uint64_t tick,
                        const std::vector<std::pair<std::string, std::string>>& hashes) {
  std::string out;
  out.reserve(64 + hashes.size() * 64);
  out += "{\"type\":\"desync\",\"round\":";
  out += std::to_string(round);
  out += ",\"tick\":";
  out += std::to_string(tick);
  out += ",\"hashes\":{";
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) out += ',';
    text::append_json_string(out, hashes[i].first);
    out += ':';
    text::append_json_string(out, hashes[i].second);
  }
  out += "}}";
  return out;
}

std::string make_server_message(std::string_view data_json) {
  std::string out;
  out.reserve(40 + data_json.size());
  out += "{\"type\":\"server-message\",\"data\":";
  out += data_json;
  out += '}';
  return out;
}

std::string make_application_kick(std::string_view target_id, std::string_view reason) {
  std::string out;
  out.reserve(48 + string_room(target_id) + string_room(reason));
  out += "{\"type\":\"kick\"";
  append_field(out, "targetId", target_id);
  if (!reason.empty()) append_field(out, "reason", reason);
  out += '}';
  return out;
}

std::string make_peer_joined(std::string_view peer_id) {
  std::string out;
  out.reserve(40 + string_room(peer_id));
  out += "{\"type\":\"peer-joined\"";
  append_field(out, "peerId", peer_id);
  out += '}';
  return out;
}

std::string make_peer_left(std::string_view peer_id, std::string_view reason) {
  std::string out;
  out.reserve(50 + string_room(peer_id) + string_room(reason));
  out += "{\"type\":\"peer-left\"";
  append_field(out, "peerId", peer_id);
  append_field(out, "reason", reason);
  out += '}';
  return out;
}

std::string make_host_change(std::string_view host_id, std::string_view previous_host_id,
                             std::string_view sender_id) {
  std::string out;
  out.reserve(70 + string_room(host_id) + string_room(previous_host_id) + string_room(sender_id));
  out += "{\"type\":\"host-change\"";
  append_field(out, "hostId", host_id);
  append_field(out, "previousHostId", previous_host_id);
  if (!sender_id.empty()) append_field(out, "senderId", sender_id);
  out += '}';
  return out;
}

std::string make_error(ErrorCode code, std::string_view message, std::string_view ref_json) {
  const std::string_view name = error_code_name(code);
  std::string out;
  out.reserve(50 + name.size() + string_room(message) + ref_json.size());
  out += "{\"type\":\"error\"";
  append_field(out, "code", name);
  append_field(out, "message", message);
  // ref_json comes from the Validator: already JSON.
  if (!ref_json.empty()) {
    out += ",\"ref\":";
    out += ref_json;
  }
  out += '}';
  return out;
}

}  // namespace signalmesh::protocol
