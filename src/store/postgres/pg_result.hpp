// What a command returned: its PGresult (owned), or why there is none.
// Column values are read as text (every command asks for text results).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "signalmesh/store.hpp"

typedef struct pg_result PGresult;

namespace signalmesh::store::postgres {

class PgResult {
 public:
  // No answer at all: the connection was lost, timed out or is down.
  static PgResult unavailable(std::string message);
  // Takes ownership of `result` (may be an error result).
  static PgResult from(PGresult* result);

  // kOk for a successful command; otherwise the store status its error
  // means (SQLSTATE classes: data exceptions are kInvalid, everything about
  // the connection or the server's state is kUnavailable).
  Status status() const { return status_; }
  bool ok() const { return status_ == Status::kOk; }
  const std::string& message() const { return message_; }
  const std::string& sqlstate() const { return sqlstate_; }

  int rows() const;
  bool is_null(int row, int column) const;
  // "" for NULL.
  std::string_view text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  // 0 for NULL or garbage (the columns are typed by the schema).
  std::int64_t int64(int row, int column) const;
  std::uint64_t uint64(int row, int column) const;
  std::optional<std::int64_t> optional_int64(int row, int column) const;

  // True when the result has rows (a SELECT or RETURNING); the setup script
  // keeps its last such result rather than its final COMMIT.
  bool has_tuples() const;

 private:
  struct Clear {
    void operator()(PGresult* r) const;
  };
  Status status_ = Status::kOk;
  std::string message_;
  std::string sqlstate_;
  std::unique_ptr<PGresult, Clear> result_;
};

// The status of a failed result with this SQLSTATE.
Status status_of_sqlstate(std::string_view sqlstate);

}  // namespace signalmesh::store::postgres
