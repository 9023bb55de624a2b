// The cluster agreement: which members each room has across all pods, who
// is host, which pods are alive, and how a pod catches up (docs/cluster.md).
// Each pod is the authority for its own members and announces them on the
// room's channel; a pod that starts following a room asks the others for
// their members; heartbeats tell live pods from dead ones.
//
// No sockets: it talks outward only through the fan-out adapter, the
// participants (local connections), a frame maker and a clock, so two or
// three pods are unit-tested over an in-memory fan-out with a hand-driven
// clock (tests/agreement). Loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/clock.hpp"
#include "cluster/envelope.hpp"
#include "cluster/participant.hpp"
#include "core/metrics.hpp"
#include "core/room.hpp"
#include "signalmesh/fanout.hpp"

namespace signalmesh::cluster {

struct AgreementSettings {
  std::string pod_id;
  std::size_t max_room_members = 50;
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds pod_lost{3000};
  std::chrono::milliseconds sync_timeout{1000};
  // How long a starting pod listens for the others' heartbeats before it
  // trusts its list of live pods (they answer a hello at once).
  std::chrono::milliseconds discovery_window{300};
};

class Agreement {
 public:
  Agreement(AgreementSettings settings, FanoutAdapter& fanout, Clock& clock, FrameMaker& frames,
            Metrics& metrics);
  Agreement(const Agreement&) = delete;
  Agreement& operator=(const Agreement&) = delete;
  ~Agreement();

  // Joins the cluster channel and starts heartbeats. The adapter must be
  // started, with its handlers calling on_envelope and on_backend_state.
  void start();
  // Cancels every timer; nothing runs afterwards.
  void stop();

  // --- from the fan-out adapter
  void on_envelope(std::string_view channel, std::string_view payload);
  void on_backend_state(bool up);

  // --- membership of local participants (agreement_members.cpp)
  // Admits `p` to `room_id` now, or once the room's member lists arrived
  // from the other pods (a pod that starts following a room asks first).
  // Admission calls p.admitted(); a full room closes p with 4013.
  void request_admission(Participant& p, std::string_view room_id);
  // The participant's connection is going: it stops waiting for admission,
  // and a member leaves its room with p.leave_reason. Idempotent.
  void withdraw(Participant& p);
  // The host hands the role to `target` (a member of host's room).
  void change_host(Participant& host, const Member& target);
  // The host kicks `target`: `frame`/`body` is the kick message the target
  // receives (the same bytes as a frame and as text for other pods).
  void kick(Participant& host, const Member& target, const FramePtr& frame, std::string_view body);
  // A relay to a member of another pod, or a broadcast to the other pods:
  // false when the backend is down and the envelope was dropped.
  bool relay_out(const Room& room, std::string_view from, std::string_view target, RelayKind kind,
                 std::string_view body);

  // --- state the gateway reads
  Room* find_room(std::string_view room_id) { return rooms_.find(room_id); }
  std::size_t room_count() const { return rooms_.room_count(); }
  bool backend_up() const { return backend_up_; }
  // The room's member lists are still being collected (our view may lag).
  bool is_syncing(const Room& room) const { return syncs_.count(room.id()) != 0; }
  // Up, and no resync after an outage outstanding (drives /readyz).
  bool is_caught_up() const { return backend_up_ && outage_resyncs_ == 0; }
  std::size_t live_pod_count() const { return pods_.size(); }

 private:
  // A room whose member lists this pod is still collecting.
  struct RoomSync {
    std::unordered_set<std::string> replied;
    std::vector<Participant*> pending;
    std::unique_ptr<Timer> timeout;
    // A resync after the backend came back (readiness waits for these).
    bool after_outage = false;
  };
  struct PodState {
    Clock::Time last_seen;
    std::uint64_t incarnation = 0;
  };

  // agreement_members.cpp
  void admit(Participant& p, Room& room);
  void leave(Participant& p);
  void announce_departure(Room& room, const std::string& peer_id, std::string_view reason,
                          const std::string& previous_host);
  void remove_remote_member(Room& room, const std::string& peer_id, std::string_view reason);
  void deliver_to_room(Room& room, const FramePtr& frame, MetricType type,
                       const Participant* except);
  // Unsubscribes and forgets a room once no local member or admission needs it.
  void unfollow_if_idle(Room& room);

  // agreement_envelopes.cpp: what other pods tell us about a room.
  void on_room_envelope(Room& room, const Envelope& envelope);
  void apply(Room& room, std::string_view origin, const Join& join);
  void apply(Room& room, std::string_view origin, const Leave& leave);
  void apply(Room& room, std::string_view origin, const Relay& relay);
  void apply(Room& room, std::string_view origin, const HostChange& change);
  void apply(Room& room, std::string_view origin, const Kick& kick);
  void apply(Room& room, std::string_view origin, const Sync& sync);

  // agreement_pods.cpp: pods, heartbeats, syncs, outages.
  void on_heartbeat(std::string_view origin, const Heartbeat& heartbeat);
  void on_sync_request(const SyncRequest& request);
  void schedule_heartbeat(Clock::Duration delay);
  void on_heartbeat_tick();
  void begin_sync(Room& room, bool after_outage);
  void maybe_finish_sync(const std::string& room_id, bool force);
  void finish_waiting_syncs();
  void send_sync(const Room& room);
  void remove_pod(const std::string& pod_id);

  // Publishes on the room's channel; false (and counted) when the backend is down.
  bool publish_room(std::string_view room_id, const std::string& envelope);
  void publish_cluster(const std::string& envelope);

  AgreementSettings settings_;
  FanoutAdapter& fanout_;
  Clock& clock_;
  FrameMaker& frames_;
  Metrics& metrics_;
  RoomRegistry rooms_;
  std::unordered_map<std::string, RoomSync> syncs_;
  std::unordered_map<std::string, PodState> pods_;
  Envelope envelope_;  // decode buffer, reused
  std::unique_ptr<Timer> heartbeat_timer_;
  std::unique_ptr<Timer> discovery_timer_;
  std::uint64_t incarnation_ = 0;
  // Syncs begun before this point also wait for it: a starting pod needs a
  // moment to hear which other pods are alive.
  Clock::Time discovery_until_{};
  bool backend_up_ = false;
  bool backend_was_up_ = false;
  std::size_t outage_resyncs_ = 0;
  bool stopped_ = false;
};

}  // namespace signalmesh::cluster
