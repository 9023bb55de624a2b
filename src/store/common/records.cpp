#include "store/common/records.hpp"

#include <charconv>

namespace signalmesh::store {

StatusMove classify_status_move(RoomStatus from, RoomStatus to) {
  if (from == to) return StatusMove::kNone;
  if (from == RoomStatus::kFinished && to == RoomStatus::kWaiting) return StatusMove::kNextRound;
  return static_cast<int>(to) > static_cast<int>(from) ? StatusMove::kForward
                                                       : StatusMove::kInvalid;
}

bool is_later(std::uint32_t round, RoomStatus status, std::uint32_t stored_round,
              RoomStatus stored_status) {
  if (round != stored_round) return round > stored_round;
  return static_cast<int>(status) > static_cast<int>(stored_status);
}

std::string hash_cursor_key(std::uint64_t tick, std::string_view peer_id) {
  std::string key = std::to_string(tick);
  key.push_back(':');
  key.append(peer_id);
  return key;
}

std::optional<std::pair<std::uint64_t, std::string>> parse_hash_cursor_key(std::string_view key) {
  const auto colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::uint64_t tick = 0;
  const char* end = key.data() + colon;
  const auto [ptr, ec] = std::from_chars(key.data(), end, tick);
  if (ec != std::errc() || ptr != end || tick > kMaxTick) return std::nullopt;
  return std::make_pair(tick, std::string(key.substr(colon + 1)));
}

}  // namespace signalmesh::store
