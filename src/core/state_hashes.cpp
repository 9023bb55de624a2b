#include "core/state_hashes.hpp"

namespace signalmesh {

StateHashes::Outcome StateHashes::record(std::uint64_t tick, std::string_view peer,
                                         std::string_view hash, bool& desync_now) {
  desync_now = false;
  auto it = ticks_.find(tick);
  if (it == ticks_.end()) {
    if (ticks_.size() >= max_ticks_) {
      if (tick < ticks_.begin()->first) return Outcome::kTooOld;
      ticks_.erase(ticks_.begin());
    }
    it = ticks_.emplace(tick, Tick{}).first;
  }
  Tick& t = it->second;
  bool differs = false;
  for (const auto& [who, what] : t.reports) {
    if (who == peer) return what == hash ? Outcome::kDuplicate : Outcome::kConflict;
    differs = differs || what != hash;
  }
  t.reports.emplace_back(std::string(peer), std::string(hash));
  if (differs && !t.desync_told) {
    t.desync_told = true;
    desync_now = true;
  }
  return Outcome::kRecorded;
}

const StateHashes::Reports& StateHashes::reports(std::uint64_t tick) const {
  static const Reports kNone;
  auto it = ticks_.find(tick);
  return it == ticks_.end() ? kNone : it->second.reports;
}

}  // namespace signalmesh
