// Per-tick state hashes: the first report of a (room, round, tick, peer)
// wins, and a room's round keeps only its newest hash_retention_ticks ticks.
#include <algorithm>
#include <limits>

#include "store/common/cursor.hpp"
#include "store/common/records.hpp"
#include "store/sqlite/sqlite_records.hpp"

namespace signalmesh::store::sqlite {
namespace {

// SQLite integers are signed 64-bit: a caller's "to = max" must not wrap.
std::int64_t clamp_tick(std::uint64_t tick) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(tick, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

Result<Empty> Records::put_hash(const HashRecord& h) {
  Transaction tx(db_);
  if (!room_exists(h.room_id)) {
    return fail<Empty>(Status::kNotFound, "no room '" + h.room_id + "'");
  }
  {
    Statement s = db_.query(
        "SELECT hash FROM hashes WHERE room_id = ? AND round = ? AND tick = ? AND peer_id = ?",
        h.room_id, h.round, clamp_tick(h.tick), h.peer_id);
    if (s.step()) {
      if (s.text(0) == h.hash) return ok(Empty{});
      return fail<Empty>(
          Status::kConflict,
          "peer '" + h.peer_id + "' reported another hash for tick " + std::to_string(h.tick));
    }
  }
  db_.query(
         "INSERT INTO hashes (room_id, round, tick, peer_id, hash, timestamp) "
         "VALUES (?, ?, ?, ?, ?, ?)",
         h.room_id, h.round, clamp_tick(h.tick), h.peer_id, h.hash, h.timestamp)
      .run();
  if (settings_.hash_retention_ticks > 0) {
    // Everything older than the N-th newest tick goes; with fewer than N
    // ticks the subquery is NULL and nothing does.
    db_.query(
           "DELETE FROM hashes WHERE room_id = ?1 AND round = ?2 AND tick < ("
           "SELECT tick FROM (SELECT DISTINCT tick FROM hashes WHERE room_id = ?1 AND round = ?2 "
           "ORDER BY tick DESC LIMIT 1 OFFSET ?3))",
           h.room_id, h.round, std::int64_t{settings_.hash_retention_ticks} - 1)
        .run();
  }
  tx.commit();
  return ok(Empty{});
}

Result<Page<HashRecord>> Records::list_hashes(const std::string& room_id, std::uint32_t round,
                                              std::uint64_t from, std::uint64_t to,
                                              const PageRequest& page) {
  // Resume strictly after (tick, peer); from the start: after (from, "")
  // since no peer id is empty.
  std::uint64_t after_tick = from;
  std::string after_peer;
  if (!page.cursor.empty()) {
    auto key = decode_cursor(page.cursor);
    auto parsed = key ? parse_hash_cursor_key(*key) : std::nullopt;
    if (!parsed) return fail<Page<HashRecord>>(Status::kInvalid, "bad cursor");
    after_tick = std::max(from, parsed->first);
    after_peer = parsed->first < from ? std::string() : std::move(parsed->second);
  }
  if (!room_exists(room_id)) {
    return fail<Page<HashRecord>>(Status::kNotFound, "no room '" + room_id + "'");
  }
  const std::size_t limit = std::clamp<std::size_t>(page.limit, 1, 500);
  Page<HashRecord> out;
  {
    Statement s = db_.query(
        "SELECT tick, peer_id, hash, timestamp FROM hashes WHERE room_id = ?1 AND round = ?2 "
        "AND tick <= ?3 AND (tick > ?4 OR (tick = ?4 AND peer_id > ?5)) "
        "ORDER BY tick, peer_id LIMIT ?6",
        room_id, round, clamp_tick(to), clamp_tick(after_tick), after_peer,
        static_cast<std::int64_t>(limit + 1));
    while (s.step()) {
      HashRecord h;
      h.room_id = room_id;
      h.round = round;
      h.tick = static_cast<std::uint64_t>(s.i64(0));
      h.peer_id = s.text(1);
      h.hash = s.text(2);
      h.timestamp = s.i64(3);
      out.items.push_back(std::move(h));
    }
  }
  if (out.items.size() > limit) {
    out.items.pop_back();
    out.next = encode_cursor(hash_cursor_key(out.items.back().tick, out.items.back().peer_id));
  }
  return ok(std::move(out));
}

}  // namespace signalmesh::store::sqlite
