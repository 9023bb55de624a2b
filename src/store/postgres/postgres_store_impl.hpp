// The PostgreSQL store: signalmesh/store.hpp over one Connection
// (pg_connection.hpp) and the statements of pg_sql.hpp. Its methods live in
// postgres_store.cpp (lifecycle, users), pg_rooms.cpp and pg_hashes.cpp.
//
// Reads and API writes fail at once with kUnavailable while the database is
// down; the mirror writes (touch_user, the player and status writes,
// put_hash) wait in the connection's bounded queue and are applied once it
// is back. Every reply runs on the loop from a completion handler, never
// inside the call; none runs after stop(), so `this` outlives every reply.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "signalmesh/store.hpp"
#include "store/postgres/pg_asio.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_rows.hpp"

namespace signalmesh::store::postgres {

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(Settings settings);
  ~PostgresStore() override;

  void start(asio::io_context& loop, std::function<void(bool up)> on_state) override;
  void stop() override;
  bool is_up() const override { return connection_ && connection_->is_up(); }
  std::string_view name() const override { return "postgres"; }
  void append_metrics(std::string& out) const override;

  void create_user(User user, Done<User> done) override;
  void get_user(std::string uid, Done<User> done) override;
  void list_users(PageRequest page, Done<Page<User>> done) override;
  void patch_user(std::string uid, UserPatch patch, Done<User> done) override;
  void delete_user(std::string uid, Done<Empty> done) override;
  void touch_user(std::string uid, std::int64_t now, Done<Empty> done) override;

  void create_room(RoomRecord room, Done<RoomRecord> done) override;
  void open_room(std::string room_id, bool create_if_missing, std::int64_t now,
                 Done<RoomRecord> done) override;
  void get_room(std::string room_id, Done<RoomRecord> done) override;
  void list_rooms(std::optional<RoomStatus> status, PageRequest page,
                  Done<Page<RoomRecord>> done) override;
  void patch_room(std::string room_id, RoomPatch patch, std::optional<std::uint64_t> if_match,
                  std::int64_t now, Done<RoomRecord> done) override;
  void delete_room(std::string room_id, Done<Empty> done) override;

  void add_player(std::string room_id, Player player, std::int64_t now, Done<Empty> done) override;
  void remove_player(std::string room_id, std::string uid, std::int64_t now,
                     Done<Empty> done) override;
  void set_host(std::string room_id, std::string host_uid, std::int64_t now,
                Done<Empty> done) override;
  void advance_status(std::string room_id, RoomStatus status, std::uint32_t round, std::int64_t now,
                      Done<Empty> done) override;
  void replace_players(std::string room_id, std::vector<Player> players, std::string host_uid,
                       std::int64_t now, Done<Empty> done) override;

  void put_hash(HashRecord hash, Done<Empty> done) override;
  void list_hashes(std::string room_id, std::uint32_t round, std::uint64_t from, std::uint64_t to,
                   PageRequest page, Done<Page<HashRecord>> done) override;

 private:
  // Sends `sql` and answers `done` with parse(result) on success, or with the
  // failure's status. `write`: a mirror write (see the file comment).
  template <typename T, typename Parse>
  void run(const char* sql, Params params, bool write, Done<T> done, Parse parse);
  // A mirror write whose statement answers one row: 1 found, 0 no room.
  void run_found(const char* sql, Params params, Done<Empty> done);
  void put_hash_attempt(HashRecord hash, Done<Empty> done, bool again);
  // Answers `done` with `status` on the next loop turn.
  template <typename T>
  void refuse(Done<T>& done, Status status, std::string message);
  void schedule_sweep();

  std::int64_t retention_ms() const {
    return static_cast<std::int64_t>(settings_.room_retention_seconds) * 1000;
  }

  Settings settings_;
  asio::io_context* loop_ = nullptr;
  std::shared_ptr<Connection> connection_;
  std::unique_ptr<asio::steady_timer> sweep_timer_;
  std::uint64_t sweeps_ = 0;
  std::uint64_t hash_races_ = 0;
};

template <typename T, typename Parse>
void PostgresStore::run(const char* sql, Params params, bool write, Done<T> done, Parse parse) {
  if (!connection_) return;  // not started, or stopped: nothing may answer
  if (!params_are_text(params)) {
    refuse(done, Status::kInvalid, "a value holds a NUL byte");
    return;
  }
  Command c;
  c.sql = sql;
  c.params = std::move(params);
  c.write = write;
  c.reply = [done = std::move(done), parse = std::move(parse)](PgResult r) {
    if (!done) return;
    if (!r.ok()) {
      Result<T> failed;
      failed.status = r.status();
      failed.message = r.message();
      done(std::move(failed));
      return;
    }
    done(parse(r));
  };
  connection_->submit(std::move(c));
}

template <typename T>
void PostgresStore::refuse(Done<T>& done, Status status, std::string message) {
  if (!connection_ || !done) return;
  connection_->defer([done = std::move(done), status, message = std::move(message)] {
    Result<T> r;
    r.status = status;
    r.message = message;
    done(std::move(r));
  });
}

template <typename T>
Result<T> failure(Status status, std::string message) {
  Result<T> r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

}  // namespace signalmesh::store::postgres
