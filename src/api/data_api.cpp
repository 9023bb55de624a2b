// The router of the data API: the off switch, the key, the route table and
// the checks every endpoint shares (method, path ids, query, body), in the
// order docs/api.md gives, before any store call.
#include "api/data_api.hpp"

#include <utility>

#include "api/handlers.hpp"
#include "api/json_read.hpp"
#include "api/keys.hpp"

namespace signalmesh::api {
namespace {

constexpr std::string_view kPrefix = "/api/v1/";

struct Method {
  std::string_view name;
  std::vector<std::string_view> query;  // the parameters it accepts
  Handler handler;
};

// `pattern` segments in braces are ids: {uid}, {roomId} or {tick}.
struct Route {
  std::vector<std::string_view> pattern;
  std::string_view allow;  // for 405
  std::vector<Method> methods;
};

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {{"users"},
       "GET, POST",
       {{"GET", {"limit", "cursor"}, list_users}, {"POST", {}, create_user}}},
      {{"users", "{uid}"},
       "GET, PATCH, DELETE",
       {{"GET", {}, get_user}, {"PATCH", {}, patch_user}, {"DELETE", {}, delete_user}}},
      {{"rooms"},
       "GET, POST",
       {{"GET", {"status", "limit", "cursor"}, list_rooms}, {"POST", {}, create_room}}},
      {{"rooms", "{roomId}"},
       "GET, PATCH, DELETE",
       {{"GET", {}, get_room}, {"PATCH", {}, patch_room}, {"DELETE", {}, delete_room}}},
      {{"rooms", "{roomId}", "hashes"},
       "GET",
       {{"GET", {"round", "from", "to", "limit", "cursor"}, list_hashes}}},
      {{"rooms", "{roomId}", "hashes", "{tick}"}, "GET", {{"GET", {"round"}, get_tick}}},
      {{"rooms", "{roomId}", "members"}, "GET", {{"GET", {}, list_members}}},
      {{"rooms", "{roomId}", "members", "{peerId}"},
       "DELETE",
       {{"DELETE", {"reason"}, kick_member}}},
      {{"rooms", "{roomId}", "messages"}, "POST", {{"POST", {}, send_message}}},
      {{"rooms", "{roomId}", "host"}, "POST", {{"POST", {}, move_host}}},
      {{"pods"}, "GET", {{"GET", {}, list_pods}}},
      {{"events"}, "GET", {{"GET", {"limit"}, list_events}}},
  };
  return table;
}

// The segments after /api/v1/; none when a segment is empty (a trailing
// slash, "//"), so that such paths are 404.
std::optional<std::vector<std::string_view>> split(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  std::vector<std::string_view> segments;
  while (true) {
    const std::size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segment.empty()) return std::nullopt;
    segments.push_back(segment);
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

const Route* match(const std::vector<std::string_view>& segments) {
  for (const Route& route : routes()) {
    if (route.pattern.size() != segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      same = route.pattern[i].front() == '{' || route.pattern[i] == segments[i];
    }
    if (same) return &route;
  }
  return nullptr;
}

// Path ids are matched as they stand (no percent-decoding), as in the
// WebSocket URL (protocol.md §1).
std::optional<HttpResponse> read_path_ids(const Route& route,
                                          const std::vector<std::string_view>& segments,
                                          Input& in) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string_view kind = route.pattern[i];
    if (kind == "{tick}") {
      const auto tick = parse_decimal(segments[i], kMaxTick);
      if (!tick) return invalid_field("tick", "in the path must be an integer from 0 to 2^53-1");
      in.tick = *tick;
    } else if (kind.front() == '{') {
      const std::string_view name = kind.substr(1, kind.size() - 2);
      if (!is_valid_id(segments[i])) {
        return invalid_field(name, "in the path must be 1-64 characters of A-Za-z0-9_-");
      }
      in.ids.emplace_back(segments[i]);
    }
  }
  return std::nullopt;
}

}  // namespace

DataApi::DataApi(store::Store& store, LiveRooms& live, ApiSettings settings,
                 std::function<std::int64_t()> now_ms)
    : store_(store), live_(live), settings_(std::move(settings)), now_ms_(std::move(now_ms)) {
  for (const std::string& key : settings_.keys) key_digests_.push_back(key_digest(key));
}

bool DataApi::enabled() const {
  return !key_digests_.empty();
}

bool DataApi::is_api_path(std::string_view path) {
  return path == "/api" || path.substr(0, 5) == "/api/";
}

void DataApi::handle(HttpRequest request, std::function<void(HttpResponse)> respond) {
  // Off, the tree does not exist: nothing tells a scanner it could be on.
  if (!enabled() || !is_api_path(request.path)) {
    return respond(error_response(404, "not-found", "no such endpoint"));
  }
  if (!is_authorized(key_digests_, request.authorization)) {
    HttpResponse response = error_response(401, "unauthorized", "a valid API key is required");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return respond(std::move(response));
  }
  const auto segments = split(request.path);
  const Route* route = segments ? match(*segments) : nullptr;
  if (!route) return respond(error_response(404, "not-found", "no such endpoint"));
  const Method* method = nullptr;
  for (const Method& m : route->methods) {
    if (m.name == request.method) method = &m;
  }
  if (!method) {
    HttpResponse response = error_response(405, "method-not-allowed",
                                           "this endpoint takes " + std::string(route->allow));
    response.headers.emplace_back("Allow", std::string(route->allow));
    return respond(std::move(response));
  }
  Input in;
  if (auto problem = read_path_ids(*route, *segments, in)) return respond(std::move(*problem));
  if (auto problem = parse_query(request.query, method->query, in.query)) {
    return respond(std::move(*problem));
  }
  // GET and DELETE take no body: one sent anyway is not read.
  if (request.method == "POST" || request.method == "PATCH") {
    if (auto problem = parse_body(request, settings_.max_body_bytes, in.body)) {
      return respond(std::move(*problem));
    }
  }
  in.if_match = std::move(request.if_match);
  const Context ctx{store_, live_, settings_, now_ms_};
  method->handler(ctx, in, std::move(respond));
}

}  // namespace signalmesh::api
