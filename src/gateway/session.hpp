// Per-connection gateway state. It is websocketpp's `connection_base`
// (see ws_config.hpp), so it lives inside the connection object itself:
// no side table, no lookup per message. Loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/token_bucket.hpp"

namespace signalmesh {

class Room;

struct Session {
  // Set once admitted (on open).
  Room* room = nullptr;
  std::string peer_id;
  // True while this connection is the room member's current connection; a
  // replaced or kicked connection stops being the member before it closes.
  bool is_member = false;
  // Why the member leaves when this connection closes (protocol.md §3).
  const char* leave_reason = "left";
  // Admission time in µs since the Unix epoch (Member::epoch).
  std::uint64_t epoch = 0;
  // Set when the server starts the close (the close code is then ours).
  bool closing = false;
  // Position in Gateway::Impl::sessions_ (swap-remove on close).
  std::size_t index = 0;
  bool listed = false;
  TokenBucket bucket{0, 0, TokenBucket::Clock::time_point{}};
  std::uint32_t refused_in_row = 0;
  // Last frame or pong from the client (liveness).
  std::chrono::steady_clock::time_point last_seen{};
};

}  // namespace signalmesh
