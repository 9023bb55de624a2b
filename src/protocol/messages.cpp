// Builders of the server messages of protocol.md §3 and §4. Each builds its
// text in one std::string sized up front: a broadcast is built once and
// shared, so these are off the per-recipient path anyway.
#include <string>

#include "signalmesh/protocol.hpp"

namespace signalmesh::protocol {
namespace {

// Length of the valid UTF-8 sequence (RFC 3629) starting at text[i], or 0.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto tail = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i + k < text.size() && at(k) >= lo && at(k) <= hi;
  };
  const unsigned char c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return tail(1) ? 2 : 0;
  if (c == 0xE0) return tail(1, 0xA0) && tail(2) ? 3 : 0;
  if (c == 0xED) return tail(1, 0x80, 0x9F) && tail(2) ? 3 : 0;  // No surrogates.
  if (c >= 0xE1 && c <= 0xEF) return tail(1) && tail(2) ? 3 : 0;
  if (c == 0xF0) return tail(1, 0x90) && tail(2) && tail(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return tail(1) && tail(2) && tail(3) ? 4 : 0;
  if (c == 0xF4) return tail(1, 0x80, 0x8F) && tail(2) && tail(3) ? 4 : 0;
  return 0;
}

// Appends `text` as a JSON string. Bytes that are not UTF-8 become U+FFFD:
// a text frame must be valid UTF-8 or the browser drops the connection.
void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
      }
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (const std::size_t n = utf8_sequence_length(text, i); n > 0) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out += '"';
}

// Room for the quotes and the commonest escapes of a string of `size`.
std::size_t string_room(std::string_view text) {
  return text.size() + 8;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_string(out, value);
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
  append_string(out, sender);
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
                         std::string_view ice_servers_json) {
  std::size_t size = 80 + string_room(room_id) + string_room(peer_id) + string_room(host_id) +
                     ice_servers_json.size();
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
    append_string(out, peers[i]);
  }
  out += ']';
  if (!ice_servers_json.empty()) {
    out += ",\"iceServers\":";
    out += ice_servers_json;
  }
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
