// Rooms and membership as plain data: who is in which room, in which join
// order, and who is host. No sockets and no clocks, so the host rules are
// unit-tested step by step. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/state_hashes.hpp"
#include "signalmesh/store.hpp"

namespace signalmesh {

namespace cluster {
class Participant;  // A local connection; never dereferenced here.
}

struct Member {
  std::string peer_id;
  // Cluster-wide join order; ties are broken by peer_id (protocol.md §3).
  std::uint64_t join_order = 0;
  // The pod that owns the member (empty: this pod).
  std::string pod_id;
  // The local connection, or nullptr for a member on another pod.
  cluster::Participant* participant = nullptr;
  // When the member's current connection was admitted (µs since the Unix
  // epoch): of two connections racing for one peerId, the newer wins.
  std::uint64_t epoch = 0;
};

// A room's application state (protocol 1.1, app-integration.md §1-2):
// agreed between pods like the host (status and round only move forward),
// read from the store when a pod starts following the room.
struct RoomState {
  store::RoomStatus status = store::RoomStatus::kWaiting;
  std::uint32_t round = 1;
  std::string metadata;  // a JSON object's text, or empty
  std::optional<std::uint32_t> max_members;
  // The store's record was read (or there is no store to read).
  bool record_known = false;

  // The order in which states follow each other: (round, status).
  bool is_before(store::RoomStatus other_status, std::uint32_t other_round) const {
    return round != other_round ? round < other_round
                                : static_cast<int>(status) < static_cast<int>(other_status);
  }
};

class Room {
 public:
  explicit Room(std::string id) : id_(std::move(id)) {}

  const std::string& id() const { return id_; }
  // Oldest first.
  const std::vector<Member>& members() const { return members_; }
  std::size_t size() const { return members_.size(); }
  bool empty() const { return members_.empty(); }
  std::size_t local_count() const { return local_count_; }

  Member* find(std::string_view peer_id);
  // The host: the last explicit hand-off while that member stays, else the
  // earliest-joined member. Empty when the room is empty.
  std::string_view host() const;

  // Inserts in join order. Precondition: peer_id is not a member.
  Member& add(Member member);
  // Removes; returns false when peer_id was not a member.
  bool remove(std::string_view peer_id);
  // Points an existing member at a new connection (replacement keeps the
  // place in the join order and the host role).
  void rebind(Member& member, cluster::Participant* participant);
  // Explicit hand-off. Precondition: peer_id is a member.
  void set_host(std::string_view peer_id) { explicit_host_ = std::string(peer_id); }
  // The last explicit hand-off still in force, or empty.
  const std::string& explicit_host() const { return explicit_host_; }

  RoomState state;
  // The current round's hashes, made on the first report.
  StateHashes& hashes(std::size_t max_ticks) {
    if (!hashes_) hashes_ = std::make_unique<StateHashes>(max_ticks);
    return *hashes_;
  }
  // A new round starts with no hashes.
  void clear_hashes() { hashes_.reset(); }
  // The host last written to the store by this pod (so it writes each change once).
  std::string stored_host;

 private:
  std::unique_ptr<StateHashes> hashes_;
  std::string id_;
  std::vector<Member> members_;
  std::string explicit_host_;
  std::size_t local_count_ = 0;
};

class RoomRegistry {
 public:
  Room* find(std::string_view room_id);
  // Finds or creates.
  Room& open(std::string_view room_id);
  // Forgets the room when it has no members left.
  void close_if_empty(std::string_view room_id);
  // Forgets the room whatever it holds (this pod stopped following it).
  void forget(std::string_view room_id);
  std::size_t room_count() const { return rooms_.size(); }
  // Join orders are comparable across pods: microseconds of wall-clock time,
  // made strictly increasing on this pod.
  std::uint64_t next_join_order(std::uint64_t now_us) {
    join_counter_ = now_us > join_counter_ ? now_us : join_counter_ + 1;
    return join_counter_;
  }

  template <typename Fn>
  void for_each(Fn&& fn) {
    for (auto& entry : rooms_) fn(*entry.second);
  }

 private:
  // Keyed by a view of the room's own id (stable: rooms live on the heap).
  std::unordered_map<std::string_view, std::unique_ptr<Room>> rooms_;
  std::uint64_t join_counter_ = 0;
};

}  // namespace signalmesh
