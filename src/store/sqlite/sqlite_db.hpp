// A thin faithful wrapper over one libsqlite3 connection: open with the
// pragmas and schema the store needs, prepared statements cached and reused,
// errors as exceptions. Used by the store's worker thread only (a connection
// is never shared between threads); the record logic sits above it
// (sqlite_records.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace signalmesh::store::sqlite {

// An error from libsqlite3 (or a schema this build cannot use). Thrown only
// on the worker thread and turned into a kUnavailable result there.
class DbError : public std::runtime_error {
 public:
  DbError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  // True when the connection is no use any more (disk, file, corruption)
  // rather than a passing lock: the store reports itself down.
  bool broken() const;

 private:
  int code_;
};

// One execution of a cached statement; resets it when it goes out of scope so
// that the next user finds it clean.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }

  // Binds the parameters in order (1-based), for query(sql, args...).
  void bind(int index, std::int64_t value);
  void bind(int index, std::uint64_t value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, std::uint32_t value) { bind(index, std::int64_t{value}); }
  void bind(int index, int value) { bind(index, std::int64_t{value}); }
  void bind(int index, std::string_view value);
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, std::nullopt_t);
  template <typename T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bind(index, std::nullopt);
    }
  }

  // Advances: true with a row to read, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run() { step(); }

  std::int64_t i64(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;
  std::optional<std::int64_t> opt_i64(int column) const;
  std::optional<std::string> opt_text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Opens (creating it when missing) the database at `path` (":memory:" for
  // one private to this connection), sets WAL and busy_timeout, and creates
  // or checks the schema. Throws DbError with a message for the operator.
  static std::unique_ptr<Db> open(const std::string& path, int busy_timeout_ms);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // A cached prepared statement with `args` bound.
  template <typename... Args>
  Statement query(const char* sql, const Args&... args) {
    Statement s = prepare(sql);
    int index = 0;
    (s.bind(++index, args), ...);
    return s;
  }
  // Runs SQL text with no parameters (pragmas, BEGIN/COMMIT, schema).
  void exec(const char* sql);
  // Rows changed by the last statement.
  int changes() const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  Statement prepare(const char* sql);
  void create_schema();

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back unless committed. IMMEDIATE takes
// the write lock at once, so that two stores on one file never both read and
// then fail to upgrade (busy_timeout then orders them instead).
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool open_ = true;
};

}  // namespace signalmesh::store::sqlite
