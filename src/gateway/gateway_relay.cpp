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
  if (!con || con->closing) return;
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
  if (!session.is_member) {
    // Before the welcome: kept, in order, for right after it (protocol.md §2).
    if (!hold_early(session, message)) close_with_error(session, ErrorCode::kRateLimited, 4029, {});
    return;
  }
  handle_message(session, message, received_at);
}

bool Gateway::Impl::hold_early(Session& session, const MessagePtr& message) {
  EarlyMessages& early = early_[&session];
  const std::size_t size = message->get_payload().size();
  if (early.messages.size() >= kMaxEarlyMessages ||
      early.bytes + size > config_.limits.max_buffered_bytes) {
    return false;
  }
  early.messages.push_back(message);
  early.bytes += size;
  return true;
}

void Gateway::Impl::replay_early(const ConnectionPtr& con) {
  auto it = early_.find(con.get());
  if (it == early_.end()) return;
  const std::vector<MessagePtr> held = std::move(it->second.messages);
  early_.erase(it);
  for (const MessagePtr& message : held) {
    if (con->closing || !con->is_member) return;
    handle_message(*con, message, std::chrono::steady_clock::now());
  }
}

void Gateway::Impl::handle_message(Session& session, const MessagePtr& message,
                                   std::chrono::steady_clock::time_point received_at) {
  const bool is_text = message->get_opcode() == websocketpp::frame::opcode::text;
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
  if (msg.type == MessageType::kRoomStatus || msg.type == MessageType::kStateHash) {
    room_state_message(sender, msg);
    return;
  }
  Member* target = msg.target.empty() ? nullptr : room.find(msg.target);
  if (!msg.target.empty() && target == nullptr) {
    // Without the backend, or before a resync completes, our view of the
    // room may lag: say so instead of calling the target unknown (§8).
    if (!agreement_->backend_up() || agreement_->is_syncing(room)) {
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
  if (needs_host && has_remote && !agreement_->backend_up()) {
    refuse(sender, ErrorCode::kBackendUnavailable, "the cluster backend is unavailable",
           msg.ref_json);
    return;
  }
  if (msg.type == MessageType::kHostChange) {
    sender.refused_in_row = 0;
    agreement_->change_host(sender, *target);
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
  const auto kind =
      msg.type == MessageType::kIce ? cluster::RelayKind::kIce : cluster::RelayKind::kSdp;
  if (msg.type == MessageType::kKick) {
    agreement_->kick(sender, *target, std::make_shared<WsFrame>(frame), frame->get_payload());
  } else if (target != nullptr && target->participant != nullptr) {
    send(static_cast<Session&>(*target->participant), frame, type);
  } else if (target != nullptr) {
    accepted =
        agreement_->relay_out(room, sender.peer_id, target->peer_id, kind, frame->get_payload());
    if (!accepted) {
      refuse(sender, ErrorCode::kBackendUnavailable,
             "the target is on another pod and the cluster backend is unavailable", msg.ref_json);
    }
  } else {
    send_to_room(room, frame, type, &sender);
    accepted =
        !has_remote || agreement_->relay_out(room, sender.peer_id, cluster::Relay::kBroadcast, kind,
                                             frame->get_payload());
    if (!accepted) {
      refuse(sender, ErrorCode::kBackendUnavailable,
             "the cluster backend is unavailable: only members on this pod received it",
             msg.ref_json);
    }
  }
  if (accepted) sender.refused_in_row = 0;
}

// Version 1.1: room-status (host only, forward only) and state-hash (stored
// and compared, never relayed), app-integration.md §2.
void Gateway::Impl::room_state_message(Session& sender, const protocol::ValidatedMessage& msg) {
  Room& room = *sender.room;
  const bool has_remote = room.size() > room.local_count();
  if (msg.type == MessageType::kRoomStatus && room.host() != sender.peer_id) {
    refuse(sender, ErrorCode::kNotHost, "only the host may do this", msg.ref_json);
    return;
  }
  // Both must reach every pod, or the pods would disagree.
  if (has_remote && !agreement_->backend_up()) {
    refuse(sender, ErrorCode::kBackendUnavailable, "the cluster backend is unavailable",
           msg.ref_json);
    return;
  }
  if (msg.type == MessageType::kRoomStatus) {
    const auto status = store::parse_room_status(msg.status);  // the validator checked it
    if (!status || !agreement_->set_status(sender, *status)) {
      refuse(sender, ErrorCode::kInvalidMessage,
             "status must move forward: waiting, playing, finished, then waiting of the next round",
             msg.ref_json);
      return;
    }
    sender.refused_in_row = 0;
    return;
  }
  switch (agreement_->report_hash(sender, msg.tick, msg.hash)) {
    case cluster::Agreement::HashOutcome::kAccepted:
    case cluster::Agreement::HashOutcome::kDuplicate:  // the same report again: ignored
      sender.refused_in_row = 0;
      break;
    case cluster::Agreement::HashOutcome::kConflict:
      refuse(sender, ErrorCode::kInvalidMessage,
             "a different hash was already reported for this tick", msg.ref_json);
      break;
    case cluster::Agreement::HashOutcome::kTooOld:
      refuse(sender, ErrorCode::kInvalidMessage,
             "the tick is older than every tick the server still keeps", msg.ref_json);
      break;
  }
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
