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
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/clock.hpp"
#include "cluster/envelope.hpp"
#include "cluster/participant.hpp"
#include "cluster/room_observer.hpp"
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
  // `--rooms api`: a room must have a store record to be joined (4004).
  bool rooms_need_record = false;
  // State-hash ticks remembered per room for the desync verdict.
  std::size_t hash_window_ticks = 1000;
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

  // --- version 1.1: room state and hashes (agreement_state.cpp)
  // Who hears about records (the store mirror); none by default.
  void set_observer(RoomObserver* observer) { observer_ = observer; }
  // The answer to RoomObserver::load_room.
  void room_loaded(const std::string& room_id, const RoomLoad& load);
  // The host moves the room's status on; false when `status` is not forward
  // of the current one (waiting -> playing -> finished -> waiting of the
  // next round). Every member gets room-status.
  bool set_status(Participant& host, store::RoomStatus status);
  // The application moved the room on (the API wrote the record already).
  void announce_status(const std::string& room_id, store::RoomStatus status, std::uint32_t round);
  enum class HashOutcome { kAccepted, kDuplicate, kConflict, kTooOld };
  // A member's state-hash for `tick` of the current round.
  HashOutcome report_hash(Participant& p, std::uint64_t tick, std::string_view hash);
  // The application deleted the room: every member on every pod gets
  // room-closed and 4011.
  void close_room(const std::string& room_id);

  // --- the application's live actions, from the server API of any pod
  // (agreement_live.cpp; app-integration.md §4)
  // Calls `fn` once with this pod's view of `room_id` made current: at once
  // when this pod follows the room, else after following it for one member
  // sync, as a joining member would (bounded by the sync timeout). `fn`
  // gets nullptr when the room has no member on any pod. Afterwards the room
  // is forgotten again unless a local member needs it. `fn` may call the
  // *_as_application functions below on the room, and nothing else.
  using LiveAccess = std::function<void(Room* room)>;
  void with_live_room(const std::string& room_id, LiveAccess fn);
  // `target` (a member, of any pod) receives `kick_json` and is closed with
  // 4010; the others see peer-left `kicked`. False when the backend is down
  // and `target` is on another pod (nothing happened).
  bool kick_as_application(Room& room, const std::string& target, std::string_view kick_json);
  // `message_json` to `target` (a member), or to every member when `target`
  // is Relay::kBroadcast. False when it could not reach another pod.
  bool message_as_application(Room& room, std::string_view target, std::string_view message_json);
  // `new_host` (a member) becomes host; every member gets host-change
  // without senderId. False when the backend is down and the room has
  // members on other pods (nothing happened).
  bool change_host_as_application(Room& room, const std::string& new_host);
  // The pods this pod knows to be alive, itself included, sorted.
  std::vector<std::string> live_pods() const;
  const std::string& pod_id() const { return settings_.pod_id; }

  // --- state the gateway reads
  Room* find_room(std::string_view room_id) { return rooms_.find(room_id); }
  std::size_t room_count() const { return rooms_.room_count(); }
  bool backend_up() const { return backend_up_; }
  // The room's member lists are still being collected (our view may lag).
  bool is_syncing(const Room& room) const { return syncs_.count(room.id()) != 0; }
  // Up, and no resync after an outage outstanding (drives /readyz).
  bool is_caught_up() const { return backend_up_ && outage_resyncs_ == 0; }
  std::size_t live_pod_count() const { return pods_.size(); }
  // Every room this pod follows.
  template <typename Fn>
  void for_each_room(Fn&& fn) {
    rooms_.for_each(std::forward<Fn>(fn));
  }

 private:
  // A room whose member lists this pod is still collecting.
  struct RoomSync {
    std::unordered_set<std::string> replied;
    std::vector<Participant*> pending;
    std::unique_ptr<Timer> timeout;
    // A resync after the backend came back (readiness waits for these).
    bool after_outage = false;
    // The store's record is still being read (RoomObserver::load_room).
    bool record_pending = false;
    RoomLoad::Outcome record = RoomLoad::Outcome::kFailed;
    // The member lists are complete (or given up on); the record is not in.
    bool members_done = false;
    // The sync timeout passed: admit (or refuse) with what we have.
    bool timed_out = false;
    // The record's players, to be checked against the synced view.
    std::vector<std::string> record_players;
    // The store's record was asked for (a member is waiting, not only the API).
    bool record_requested = false;
    // Live actions of the API waiting for the room's view.
    std::vector<LiveAccess> live_waiters;
  };
  struct PodState {
    Clock::Time last_seen;
    std::uint64_t incarnation = 0;
  };

  // agreement_members.cpp
  void admit(Participant& p, Room& room);
  void leave(Participant& p);
  // `local`: the member was this pod's.
  void announce_departure(Room& room, const std::string& peer_id, std::string_view reason,
                          const std::string& previous_host, bool local);
  // `report_lost`: this pod tells the application of a lost pod's member.
  void remove_remote_member(Room& room, const std::string& peer_id, std::string_view reason,
                            bool report_lost = false);
  void deliver_to_room(Room& room, const FramePtr& frame, MetricType type,
                       const Participant* except);
  // Subscribes to a room this pod did not follow and starts its sync.
  RoomSync& start_following(Room& room);
  // Asks the observer for the room's record, once per sync (members need it;
  // the API's live actions do not).
  void request_record(Room& room, RoomSync& sync);
  // Hands the room's view to the API's waiters once its sync is over.
  void serve_live_waiters(const std::string& room_id, std::vector<LiveAccess> waiters);
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
  void apply(Room& room, std::string_view origin, const RoomStatusChange& change);
  void apply(Room& room, std::string_view origin, const StateHash& hash);
  void apply(Room& room, std::string_view origin, const RoomClosed& closed);

  // agreement_state.cpp
  // Adopts a later (round, status); tells local members (room-status with
  // `sender`, empty for none). False when it was not later.
  bool adopt_status(Room& room, store::RoomStatus status, std::uint32_t round,
                    std::string_view sender);
  // Records a hash in the room's window and tells local members when the
  // tick just became a desync.
  StateHashes::Outcome record_hash(Room& room, std::string_view peer, std::uint64_t tick,
                                   std::string_view hash);
  // Tells the observer when the host changed and this pod is its authority
  // (the new host is ours, or the room emptied by our own member leaving).
  void note_host(Room& room, bool local_departure);
  // Whether a waiting participant may be admitted to a room that needs a
  // record; closes it (4004, or 1013 when the store did not answer) if not.
  bool record_allows(Participant& p, const Room& room, RoomLoad::Outcome record);
  std::size_t room_capacity(const Room& room) const;
  // Closes every local member and waiting participant of `room` (4011).
  void evict_all(Room& room);

  // agreement_pods.cpp: pods, heartbeats, syncs, outages.
  void on_heartbeat(std::string_view origin, const Heartbeat& heartbeat);
  // Publishes a SyncRequest for every room where `pod_id` has members.
  void ask_for_rooms_of(const std::string& pod_id);
  // After a pod-lost period, reports those of `uids` the room still lacks.
  void check_stale_players(const std::string& room_id, std::vector<std::string> uids);
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
  RoomObserver* observer_ = nullptr;
  RoomRegistry rooms_;
  std::unordered_map<std::string, RoomSync> syncs_;
  std::unordered_map<std::string, PodState> pods_;
  Envelope envelope_;  // decode buffer, reused
  std::unique_ptr<Timer> heartbeat_timer_;
  std::unique_ptr<Timer> discovery_timer_;
  // Per room: the grace before record players nobody has are reported stale.
  std::unordered_map<std::string, std::unique_ptr<Timer>> stale_checks_;
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
