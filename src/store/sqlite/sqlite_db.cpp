#include "store/sqlite/sqlite_db.hpp"

#include <sqlite3.h>

namespace signalmesh::store::sqlite {
namespace {

// PRAGMA user_version of the schema below. A later migration raises it and
// upgrades older files step by step in create_schema().
constexpr int kSchemaVersion = 1;

// Statuses are stored by name so that an operator reading the file with the
// sqlite3 shell sees what the API shows. finished_at is when the room last
// became finished (NULL otherwise): the retention sweep's clock.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE users (
  uid TEXT PRIMARY KEY,
  handle TEXT NOT NULL,
  email TEXT,
  created INTEGER NOT NULL,
  last_seen INTEGER,
  metadata TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE rooms (
  room_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  round INTEGER NOT NULL,
  host_uid TEXT NOT NULL DEFAULT '',
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  version INTEGER NOT NULL,
  metadata TEXT NOT NULL DEFAULT '',
  max_members INTEGER,
  finished_at INTEGER
) WITHOUT ROWID;
CREATE INDEX rooms_by_status ON rooms (status, room_id);
CREATE INDEX rooms_finished ON rooms (finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE room_players (
  room_id TEXT NOT NULL,
  uid TEXT NOT NULL,
  join_order INTEGER NOT NULL,
  PRIMARY KEY (room_id, uid)
) WITHOUT ROWID;
CREATE INDEX room_players_by_order ON room_players (room_id, join_order, uid);
CREATE TABLE hashes (
  room_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  tick INTEGER NOT NULL,
  peer_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  PRIMARY KEY (room_id, round, tick, peer_id)
) WITHOUT ROWID;
)sql";

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
  throw DbError(rc, what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

}  // namespace

bool DbError::broken() const {
  switch (code_ & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return true;
    default:
      // BUSY and LOCKED pass; a constraint or misuse is this call's alone.
      return false;
  }
}

Statement::~Statement() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind(int index, std::nullopt_t) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, std::string("sqlite3_step(") + sqlite3_sql(stmt_) + ")");
}

std::int64_t Statement::i64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string();
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::opt_i64(int column) const {
  if (is_null(column)) return std::nullopt;
  return i64(column);
}

std::optional<std::string> Statement::opt_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::unique_ptr<Db> Db::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    throw DbError(rc, "cannot open SQLite database '" + path + "': " + why);
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  // WAL: readers never block the writer, and a second store on the file (a
  // second process in local mode) waits busy_timeout rather than failing.
  // NORMAL is durable across a process crash in WAL mode (only an OS crash
  // can lose the last transactions), which is what "acknowledged" means here.
  db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=NORMAL");
  db->create_schema();
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void Db::exec(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string why = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw DbError(rc, std::string("SQLite '") + sql + "': " + why);
  }
}

int Db::changes() const {
  return sqlite3_changes(db_);
}

Statement Db::prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, std::string("prepare '") + sql + "'");
    it = statements_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second);
}

void Db::create_schema() {
  // Inside a write transaction, so that two stores opening a new file at
  // once do not both create the tables.
  Transaction tx(*this);
  std::int64_t version = 0;
  {
    Statement s = prepare("PRAGMA user_version");
    if (s.step()) version = s.i64(0);
  }
  if (version > kSchemaVersion) {
    throw DbError(SQLITE_ERROR, "the SQLite database has schema version " +
                                    std::to_string(version) + ", newer than this signalmesh's " +
                                    std::to_string(kSchemaVersion));
  }
  if (version == 0) {
    exec(kSchemaV1);
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  }
  tx.commit();
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (const DbError&) {
    // The transaction is gone already (SQLite rolls back on some errors).
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace signalmesh::store::sqlite
