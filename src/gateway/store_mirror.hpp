// The store's side of the cluster agreement: what this pod is the authority
// for is written to the store (players one at a time, host, status, hashes,
// users' lastSeen), and a room's record is read when the pod starts
// following it. Never on the relay path, never waited for but by that read.
//
// Store down: writes wait in a bounded queue (the oldest is dropped beyond
// it, counted and logged) and are replayed in order when the store is back;
// then, once the agreement is caught up too (the backend may have been down
// with the store, and a view from before its resync would bring back members
// who left meanwhile), the players and host of every room this pod follows
// are rewritten from the agreement's view, which repairs whatever was
// dropped.
// Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "cluster/agreement.hpp"
#include "cluster/room_observer.hpp"
#include "signalmesh/store.hpp"

namespace signalmesh {

class StoreMirror final : public cluster::RoomObserver {
 public:
  // `now_ms`: Unix milliseconds.
  StoreMirror(store::Store& store, bool create_rooms, std::size_t max_queued,
              std::function<std::int64_t()> now_ms);

  void attach(cluster::Agreement& agreement) { agreement_ = &agreement; }
  // The store became reachable or not (its on_state).
  void on_store_state(bool up);
  void stop() { stopped_ = true; }
  void append_metrics(std::string& text) const;
  // Told when this pod's read of a room created its record (a first join).
  void on_record_created(std::function<void(const std::string& room_id)> fn) {
    on_record_created_ = std::move(fn);
  }

  // cluster::RoomObserver
  bool loads_records() const override;
  void load_room(const std::string& room_id) override;
  void player_added(const Room& room, const Member& member) override;
  void player_removed(const Room& room, std::string_view peer_id, std::string_view reason) override;
  void host_changed(const Room& room, std::string_view host, std::string_view) override;
  void status_changed(const Room& room) override;
  void hash_reported(const Room& room, std::string_view peer_id, std::uint64_t tick,
                     std::string_view hash) override;
  void caught_up() override;
  void players_stale(const Room& room, const std::vector<std::string>& uids) override;

 private:
  using Write = std::function<void(store::Done<store::Empty>)>;
  // Issues `write` now, or queues it while the store is down.
  void submit(Write write);
  void issue(Write write);
  void replay();
  void rewrite_followed_rooms();

  store::Store& store_;
  cluster::Agreement* agreement_ = nullptr;
  bool create_rooms_;
  std::size_t max_queued_;
  std::function<std::int64_t()> now_ms_;
  std::function<void(const std::string&)> on_record_created_;
  std::deque<Write> queue_;
  bool up_ = true;
  bool was_down_ = false;
  bool rewrite_pending_ = false;  // the store is back, the agreement not yet
  bool stopped_ = false;
  std::size_t in_flight_ = 0;
  std::uint64_t writes_ = 0;
  std::uint64_t write_failures_ = 0;
  std::uint64_t writes_dropped_ = 0;
  std::uint64_t reads_ = 0;
  std::uint64_t stale_players_removed_ = 0;
  std::uint64_t read_failures_ = 0;
};

}  // namespace signalmesh
