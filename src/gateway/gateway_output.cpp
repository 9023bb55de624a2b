// Output: frames queued to connections, the slow-consumer cap, closes, and
// the agreement's side of a session (deliver, close, welcome).
#include "auth/turn.hpp"
#include "core/log.hpp"
#include "gateway/gateway_impl.hpp"
#include "gateway/request_path.hpp"

namespace signalmesh {

using protocol::ErrorCode;

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
    if (member.participant != nullptr && member.participant != except)
      send(static_cast<Session&>(*member.participant), frame, type);
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
    case ErrorCode::kRoomNotFound:
      return "the room does not exist (this server admits only rooms the application created)";
    case ErrorCode::kRoomClosed:
      return "the application closed the room";
    case ErrorCode::kBackendUnavailable:
      return "the room's record could not be read; try again later";
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
  // Never admitted: a refusal (bad ids or token, room full or unknown, a
  // drain). Its `closed` line follows when the connection ends.
  if (session.room == nullptr) {
    SM_AUDIT("refused", "connection refused", {"room", loggable_room_id(con.get_resource())},
             {"peer", session.peer_id}, {"conn", session.conn_id}, {"cause", reason},
             {"code", close_code});
  }
  asio::error_code ec;
  con.close(static_cast<websocketpp::close::status::value>(close_code), reason, ec);
  // A connection we are closing can receive nothing more, so its member
  // leaves now rather than when the client (maybe never) answers the close.
  // Posted: we may be inside a loop over the room's members.
  // (One still waiting for its room's sync stops waiting.)
  asio::post(loop_, [this, keep = con.get_shared()] {
    if (!stopped_) agreement_->withdraw(*keep);
  });
}

cluster::FramePtr Gateway::Impl::make_frame(std::string payload) {
  return std::make_shared<WsFrame>(make_text_frame(std::move(payload)));
}

void Gateway::Impl::deliver(Session& to, const cluster::FramePtr& frame, MetricType type) {
  // Every frame the agreement holds was made by make_frame above.
  send(to, static_cast<const WsFrame&>(*frame).message, type);
}

void Gateway::Impl::close(Session& session, int close_code, ErrorCode error) {
  if (error != ErrorCode::kNone) {
    close_with_error(session, error, close_code);
  } else {
    close(session, close_code, close_code == 4010 ? "kicked" : "closed");
  }
}

void Gateway::Impl::admitted(Session& session, Room& room) {
  // Liveness counts from admission: a wait for the room's sync is ours.
  session.last_seen = std::chrono::steady_clock::now();
  if (early_.count(&session) != 0) {
    // After the admission has run its course (the others hear peer-joined
    // first), not from inside it.
    ConnectionPtr con = static_cast<Connection&>(session).get_shared();
    asio::post(loop_, [this, con] { replay_early(con); });
  }
  metrics_.admission_latency.observe(
      std::chrono::duration<double>(session.last_seen - session.opened_at).count());
  std::vector<std::string> peers;
  peers.reserve(room.size());
  for (const auto& member : room.members()) {
    if (member.peer_id != session.peer_id) peers.push_back(member.peer_id);
  }
  // TURN with credentials, STUN only, or nothing (no URIs).
  const std::string ice_servers = auth::ice_servers_json(config_.turn, session.peer_id,
                                                         static_cast<std::int64_t>(unix_seconds()));
  const std::string room_info = protocol::make_room_info(store::room_status_name(room.state.status),
                                                         room.state.round, room.state.metadata);
  send(session,
       make_text_frame(protocol::make_welcome(room.id(), session.peer_id, room.host(), peers,
                                              ice_servers, room_info)),
       MetricType::kWelcome);
  SM_AUDIT("admitted", "peer admitted", {"room", room.id()}, {"peer", session.peer_id},
           {"conn", session.conn_id});
}

}  // namespace signalmesh
