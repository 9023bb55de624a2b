// Plain HTTP (health, readiness, metrics, demo, the operator page) and the
// pre-upgrade checks that answer with an HTTP status (protocol.md §1, §7).
#include <string>
#include <string_view>

#include "admin/admin_page.hpp"
#include "auth/origin.hpp"
#include "auth/token.hpp"
#include "auth/turn.hpp"
#include "core/log.hpp"
#include "demo/demo_assets.hpp"
#include "gateway/gateway_impl.hpp"
#include "gateway/request_path.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh {
namespace {

void respond(Connection& con, websocketpp::http::status_code::value status,
             std::string_view content_type, std::string body) {
  con.set_status(status);
  con.replace_header("Content-Type", std::string(content_type));
  con.replace_header("Cache-Control", "no-store");
  con.set_body(std::move(body));
}

// CORS for /turn, so that a page of an allowed origin on another host can
// fetch its credentials: the same --allowed-origins as the upgrade (empty:
// every origin). A request without Origin is not a browser's and needs no
// headers. False when the origin is refused (the caller answers 403).
bool allow_cross_origin(Connection& con, const std::vector<std::string>& allowed) {
  const std::string& origin = con.get_request_header("Origin");
  if (origin.empty()) return true;
  if (!auth::origin_allowed(origin, true, allowed)) return false;
  con.replace_header("Access-Control-Allow-Origin", origin);
  con.replace_header("Vary", "Origin");
  return true;
}

}  // namespace

// OPTIONS /turn: the browser's preflight before a GET with Authorization.
void Gateway::Impl::serve_turn_preflight(Connection& con) {
  using websocketpp::http::status_code::value;
  if (config_.turn.uris.empty()) {
    respond(con, value::not_found, "text/plain; charset=utf-8",
            "no TURN or STUN servers are configured\n");
    return;
  }
  if (!allow_cross_origin(con, config_.auth.allowed_origins)) {
    ++metrics_.http_rejected_403;
    respond(con, value::forbidden, "text/plain; charset=utf-8", "origin not allowed\n");
    return;
  }
  respond(con, value::no_content, "text/plain; charset=utf-8", "");
  con.remove_header("Content-Type");
  con.replace_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
  con.replace_header("Access-Control-Allow-Headers", "Authorization");
  con.replace_header("Access-Control-Max-Age", "600");
}

// GET /turn?peerId=...[&token=...] (protocol.md §7): guarded by the same
// token as /signal when auth is on (also accepted as a Bearer header).
void Gateway::Impl::serve_turn(Connection& con, std::string_view query) {
  using websocketpp::http::status_code::value;
  const char* kText = "text/plain; charset=utf-8";
  if (config_.turn.uris.empty()) {
    respond(con, value::not_found, kText, "no TURN or STUN servers are configured\n");
    return;
  }
  // Every answer below (errors too) carries the CORS headers, so that the
  // page can read why it was refused.
  if (!allow_cross_origin(con, config_.auth.allowed_origins)) {
    ++metrics_.http_rejected_403;
    respond(con, value::forbidden, kText, "origin not allowed\n");
    return;
  }
  bool has_peer = false;
  const auto peer_id = query_param(query, "peerId", has_peer);
  if (!has_peer || !protocol::is_valid_id(peer_id)) {
    respond(con, value::bad_request, kText, "peerId must be 1 to 64 characters of [A-Za-z0-9_-]\n");
    return;
  }
  if (!config_.auth.jwt_secret.empty()) {
    bool has_token = false;
    std::string token(query_param(query, "token", has_token));
    const std::string& bearer = con.get_request_header("Authorization");
    if (!has_token && bearer.rfind("Bearer ", 0) == 0) token = bearer.substr(7);
    const auto claims = auth::verify_token(token, config_.auth.jwt_secret, unix_seconds());
    if (!claims) {
      respond(con, value::unauthorized, kText,
              "token missing, malformed, badly signed or expired\n");
      return;
    }
    if (claims->sub != peer_id) {
      respond(con, value::forbidden, kText, "the token does not grant this peerId\n");
      return;
    }
  }
  // With credentials, or the STUN URIs alone (protocol.md §7).
  respond(
      con, value::ok, "application/json",
      auth::turn_response_json(config_.turn, peer_id, static_cast<std::int64_t>(unix_seconds())));
}

bool Gateway::Impl::on_validate(websocketpp::connection_hdl hdl) {
  using websocketpp::http::status_code::value;
  auto con = server_.get_con_from_hdl(hdl);
  // `cause`: the audit trail's (docs/operations.md, Logs); null keeps the
  // refusal at debug (404s: scanners would flood the trail).
  auto reject = [&](value status, std::uint64_t& counter, const char* why, const char* cause) {
    ++counter;
    if (cause != nullptr) {
      SM_AUDIT("refused", "upgrade refused", {"room", loggable_room_id(con->get_resource())},
               {"cause", cause}, {"status", static_cast<int>(status)});
    } else {
      SM_DEBUG("upgrade refused (" << static_cast<int>(status) << "): " << why);
    }
    respond(*con, status, "text/plain; charset=utf-8", std::string(why) + "\n");
    return false;
  };
  const auto path = split_request(con->get_resource());
  if (!path.is_signal) {
    return reject(value::not_found, metrics_.http_rejected_404, "not found", nullptr);
  }
  const std::string& origin = con->get_request_header("Origin");
  const bool has_origin = !origin.empty();  // no header: not a browser
  if (!auth::origin_allowed(origin, has_origin, config_.auth.allowed_origins)) {
    return reject(value::forbidden, metrics_.http_rejected_403, "origin not allowed",
                  "origin-not-allowed");
  }
  if (!is_ready()) {
    return reject(value::service_unavailable, metrics_.http_rejected_503, "not ready", "not-ready");
  }
  if (sessions_.size() >= config_.limits.max_connections) {
    return reject(value::service_unavailable, metrics_.http_rejected_503,
                  "too many connections on this pod", "too-many-connections");
  }
  return true;
}

void Gateway::Impl::serve_api(const ConnectionPtr& con, std::string path, std::string query) {
  api::HttpRequest request;
  request.method = con->get_request().get_method();
  request.path = std::move(path);
  request.query = std::move(query);
  request.authorization = con->get_request_header("Authorization");
  request.if_match = con->get_request_header("If-Match");
  request.content_type = con->get_request_header("Content-Type");
  request.body = con->get_request_body();
  // websocketpp answers when on_http returns unless told to wait.
  if (con->defer_http_response()) {
    respond(*con, websocketpp::http::status_code::internal_server_error, "text/plain", "");
    return;
  }
  api_->handle(std::move(request), [this, con](api::HttpResponse r) {
    if (stopped_) return;
    con->set_status(static_cast<websocketpp::http::status_code::value>(r.status));
    con->replace_header("Cache-Control", "no-store");
    for (auto& [name, value] : r.headers) con->replace_header(name, value);
    con->set_body(std::move(r.body));
    asio::error_code ec;
    con->send_http_response(ec);
  });
}

void Gateway::Impl::room_status_changed(const store::RoomRecord& room) {
  agreement_->announce_status(room.room_id, room.status, room.round);
  if (events_) events_->room_status(room.room_id, room.status, room.round);
}

void Gateway::Impl::room_deleted(const std::string& room_id) {
  agreement_->close_room(room_id);
  if (events_) events_->room_deleted(room_id);
}

void Gateway::Impl::room_created(const store::RoomRecord& room) {
  if (events_) events_->room_created(room.room_id, "api");
}

bool Gateway::Impl::serves(Listener listener, std::string_view path) const {
  const bool operator_path = path == "/healthz" || path == "/readyz" || path == "/metrics" ||
                             path == "/admin" || path == "/admin/" ||
                             api::DataApi::is_api_path(path);
  if (listener == Listener::kInternal) return operator_path;
  // The public port: everything without an internal port, else what a
  // browser needs. The demo only with --demo on.
  if (operator_path) return !config_.internal_port.has_value();
  if (path == "/turn" || split_request(path).is_signal) return true;
  return config_.demo;
}

void Gateway::Impl::on_http(const ConnectionPtr& con, Listener listener) {
  using websocketpp::http::status_code::value;
  const auto path = split_request(con->get_resource());
  if (!serves(listener, path.path)) {
    ++metrics_.http_rejected_404;
    respond(*con, value::not_found, "text/plain; charset=utf-8", "not found\n");
    return;
  }
  if (api::DataApi::is_api_path(path.path)) {
    serve_api(con, std::string(path.path), std::string(path.query));
    return;
  }
  const std::string& method = con->get_request().get_method();
  if (method == "OPTIONS" && path.path == "/turn") {
    serve_turn_preflight(*con);
    return;
  }
  if (method != "GET" && method != "HEAD") {
    con->replace_header("Allow", "GET, HEAD");
    respond(*con, value::method_not_allowed, "text/plain; charset=utf-8", "method not allowed\n");
    return;
  }
  if (path.path == "/healthz") {
    respond(*con, value::ok, "text/plain; charset=utf-8", "ok\n");
  } else if (path.path == "/readyz") {
    if (is_ready()) {
      respond(*con, value::ok, "text/plain; charset=utf-8", "ready\n");
    } else {
      respond(*con, value::service_unavailable, "text/plain; charset=utf-8",
              draining_ ? "draining\n" : "backend unavailable\n");
    }
  } else if (path.path == "/metrics") {
    metrics_.connections = static_cast<std::int64_t>(sessions_.size());
    metrics_.rooms = static_cast<std::int64_t>(agreement_->room_count());
    std::string text = metrics_.render();
    fanout_->append_metrics(text);
    store_->append_metrics(text);
    mirror_->append_metrics(text);
    if (hooks_) hooks_->append_metrics(text);
    respond(*con, value::ok, "text/plain; version=0.0.4; charset=utf-8", text);
  } else if (path.path == "/turn") {
    serve_turn(*con, path.query);
  } else if ((path.path == "/admin" || path.path == "/admin/") && api_->enabled()) {
    // Only with API keys: without them the page could show nothing, and the
    // path is a 404 like any other unknown one.
    const auto& page = http::admin_page();
    respond(*con, value::ok, "text/html; charset=utf-8", std::string(page.html));
    con->replace_header("Content-Security-Policy", page.content_security_policy);
    con->replace_header("X-Frame-Options", "DENY");
    con->replace_header("X-Content-Type-Options", "nosniff");
    con->replace_header("Referrer-Policy", "no-referrer");
  } else if (path.is_signal) {
    respond(*con, value::upgrade_required, "text/plain; charset=utf-8",
            "this endpoint takes a WebSocket upgrade\n");
  } else {
    const std::string_view wanted = path.path == "/" ? "/index.html" : path.path;
    for (std::size_t i = 0; i < http::kDemoAssetCount; ++i) {
      const auto& asset = http::kDemoAssets[i];
      if (wanted == asset.path) {
        respond(*con, value::ok, asset.content_type, std::string(asset.data, asset.size));
        return;
      }
    }
    ++metrics_.http_rejected_404;
    respond(*con, value::not_found, "text/plain; charset=utf-8", "not found\n");
  }
}

}  // namespace signalmesh
