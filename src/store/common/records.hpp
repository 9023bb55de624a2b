// The record rules every store applies alike (signalmesh/store.hpp), kept in
// one place so that the SQLite, Redis and Postgres stores cannot drift apart:
// which status moves patch_room accepts, the (round, status) order of
// advance_status, and the key under a list_hashes cursor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "signalmesh/store.hpp"

namespace signalmesh::store {

enum class StatusMove {
  kNone,       // the same status again: nothing changes
  kForward,    // waiting -> playing -> finished (waiting -> finished too)
  kNextRound,  // finished -> waiting: round + 1
  kInvalid,    // backward: patch_room answers kInvalid
};
StatusMove classify_status_move(RoomStatus from, RoomStatus to);

// advance_status applies (round, status) only when it is later than the
// stored pair: by round first, then waiting < playing < finished.
bool is_later(std::uint32_t round, RoomStatus status, std::uint32_t stored_round,
              RoomStatus stored_status);

// list_hashes pages by (tick, peer): the key under its cursor is
// "TICK:PEER" with TICK in decimal, so one store's cursor reads in another.
std::string hash_cursor_key(std::uint64_t tick, std::string_view peer_id);
std::optional<std::pair<std::uint64_t, std::string>> parse_hash_cursor_key(std::string_view key);

// The largest tick a hash may carry (2^53 - 1, a JSON-safe integer).
inline constexpr std::uint64_t kMaxTick = (std::uint64_t{1} << 53) - 1;

}  // namespace signalmesh::store
