// The PostgreSQL store's lifecycle (start, stop, the retention sweep,
// metrics) and its users. See postgres_store_impl.hpp.
#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <stdexcept>

#include "store/common/cursor.hpp"
#include "store/postgres/pg_schema.hpp"
#include "store/postgres/pg_sql.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace signalmesh::store {

StorePtr make_postgres_store(const Settings& settings) {
  const std::string& url = settings.url;
  if (url.rfind("postgres://", 0) != 0 && url.rfind("postgresql://", 0) != 0) {
    throw std::invalid_argument("--store '" + url + "' is not a postgres:// URL");
  }
  // libpq's own parser: a URL it cannot read is refused now, not retried.
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error != nullptr ? error : "cannot be parsed";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw std::invalid_argument("--store '" + url + "': " + why);
  }
  PQconninfoFree(parsed);
  return std::make_unique<postgres::PostgresStore>(settings);
}

namespace postgres {

PostgresStore::PostgresStore(Settings settings) : settings_(std::move(settings)) {}

PostgresStore::~PostgresStore() {
  stop();
}

void PostgresStore::start(asio::io_context& loop, std::function<void(bool up)> on_state) {
  if (connection_) return;
  loop_ = &loop;
  Connection::Options options;
  options.url = settings_.url;
  options.timeout = std::chrono::milliseconds(std::max<std::uint32_t>(settings_.timeout_ms, 1));
  options.max_queued_writes = std::max<std::size_t>(settings_.max_queued_writes, 1);
  // The migrations may wait for another pod's: a generous budget.
  options.setup = setup_script(static_cast<long long>(options.timeout.count()) * 5);
  options.check = check_setup;
  connection_ = std::make_shared<Connection>(loop, std::move(options), std::move(on_state));
  connection_->start();
  if (settings_.room_retention_seconds > 0) {
    sweep_timer_ = std::make_unique<asio::steady_timer>(loop);
    schedule_sweep();
  }
}

void PostgresStore::stop() {
  if (sweep_timer_) sweep_timer_->cancel();
  sweep_timer_.reset();
  if (connection_) connection_->stop();
  connection_.reset();
}

// Half the retention, between 250 ms and a minute: a finished room outlives
// its retention by at most that much, and a long retention costs one cheap
// indexed DELETE a minute per pod.
void PostgresStore::schedule_sweep() {
  const auto half = std::chrono::milliseconds(retention_ms() / 2);
  const auto period = std::clamp<std::chrono::milliseconds>(half, std::chrono::milliseconds(250),
                                                            std::chrono::milliseconds(60000));
  sweep_timer_->expires_after(period);
  sweep_timer_->async_wait([this, timer = sweep_timer_.get()](const asio::error_code& ec) {
    // A cancelled wait may complete after stop() reset the timer.
    if (ec || sweep_timer_.get() != timer) return;
    if (connection_->is_up()) {
      Command c;
      c.sql = sql::kSweep;
      c.reply = [this](PgResult r) {
        if (r.ok()) ++sweeps_;
      };
      connection_->submit(std::move(c));
    }
    schedule_sweep();
  });
}

void PostgresStore::append_metrics(std::string& out) const {
  if (!connection_) return;
  const ConnectionCounters& c = connection_->counters();
  auto family = [&out](const char* name, const char* type, const char* help, double value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    out += std::string(name) + "{store=\"postgres\"} " + std::to_string(value) + "\n";
  };
  family("signalmesh_store_up", "gauge", "1 while the store is reachable.", is_up() ? 1 : 0);
  family("signalmesh_store_commands_total", "counter", "Commands sent to the store.",
         static_cast<double>(c.commands));
  family("signalmesh_store_unavailable_total", "counter",
         "Commands answered unavailable (down, lost, timed out, dropped).",
         static_cast<double>(c.failures));
  family("signalmesh_store_timeouts_total", "counter", "Commands that timed out.",
         static_cast<double>(c.timeouts));
  family("signalmesh_store_queued_writes", "gauge", "Mirror writes waiting for the store.",
         static_cast<double>(c.queued_writes));
  family("signalmesh_store_dropped_writes_total", "counter",
         "Mirror writes dropped because too many were waiting.",
         static_cast<double>(c.dropped_writes));
  family("signalmesh_store_connects_total", "counter", "Connections made (and migrated).",
         static_cast<double>(c.connects));
  family("signalmesh_store_sweeps_total", "counter", "Retention sweeps of finished rooms.",
         static_cast<double>(sweeps_));
}

// --- users

namespace {

Result<User> one_user(const PgResult& r, Status missing, const char* what) {
  if (r.rows() == 0) return failure<User>(missing, what);
  Result<User> out;
  out.value = user_at(r, 0);
  return out;
}

Result<Empty> found_or(const PgResult& r, const char* what) {
  if (r.rows() == 0) return failure<Empty>(Status::kNotFound, what);
  return Result<Empty>{};
}

}  // namespace

void PostgresStore::create_user(User user, Done<User> done) {
  Params p{text_param(user.uid),
           text_param(user.handle),
           user.email,
           number_param(user.created),
           user.last_seen ? number_param(*user.last_seen) : Param(),
           nonempty_param(user.metadata)};
  run(sql::kCreateUser, std::move(p), false, std::move(done), [](const PgResult& r) {
    return one_user(r, Status::kConflict, "a user with that uid exists");
  });
}

void PostgresStore::get_user(std::string uid, Done<User> done) {
  run(sql::kGetUser, {text_param(std::move(uid))}, false, std::move(done),
      [](const PgResult& r) { return one_user(r, Status::kNotFound, "no such user"); });
}

void PostgresStore::list_users(PageRequest page, Done<Page<User>> done) {
  Param after;
  if (!page.cursor.empty()) {
    auto key = decode_cursor(page.cursor);
    if (!key) return refuse(done, Status::kInvalid, "a cursor this store did not write");
    after = std::move(*key);
  }
  const std::size_t limit = std::clamp<std::size_t>(page.limit, 1, 500);
  run(sql::kListUsers, {std::move(after), unsigned_param(limit + 1)}, false, std::move(done),
      [limit](const PgResult& r) {
        Result<Page<User>> out;
        for (int row = 0; row < r.rows() && out.value.items.size() < limit; ++row) {
          out.value.items.push_back(user_at(r, row));
        }
        if (static_cast<std::size_t>(r.rows()) > limit) {
          out.value.next = encode_cursor(out.value.items.back().uid);
        }
        return out;
      });
}

void PostgresStore::patch_user(std::string uid, UserPatch patch, Done<User> done) {
  Params p{text_param(std::move(uid)),
           patch.handle,
           bool_param(patch.email.has_value()),
           patch.email ? *patch.email : Param(),
           bool_param(patch.metadata.has_value()),
           patch.metadata ? nonempty_param(*patch.metadata) : Param()};
  run(sql::kPatchUser, std::move(p), false, std::move(done),
      [](const PgResult& r) { return one_user(r, Status::kNotFound, "no such user"); });
}

void PostgresStore::delete_user(std::string uid, Done<Empty> done) {
  run(sql::kDeleteUser, {text_param(std::move(uid))}, false, std::move(done),
      [](const PgResult& r) { return found_or(r, "no such user"); });
}

void PostgresStore::touch_user(std::string uid, std::int64_t now, Done<Empty> done) {
  run(sql::kTouchUser, {text_param(std::move(uid)), number_param(now)}, true, std::move(done),
      [](const PgResult& r) { return found_or(r, "no such user"); });
}

}  // namespace postgres
}  // namespace signalmesh::store
