// Plain HTTP (health, readiness, metrics, demo) and the pre-upgrade checks
// that answer with an HTTP status (protocol.md §1, §7).
#include <string>
#include <string_view>

#include "core/log.hpp"
#include "gateway/gateway_impl.hpp"
#include "gateway/request_path.hpp"
#include "http/demo_assets.hpp"

namespace signalmesh {
namespace {

void respond(Connection& con, websocketpp::http::status_code::value status,
             std::string_view content_type, std::string body) {
  con.set_status(status);
  con.replace_header("Content-Type", std::string(content_type));
  con.replace_header("Cache-Control", "no-store");
  con.set_body(std::move(body));
}

}  // namespace

bool Gateway::Impl::on_validate(websocketpp::connection_hdl hdl) {
  using websocketpp::http::status_code::value;
  auto con = server_.get_con_from_hdl(hdl);
  auto reject = [&](value status, std::uint64_t& counter, const char* why) {
    ++counter;
    SM_DEBUG("upgrade refused (" << static_cast<int>(status) << "): " << why);
    respond(*con, status, "text/plain; charset=utf-8", std::string(why) + "\n");
    return false;
  };
  const auto path = split_request(con->get_resource());
  if (!path.is_signal) return reject(value::not_found, metrics_.http_rejected_404, "not found");
  if (!is_ready()) {
    return reject(value::service_unavailable, metrics_.http_rejected_503, "not ready");
  }
  if (sessions_.size() >= config_.limits.max_connections) {
    return reject(value::service_unavailable, metrics_.http_rejected_503,
                  "too many connections on this pod");
  }
  return true;
}

void Gateway::Impl::on_http(websocketpp::connection_hdl hdl) {
  using websocketpp::http::status_code::value;
  auto con = server_.get_con_from_hdl(hdl);
  const auto path = split_request(con->get_resource());
  const std::string& method = con->get_request().get_method();
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
    metrics_.rooms = static_cast<std::int64_t>(rooms_.room_count());
    respond(*con, value::ok, "text/plain; version=0.0.4; charset=utf-8", metrics_.render());
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
