#include "store/postgres/pg_result.hpp"

#include <libpq-fe.h>

#include <cstdlib>

namespace signalmesh::store::postgres {

void PgResult::Clear::operator()(PGresult* r) const {
  PQclear(r);
}

PgResult PgResult::unavailable(std::string message) {
  PgResult out;
  out.status_ = Status::kUnavailable;
  out.message_ = std::move(message);
  return out;
}

PgResult PgResult::from(PGresult* result) {
  PgResult out;
  out.result_.reset(result);
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return out;
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  out.sqlstate_ = state != nullptr ? state : "";
  out.status_ = status_of_sqlstate(out.sqlstate_);
  const char* text = result != nullptr ? PQresultErrorMessage(result) : nullptr;
  out.message_ = "postgres: ";
  out.message_ += text != nullptr && *text != '\0' ? text : PQresStatus(status);
  while (!out.message_.empty() && out.message_.back() == '\n') out.message_.pop_back();
  return out;
}

Status status_of_sqlstate(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return Status::kUnavailable;
  const std::string_view cls = sqlstate.substr(0, 2);
  // 22: a value the database refuses (bad UTF-8, out of range): the caller's.
  if (cls == "22") return Status::kInvalid;
  if (sqlstate == "23505") return Status::kConflict;
  // A foreign key that no longer holds: the room went away under the write.
  if (sqlstate == "23503") return Status::kNotFound;
  if (cls == "23") return Status::kInvalid;
  // Everything else (connection, shutdown, timeouts, resources, and our own
  // SQL mistakes) says nothing about the caller's request.
  return Status::kUnavailable;
}

int PgResult::rows() const {
  return result_ ? PQntuples(result_.get()) : 0;
}

bool PgResult::has_tuples() const {
  return result_ && PQresultStatus(result_.get()) == PGRES_TUPLES_OK;
}

bool PgResult::is_null(int row, int column) const {
  return !result_ || row >= rows() || column >= PQnfields(result_.get()) ||
         PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view PgResult::text(int row, int column) const {
  if (is_null(row, column)) return {};
  return std::string_view(PQgetvalue(result_.get(), row, column),
                          static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::optional<std::string> PgResult::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

std::int64_t PgResult::int64(int row, int column) const {
  if (is_null(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

std::uint64_t PgResult::uint64(int row, int column) const {
  if (is_null(row, column)) return 0;
  return std::strtoull(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

std::optional<std::int64_t> PgResult::optional_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

}  // namespace signalmesh::store::postgres
