// Between store records and the text the statements take and return.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "signalmesh/store.hpp"
#include "store/postgres/pg_result.hpp"

namespace signalmesh::store::postgres {

using Param = std::optional<std::string>;
using Params = std::vector<Param>;

inline Param text_param(std::string s) {
  return Param(std::move(s));
}
inline Param number_param(std::int64_t v) {
  return Param(std::to_string(v));
}
inline Param unsigned_param(std::uint64_t v) {
  return Param(std::to_string(v));
}
inline Param bool_param(bool v) {
  return Param(v ? "true" : "false");
}
inline Param status_param(RoomStatus s) {
  return number_param(static_cast<int>(s));
}
// "" is NULL: the records' way of saying "absent" for metadata.
inline Param nonempty_param(std::string s) {
  return s.empty() ? Param() : Param(std::move(s));
}

// An array literal for a text[] parameter, each element quoted.
std::string text_array(const std::vector<std::string>& items);
// An array literal for a numeric[] parameter.
std::string number_array(const std::vector<std::uint64_t>& items);

// True when no parameter holds a NUL byte, which a text parameter cannot
// carry (libpq would cut the value there and the server store another).
bool params_are_text(const Params& params);

// A user from columns first..first+5 of `row` (see sql::kCreateUser).
User user_at(const PgResult& r, int row);

// The room rows of SM_ROOM_ROWS from column `first`: consecutive rows of one
// room_id make one record, players in row order.
std::vector<RoomRecord> rooms_from(const PgResult& r, int first = 0);

}  // namespace signalmesh::store::postgres
