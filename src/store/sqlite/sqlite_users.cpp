// Users: created by the API, touched by joins and leaves.
#include <algorithm>

#include "store/common/cursor.hpp"
#include "store/sqlite/sqlite_records.hpp"

namespace signalmesh::store::sqlite {
namespace {

constexpr const char* kUserColumns = "uid, handle, email, created, last_seen, metadata";

User read_user(const Statement& s) {
  User u;
  u.uid = s.text(0);
  u.handle = s.text(1);
  u.email = s.opt_text(2);
  u.created = s.i64(3);
  u.last_seen = s.opt_i64(4);
  u.metadata = s.text(5);
  return u;
}

std::optional<User> find_user(Db& db, const std::string& uid) {
  static const std::string sql =
      std::string("SELECT ") + kUserColumns + " FROM users WHERE uid = ?";
  Statement s = db.query(sql.c_str(), uid);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

}  // namespace

Result<User> Records::create_user(const User& user) {
  db_.query(
         "INSERT INTO users (uid, handle, email, created, last_seen, metadata) "
         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING",
         user.uid, user.handle, user.email, user.created, user.last_seen, user.metadata)
      .run();
  if (db_.changes() == 0) return fail<User>(Status::kConflict, "user '" + user.uid + "' exists");
  return ok(user);
}

Result<User> Records::get_user(const std::string& uid) {
  auto user = find_user(db_, uid);
  if (!user) return fail<User>(Status::kNotFound, "no user '" + uid + "'");
  return ok(std::move(*user));
}

Result<Page<User>> Records::list_users(const PageRequest& page) {
  std::string after;
  if (!page.cursor.empty()) {
    auto key = decode_cursor(page.cursor);
    if (!key) return fail<Page<User>>(Status::kInvalid, "bad cursor");
    after = std::move(*key);
  }
  const std::size_t limit = std::clamp<std::size_t>(page.limit, 1, 500);
  static const std::string sql =
      std::string("SELECT ") + kUserColumns + " FROM users WHERE uid > ? ORDER BY uid LIMIT ?";
  Page<User> out;
  // One more than asked: whether there is a next page without a second query.
  Statement s = db_.query(sql.c_str(), after, static_cast<std::int64_t>(limit + 1));
  while (s.step()) out.items.push_back(read_user(s));
  if (out.items.size() > limit) {
    out.items.pop_back();
    out.next = encode_cursor(out.items.back().uid);
  }
  return ok(std::move(out));
}

Result<User> Records::patch_user(const std::string& uid, const UserPatch& patch) {
  Transaction tx(db_);
  auto user = find_user(db_, uid);
  if (!user) return fail<User>(Status::kNotFound, "no user '" + uid + "'");
  if (patch.handle) user->handle = *patch.handle;
  if (patch.email) user->email = *patch.email;
  if (patch.metadata) user->metadata = *patch.metadata;
  db_.query("UPDATE users SET handle = ?, email = ?, metadata = ? WHERE uid = ?", user->handle,
            user->email, user->metadata, uid)
      .run();
  tx.commit();
  return ok(std::move(*user));
}

Result<Empty> Records::delete_user(const std::string& uid) {
  db_.query("DELETE FROM users WHERE uid = ?", uid).run();
  if (db_.changes() == 0) return fail<Empty>(Status::kNotFound, "no user '" + uid + "'");
  return ok(Empty{});
}

Result<Empty> Records::touch_user(const std::string& uid, std::int64_t now) {
  // Never creates: users exist only when the API made them.
  db_.query("UPDATE users SET last_seen = ? WHERE uid = ?", now, uid).run();
  if (db_.changes() == 0) return fail<Empty>(Status::kNotFound, "no user '" + uid + "'");
  return ok(Empty{});
}

}  // namespace signalmesh::store::sqlite
