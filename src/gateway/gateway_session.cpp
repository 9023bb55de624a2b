// Admission, departure and output: who is in a room and what they are told
// about it (protocol.md §1, §3).
#include <algorithm>

#include "auth/token.hpp"
#include "auth/turn.hpp"
#include "core/log.hpp"
#include "gateway/gateway_impl.hpp"
#include "gateway/request_path.hpp"

namespace signalmesh {

using protocol::ErrorCode;

void Gateway::Impl::on_open(websocketpp::connection_hdl hdl) {
  ConnectionPtr con = server_.get_con_from_hdl(hdl);
  const auto now = std::chrono::steady_clock::now();
  con->last_seen = now;
  con->bucket = TokenBucket(config_.limits.rate_per_second, config_.limits.rate_burst, now);
  con->index = sessions_.size();
  con->listed = true;
  sessions_.push_back(con);
  ++metrics_.connections_accepted;
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
  request_admission(con, request.room_id);
}

void Gateway::Impl::request_admission(const ConnectionPtr& con, std::string_view room_id) {
  Room& room = rooms_.open(room_id);
  if (room.local_count() == 0 && !is_syncing(room)) {
    // This pod starts following the room: listen, then ask for the members.
    // (begin_sync may admit `con` before it returns.)
    if (fanout_->subscribe("room:" + room.id())) ++metrics_.backend_channels;
    syncs_[room.id()].pending.push_back(con);
    begin_sync(room, false);
    return;
  }
  auto sync = syncs_.find(room.id());
  if (sync != syncs_.end()) {
    sync->second.pending.push_back(con);
    return;
  }
  admit(*con, room);
}

void Gateway::Impl::admit(Connection& con, Room& room) {
  Member* existing = room.find(con.peer_id);
  if (existing == nullptr && room.size() >= config_.limits.max_room_members) {
    close_with_error(con, ErrorCode::kRoomFull, 4013);
    unfollow_if_idle(room);
    return;
  }
  con.room = &room;
  con.is_member = true;
  con.epoch = now_us();
  // Liveness counts from admission: a wait for the room's sync is ours.
  con.last_seen = std::chrono::steady_clock::now();

  const bool is_new = existing == nullptr;
  if (!is_new) {
    // Replacement: the old connection (here or on another pod) hands its
    // place in the join order and its host role to the new one.
    if (Session* old = existing->session) {
      old->is_member = false;
      close_with_error(*old, ErrorCode::kReplaced, 4009);
    }
    room.rebind(*existing, &con);
    existing->pod_id.clear();
    existing->epoch = con.epoch;
  } else {
    existing =
        &room.add(Member{con.peer_id, rooms_.next_join_order(con.epoch), {}, &con, con.epoch});
  }
  publish_room(room,
               cluster::encode_join(config_.pod_id, con.peer_id, existing->join_order, con.epoch));

  std::vector<std::string> peers;
  peers.reserve(room.size());
  for (const auto& member : room.members()) {
    if (member.peer_id != con.peer_id) peers.push_back(member.peer_id);
  }
  // TURN with credentials, STUN only, or nothing (no URIs).
  const std::string ice_servers =
      auth::ice_servers_json(config_.turn, con.peer_id, static_cast<std::int64_t>(unix_seconds()));
  send(con,
       make_text_frame(
           protocol::make_welcome(room.id(), con.peer_id, room.host(), peers, ice_servers)),
       MetricType::kWelcome);
  if (is_new) {
    send_to_room(room, make_text_frame(protocol::make_peer_joined(con.peer_id)),
                 MetricType::kPeerJoined, &con);
  }
  SM_DEBUG("peer " << con.peer_id << " joined room " << room.id()
                   << (is_new ? "" : " (replacing)"));
}

void Gateway::Impl::on_close(websocketpp::connection_hdl hdl) {
  asio::error_code ec;
  ConnectionPtr con = server_.get_con_from_hdl(hdl, ec);
  if (!con || !con->listed) return;  // refused before the upgrade
  // Count the code that ended it: ours when we started the close.
  const auto code = con->closing ? con->get_local_close_code() : con->get_remote_close_code();
  metrics_.count_close(static_cast<int>(code));
  leave(*con);
  // Swap-remove from the session list.
  const std::size_t i = con->index;
  sessions_[i] = std::move(sessions_.back());
  sessions_[i]->index = i;
  sessions_.pop_back();
  con->listed = false;
  if (draining_ && sessions_.empty()) asio::post(loop_, [this] { finish_drain(); });
}

void Gateway::Impl::leave(Session& session) {
  if (!session.is_member) return;
  session.is_member = false;
  Room& room = *session.room;
  const std::string previous_host(room.host());
  room.remove(session.peer_id);
  // While the backend is down this reaches only our own members; the others
  // learn it from our member list when we resync (protocol.md §8).
  publish_room(room, cluster::encode_leave(config_.pod_id, session.peer_id, session.leave_reason));
  announce_departure(room, session.peer_id, session.leave_reason, previous_host);
}

void Gateway::Impl::announce_departure(Room& room, const std::string& peer_id,
                                       std::string_view reason, const std::string& previous_host) {
  SM_DEBUG("peer " << peer_id << " left room " << room.id() << " (" << reason << ")");
  if (!room.empty()) {
    send_to_room(room, make_text_frame(protocol::make_peer_left(peer_id, reason)),
                 MetricType::kPeerLeft, nullptr);
    if (room.host() != previous_host) {
      send_to_room(room,
                   make_text_frame(protocol::make_host_change(room.host(), previous_host, {})),
                   MetricType::kHostChange, nullptr);
    }
  }
  unfollow_if_idle(room);  // may forget `room`: keep it last
}

void Gateway::Impl::send(Session& to, const MessagePtr& frame, MetricType type) {
  Connection& con = connection_of(to);
  if (to.closing) return;
  if (con.send(frame)) return;  // not open any more
  metrics_.count_sent(type);
  // websocketpp's queue is unbounded: a reader that stopped reading is cut
  // before its backlog can grow past the cap (protocol.md §5, 4008).
  if (con.get_buffered_amount() > config_.limits.max_buffered_bytes) {
    SM_DEBUG("peer " << to.peer_id << " is a slow consumer");
    close(to, 4008, "slow-consumer");
  }
}

void Gateway::Impl::send_to_room(Room& room, const MessagePtr& frame, MetricType type,
                                 const Session* except) {
  for (const auto& member : room.members()) {
    if (member.session != nullptr && member.session != except) send(*member.session, frame, type);
  }
}

namespace {

// The human-readable text of an error that precedes a close.
const char* close_explanation(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return "roomId and peerId must be 1 to 64 characters of [A-Za-z0-9_-]";
    case ErrorCode::kUnauthorized:
      return "the token is missing, malformed, badly signed or expired";
    case ErrorCode::kForbidden:
      return "the token does not grant this room or peerId";
    case ErrorCode::kReplaced:
      return "the same peerId joined the room from another connection";
    case ErrorCode::kRoomFull:
      return "the room has its maximum number of members";
    case ErrorCode::kRateLimited:
      return "messages were sent faster than the rate limit allows";
    default:
      return "the connection is being closed";
  }
}

}  // namespace

void Gateway::Impl::close_with_error(Session& session, ErrorCode code, int close_code,
                                     std::string_view ref_json) {
  metrics_.count_error(code);
  send(session, make_text_frame(protocol::make_error(code, close_explanation(code), ref_json)),
       MetricType::kError);
  close(session, close_code, std::string(protocol::error_code_name(code)).c_str());
}

void Gateway::Impl::close(Session& session, int close_code, const char* reason) {
  if (session.closing) return;
  session.closing = true;
  Connection& con = connection_of(session);
  asio::error_code ec;
  con.close(static_cast<websocketpp::close::status::value>(close_code), reason, ec);
  // A connection we are closing can receive nothing more, so its member
  // leaves now rather than when the client (maybe never) answers the close.
  // Posted: we may be inside a loop over the room's members.
  if (session.is_member) {
    asio::post(loop_, [this, keep = con.get_shared()] { leave(*keep); });
  }
}

}  // namespace signalmesh
