// The PostgreSQL store's per-tick state hashes: first report wins, the
// newest hash_retention_ticks ticks of a room's round are kept.
#include <algorithm>
#include <cstdint>

#include "store/common/cursor.hpp"
#include "store/common/records.hpp"
#include "store/postgres/pg_sql.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace signalmesh::store::postgres {

namespace {

// What the parser answers for a lost insert race: asked again, once.
constexpr const char* kRace = "race";

}  // namespace

void PostgresStore::put_hash(HashRecord hash, Done<Empty> done) {
  if (hash.tick > kMaxTick) return refuse(done, Status::kInvalid, "tick beyond 2^53-1");
  put_hash_attempt(std::move(hash), std::move(done), false);
}

void PostgresStore::put_hash_attempt(HashRecord hash, Done<Empty> done, bool again) {
  Params p{text_param(hash.room_id),
           number_param(hash.round),
           unsigned_param(hash.tick),
           text_param(hash.peer_id),
           text_param(hash.hash),
           number_param(hash.timestamp),
           number_param(settings_.hash_retention_ticks)};
  // Kept aside for a second attempt; moved into the reply only then.
  auto kept = std::make_shared<HashRecord>(std::move(hash));
  Done<Empty> answer = [this, kept, done = std::move(done), again](Result<Empty> r) mutable {
    if (r.status == Status::kUnavailable && r.message == kRace && !again) {
      ++hash_races_;
      put_hash_attempt(std::move(*kept), std::move(done), true);
      return;
    }
    if (r.message == kRace) r.message = "postgres: the hash raced another pod's twice";
    if (done) done(std::move(r));
  };
  run(sql::kPutHash, std::move(p), true, std::move(answer), [kept](const PgResult& r) {
    if (r.rows() != 1 || r.int64(0, 0) == 0) {
      return failure<Empty>(Status::kNotFound, "no such room");
    }
    if (r.int64(0, 1) == 1) return Result<Empty>{};  // stored: the first report
    const HashRecord& hash = *kept;
    // Older than every kept tick: not stored, as it would have been trimmed.
    if (static_cast<std::int64_t>(hash.tick) <= r.int64(0, 3)) return Result<Empty>{};
    if (r.is_null(0, 2)) {
      // Another pod inserted this key after this statement's snapshot.
      return failure<Empty>(Status::kUnavailable, kRace);
    }
    if (r.text(0, 2) == hash.hash) return Result<Empty>{};
    return failure<Empty>(Status::kConflict, "another hash was reported for that peer and tick");
  });
}

void PostgresStore::list_hashes(std::string room_id, std::uint32_t round, std::uint64_t from,
                                std::uint64_t to, PageRequest page, Done<Page<HashRecord>> done) {
  Param after_tick;
  Param after_peer;
  if (!page.cursor.empty()) {
    auto key = decode_cursor(page.cursor);
    auto parsed = key ? parse_hash_cursor_key(*key) : std::nullopt;
    if (!parsed) return refuse(done, Status::kInvalid, "a cursor this store did not write");
    after_tick = unsigned_param(parsed->first);
    after_peer = std::move(parsed->second);
  }
  const std::size_t limit = std::clamp<std::size_t>(page.limit, 1, 500);
  Params p{text_param(room_id),
           number_param(round),
           unsigned_param(std::min(from, kMaxTick)),
           unsigned_param(std::min(to, kMaxTick)),
           std::move(after_tick),
           std::move(after_peer),
           unsigned_param(limit + 1)};
  run(sql::kListHashes, std::move(p), false, std::move(done),
      [limit, room_id, round](const PgResult& r) {
        if (r.rows() == 0 || r.text(0, 0) != "t") {
          return failure<Page<HashRecord>>(Status::kNotFound, "no such room");
        }
        Result<Page<HashRecord>> out;
        for (int row = 0; row < r.rows() && out.value.items.size() < limit; ++row) {
          if (r.is_null(row, 1)) continue;  // the empty page's one row
          HashRecord h;
          h.room_id = room_id;
          h.round = round;
          h.tick = r.uint64(row, 1);
          h.peer_id = std::string(r.text(row, 2));
          h.hash = std::string(r.text(row, 3));
          h.timestamp = r.int64(row, 4);
          out.value.items.push_back(std::move(h));
        }
        if (static_cast<std::size_t>(r.rows()) > limit) {
          const auto& last = out.value.items.back();
          out.value.next = encode_cursor(hash_cursor_key(last.tick, last.peer_id));
        }
        return out;
      });
}

}  // namespace signalmesh::store::postgres
