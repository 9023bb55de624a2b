#include "api/fake_store.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "store/common/cursor.hpp"
#include "store/common/records.hpp"

namespace signalmesh::api::testing {
namespace {

using store::Result;
using store::Status;

template <typename T>
Result<T> failure(Status status, std::string message) {
  Result<T> r;
  r.status = status;
  r.message = std::move(message);
  return r;
}
template <typename T>
Result<T> success(T value) {
  Result<T> r;
  r.value = std::move(value);
  return r;
}

// A page of (sort key, item) pairs, already in key order, after the
// cursor's key (`decode` reads the key under a cursor, `encode` writes it).
template <typename K, typename T, typename Decode, typename Encode>
Result<store::Page<T>> page_of(const std::vector<std::pair<K, T>>& items,
                               const store::PageRequest& request, Decode decode, Encode encode) {
  std::optional<K> after;
  if (!request.cursor.empty()) {
    const auto text = store::decode_cursor(request.cursor);
    if (text) after = decode(*text);
    if (!after) return failure<store::Page<T>>(Status::kInvalid, "bad cursor");
  }
  store::Page<T> page;
  const K* last = nullptr;
  for (const auto& [key, item] : items) {
    if (after && !(*after < key)) continue;
    if (page.items.size() == request.limit) {
      page.next = store::encode_cursor(encode(*last));
      break;
    }
    page.items.push_back(item);
    last = &key;
  }
  return success(std::move(page));
}

const auto kIdKey = [](const std::string& key) { return std::optional<std::string>(key); };
const auto kIdText = [](const std::string& key) { return key; };

}  // namespace

void FakeStore::start(asio::io_context& loop, std::function<void(bool)> on_state) {
  loop_ = &loop;
  asio::post(loop, [this, cb = std::move(on_state)] { cb(!down); });
}

template <typename T>
void FakeStore::answer(store::Done<T> done, Result<T> result) {
  if (!loop_ || !done) return;
  asio::post(*loop_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

template <typename T>
bool FakeStore::refuse_if_down(store::Done<T>& done) {
  if (!down) return false;
  answer(std::move(done), failure<T>(Status::kUnavailable, "the fake store is down"));
  return true;
}

void FakeStore::create_user(store::User user, store::Done<store::User> done) {
  if (refuse_if_down(done)) return;
  if (users_.count(user.uid))
    return answer(std::move(done), failure<store::User>(Status::kConflict, "exists"));
  users_[user.uid] = user;
  answer(std::move(done), success(std::move(user)));
}

void FakeStore::get_user(std::string uid, store::Done<store::User> done) {
  if (refuse_if_down(done)) return;
  const auto it = users_.find(uid);
  if (it == users_.end())
    return answer(std::move(done), failure<store::User>(Status::kNotFound, "no user"));
  answer(std::move(done), success(it->second));
}

void FakeStore::list_users(store::PageRequest page, store::Done<store::Page<store::User>> done) {
  if (refuse_if_down(done)) return;
  std::vector<std::pair<std::string, store::User>> items(users_.begin(), users_.end());
  answer(std::move(done), page_of(items, page, kIdKey, kIdText));
}

void FakeStore::patch_user(std::string uid, store::UserPatch patch, store::Done<store::User> done) {
  if (refuse_if_down(done)) return;
  const auto it = users_.find(uid);
  if (it == users_.end())
    return answer(std::move(done), failure<store::User>(Status::kNotFound, "no user"));
  store::User& user = it->second;
  if (patch.handle) user.handle = *patch.handle;
  if (patch.email) user.email = *patch.email;
  if (patch.metadata) user.metadata = *patch.metadata;
  answer(std::move(done), success(user));
}

void FakeStore::delete_user(std::string uid, store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  if (!users_.erase(uid))
    return answer(std::move(done), failure<store::Empty>(Status::kNotFound, "no user"));
  answer(std::move(done), success(store::Empty{}));
}

void FakeStore::touch_user(std::string uid, std::int64_t now, store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  const auto it = users_.find(uid);
  if (it == users_.end())
    return answer(std::move(done), failure<store::Empty>(Status::kNotFound, "no user"));
  it->second.last_seen = now;
  answer(std::move(done), success(store::Empty{}));
}

void FakeStore::create_room(store::RoomRecord room, store::Done<store::RoomRecord> done) {
  if (refuse_if_down(done)) return;
  if (rooms_.count(room.room_id)) {
    return answer(std::move(done), failure<store::RoomRecord>(Status::kConflict, "exists"));
  }
  room.players.clear();
  room.host_uid.clear();
  room.version = 1;
  rooms_[room.room_id] = room;
  answer(std::move(done), success(std::move(room)));
}

void FakeStore::open_room(std::string room_id, bool create_if_missing, std::int64_t now,
                          store::Done<store::RoomRecord> done) {
  if (refuse_if_down(done)) return;
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) {
    if (!create_if_missing) {
      return answer(std::move(done), failure<store::RoomRecord>(Status::kNotFound, "no room"));
    }
    store::RoomRecord room;
    room.room_id = room_id;
    room.created = room.updated = now;
    it = rooms_.emplace(room_id, room).first;
  }
  answer(std::move(done), success(it->second));
}

void FakeStore::get_room(std::string room_id, store::Done<store::RoomRecord> done) {
  if (refuse_if_down(done)) return;
  const auto it = rooms_.find(room_id);
  if (it == rooms_.end()) {
    return answer(std::move(done), failure<store::RoomRecord>(Status::kNotFound, "no room"));
  }
  answer(std::move(done), success(it->second));
}

void FakeStore::list_rooms(std::optional<store::RoomStatus> status, store::PageRequest page,
                           store::Done<store::Page<store::RoomRecord>> done) {
  if (refuse_if_down(done)) return;
  std::vector<std::pair<std::string, store::RoomRecord>> items;
  for (const auto& [id, room] : rooms_) {
    if (!status || room.status == *status) items.emplace_back(id, room);
  }
  answer(std::move(done), page_of(items, page, kIdKey, kIdText));
}

void FakeStore::patch_room(std::string room_id, store::RoomPatch patch,
                           std::optional<std::uint64_t> if_match, std::int64_t now,
                           store::Done<store::RoomRecord> done) {
  if (refuse_if_down(done)) return;
  const auto it = rooms_.find(room_id);
  if (it == rooms_.end()) {
    return answer(std::move(done), failure<store::RoomRecord>(Status::kNotFound, "no room"));
  }
  store::RoomRecord room = it->second;
  if (if_match && *if_match != room.version) {
    return answer(std::move(done),
                  failure<store::RoomRecord>(Status::kPreconditionFailed, "stale"));
  }
  if (patch.status) {
    switch (store::classify_status_move(room.status, *patch.status)) {
      case store::StatusMove::kNone:
        break;
      case store::StatusMove::kForward:
        room.status = *patch.status;
        break;
      case store::StatusMove::kNextRound:
        room.status = store::RoomStatus::kWaiting;
        ++room.round;
        break;
      case store::StatusMove::kInvalid:
        return answer(std::move(done), failure<store::RoomRecord>(Status::kInvalid, "backward"));
    }
  }
  if (patch.metadata) room.metadata = *patch.metadata;
  if (patch.max_members) room.max_members = *patch.max_members;
  const auto& old = it->second;
  if (room.status != old.status || room.round != old.round || room.metadata != old.metadata ||
      room.max_members != old.max_members) {
    ++room.version;
    room.updated = now;
  }
  it->second = room;
  answer(std::move(done), success(std::move(room)));
}

void FakeStore::delete_room(std::string room_id, store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  if (!rooms_.erase(room_id)) {
    return answer(std::move(done), failure<store::Empty>(Status::kNotFound, "no room"));
  }
  for (auto it = hashes_.begin(); it != hashes_.end();) {
    it = std::get<0>(it->first) == room_id ? hashes_.erase(it) : std::next(it);
  }
  answer(std::move(done), success(store::Empty{}));
}

store::Result<store::Empty> FakeStore::change_room(
    const std::string& room_id, std::int64_t now,
    const std::function<void(store::RoomRecord&)>& change) {
  const auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return failure<store::Empty>(Status::kNotFound, "no room");
  change(it->second);
  ++it->second.version;
  it->second.updated = now;
  return success(store::Empty{});
}

void FakeStore::add_player(std::string room_id, store::Player player, std::int64_t now,
                           store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  answer(std::move(done), change_room(room_id, now, [&](store::RoomRecord& room) {
           room.players.push_back(player);
           std::sort(room.players.begin(), room.players.end(),
                     [](const auto& a, const auto& b) { return a.join_order < b.join_order; });
         }));
}

void FakeStore::remove_player(std::string room_id, std::string uid, std::int64_t now,
                              store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  answer(std::move(done), change_room(room_id, now, [&](store::RoomRecord& room) {
           room.players.erase(std::remove_if(room.players.begin(), room.players.end(),
                                             [&](const auto& p) { return p.uid == uid; }),
                              room.players.end());
         }));
}

void FakeStore::set_host(std::string room_id, std::string host_uid, std::int64_t now,
                         store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  answer(std::move(done),
         change_room(room_id, now, [&](store::RoomRecord& room) { room.host_uid = host_uid; }));
}

void FakeStore::advance_status(std::string room_id, store::RoomStatus status, std::uint32_t round,
                               std::int64_t now, store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  answer(std::move(done), change_room(room_id, now, [&](store::RoomRecord& room) {
           if (store::is_later(round, status, room.round, room.status)) {
             room.round = round;
             room.status = status;
           }
         }));
}

void FakeStore::replace_players(std::string room_id, std::vector<store::Player> players,
                                std::string host_uid, std::int64_t now,
                                store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  answer(std::move(done), change_room(room_id, now, [&](store::RoomRecord& room) {
           room.players = players;
           room.host_uid = host_uid;
         }));
}

void FakeStore::put_hash(store::HashRecord hash, store::Done<store::Empty> done) {
  if (refuse_if_down(done)) return;
  const auto key = std::make_tuple(hash.room_id, hash.round, hash.tick, hash.peer_id);
  const auto it = hashes_.find(key);
  if (it != hashes_.end() && it->second.hash != hash.hash) {
    return answer(std::move(done), failure<store::Empty>(Status::kConflict, "another hash"));
  }
  hashes_.emplace(key, std::move(hash));
  answer(std::move(done), success(store::Empty{}));
}

void FakeStore::list_hashes(std::string room_id, std::uint32_t round, std::uint64_t from,
                            std::uint64_t to, store::PageRequest page,
                            store::Done<store::Page<store::HashRecord>> done) {
  if (refuse_if_down(done)) return;
  using Key = std::pair<std::uint64_t, std::string>;
  std::vector<std::pair<Key, store::HashRecord>> items;
  for (const auto& [key, hash] : hashes_) {
    if (std::get<0>(key) == room_id && std::get<1>(key) == round && hash.tick >= from &&
        hash.tick <= to) {
      items.emplace_back(Key{hash.tick, hash.peer_id}, hash);
    }
  }
  answer(std::move(done), page_of(items, page, store::parse_hash_cursor_key, [](const Key& k) {
           return store::hash_cursor_key(k.first, k.second);
         }));
}

}  // namespace signalmesh::api::testing
