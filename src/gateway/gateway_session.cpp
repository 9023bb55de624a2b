// Connections: what an upgraded connection must carry to be admitted (ids,
// token), and how it ends (protocol.md §1, §6). Membership itself is the
// agreement's (cluster/agreement.hpp).
#include "auth/token.hpp"
#include "core/log.hpp"
#include "gateway/gateway_impl.hpp"
#include "gateway/request_path.hpp"

namespace signalmesh {

using protocol::ErrorCode;

void Gateway::Impl::on_open(websocketpp::connection_hdl hdl) {
  ConnectionPtr con = server_.get_con_from_hdl(hdl);
  const auto now = std::chrono::steady_clock::now();
  con->owner = this;
  con->last_seen = now;
  con->opened_at = now;
  con->bucket = TokenBucket(config_.limits.rate_per_second, config_.limits.rate_burst, now);
  con->index = sessions_.size();
  con->listed = true;
  sessions_.push_back(con);
  ++metrics_.connections_accepted;
  con->conn_id = metrics_.connections_accepted;
  // The headers were checked before the upgrade (origin, token); the
  // resource, which holds the room id and peerId, is kept.
  const_cast<HttpRequest&>(con->get_request()).release_headers();

  // The resource string outlives this call (it belongs to the request).
  const auto request = split_request(con->get_resource());
  bool has_peer_id = false;
  const auto peer_param = query_param(request.query, "peerId", has_peer_id);
  if (!protocol::is_valid_id(request.room_id) ||
      (has_peer_id && !protocol::is_valid_id(peer_param))) {
    close_with_error(*con, ErrorCode::kBadRequest, 4000);
    return;
  }
  if (draining_) {
    close(*con, websocketpp::close::status::going_away, "going-away");
    return;
  }
  if (!config_.auth.jwt_secret.empty()) {
    bool has_token = false;
    const auto token = query_param(request.query, "token", has_token);
    const auto claims = auth::verify_token(token, config_.auth.jwt_secret, unix_seconds());
    if (!claims) {
      close_with_error(*con, ErrorCode::kUnauthorized, 4001);
      return;
    }
    // peerId, when given, must be the one the token grants (§6).
    const std::string_view peer_id = has_peer_id ? peer_param : std::string_view(claims->sub);
    if (!auth::grants(*claims, request.room_id, peer_id)) {
      close_with_error(*con, ErrorCode::kForbidden, 4003);
      return;
    }
    con->peer_id = std::string(peer_id);
  } else {
    con->peer_id = has_peer_id ? std::string(peer_param) : protocol::random_peer_id();
  }
  agreement_->request_admission(*con, request.room_id);
}

void Gateway::Impl::on_close(websocketpp::connection_hdl hdl) {
  asio::error_code ec;
  ConnectionPtr con = server_.get_con_from_hdl(hdl, ec);
  if (!con || !con->listed) return;  // refused before the upgrade
  early_.erase(con.get());           // held messages of a connection never welcomed
  // Count the code that ended it: ours when we started the close.
  const auto code = con->closing ? con->get_local_close_code() : con->get_remote_close_code();
  metrics_.count_close(static_cast<int>(code));
  // Ours: why we closed it (the close frame's reason, or the member's leave
  // reason for a connection cut without one). The client's reason is its
  // own text and is not logged.
  std::string_view reason;
  if (con->closing) {
    reason = con->get_local_close_reason();
    if (reason.empty() && std::string_view(con->leave_reason) != "left") reason = con->leave_reason;
  }
  SM_AUDIT("closed", "connection closed", {"room", loggable_room_id(con->get_resource())},
           {"peer", con->peer_id}, {"conn", con->conn_id}, {"code", static_cast<int>(code)},
           {"by", con->closing ? "server" : "client"}, {"reason", reason});
  // A member leaves; one still waiting for its room's sync stops waiting.
  agreement_->withdraw(*con);
  // Swap-remove from the session list.
  const std::size_t i = con->index;
  sessions_[i] = std::move(sessions_.back());
  sessions_[i]->index = i;
  sessions_.pop_back();
  con->listed = false;
  if (draining_ && sessions_.empty()) asio::post(loop_, [this] { finish_drain(); });
}

}  // namespace signalmesh
