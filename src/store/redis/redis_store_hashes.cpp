// The Redis store's hashes: put_hash (first report wins, the newest
// hash_retention_ticks ticks of a round kept) and list_hashes (by tick then
// peer). Key layout in redis_keys.hpp, scripts in redis_scripts.cpp.
#include <algorithm>

#include "store/redis/redis_store_impl.hpp"

namespace signalmesh::store::redis {

void RedisStore::put_hash(HashRecord h, Done<Empty> done) {
  if (!valid_id(h.room_id) || !valid_id(h.peer_id)) {
    return refuse(std::move(done), "bad id");
  }
  if (h.tick > kMaxTick) return refuse(std::move(done), "tick beyond 2^53-1");
  if (h.hash.empty()) return refuse(std::move(done), "empty hash");
  const std::string& id = h.room_id;
  run_script(Script::kPutHash,
             {room_key(id), rounds_key(id), hashes_key(id, h.round), hash_values_key(id, h.round),
              hash_ticks_key(id, h.round)},
             {hash_member(h.tick, h.peer_id), std::to_string(h.timestamp), h.hash,
              std::to_string(h.tick), padded_tick(h.tick), std::to_string(h.round),
              std::to_string(settings_.hash_retention_ticks)},
             kRetried, std::move(done), Decoder<Empty>(nothing));
}

void RedisStore::list_hashes(std::string id, std::uint32_t round, std::uint64_t from,
                             std::uint64_t to, PageRequest page, Done<Page<HashRecord>> done) {
  if (!valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
  from = std::min(from, kMaxTick + 1);  // beyond every tick: an empty page
  to = std::min(to, kMaxTick);
  std::string start = "[" + padded_tick(from) + ":";
  if (!page.cursor.empty()) {
    const auto last = decode_cursor(page.cursor);
    std::uint64_t tick = 0;
    std::string peer;
    if (!last || !parse_cursor_key(*last, tick, peer)) {
      return refuse(std::move(done), "bad cursor");
    }
    const std::string member = hash_member(tick, peer);
    if (member >= start.substr(1)) start = "(" + member;
  }
  const std::string end = "[" + padded_tick(to) + ";";  // ';' sorts right after ':'
  const std::size_t limit = std::max<std::size_t>(page.limit, 1);
  run_script(Script::kListHashes, {room_key(id), hashes_key(id, round), hash_values_key(id, round)},
             {start, end, std::to_string(limit + 1)}, kOnce, std::move(done),
             Decoder<Page<HashRecord>>([id, round, limit](const Reply& r, Page<HashRecord>& out) {
               if (r.elements.size() < 3) return false;
               const auto& members = r.elements[1].elements;
               const auto& values = r.elements[2].elements;
               if (members.size() != values.size()) return false;
               for (std::size_t i = 0; i < members.size() && out.items.size() <= limit; ++i) {
                 HashRecord h;
                 // A value gone under a member cannot happen (one script
                 // writes both); skip rather than fail a whole page.
                 if (values[i].type == Reply::Type::kNil) continue;
                 if (!decode_hash(id, round, members[i], values[i], h)) return false;
                 out.items.push_back(std::move(h));
               }
               if (out.items.size() > limit) {
                 out.items.resize(limit);
                 out.next =
                     encode_cursor(cursor_key(out.items.back().tick, out.items.back().peer_id));
               }
               return true;
             }));
}

}  // namespace signalmesh::store::redis
