// Gateway internals shared by gateway*.cpp. Every member is owned by the
// loop thread; handlers run there and nowhere else.
#pragma once

#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/envelope.hpp"
#include "core/metrics.hpp"
#include "core/room.hpp"
#include "gateway/frame.hpp"
#include "gateway/ws_config.hpp"
#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"
#include "signalmesh/gateway.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh {

struct Gateway::Impl {
  Impl(asio::io_context& loop, Config config, FanoutPtr fanout);

  // --- lifecycle (gateway.cpp)
  void start();
  void stop();
  void drain(std::function<void()> on_drained);
  void finish_drain();
  void schedule_ping();
  void on_ping_tick();
  bool is_ready() const;

  // --- HTTP and handshake (gateway_http.cpp)
  bool on_validate(websocketpp::connection_hdl hdl);
  void on_http(websocketpp::connection_hdl hdl);
  void serve_turn(Connection& con, std::string_view query);
  double unix_seconds() const { return static_cast<double>(now_us()) / 1e6; }

  // --- membership (gateway_session.cpp)
  void on_open(websocketpp::connection_hdl hdl);
  void on_close(websocketpp::connection_hdl hdl);
  // Admits now, or once the room's member lists have arrived from the other
  // pods (a pod that starts following a room first asks for them).
  void request_admission(const ConnectionPtr& con, std::string_view room_id);
  void admit(Connection& con, Room& room);
  // Removes the session's member from its room and tells the others.
  void leave(Session& session);
  void announce_departure(Room& room, const std::string& peer_id, std::string_view reason,
                          const std::string& previous_host);

  // --- messages (gateway_relay.cpp)
  void on_message(websocketpp::connection_hdl hdl, MessagePtr message);
  void relay(Session& sender, const protocol::ValidatedMessage& msg, const MessagePtr& raw);
  void kick(Session& host, Member& target, const MessagePtr& kick_frame);
  // Sends an error; counts it toward the refused-in-a-row limit unless it
  // is not the client's fault.
  void refuse(Session& session, protocol::ErrorCode code, std::string_view detail,
              std::string_view ref_json);

  // --- cluster agreement (gateway_cluster.cpp, docs/cluster.md)
  // A room whose member lists this pod is still collecting.
  struct RoomSync {
    std::set<std::string> replied;
    std::vector<ConnectionPtr> pending;
    std::unique_ptr<asio::steady_timer> timeout;
    // A resync after the backend came back (readiness waits for these).
    bool after_outage = false;
  };
  struct PodState {
    std::chrono::steady_clock::time_point last_seen;
    std::uint64_t incarnation = 0;
  };
  void start_cluster();
  void on_backend_state(bool up);
  void on_envelope(std::string_view channel, std::string_view payload);
  void on_room_envelope(Room& room, const cluster::Envelope& envelope);
  void on_heartbeat(const cluster::Envelope& envelope);
  void on_heartbeat_tick();
  // Publishes on the room's channel; false (and counted) when the backend is down.
  bool publish_room(const Room& room, const std::string& envelope);
  void begin_sync(Room& room, bool after_outage);
  void maybe_finish_sync(const std::string& room_id, bool force);
  void send_sync(const Room& room);
  void apply_join(Room& room, const cluster::Envelope& envelope);
  void apply_sync(Room& room, const cluster::Envelope& envelope);
  void remove_remote_member(Room& room, const std::string& peer_id, std::string_view reason);
  void remove_pod(const std::string& pod_id);
  // Unsubscribes and forgets a room once no local member or admission needs it.
  void unfollow_if_idle(Room& room);
  bool is_syncing(const Room& room) const { return syncs_.count(room.id()) != 0; }
  std::uint64_t now_us() const;

  // --- output (gateway_session.cpp)
  void send(Session& to, const MessagePtr& frame, MetricType type);
  void send_to_room(Room& room, const MessagePtr& frame, MetricType type, const Session* except);
  // `error` named after the close code, then the close (protocol.md §1, §4).
  void close_with_error(Session& session, protocol::ErrorCode code, int close_code,
                        std::string_view ref_json = {});
  void close(Session& session, int close_code, const char* reason);

  asio::io_context& loop_;
  Config config_;
  FanoutPtr fanout_;
  Server server_;
  RoomRegistry rooms_;
  Metrics metrics_;
  protocol::Validator validator_;
  // Every open connection, for liveness sweeps and drain.
  std::vector<ConnectionPtr> sessions_;
  asio::steady_timer ping_timer_;
  asio::steady_timer drain_timer_;
  std::function<void()> on_drained_;
  std::unordered_map<std::string, RoomSync> syncs_;
  std::unordered_map<std::string, PodState> pods_;
  cluster::Envelope envelope_;  // decode buffer, reused
  asio::steady_timer heartbeat_timer_;
  asio::steady_timer discovery_timer_;
  std::uint64_t incarnation_ = 0;
  // Syncs begun before this point also wait for it: a starting pod needs a
  // moment to hear which other pods are alive.
  std::chrono::steady_clock::time_point discovery_until_{};
  bool backend_up_ = false;
  bool backend_was_up_ = false;
  std::size_t outage_resyncs_ = 0;
  std::uint16_t port_ = 0;
  bool started_ = false;
  bool draining_ = false;
  bool stopped_ = false;
};

}  // namespace signalmesh
