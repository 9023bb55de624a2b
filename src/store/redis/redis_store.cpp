// The Redis store (`--store redis://[:password@]host:port[/db]`): every
// record a HASH, every change one Lua script (redis_scripts.cpp) on the keys
// of one record (redis_keys.hpp), hiredis on the gateway's loop
// (redis_client.hpp). Mirror writes wait out an outage and are sent again;
// the API's calls fail with kUnavailable instead.
#include "store/redis/redis_store.hpp"

#include <stdexcept>

#include "store/redis/redis_store_impl.hpp"

namespace signalmesh::store::redis {

// ---- users
void RedisStore::create_user(User u, Done<User> done) {
  if (!valid_id(u.uid)) return refuse(std::move(done), "invalid uid");
  const std::string key = user_key(u.uid);
  Strings args{u.uid,
               u.handle,
               std::to_string(u.created),
               flag(u.email.has_value()),
               u.email.value_or(""),
               u.metadata,
               flag(u.last_seen.has_value()),
               std::to_string(u.last_seen.value_or(0))};
  run_script(Script::kUserCreate, {key, std::string(kUsersIndex)}, std::move(args), kOnce,
             std::move(done), decode_user_reply);
}

void RedisStore::get_user(std::string uid, Done<User> done) {
  if (!valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
  client_.command({"HGETALL", user_key(uid)}, kOnce, [done = std::move(done)](Result<Reply> r) {
    Result<User> out;
    if (!r.ok()) {
      out.status = r.status;
      out.message = std::move(r.message);
    } else if (r.value.type == Reply::Type::kArray && r.value.elements.empty()) {
      out.status = Status::kNotFound;
      out.message = "no such user";
    } else if (!decode_user(r.value, out.value)) {
      out.status = Status::kUnavailable;
      out.message = "redis: malformed user record";
    }
    done(std::move(out));
  });
}

void RedisStore::list_users(PageRequest page, Done<Page<User>> done) {
  const auto start = list_start(page.cursor);
  if (!start) return refuse(std::move(done), "bad cursor");
  const std::size_t limit = std::max<std::size_t>(page.limit, 1);
  run_script(Script::kUserList, {std::string(kUsersIndex)}, {*start, std::to_string(limit + 1), ""},
             kOnce, std::move(done), [limit](const Reply& r, Page<User>& out) {
               return decode_list<User>(r, limit, out, [](const Reply& item, User& u) {
                 return decode_user(item.elements[0], u);
               });
             });
}

void RedisStore::patch_user(std::string uid, UserPatch p, Done<User> done) {
  if (!valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
  const char* email_mode = !p.email ? "0" : *p.email ? "1" : "2";
  Strings args{
      flag(p.handle.has_value()),           p.handle.value_or(""),        email_mode,
      p.email && *p.email ? **p.email : "", flag(p.metadata.has_value()), p.metadata.value_or("")};
  run_script(Script::kUserPatch, {user_key(uid)}, std::move(args), kOnce, std::move(done),
             decode_user_reply);
}

void RedisStore::delete_user(std::string uid, Done<Empty> done) {
  if (!valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
  run_script(Script::kUserDelete, {user_key(uid), std::string(kUsersIndex)}, {uid}, kOnce,
             std::move(done), nothing);
}

void RedisStore::touch_user(std::string uid, std::int64_t now, Done<Empty> done) {
  if (!valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
  run_script(Script::kUserTouch, {user_key(uid)}, {std::to_string(now)}, kRetried, std::move(done),
             nothing);
}

// ---- rooms
void RedisStore::create_room(RoomRecord room, Done<RoomRecord> done) {
  if (!valid_id(room.room_id)) return refuse(std::move(done), "invalid room id");
  const std::int64_t updated = room.updated != 0 ? room.updated : room.created;
  room_script(Script::kRoomCreate, room.room_id,
              {std::string(room_status_name(room.status)), std::to_string(room.round),
               std::to_string(room.created), std::to_string(updated), room.metadata,
               room.max_members ? std::to_string(*room.max_members) : ""},
              kOnce, std::move(done), decode_room_reply);
}

void RedisStore::open_room(std::string id, bool create, std::int64_t now, Done<RoomRecord> done) {
  if (!valid_id(id)) return refuse(std::move(done), "invalid room id");
  room_script(Script::kRoomOpen, id, {flag(create), std::to_string(now)}, kOnce, std::move(done),
              decode_room_reply);
}

void RedisStore::get_room(std::string id, Done<RoomRecord> done) {
  if (!valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
  room_script(Script::kRoomGet, id, {}, kOnce, std::move(done), decode_room_reply);
}

void RedisStore::list_rooms(std::optional<RoomStatus> status, PageRequest page,
                            Done<Page<RoomRecord>> done) {
  const auto start = list_start(page.cursor);
  if (!start) return refuse(std::move(done), "bad cursor");
  Strings keys{std::string(kRoomsIndex), status_index_key(RoomStatus::kWaiting),
               status_index_key(RoomStatus::kPlaying), status_index_key(RoomStatus::kFinished)};
  if (status) keys.insert(keys.begin(), status_index_key(*status));
  const std::size_t limit = std::max<std::size_t>(page.limit, 1);
  run_script(
      Script::kRoomList, std::move(keys),
      {*start, std::to_string(limit + 1), status ? std::string(room_status_name(*status)) : ""},
      kOnce, std::move(done), [limit](const Reply& r, Page<RoomRecord>& out) {
        return decode_list<RoomRecord>(r, limit, out, [](const Reply& item, RoomRecord& room) {
          return decode_room(item.elements[0], item.elements[1], room);
        });
      });
}

void RedisStore::patch_room(std::string id, RoomPatch p, std::optional<std::uint64_t> if_match,
                            std::int64_t now, Done<RoomRecord> done) {
  if (!valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
  const bool max_set = p.max_members.has_value();
  const std::string max = max_set && *p.max_members ? std::to_string(**p.max_members) : "";
  room_script(Script::kRoomPatch, id,
              {if_match ? std::to_string(*if_match) : "", std::to_string(now),
               p.status ? std::string(room_status_name(*p.status)) : "",
               flag(p.metadata.has_value()), p.metadata.value_or(""), flag(max_set), max},
              kOnce, std::move(done), decode_room_reply);
}

void RedisStore::delete_room(std::string id, Done<Empty> done) {
  if (!valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
  room_script(Script::kRoomDelete, id, {}, kOnce, std::move(done), nothing);
}

// ---- mirror writes
void RedisStore::add_player(std::string id, Player p, std::int64_t now, Done<Empty> done) {
  if (!valid_id(id) || !valid_id(p.uid)) return refuse(std::move(done), "bad id");
  room_script(Script::kAddPlayer, id, {p.uid, std::to_string(p.join_order), std::to_string(now)},
              kRetried, std::move(done), nothing);
}

void RedisStore::remove_player(std::string id, std::string uid, std::int64_t now,
                               Done<Empty> done) {
  if (!valid_id(id) || !valid_id(uid)) return refuse(std::move(done), "bad id");
  room_script(Script::kRemovePlayer, id, {uid, std::to_string(now)}, kRetried, std::move(done),
              nothing);
}

void RedisStore::set_host(std::string id, std::string host, std::int64_t now, Done<Empty> done) {
  if (!valid_id(id) || (!host.empty() && !valid_id(host))) {
    return refuse(std::move(done), "bad id");
  }
  room_script(Script::kSetHost, id, {host, std::to_string(now)}, kRetried, std::move(done),
              nothing);
}

void RedisStore::advance_status(std::string id, RoomStatus status, std::uint32_t round,
                                std::int64_t now, Done<Empty> done) {
  if (!valid_id(id)) return refuse(std::move(done), "bad id");
  room_script(Script::kAdvanceStatus, id,
              {std::string(room_status_name(status)), std::to_string(round), std::to_string(now)},
              kRetried, std::move(done), nothing);
}

void RedisStore::replace_players(std::string id, std::vector<Player> players, std::string host,
                                 std::int64_t now, Done<Empty> done) {
  if (!valid_id(id) || (!host.empty() && !valid_id(host))) {
    return refuse(std::move(done), "bad id");
  }
  Strings args{host, std::to_string(now)};
  for (const auto& p : players) {
    if (!valid_id(p.uid)) return refuse(std::move(done), "bad uid");
    args.push_back(p.uid);
    args.push_back(std::to_string(p.join_order));
  }
  room_script(Script::kReplacePlayers, id, std::move(args), kRetried, std::move(done), nothing);
}

}  // namespace signalmesh::store::redis

namespace signalmesh::store {

StorePtr make_redis_store(const Settings& settings) {
  std::string error;
  auto url = backends::redis::parse_redis_url(settings.url, &error);
  if (!url) throw std::invalid_argument("--store: " + error);
  redis::RedisClient::Options options;
  options.url = std::move(*url);
  options.timeout = std::chrono::milliseconds(std::max<std::uint32_t>(settings.timeout_ms, 1));
  options.max_queued_writes = settings.max_queued_writes;
  return std::make_unique<redis::RedisStore>(settings, std::move(options));
}

}  // namespace signalmesh::store
