#include "gateway/store_mirror.hpp"

#include <utility>

#include "core/log.hpp"
#include "core/prometheus.hpp"

namespace signalmesh {

using store::Done;
using store::Empty;
using store::Result;
using store::Status;

StoreMirror::StoreMirror(store::Store& store, bool create_rooms, std::size_t max_queued,
                         std::function<std::int64_t()> now_ms)
    : store_(store),
      create_rooms_(create_rooms),
      max_queued_(max_queued == 0 ? 1 : max_queued),
      now_ms_(std::move(now_ms)) {}

bool StoreMirror::loads_records() const {
  return store_.name() != "none";
}

void StoreMirror::load_room(const std::string& room_id) {
  ++reads_;
  const std::int64_t now = now_ms_();
  store_.open_room(room_id, create_rooms_, now, [this, room_id, now](Result<store::RoomRecord> r) {
    if (stopped_ || agreement_ == nullptr) return;
    cluster::RoomLoad load;
    if (r.ok()) {
      // A record made by this read: version 1, created at our `now`, empty.
      if (on_record_created_ && r.value.version == 1 && r.value.created == now &&
          r.value.players.empty()) {
        on_record_created_(room_id);
      }
      load.outcome = cluster::RoomLoad::Outcome::kFound;
      load.status = r.value.status;
      load.round = r.value.round;
      load.metadata = std::move(r.value.metadata);
      load.max_members = r.value.max_members;
      for (auto& player : r.value.players) load.players.push_back(std::move(player.uid));
    } else if (r.status == Status::kNotFound) {
      load.outcome = cluster::RoomLoad::Outcome::kMissing;
    } else {
      ++read_failures_;
      SM_WARN("store: reading room " << room_id << " failed: " << r.message);
    }
    agreement_->room_loaded(room_id, load);
  });
}

void StoreMirror::player_added(const Room& room, const Member& member) {
  const std::int64_t now = now_ms_();
  submit([this, room_id = room.id(), player = store::Player{member.peer_id, member.join_order},
          now](Done<Empty> done) mutable {
    store_.add_player(room_id, std::move(player), now, std::move(done));
  });
  submit([this, uid = member.peer_id, now](Done<Empty> done) {
    store_.touch_user(uid, now, std::move(done));
  });
}

void StoreMirror::player_removed(const Room& room, std::string_view peer_id, std::string_view) {
  const std::int64_t now = now_ms_();
  submit([this, room_id = room.id(), uid = std::string(peer_id), now](Done<Empty> done) {
    store_.remove_player(room_id, uid, now, std::move(done));
  });
  submit([this, uid = std::string(peer_id), now](Done<Empty> done) {
    store_.touch_user(uid, now, std::move(done));
  });
}

void StoreMirror::host_changed(const Room& room, std::string_view host, std::string_view) {
  submit([this, room_id = room.id(), host = std::string(host), now = now_ms_()](Done<Empty> done) {
    store_.set_host(room_id, host, now, std::move(done));
  });
}

void StoreMirror::status_changed(const Room& room) {
  submit([this, room_id = room.id(), status = room.state.status, round = room.state.round,
          now = now_ms_()](Done<Empty> done) {
    store_.advance_status(room_id, status, round, now, std::move(done));
  });
}

void StoreMirror::hash_reported(const Room& room, std::string_view peer_id, std::uint64_t tick,
                                std::string_view hash) {
  store::HashRecord record{room.id(),         room.state.round, tick, std::string(peer_id),
                           std::string(hash), now_ms_()};
  submit([this, record = std::move(record)](Done<Empty> done) {
    store_.put_hash(record, std::move(done));
  });
}

void StoreMirror::players_stale(const Room& room, const std::vector<std::string>& uids) {
  SM_INFO("store: room " << room.id() << " lists " << uids.size()
                         << " players no pod has (a pod that died without a goodbye): removing");
  stale_players_removed_ += uids.size();
  const std::int64_t now = now_ms_();
  for (const auto& uid : uids) {
    submit([this, room_id = room.id(), uid, now](Done<Empty> done) {
      store_.remove_player(room_id, uid, now, std::move(done));
    });
  }
}

void StoreMirror::submit(Write write) {
  if (stopped_) return;
  if (up_ && queue_.empty()) {
    issue(std::move(write));
    return;
  }
  // Down, or still replaying: keep the order.
  if (queue_.size() >= max_queued_) {
    queue_.pop_front();
    if (writes_dropped_++ % 1000 == 0) {
      SM_WARN("store: write queue full (" << max_queued_
                                          << "): dropping the oldest writes; the rooms this pod "
                                             "follows are rewritten when the store is back");
    }
  }
  queue_.push_back(std::move(write));
  if (up_ && in_flight_ == 0) replay();
}

void StoreMirror::issue(Write write) {
  ++writes_;
  ++in_flight_;
  // Kept until it succeeded: one that failed for an outage goes back to
  // the front of the queue.
  auto retry = std::make_shared<Write>(write);
  write([this, retry](Result<Empty> r) {
    if (stopped_) return;
    --in_flight_;
    if (r.status == Status::kUnavailable) {
      ++write_failures_;
      if (queue_.size() < max_queued_) {
        queue_.push_front(std::move(*retry));
      } else {
        ++writes_dropped_;
      }
    } else if (!r.ok() && r.status != Status::kNotFound && r.status != Status::kConflict) {
      // kNotFound: the room has no record (deleted, or --rooms api and
      // never created): nothing to mirror. kConflict: a hash reported
      // twice, the store keeps the first.
      ++write_failures_;
      SM_WARN("store: write refused: " << r.message);
    }
    if (up_ && in_flight_ == 0) replay();
  });
}

void StoreMirror::replay() {
  // One at a time, in order; each completion issues the next.
  if (queue_.empty()) return;
  Write next = std::move(queue_.front());
  queue_.pop_front();
  issue(std::move(next));
}

void StoreMirror::on_store_state(bool up) {
  if (stopped_) return;
  if (!up) {
    if (up_) SM_WARN("store " << store_.name() << " is down: signaling goes on, writes queue");
    up_ = false;
    was_down_ = true;
    return;
  }
  up_ = true;
  if (!was_down_) return;
  was_down_ = false;
  SM_INFO("store " << store_.name() << " is back: replaying " << queue_.size()
                   << " writes, then rewriting the rooms this pod follows");
  rewrite_pending_ = true;
  if (agreement_ != nullptr && agreement_->is_caught_up()) caught_up();
  if (in_flight_ == 0) replay();
}

void StoreMirror::caught_up() {
  if (!rewrite_pending_ || !up_ || stopped_) return;
  rewrite_pending_ = false;
  rewrite_followed_rooms();
  if (in_flight_ == 0) replay();
}

void StoreMirror::rewrite_followed_rooms() {
  if (agreement_ == nullptr) return;
  const std::int64_t now = now_ms_();
  agreement_->for_each_room([&](Room& room) {
    if (room.local_count() == 0) return;
    std::vector<store::Player> players;
    players.reserve(room.size());
    for (const auto& m : room.members()) players.push_back({m.peer_id, m.join_order});
    queue_.push_back([this, room_id = room.id(), players = std::move(players),
                      host = std::string(room.host()), now](Done<Empty> done) mutable {
      store_.replace_players(room_id, std::move(players), host, now, std::move(done));
    });
    queue_.push_back([this, room_id = room.id(), status = room.state.status,
                      round = room.state.round, now](Done<Empty> done) {
      store_.advance_status(room_id, status, round, now, std::move(done));
    });
  });
}

void StoreMirror::append_metrics(std::string& text) const {
  using prometheus::scalar;
  // signalmesh_store_up{store} and the connection's counters come from the
  // store itself; these are the mirror's, the same for every store.
  scalar(text, "signalmesh_store_mirror_writes_total", "counter",
         "mirror writes issued to the store.", static_cast<double>(writes_));
  scalar(text, "signalmesh_store_mirror_write_failures_total", "counter",
         "mirror writes that failed (retried when the store was down).",
         static_cast<double>(write_failures_));
  scalar(text, "signalmesh_store_mirror_writes_queued", "gauge",
         "mirror writes waiting for the store to come back.", static_cast<double>(queue_.size()));
  scalar(text, "signalmesh_store_mirror_writes_dropped_total", "counter",
         "mirror writes dropped from a full queue (repaired by the rewrite after recovery).",
         static_cast<double>(writes_dropped_));
  scalar(text, "signalmesh_store_stale_players_removed_total", "counter",
         "players of a record that no pod had (their pod died), removed by this pod.",
         static_cast<double>(stale_players_removed_));
  scalar(text, "signalmesh_store_record_reads_total", "counter",
         "room records read when this pod started following a room.", static_cast<double>(reads_));
  scalar(text, "signalmesh_store_record_read_failures_total", "counter",
         "room record reads that failed or timed out.", static_cast<double>(read_failures_));
}

}  // namespace signalmesh
