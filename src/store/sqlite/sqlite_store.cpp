// The SQLite store: one pod's file (local mode, the demo) or a private
// in-memory database. Every blocking libsqlite3 call runs on one worker
// thread owned by the store, in the order the calls were made; results are
// posted to the loop given to start(), guarded by an `alive` flag that stop()
// clears, so no callback runs once stop() returned.
#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/sqlite_records.hpp"

namespace signalmesh::store {
namespace {

using sqlite::Db;
using sqlite::DbError;
using sqlite::Records;
using Clock = std::chrono::steady_clock;

// How long after a failed open the next call tries again: a missing
// directory or a full disk can be fixed while the pod runs.
constexpr auto kReopenDelay = std::chrono::seconds(1);

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const Settings& settings, std::string path)
      : settings_(settings), path_(std::move(path)), memory_(path_ == ":memory:") {}
  ~SqliteStore() override { stop(); }

  void start(asio::io_context& loop, std::function<void(bool)> on_state) override {
    if (loop_ || worker_.joinable()) return;
    loop_ = &loop;
    loop_for_worker_ = &loop;
    on_state_ = std::make_shared<std::function<void(bool)>>(std::move(on_state));
    alive_->store(true);
    worker_ = std::thread([this] { run_worker(); });
  }

  void stop() override {
    alive_->store(false);
    loop_ = nullptr;
    if (!worker_.joinable()) return;
    std::deque<Job> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      dropped.swap(jobs_);
    }
    cv_.notify_all();
    worker_.join();
  }

  bool is_up() const override { return up_.load(); }
  std::string_view name() const override { return "sqlite"; }
  void append_metrics(std::string& out) const override;

  void create_user(User user, Done<User> done) override {
    submit(std::move(done), [u = std::move(user)](Records& r) { return r.create_user(u); });
  }
  void get_user(std::string uid, Done<User> done) override {
    submit(std::move(done), [uid = std::move(uid)](Records& r) { return r.get_user(uid); });
  }
  void list_users(PageRequest page, Done<Page<User>> done) override {
    submit(std::move(done), [page = std::move(page)](Records& r) { return r.list_users(page); });
  }
  void patch_user(std::string uid, UserPatch patch, Done<User> done) override {
    submit(std::move(done), [uid = std::move(uid), patch = std::move(patch)](Records& r) {
      return r.patch_user(uid, patch);
    });
  }
  void delete_user(std::string uid, Done<Empty> done) override {
    submit(std::move(done), [uid = std::move(uid)](Records& r) { return r.delete_user(uid); });
  }
  void touch_user(std::string uid, std::int64_t now, Done<Empty> done) override {
    submit(std::move(done),
           [uid = std::move(uid), now](Records& r) { return r.touch_user(uid, now); });
  }

  void create_room(RoomRecord room, Done<RoomRecord> done) override {
    submit(std::move(done), [room = std::move(room)](Records& r) { return r.create_room(room); });
  }
  void open_room(std::string room_id, bool create_if_missing, std::int64_t now,
                 Done<RoomRecord> done) override {
    submit(std::move(done), [id = std::move(room_id), create_if_missing, now](Records& r) {
      return r.open_room(id, create_if_missing, now);
    });
  }
  void get_room(std::string room_id, Done<RoomRecord> done) override {
    submit(std::move(done), [id = std::move(room_id)](Records& r) { return r.get_room(id); });
  }
  void list_rooms(std::optional<RoomStatus> status, PageRequest page,
                  Done<Page<RoomRecord>> done) override {
    submit(std::move(done),
           [status, page = std::move(page)](Records& r) { return r.list_rooms(status, page); });
  }
  void patch_room(std::string room_id, RoomPatch patch, std::optional<std::uint64_t> if_match,
                  std::int64_t now, Done<RoomRecord> done) override {
    submit(std::move(done), [id = std::move(room_id), patch = std::move(patch), if_match,
                             now](Records& r) { return r.patch_room(id, patch, if_match, now); });
  }
  void delete_room(std::string room_id, Done<Empty> done) override {
    submit(std::move(done), [id = std::move(room_id)](Records& r) { return r.delete_room(id); });
  }

  void add_player(std::string room_id, Player player, std::int64_t now, Done<Empty> done) override {
    submit(std::move(done), [id = std::move(room_id), p = std::move(player), now](Records& r) {
      return r.add_player(id, p, now);
    });
  }
  void remove_player(std::string room_id, std::string uid, std::int64_t now,
                     Done<Empty> done) override {
    submit(std::move(done), [id = std::move(room_id), uid = std::move(uid), now](Records& r) {
      return r.remove_player(id, uid, now);
    });
  }
  void set_host(std::string room_id, std::string host_uid, std::int64_t now,
                Done<Empty> done) override {
    submit(std::move(done), [id = std::move(room_id), host = std::move(host_uid), now](Records& r) {
      return r.set_host(id, host, now);
    });
  }
  void advance_status(std::string room_id, RoomStatus status, std::uint32_t round, std::int64_t now,
                      Done<Empty> done) override {
    submit(std::move(done), [id = std::move(room_id), status, round, now](Records& r) {
      return r.advance_status(id, status, round, now);
    });
  }
  void replace_players(std::string room_id, std::vector<Player> players, std::string host_uid,
                       std::int64_t now, Done<Empty> done) override {
    submit(std::move(done),
           [id = std::move(room_id), players = std::move(players), host = std::move(host_uid),
            now](Records& r) { return r.replace_players(id, players, host, now); });
  }

  void put_hash(HashRecord hash, Done<Empty> done) override {
    submit(std::move(done), [h = std::move(hash)](Records& r) { return r.put_hash(h); });
  }
  void list_hashes(std::string room_id, std::uint32_t round, std::uint64_t from, std::uint64_t to,
                   PageRequest page, Done<Page<HashRecord>> done) override {
    submit(std::move(done), [id = std::move(room_id), round, from, to, page = std::move(page)](
                                Records& r) { return r.list_hashes(id, round, from, to, page); });
  }

 private:
  using Job = std::function<void()>;

  // Loop thread: queues `fn` for the worker, whose result reaches `done` on
  // the loop. Calls before start() or after stop() are dropped unanswered.
  template <typename T, typename Fn>
  void submit(Done<T> done, Fn fn) {
    if (!loop_) return;
    Job job = [this, done = std::move(done), fn = std::move(fn)]() mutable {
      Result<T> result = execute<T>(fn);
      (result.status == Status::kOk ? calls_ok_ : calls_failed_)++;
      if (!done) return;
      asio::post(*loop_for_worker_,
                 [alive = alive_, done = std::move(done), result = std::move(result)]() mutable {
                   if (alive->load()) done(std::move(result));
                 });
    };
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  // Worker thread: runs `fn` on an open database, or answers kUnavailable.
  template <typename T, typename Fn>
  Result<T> execute(Fn& fn) {
    if (!ensure_open()) return sqlite::fail<T>(Status::kUnavailable, down_reason_);
    try {
      Result<T> result = fn(*records_);
      report(true);
      return result;
    } catch (const DbError& e) {
      // An in-memory database cannot be reopened without losing it.
      if (e.broken() && !memory_) close(e.what());
      return sqlite::fail<T>(Status::kUnavailable, e.what());
    }
  }

  void run_worker();
  bool ensure_open();
  void close(std::string why);
  void sweep();
  void report(bool up);
  std::chrono::milliseconds sweep_interval() const;

  const Settings settings_;
  const std::string path_;
  const bool memory_;

  // Loop thread.
  asio::io_context* loop_ = nullptr;
  std::shared_ptr<std::function<void(bool)>> on_state_;
  // Cleared by stop(), read by every posted handler before it calls out.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(false);
  std::atomic<bool> up_{false};

  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_

  // Worker thread only (loop_for_worker_ is set before the thread starts and
  // stays valid until it is joined).
  asio::io_context* loop_for_worker_ = nullptr;
  std::unique_ptr<Db> db_;
  std::unique_ptr<Records> records_;
  std::string down_reason_;
  std::optional<bool> reported_;
  Clock::time_point next_open_{};

  std::atomic<std::uint64_t> calls_ok_{0};
  std::atomic<std::uint64_t> calls_failed_{0};
  std::atomic<std::uint64_t> rooms_expired_{0};
};

std::chrono::milliseconds SqliteStore::sweep_interval() const {
  // A quarter of the retention, so a room outlives it by at most 25%;
  // between 100 ms (tests use a 1 s retention) and one minute.
  if (settings_.room_retention_seconds == 0) return std::chrono::hours(1);
  const std::chrono::milliseconds quarter(std::int64_t{settings_.room_retention_seconds} * 250);
  return std::clamp<std::chrono::milliseconds>(quarter, std::chrono::milliseconds(100),
                                               std::chrono::minutes(1));
}

void SqliteStore::run_worker() {
  ensure_open();
  auto next_sweep = Clock::now();
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next_sweep, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) break;
      if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
    }
    if (job) job();
    if (Clock::now() >= next_sweep) {
      sweep();
      next_sweep = Clock::now() + sweep_interval();
    }
  }
  records_.reset();
  db_.reset();
}

bool SqliteStore::ensure_open() {
  if (db_) return true;
  if (Clock::now() < next_open_) return false;
  try {
    db_ = Db::open(path_, static_cast<int>(settings_.timeout_ms));
    records_ = std::make_unique<Records>(*db_, settings_);
    report(true);
    return true;
  } catch (const DbError& e) {
    close(e.what());
    return false;
  }
}

void SqliteStore::close(std::string why) {
  records_.reset();
  db_.reset();
  down_reason_ = std::move(why);
  next_open_ = Clock::now() + kReopenDelay;
  report(false);
}

void SqliteStore::sweep() {
  if (!db_) return;
  try {
    rooms_expired_ += static_cast<std::uint64_t>(records_->sweep(unix_ms()));
  } catch (const DbError& e) {
    // The next sweep tries again; a broken file shows in the calls too.
    if (e.broken() && !memory_) close(e.what());
  }
}

void SqliteStore::report(bool up) {
  up_ = up;
  if (reported_ == up) return;
  reported_ = up;
  asio::post(*loop_for_worker_, [alive = alive_, cb = on_state_, up] {
    if (alive->load() && *cb) (*cb)(up);
  });
}

void SqliteStore::append_metrics(std::string& out) const {
  out += "# HELP signalmesh_store_up Whether the store answers (1) or not (0).\n";
  out += "# TYPE signalmesh_store_up gauge\n";
  out += std::string("signalmesh_store_up{store=\"sqlite\"} ") + (up_ ? "1" : "0") + "\n";
  out += "# HELP signalmesh_store_calls_total Store calls answered, by result.\n";
  out += "# TYPE signalmesh_store_calls_total counter\n";
  out += "signalmesh_store_calls_total{store=\"sqlite\",result=\"ok\"} " +
         std::to_string(calls_ok_.load()) + "\n";
  out += "signalmesh_store_calls_total{store=\"sqlite\",result=\"error\"} " +
         std::to_string(calls_failed_.load()) + "\n";
  out += "# HELP signalmesh_store_rooms_expired_total Finished rooms removed by retention.\n";
  out += "# TYPE signalmesh_store_rooms_expired_total counter\n";
  out += "signalmesh_store_rooms_expired_total{store=\"sqlite\"} " +
         std::to_string(rooms_expired_.load()) + "\n";
}

}  // namespace

StorePtr make_sqlite_store(const Settings& settings) {
  std::string_view rest(settings.url);
  if (rest.substr(0, 7) != "sqlite:") {
    throw std::invalid_argument("--store '" + settings.url + "' is not sqlite:PATH");
  }
  rest.remove_prefix(7);
  // sqlite:///abs/path and sqlite://rel/path read as URLs do elsewhere.
  if (rest.substr(0, 2) == "//") rest.remove_prefix(2);
  if (rest.empty() || rest.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("--store '" + settings.url +
                                "' names no file: use sqlite:PATH (e.g. sqlite:signalmesh.db) "
                                "or sqlite::memory:");
  }
  return std::make_unique<SqliteStore>(settings, std::string(rest));
}

}  // namespace signalmesh::store
