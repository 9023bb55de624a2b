// The state hashes of one room's current round (app-integration.md §2): per
// tick, which member reported which hash, and whether that tick's desync
// was already told. Every pod keeps the same window and feeds it the same
// reports (its own members' and the envelopes of the others), so every pod
// reaches the same verdict without a coordinator. Bounded: the newest
// `max_ticks` ticks are kept. Plain data; loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signalmesh {

class StateHashes {
 public:
  using Reports = std::vector<std::pair<std::string, std::string>>;  // (peerId, hash)

  enum class Outcome {
    kRecorded,   // new for this peer and tick
    kDuplicate,  // the same hash again: ignored
    kConflict,   // another hash for a tick this peer already reported
    kTooOld,     // older than every tick of a full window
  };

  explicit StateHashes(std::size_t max_ticks) : max_ticks_(max_ticks == 0 ? 1 : max_ticks) {}

  // Records `peer`'s report. `desync_now` becomes true when this report is
  // the first to make the tick's hashes differ (tell the members once).
  Outcome record(std::uint64_t tick, std::string_view peer, std::string_view hash,
                 bool& desync_now);
  // The reports of `tick`, in arrival order (empty when none).
  const Reports& reports(std::uint64_t tick) const;
  std::size_t tick_count() const { return ticks_.size(); }

 private:
  struct Tick {
    Reports reports;
    bool desync_told = false;
  };
  std::map<std::uint64_t, Tick> ticks_;
  std::size_t max_ticks_;
};

}  // namespace signalmesh
