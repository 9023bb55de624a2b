// The Redis store's class, shared by its two source files: the users and
// rooms (redis_store.cpp) and the hashes (redis_store_hashes.cpp). Internal
// to src/store/redis/.
#pragma once

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/common/cursor.hpp"
#include "store/redis/redis_client.hpp"
#include "store/redis/redis_keys.hpp"
#include "store/redis/redis_records.hpp"
#include "store/redis/redis_scripts.hpp"

namespace signalmesh::store::redis {

using Strings = std::vector<std::string>;

inline constexpr bool kRetried = true;  // a mirror write: waits out an outage
inline constexpr bool kOnce = false;    // an API call: kUnavailable while down

inline std::string flag(bool on) {
  return on ? "1" : "0";
}

inline Strings room_keys(const std::string& id) {
  return {room_key(id),
          players_key(id),
          rounds_key(id),
          std::string(kRoomsIndex),
          status_index_key(RoomStatus::kWaiting),
          status_index_key(RoomStatus::kPlaying),
          status_index_key(RoomStatus::kFinished)};
}

// The lexical start of a listing after `cursor` ("-": from the first id).
inline std::optional<std::string> list_start(const std::string& cursor) {
  if (cursor.empty()) return std::string("-");
  auto key = decode_cursor(cursor);
  if (!key || key->empty()) return std::nullopt;
  return "(" + *key;
}

class RedisStore final : public Store {
 public:
  RedisStore(const Settings& settings, RedisClient::Options options)
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
  void create_user(User u, Done<User> done) override;
  void get_user(std::string uid, Done<User> done) override;
  void list_users(PageRequest page, Done<Page<User>> done) override;
  void patch_user(std::string uid, UserPatch p, Done<User> done) override;
  void delete_user(std::string uid, Done<Empty> done) override;
  void touch_user(std::string uid, std::int64_t now, Done<Empty> done) override;
  // ---- rooms
  void create_room(RoomRecord room, Done<RoomRecord> done) override;
  void open_room(std::string id, bool create, std::int64_t now, Done<RoomRecord> done) override;
  void get_room(std::string id, Done<RoomRecord> done) override;
  void list_rooms(std::optional<RoomStatus> status, PageRequest page,
                  Done<Page<RoomRecord>> done) override;
  void patch_room(std::string id, RoomPatch p, std::optional<std::uint64_t> if_match,
                  std::int64_t now, Done<RoomRecord> done) override;
  void delete_room(std::string id, Done<Empty> done) override;
  // ---- mirror writes
  void add_player(std::string id, Player p, std::int64_t now, Done<Empty> done) override;
  void remove_player(std::string id, std::string uid, std::int64_t now, Done<Empty> done) override;
  void set_host(std::string id, std::string host, std::int64_t now, Done<Empty> done) override;
  void advance_status(std::string id, RoomStatus status, std::uint32_t round, std::int64_t now,
                      Done<Empty> done) override;
  void replace_players(std::string id, std::vector<Player> players, std::string host,
                       std::int64_t now, Done<Empty> done) override;
  // ---- hashes
  void put_hash(HashRecord h, Done<Empty> done) override;
  void list_hashes(std::string id, std::uint32_t round, std::uint64_t from, std::uint64_t to,
                   PageRequest page, Done<Page<HashRecord>> done) override;

 private:
  template <typename T>
  using Decoder = std::function<bool(const Reply&, T&)>;

  static bool nothing(const Reply&, Empty&) { return true; }
  static bool decode_user_reply(const Reply& r, User& u) {
    return r.elements.size() >= 2 && decode_user(r.elements[1], u);
  }
  static bool decode_room_reply(const Reply& r, RoomRecord& room) {
    return r.elements.size() >= 3 && decode_room(r.elements[1], r.elements[2], room);
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
    client_.eval(s, std::move(keys), std::move(args), retried,
                 [done = std::move(done), decode = std::move(decode)](Result<Reply> r) {
                   Result<T> out;
                   if (!r.ok()) {
                     out.status = r.status;
                     out.message = std::move(r.message);
                   } else if ((out.status = script_status(r.value, out.message)) == Status::kOk &&
                              !decode(r.value, out.value)) {
                     out.status = Status::kUnavailable;
                     out.message = "redis: malformed reply";
                   }
                   if (done) done(std::move(out));
                 });
  }

  Settings settings_;
  RedisClient client_;
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

}  // namespace signalmesh::store::redis
