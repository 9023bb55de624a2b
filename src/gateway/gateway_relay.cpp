// Client messages: limits, validation, membership and host checks, then
// relay of the client's own bytes (protocol.md §2, §4).
#include "core/log.hpp"
#include "gateway/gateway_impl.hpp"

namespace signalmesh {

using protocol::ErrorCode;
using protocol::MessageType;

void Gateway::Impl::on_message(websocketpp::connection_hdl hdl, MessagePtr message) {
  asio::error_code ec;
  ConnectionPtr con = server_.get_con_from_hdl(hdl, ec);
  if (!con || con->closing || !con->is_member) return;
  Session& session = *con;
  const auto received_at = std::chrono::steady_clock::now();
  session.last_seen = received_at;

  const bool is_text = message->get_opcode() == websocketpp::frame::opcode::text;
  if (!session.bucket.take(received_at)) {
    // Parsed only to echo the offending message's id as `ref`.
    std::string_view ref;
    if (is_text) ref = validator_.validate(message->get_payload(), session.peer_id).ref_json;
    close_with_error(session, ErrorCode::kRateLimited, 4029, ref);
    return;
  }
  if (!is_text) {
    metrics_.count_received(MetricType::kBinary);
    refuse(session, ErrorCode::kBinaryUnsupported, "binary frames are not supported", {});
    return;
  }
  const auto& msg = validator_.validate(message->get_payload(), session.peer_id);
  if (msg.error != ErrorCode::kNone) {
    metrics_.count_received(MetricType::kInvalid);
    refuse(session, msg.error, msg.detail, msg.ref_json);
    return;
  }
  metrics_.count_received(metric_type_of(msg.type));
  relay(session, msg, message);
  metrics_.relay_latency.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - received_at).count());
}

void Gateway::Impl::relay(Session& sender, const protocol::ValidatedMessage& msg,
                          const MessagePtr& raw) {
  Room& room = *sender.room;
  Member* target = msg.target.empty() ? nullptr : room.find(msg.target);
  if (!msg.target.empty() && target == nullptr) {
    // Without the backend, or before a resync completes, our view of the
    // room may lag: say so instead of calling the target unknown (§8).
    if (!backend_up_ || is_syncing(room)) {
      refuse(sender, ErrorCode::kBackendUnavailable, "the cluster backend is unavailable",
             msg.ref_json);
    } else {
      refuse(sender, ErrorCode::kUnknownTarget,
             msg.type == MessageType::kHostChange ? "hostId is not a member of the room"
                                                  : "targetId is not a member of the room",
             msg.ref_json);
    }
    return;
  }
  const bool needs_host = msg.type == MessageType::kHostChange || msg.type == MessageType::kKick;
  if (needs_host && room.host() != sender.peer_id) {
    refuse(sender, ErrorCode::kNotHost, "only the host may do this", msg.ref_json);
    return;
  }
  const bool has_remote = room.size() > room.local_count();
  // Room-wide changes must reach every pod, or the pods would disagree.
  if (needs_host && has_remote && !backend_up_) {
    refuse(sender, ErrorCode::kBackendUnavailable, "the cluster backend is unavailable",
           msg.ref_json);
    return;
  }
  if (msg.type == MessageType::kHostChange) {
    sender.refused_in_row = 0;
    const std::string previous(room.host());
    room.set_host(target->peer_id);
    publish_room(room,
                 cluster::encode_host_change(config_.pod_id, sender.peer_id, target->peer_id));
    send_to_room(
        room,
        make_text_frame(protocol::make_host_change(target->peer_id, previous, sender.peer_id)),
        MetricType::kHostChange, nullptr);
    return;
  }
  // sdp, ice, kick: the client's bytes, plus senderId when it was absent.
  MessagePtr frame;
  if (msg.has_sender_id) {
    frame = raw;
    prepare_in_place(frame);
  } else {
    frame = make_text_frame(protocol::with_sender_id(raw->get_payload(), sender.peer_id));
  }
  const MetricType type = metric_type_of(msg.type);
  // Accepted unless the backend fails it below; backend-unavailable neither
  // counts toward nor resets the refused-in-a-row limit (protocol.md §4).
  bool accepted = true;
  if (msg.type == MessageType::kKick) {
    kick(sender, *target, frame);
  } else if (target != nullptr && target->session != nullptr) {
    send(*target->session, frame, type);
  } else if (target != nullptr) {
    accepted = publish_room(
        room, cluster::encode_relay(config_.pod_id, sender.peer_id, target->peer_id,
                                    static_cast<std::uint64_t>(type), frame->get_payload()));
    if (!accepted) {
      refuse(sender, ErrorCode::kBackendUnavailable,
             "the target is on another pod and the cluster backend is unavailable", msg.ref_json);
    }
  } else {
    send_to_room(room, frame, type, &sender);
    accepted =
        !has_remote || publish_room(room, cluster::encode_relay(config_.pod_id, sender.peer_id, "*",
                                                                static_cast<std::uint64_t>(type),
                                                                frame->get_payload()));
    if (!accepted) {
      refuse(sender, ErrorCode::kBackendUnavailable,
             "the cluster backend is unavailable: only members on this pod received it",
             msg.ref_json);
    }
  }
  if (accepted) sender.refused_in_row = 0;
}

void Gateway::Impl::kick(Session& host, Member& target, const MessagePtr& kick_frame) {
  Room& room = *host.room;
  const std::string peer_id = target.peer_id;
  const std::string previous_host(room.host());
  publish_room(
      room, cluster::encode_kick(config_.pod_id, host.peer_id, peer_id, kick_frame->get_payload()));
  if (Session* victim = target.session) {
    send(*victim, kick_frame, MetricType::kKick);
    victim->is_member = false;  // its close must not announce a second leave
    close(*victim, 4010, "kicked");
  }
  room.remove(peer_id);
  announce_departure(room, peer_id, "kicked", previous_host);
}

void Gateway::Impl::refuse(Session& session, ErrorCode code, std::string_view detail,
                           std::string_view ref_json) {
  metrics_.count_error(code);
  send(session, make_text_frame(protocol::make_error(code, detail, ref_json)), MetricType::kError);
  if (code == ErrorCode::kBackendUnavailable) return;  // not the client's fault
  if (++session.refused_in_row >= config_.limits.max_refused_in_row) {
    close(session, websocketpp::close::status::policy_violation, "policy-violation");
  }
}

}  // namespace signalmesh
