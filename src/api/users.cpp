// /api/v1/users: the application's users. Created only here (a join never
// creates one); joins and leaves only touch lastSeen.
#include <utility>

#include "api/handlers.hpp"
#include "api/json_read.hpp"
#include "api/json_write.hpp"

namespace signalmesh::api {
namespace {

std::string not_found(const std::string& uid) {
  return "user '" + uid + "' not found";
}

// email and metadata of a create or a patch; null removes (a create has
// nothing to remove, so null there is the same as absent).
std::optional<HttpResponse> read_optional_fields(const rapidjson::Value& body,
                                                 std::optional<std::optional<std::string>>& email,
                                                 std::optional<std::string>& metadata) {
  if (const auto* v = find_field(body, "email")) {
    std::string text;
    if (v->IsNull()) {
      email.emplace(std::nullopt);
    } else if (auto problem = read_email(*v, text)) {
      return problem;
    } else {
      email.emplace(std::move(text));
    }
  }
  if (const auto* v = find_field(body, "metadata")) {
    std::string text;
    if (!v->IsNull()) {
      if (auto problem = read_metadata(*v, text)) return problem;
    }
    metadata = std::move(text);  // "" removes
  }
  return std::nullopt;
}

void answer_user(const Respond& respond, int status, store::Result<store::User>& result,
                 const std::string& uid) {
  if (!result.ok()) return respond(store_error(result.status, not_found(uid)));
  respond(json_response(status, user_json(result.value)));
}

}  // namespace

void list_users(const Context& ctx, Input& in, Respond respond) {
  store::PageRequest page;
  if (auto problem = read_page(in.query, page)) return respond(std::move(*problem));
  ctx.store.list_users(std::move(page), [respond](store::Result<store::Page<store::User>> r) {
    if (!r.ok()) {
      return respond(
          store_error(r.status, "the cursor is not one this API gave", "invalid-cursor"));
    }
    respond(json_response(200, users_json(r.value)));
  });
}

void create_user(const Context& ctx, Input& in, Respond respond) {
  const rapidjson::Value& body = in.body;
  if (auto problem = check_fields(body, {"uid", "handle", "email", "metadata"})) {
    return respond(std::move(*problem));
  }
  store::User user;
  const auto* uid = find_field(body, "uid");
  if (!uid) return respond(invalid_field("uid", "is required"));
  if (auto problem = read_id(*uid, "uid", user.uid)) return respond(std::move(*problem));
  const auto* handle = find_field(body, "handle");
  if (!handle) return respond(invalid_field("handle", "is required"));
  if (auto problem = read_handle(*handle, user.handle)) return respond(std::move(*problem));
  std::optional<std::optional<std::string>> email;
  std::optional<std::string> metadata;
  if (auto problem = read_optional_fields(body, email, metadata)) {
    return respond(std::move(*problem));
  }
  if (email) user.email = *email;
  if (metadata) user.metadata = *metadata;
  user.created = ctx.now_ms();
  const std::string id = user.uid;
  ctx.store.create_user(std::move(user), [respond, id](store::Result<store::User> r) {
    if (r.status == store::Status::kConflict) {
      return respond(store_error(r.status, "user '" + id + "' exists"));
    }
    answer_user(respond, 201, r, id);
  });
}

void get_user(const Context& ctx, Input& in, Respond respond) {
  const std::string uid = in.ids[0];
  ctx.store.get_user(
      uid, [respond, uid](store::Result<store::User> r) { answer_user(respond, 200, r, uid); });
}

void patch_user(const Context& ctx, Input& in, Respond respond) {
  const rapidjson::Value& body = in.body;
  if (auto problem = check_fields(body, {"handle", "email", "metadata"})) {
    return respond(std::move(*problem));
  }
  store::UserPatch patch;
  if (const auto* handle = find_field(body, "handle")) {
    std::string text;
    if (auto problem = read_handle(*handle, text)) return respond(std::move(*problem));
    patch.handle = std::move(text);
  }
  if (auto problem = read_optional_fields(body, patch.email, patch.metadata)) {
    return respond(std::move(*problem));
  }
  const std::string uid = in.ids[0];
  ctx.store.patch_user(uid, std::move(patch), [respond, uid](store::Result<store::User> r) {
    answer_user(respond, 200, r, uid);
  });
}

void delete_user(const Context& ctx, Input& in, Respond respond) {
  const std::string uid = in.ids[0];
  ctx.store.delete_user(uid, [respond, uid](store::Result<store::Empty> r) {
    if (!r.ok()) return respond(store_error(r.status, not_found(uid)));
    respond(no_content());
  });
}

}  // namespace signalmesh::api
