// The Redis store (`--store redis://[:password@]host:port[/db]`): every
// record a HASH, every change one Lua script (redis_scripts.cpp) on the keys
// of one record (redis_keys.hpp), hiredis on the gateway's loop
// (redis_client.hpp). Mirror writes wait out an outage and are sent again;
// the API's calls fail with kUnavailable instead.
#include "store/redis/redis_store.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <stdexcept>
#include <utility>

#include "store/common/cursor.hpp"
#include "store/redis/redis_client.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/redis/redis_records.hpp"
#include "store/redis/redis_scripts.hpp"

namespace signalmesh::store {
namespace {

using redis::Reply;
using redis::Script;
using Strings = std::vector<std::string>;

constexpr bool kRetried = true;  // a mirror write: waits out an outage
constexpr bool kOnce = false;    // an API call: kUnavailable while down

std::string flag(bool on) {
  return on ? "1" : "0";
}

Strings room_keys(const std::string& id) {
  return {redis::room_key(id),
          redis::players_key(id),
          redis::rounds_key(id),
          std::string(redis::kRoomsIndex),
          redis::status_index_key(RoomStatus::kWaiting),
          redis::status_index_key(RoomStatus::kPlaying),
          redis::status_index_key(RoomStatus::kFinished)};
}

// The lexical start of a listing after `cursor` ("-": from the first id).
std::optional<std::string> list_start(const std::string& cursor) {
  if (cursor.empty()) return std::string("-");
  auto key = decode_cursor(cursor);
  if (!key || key->empty()) return std::nullopt;
  return "(" + *key;
}

class RedisStore final : public Store {
 public:
  RedisStore(const Settings& settings, redis::RedisClient::Options options)
      : settings_(settings), client_(std::move(options)) {}
  ~RedisStore() override { stop(); }

  void start(asio::io_context& loop, std::function<void(bool)> on_state) override {
    loop_ = &loop;
    alive_ = std::make_shared<bool>(true);
    client_.start(loop, std::move(on_state));
  }
  void stop() override {
    if (alive_) *alive_ = false;
    client_.stop();
  }
  bool is_up() const override { return client_.is_up(); }
  std::string_view name() const override { return "redis"; }
  void append_metrics(std::string& out) const override { client_.append_metrics(out); }

  // ---- users
  void create_user(User u, Done<User> done) override {
    if (!redis::valid_id(u.uid)) return refuse(std::move(done), "invalid uid");
    const std::string key = redis::user_key(u.uid);
    Strings args{u.uid,
                 u.handle,
                 std::to_string(u.created),
                 flag(u.email.has_value()),
                 u.email.value_or(""),
                 u.metadata,
                 flag(u.last_seen.has_value()),
                 std::to_string(u.last_seen.value_or(0))};
    run_script(Script::kUserCreate, {key, std::string(redis::kUsersIndex)}, std::move(args), kOnce,
               std::move(done), decode_user_reply);
  }
  void get_user(std::string uid, Done<User> done) override {
    if (!redis::valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
    client_.command({"HGETALL", redis::user_key(uid)}, kOnce,
                    [done = std::move(done)](Result<Reply> r) {
                      Result<User> out;
                      if (!r.ok()) {
                        out.status = r.status;
                        out.message = std::move(r.message);
                      } else if (r.value.type == Reply::Type::kArray && r.value.elements.empty()) {
                        out.status = Status::kNotFound;
                        out.message = "no such user";
                      } else if (!redis::decode_user(r.value, out.value)) {
                        out.status = Status::kUnavailable;
                        out.message = "redis: malformed user record";
                      }
                      done(std::move(out));
                    });
  }
  void list_users(PageRequest page, Done<Page<User>> done) override {
    const auto start = list_start(page.cursor);
    if (!start) return refuse(std::move(done), "bad cursor");
    const std::size_t limit = std::max<std::size_t>(page.limit, 1);
    run_script(Script::kUserList, {std::string(redis::kUsersIndex)},
               {*start, std::to_string(limit + 1), ""}, kOnce, std::move(done),
               [limit](const Reply& r, Page<User>& out) {
                 return decode_list<User>(r, limit, out, [](const Reply& item, User& u) {
                   return redis::decode_user(item.elements[0], u);
                 });
               });
  }
  void patch_user(std::string uid, UserPatch p, Done<User> done) override {
    if (!redis::valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
    const char* email_mode = !p.email ? "0" : *p.email ? "1" : "2";
    Strings args{flag(p.handle.has_value()),
                 p.handle.value_or(""),
                 email_mode,
                 p.email && *p.email ? **p.email : "",
                 flag(p.metadata.has_value()),
                 p.metadata.value_or("")};
    run_script(Script::kUserPatch, {redis::user_key(uid)}, std::move(args), kOnce, std::move(done),
               decode_user_reply);
  }
  void delete_user(std::string uid, Done<Empty> done) override {
    if (!redis::valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
    run_script(Script::kUserDelete, {redis::user_key(uid), std::string(redis::kUsersIndex)}, {uid},
               kOnce, std::move(done), nothing);
  }
  void touch_user(std::string uid, std::int64_t now, Done<Empty> done) override {
    if (!redis::valid_id(uid)) return refuse(std::move(done), "no such user", Status::kNotFound);
    run_script(Script::kUserTouch, {redis::user_key(uid)}, {std::to_string(now)}, kRetried,
               std::move(done), nothing);
  }

  // ---- rooms
  void create_room(RoomRecord room, Done<RoomRecord> done) override {
    if (!redis::valid_id(room.room_id)) return refuse(std::move(done), "invalid room id");
    const std::int64_t updated = room.updated != 0 ? room.updated : room.created;
    room_script(Script::kRoomCreate, room.room_id,
                {std::string(room_status_name(room.status)), std::to_string(room.round),
                 std::to_string(room.created), std::to_string(updated), room.metadata,
                 room.max_members ? std::to_string(*room.max_members) : ""},
                kOnce, std::move(done), decode_room_reply);
  }
  void open_room(std::string id, bool create, std::int64_t now, Done<RoomRecord> done) override {
    if (!redis::valid_id(id)) return refuse(std::move(done), "invalid room id");
    room_script(Script::kRoomOpen, id, {flag(create), std::to_string(now)}, kOnce, std::move(done),
                decode_room_reply);
  }
  void get_room(std::string id, Done<RoomRecord> done) override {
    if (!redis::valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
    room_script(Script::kRoomGet, id, {}, kOnce, std::move(done), decode_room_reply);
  }
  void list_rooms(std::optional<RoomStatus> status, PageRequest page,
                  Done<Page<RoomRecord>> done) override {
    const auto start = list_start(page.cursor);
    if (!start) return refuse(std::move(done), "bad cursor");
    Strings keys{std::string(redis::kRoomsIndex), redis::status_index_key(RoomStatus::kWaiting),
                 redis::status_index_key(RoomStatus::kPlaying),
                 redis::status_index_key(RoomStatus::kFinished)};
    if (status) keys.insert(keys.begin(), redis::status_index_key(*status));
    const std::size_t limit = std::max<std::size_t>(page.limit, 1);
    run_script(
        Script::kRoomList, std::move(keys),
        {*start, std::to_string(limit + 1), status ? std::string(room_status_name(*status)) : ""},
        kOnce, std::move(done), [limit](const Reply& r, Page<RoomRecord>& out) {
          return decode_list<RoomRecord>(r, limit, out, [](const Reply& item, RoomRecord& room) {
            return redis::decode_room(item.elements[0], item.elements[1], room);
          });
        });
  }
  void patch_room(std::string id, RoomPatch p, std::optional<std::uint64_t> if_match,
                  std::int64_t now, Done<RoomRecord> done) override {
    if (!redis::valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
    const bool max_set = p.max_members.has_value();
    const std::string max = max_set && *p.max_members ? std::to_string(**p.max_members) : "";
    room_script(Script::kRoomPatch, id,
                {if_match ? std::to_string(*if_match) : "", std::to_string(now),
                 p.status ? std::string(room_status_name(*p.status)) : "",
                 flag(p.metadata.has_value()), p.metadata.value_or(""), flag(max_set), max},
                kOnce, std::move(done), decode_room_reply);
  }
  void delete_room(std::string id, Done<Empty> done) override {
    if (!redis::valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
    room_script(Script::kRoomDelete, id, {}, kOnce, std::move(done), nothing);
  }

  // ---- mirror writes
  void add_player(std::string id, Player p, std::int64_t now, Done<Empty> done) override {
    if (!redis::valid_id(id) || !redis::valid_id(p.uid)) return refuse(std::move(done), "bad id");
    room_script(Script::kAddPlayer, id, {p.uid, std::to_string(p.join_order), std::to_string(now)},
                kRetried, std::move(done), nothing);
  }
  void remove_player(std::string id, std::string uid, std::int64_t now, Done<Empty> done) override {
    if (!redis::valid_id(id) || !redis::valid_id(uid)) return refuse(std::move(done), "bad id");
    room_script(Script::kRemovePlayer, id, {uid, std::to_string(now)}, kRetried, std::move(done),
                nothing);
  }
  void set_host(std::string id, std::string host, std::int64_t now, Done<Empty> done) override {
    if (!redis::valid_id(id) || (!host.empty() && !redis::valid_id(host))) {
      return refuse(std::move(done), "bad id");
    }
    room_script(Script::kSetHost, id, {host, std::to_string(now)}, kRetried, std::move(done),
                nothing);
  }
  void advance_status(std::string id, RoomStatus status, std::uint32_t round, std::int64_t now,
                      Done<Empty> done) override {
    if (!redis::valid_id(id)) return refuse(std::move(done), "bad id");
    room_script(Script::kAdvanceStatus, id,
                {std::string(room_status_name(status)), std::to_string(round), std::to_string(now)},
                kRetried, std::move(done), nothing);
  }
  void replace_players(std::string id, std::vector<Player> players, std::string host,
                       std::int64_t now, Done<Empty> done) override {
    if (!redis::valid_id(id) || (!host.empty() && !redis::valid_id(host))) {
      return refuse(std::move(done), "bad id");
    }
    Strings args{host, std::to_string(now)};
    for (const auto& p : players) {
      if (!redis::valid_id(p.uid)) return refuse(std::move(done), "bad uid");
      args.push_back(p.uid);
      args.push_back(std::to_string(p.join_order));
    }
    room_script(Script::kReplacePlayers, id, std::move(args), kRetried, std::move(done), nothing);
  }

  // ---- hashes
  void put_hash(HashRecord h, Done<Empty> done) override;
  void list_hashes(std::string id, std::uint32_t round, std::uint64_t from, std::uint64_t to,
                   PageRequest page, Done<Page<HashRecord>> done) override;

 private:
  template <typename T>
  using Decoder = std::function<bool(const Reply&, T&)>;

  static bool nothing(const Reply&, Empty&) { return true; }
  static bool decode_user_reply(const Reply& r, User& u) {
    return r.elements.size() >= 2 && redis::decode_user(r.elements[1], u);
  }
  static bool decode_room_reply(const Reply& r, RoomRecord& room) {
    return r.elements.size() >= 3 && redis::decode_room(r.elements[1], r.elements[2], room);
  }
  // {"ok", {item...}}: up to limit + 1 items, the extra one saying there is
  // a next page.
  template <typename T, typename Item>
  static bool decode_list(const Reply& r, std::size_t limit, Page<T>& out, Item decode_item);

  // Loop thread only. A call before start() or after stop() is dropped.
  template <typename T>
  void refuse(Done<T> done, std::string why, Status status = Status::kInvalid) {
    if (loop_ == nullptr || !alive_ || !*alive_ || !done) return;
    asio::post(*loop_, [alive = alive_, done = std::move(done), why = std::move(why), status] {
      if (!*alive) return;
      Result<T> r;
      r.status = status;
      r.message = why;
      done(std::move(r));
    });
  }

  template <typename T, typename Decode>
  void room_script(Script s, const std::string& id, Strings args, bool retried, Done<T> done,
                   Decode decode) {
    args.insert(args.begin(), {id, std::to_string(settings_.room_retention_seconds)});
    run_script(s, room_keys(id), std::move(args), retried, std::move(done), std::move(decode));
  }

  template <typename T, typename Decode>
  void run_script(Script s, Strings keys, Strings args, bool retried, Done<T> done, Decode decode) {
    client_.eval(
        s, std::move(keys), std::move(args), retried,
        [done = std::move(done), decode = std::move(decode)](Result<Reply> r) {
          Result<T> out;
          if (!r.ok()) {
            out.status = r.status;
            out.message = std::move(r.message);
          } else if ((out.status = redis::script_status(r.value, out.message)) == Status::kOk &&
                     !decode(r.value, out.value)) {
            out.status = Status::kUnavailable;
            out.message = "redis: malformed reply";
          }
          if (done) done(std::move(out));
        });
  }

  Settings settings_;
  redis::RedisClient client_;
  asio::io_context* loop_ = nullptr;
  std::shared_ptr<bool> alive_;
};

template <typename T, typename Item>
bool RedisStore::decode_list(const Reply& r, std::size_t limit, Page<T>& out, Item decode_item) {
  if (r.elements.size() < 2 || r.elements[1].type != Reply::Type::kArray) return false;
  for (const Reply& item : r.elements[1].elements) {
    if (item.type != Reply::Type::kArray || item.elements.size() < 2) return false;
    T value;
    if (!decode_item(item, value)) return false;
    out.items.push_back(std::move(value));
  }
  if (out.items.size() > limit) {
    out.items.resize(limit);
    if constexpr (std::is_same_v<T, User>) {
      out.next = encode_cursor(out.items.back().uid);
    } else {
      out.next = encode_cursor(out.items.back().room_id);
    }
  }
  return true;
}

void RedisStore::put_hash(HashRecord h, Done<Empty> done) {
  if (!redis::valid_id(h.room_id) || !redis::valid_id(h.peer_id)) {
    return refuse(std::move(done), "bad id");
  }
  if (h.tick > redis::kMaxTick) return refuse(std::move(done), "tick beyond 2^53-1");
  if (h.hash.empty()) return refuse(std::move(done), "empty hash");
  const std::string& id = h.room_id;
  run_script(Script::kPutHash,
             {redis::room_key(id), redis::rounds_key(id), redis::hashes_key(id, h.round),
              redis::hash_values_key(id, h.round), redis::hash_ticks_key(id, h.round)},
             {redis::hash_member(h.tick, h.peer_id), std::to_string(h.timestamp), h.hash,
              std::to_string(h.tick), redis::padded_tick(h.tick), std::to_string(h.round),
              std::to_string(settings_.hash_retention_ticks)},
             kRetried, std::move(done), Decoder<Empty>(nothing));
}

void RedisStore::list_hashes(std::string id, std::uint32_t round, std::uint64_t from,
                             std::uint64_t to, PageRequest page, Done<Page<HashRecord>> done) {
  if (!redis::valid_id(id)) return refuse(std::move(done), "no such room", Status::kNotFound);
  from = std::min(from, redis::kMaxTick + 1);  // beyond every tick: an empty page
  to = std::min(to, redis::kMaxTick);
  std::string start = "[" + redis::padded_tick(from) + ":";
  if (!page.cursor.empty()) {
    const auto last = decode_cursor(page.cursor);
    std::uint64_t tick = 0;
    std::string peer;
    if (!last || !redis::parse_cursor_key(*last, tick, peer)) {
      return refuse(std::move(done), "bad cursor");
    }
    const std::string member = redis::hash_member(tick, peer);
    if (member >= start.substr(1)) start = "(" + member;
  }
  const std::string end = "[" + redis::padded_tick(to) + ";";  // ';' sorts right after ':'
  const std::size_t limit = std::max<std::size_t>(page.limit, 1);
  run_script(Script::kListHashes,
             {redis::room_key(id), redis::hashes_key(id, round), redis::hash_values_key(id, round)},
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
                 if (!redis::decode_hash(id, round, members[i], values[i], h)) return false;
                 out.items.push_back(std::move(h));
               }
               if (out.items.size() > limit) {
                 out.items.resize(limit);
                 out.next = encode_cursor(
                     redis::cursor_key(out.items.back().tick, out.items.back().peer_id));
               }
               return true;
             }));
}

}  // namespace

StorePtr make_redis_store(const Settings& settings) {
  std::string error;
  auto url = backends::redis::parse_redis_url(settings.url, &error);
  if (!url) throw std::invalid_argument("--store: " + error);
  redis::RedisClient::Options options;
  options.url = std::move(*url);
  options.timeout = std::chrono::milliseconds(std::max<std::uint32_t>(settings.timeout_ms, 1));
  options.max_queued_writes = settings.max_queued_writes;
  return std::make_unique<RedisStore>(settings, std::move(options));
}

}  // namespace signalmesh::store
