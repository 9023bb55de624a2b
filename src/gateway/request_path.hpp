// Splitting a request target into what the gateway routes on. Matching is
// on the raw bytes: no percent-decoding (protocol.md §1).
#pragma once

#include <string_view>

#include "signalmesh/protocol.hpp"

namespace signalmesh {

struct RequestPath {
  std::string_view path;   // before '?'
  std::string_view query;  // after '?', may be empty
  // `/signal/{one non-empty segment}`: the room id is `room_id` (its syntax
  // is checked after the upgrade, so the browser can read the error).
  bool is_signal = false;
  std::string_view room_id;
};

inline RequestPath split_request(std::string_view target) {
  RequestPath out;
  const auto q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string_view::npos) out.query = target.substr(q + 1);
  constexpr std::string_view kPrefix = "/signal/";
  if (out.path.substr(0, kPrefix.size()) == kPrefix) {
    const auto room = out.path.substr(kPrefix.size());
    if (!room.empty() && room.find('/') == std::string_view::npos) {
      out.is_signal = true;
      out.room_id = room;
    }
  }
  return out;
}

// The first value of `name` in a query string; `found` tells absent from
// empty (`?peerId=` is an empty value, not an absent one).
inline std::string_view query_param(std::string_view query, std::string_view name, bool& found) {
  found = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      found = true;
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// The room id of a request target for a log line: empty unless it is a
// valid id (never the query, which may hold the token).
inline std::string_view loggable_room_id(std::string_view target) {
  const std::string_view room = split_request(target).room_id;
  return protocol::is_valid_id(room) ? room : std::string_view{};
}

}  // namespace signalmesh
