// /api/v1/rooms/{id}/hashes: the per-tick state hashes members reported,
// by round. Reads only: hashes are written by members (state-hash).
#include <memory>
#include <utility>

#include "api/handlers.hpp"
#include "api/json_write.hpp"

namespace signalmesh::api {
namespace {

// One tick has one hash per peer that ever reported it; a room holds at
// most max_room_members at once, so this many pages is far more than any
// tick needs while still bounding the work of one request.
constexpr std::size_t kTickPageLimit = 500;
constexpr int kMaxTickPages = 20;

std::string not_found(const std::string& id) {
  return "room '" + id + "' not found";
}

// The room first: a missing room is 404 (not an empty list), and its
// current round is the default.
template <typename Then>
void with_round(const Context& ctx, const std::string& id, std::uint64_t round, Respond respond,
                Then then) {
  ctx.store.get_room(id, [id, round, respond, then](store::Result<store::RoomRecord> r) {
    if (!r.ok()) return respond(store_error(r.status, not_found(id)));
    then(static_cast<std::uint32_t>(round != 0 ? round : r.value.round));
  });
}

struct TickRead {
  Context ctx;
  std::string room_id;
  std::uint32_t round = 1;
  std::uint64_t tick = 0;
  Respond respond;
  std::vector<store::HashRecord> hashes;
  int pages = 0;
};

void read_tick_page(std::shared_ptr<TickRead> read, std::string cursor) {
  store::PageRequest page{std::move(cursor), kTickPageLimit};
  TickRead& r = *read;
  r.ctx.store.list_hashes(
      r.room_id, r.round, r.tick, r.tick, std::move(page),
      [read](store::Result<store::Page<store::HashRecord>> result) {
        if (!result.ok())
          return read->respond(store_error(result.status, not_found(read->room_id)));
        for (auto& hash : result.value.items) read->hashes.push_back(std::move(hash));
        if (!result.value.next.empty() && ++read->pages < kMaxTickPages) {
          return read_tick_page(read, std::move(result.value.next));
        }
        if (read->hashes.empty()) {
          return read->respond(error_response(404, "not-found",
                                              "no hash for tick " + std::to_string(read->tick) +
                                                  " in round " + std::to_string(read->round)));
        }
        read->respond(
            json_response(200, tick_json(read->room_id, read->round, read->tick, read->hashes)));
      });
}

}  // namespace

void list_hashes(const Context& ctx, Input& in, Respond respond) {
  store::PageRequest page;
  if (auto problem = read_page(in.query, page)) return respond(std::move(*problem));
  std::uint64_t round = 0;
  std::uint64_t from = 0;
  std::uint64_t to = kMaxTick;
  for (auto problem : {read_integer(in.query, "round", 1, UINT32_MAX, round),
                       read_integer(in.query, "from", 0, kMaxTick, from),
                       read_integer(in.query, "to", 0, kMaxTick, to)}) {
    if (problem) return respond(std::move(*problem));
  }
  if (from > to) return respond(error_response(400, "invalid-query", "from is after to"));
  const std::string id = in.ids[0];
  with_round(ctx, id, round, respond,
             [ctx, id, from, to, page = std::move(page), respond](std::uint32_t r) {
               ctx.store.list_hashes(
                   id, r, from, to, page,
                   [respond](store::Result<store::Page<store::HashRecord>> result) {
                     if (!result.ok()) {
                       return respond(store_error(
                           result.status, "the cursor is not one this API gave", "invalid-cursor"));
                     }
                     respond(json_response(200, hashes_json(result.value)));
                   });
             });
}

void get_tick(const Context& ctx, Input& in, Respond respond) {
  std::uint64_t round = 0;
  if (auto problem = read_integer(in.query, "round", 1, UINT32_MAX, round)) {
    return respond(std::move(*problem));
  }
  const std::string id = in.ids[0];
  const std::uint64_t tick = in.tick;
  with_round(ctx, id, round, respond, [ctx, id, tick, respond](std::uint32_t r) {
    auto read = std::make_shared<TickRead>(TickRead{ctx, id, r, tick, respond, {}, 0});
    read_tick_page(std::move(read), "");
  });
}

}  // namespace signalmesh::api
