// The server API's live endpoints on the gateway's side (app-integration.md
// §4): each runs on the cluster agreement's current view of the room, which
// this pod follows for one member sync when it holds no member of it, so
// any pod answers for any room.
#include "cluster/envelope.hpp"
#include "gateway/gateway_impl.hpp"

namespace signalmesh {

using Outcome = api::LiveResult::Outcome;

namespace {

api::LiveResult outcome(Outcome o) {
  api::LiveResult result;
  result.outcome = o;
  return result;
}

}  // namespace

void Gateway::Impl::on_live_room(const std::string& room_id, api::LiveDone done,
                                 std::function<api::LiveResult(Room&)> act) {
  // Down, this pod's view of other pods' members may be stale and nothing
  // would reach them: say so rather than guess.
  if (!agreement_->backend_up()) return done(outcome(Outcome::kUnavailable));
  agreement_->with_live_room(room_id, [done = std::move(done), act = std::move(act)](Room* room) {
    done(room == nullptr ? outcome(Outcome::kNoRoom) : act(*room));
  });
}

void Gateway::Impl::live_members(const std::string& room_id, api::LiveDone done) {
  on_live_room(room_id, std::move(done), [this](Room& room) {
    api::LiveResult result;
    result.host = std::string(room.host());
    for (const Member& m : room.members()) {
      result.members.push_back({m.peer_id, m.participant != nullptr ? config_.pod_id : m.pod_id,
                                static_cast<std::int64_t>(m.epoch / 1000)});
    }
    return result;
  });
}

void Gateway::Impl::kick_member(const std::string& room_id, const std::string& peer_id,
                                const std::string& kick_reason, api::LiveDone done) {
  on_live_room(room_id, std::move(done), [this, peer_id, kick_reason](Room& room) {
    if (room.find(peer_id) == nullptr) return outcome(Outcome::kNoMember);
    const std::string kick = protocol::make_application_kick(peer_id, kick_reason);
    return outcome(agreement_->kick_as_application(room, peer_id, kick) ? Outcome::kDone
                                                                        : Outcome::kUnavailable);
  });
}

void Gateway::Impl::send_message(const std::string& room_id, const std::string& target_id,
                                 const std::string& data_json, api::LiveDone done) {
  on_live_room(room_id, std::move(done), [this, target_id, data_json](Room& room) {
    if (!target_id.empty() && room.find(target_id) == nullptr) {
      return outcome(Outcome::kNoMember);
    }
    const std::string_view target =
        target_id.empty() ? cluster::Relay::kBroadcast : std::string_view(target_id);
    api::LiveResult result;
    result.recipients = target_id.empty() ? room.size() : 1;
    if (!agreement_->message_as_application(room, target,
                                            protocol::make_server_message(data_json))) {
      return outcome(Outcome::kUnavailable);
    }
    return result;
  });
}

void Gateway::Impl::move_host(const std::string& room_id, const std::string& host_id,
                              api::LiveDone done) {
  on_live_room(room_id, std::move(done), [this, host_id](Room& room) {
    if (room.find(host_id) == nullptr) return outcome(Outcome::kNoMember);
    api::LiveResult result;
    result.previous_host = std::string(room.host());
    result.host = host_id;
    if (!agreement_->change_host_as_application(room, host_id)) {
      return outcome(Outcome::kUnavailable);
    }
    return result;
  });
}

std::vector<std::string> Gateway::Impl::live_pods(std::string& self) {
  self = config_.pod_id;
  return agreement_->live_pods();
}

std::vector<api::RecentEvent> Gateway::Impl::recent_events(std::size_t limit) {
  std::vector<api::RecentEvent> events;
  if (!hooks_) return events;
  for (auto& e : hooks_->recent(limit)) {
    events.push_back({std::move(e.id), std::move(e.type), std::move(e.room_id), std::move(e.state),
                      e.time_ms, e.attempts});
  }
  return events;
}

}  // namespace signalmesh
