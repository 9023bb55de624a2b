// Gateway internals shared by gateway*.cpp. Every member is owned by the
// loop thread; handlers run there and nowhere else.
#pragma once

#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/data_api.hpp"
#include "cluster/agreement.hpp"
#include "core/metrics.hpp"
#include "core/room.hpp"
#include "gateway/asio_clock.hpp"
#include "gateway/room_observers.hpp"
#include "gateway/store_mirror.hpp"
#include "gateway/webhook_events.hpp"
#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"
#include "signalmesh/gateway.hpp"
#include "signalmesh/protocol.hpp"
#include "websocket/frame.hpp"
#include "websocket/ws_config.hpp"

namespace signalmesh {

// A server frame of the agreement's (cluster::Frame) in its websocketpp form.
struct WsFrame final : cluster::Frame {
  explicit WsFrame(MessagePtr m) : message(std::move(m)) {}
  MessagePtr message;
};

struct Gateway::Impl final : SessionOwner, cluster::FrameMaker, api::LiveRooms {
  Impl(asio::io_context& loop, Config config, FanoutPtr fanout, store::StorePtr store);

  // --- lifecycle (gateway.cpp)
  void start();
  void stop();
  void drain(std::function<void()> on_drained);
  void finish_drain();
  void schedule_ping();
  void on_ping_tick();
  bool is_ready() const;
  std::string reload_tls();

  // --- HTTP and handshake (gateway_http.cpp)
  bool on_validate(websocketpp::connection_hdl hdl);
  // Which listener a request came in on (docs/operations.md, the internal
  // port): kPublic without an internal port serves everything.
  enum class Listener { kPublic, kInternal };
  void on_http(const ConnectionPtr& con, Listener listener);
  // Whether `path` is answered on `listener` (others are a 404).
  bool serves(Listener listener, std::string_view path) const;
  // The settings both listeners share (limits, Server header, TCP_NODELAY).
  void configure_listener(Server& server);
  void serve_turn(Connection& con, std::string_view query);
  void serve_turn_preflight(Connection& con);
  // /api/...: answered later, when the store has (api/data_api.hpp).
  void serve_api(const ConnectionPtr& con, std::string path, std::string query);
  // api::LiveRooms: what the API changed, told to the room's members.
  void room_status_changed(const store::RoomRecord& room) override;
  void room_deleted(const std::string& room_id) override;
  void room_created(const store::RoomRecord& room) override;
  // The live endpoints (gateway_live.cpp), through the agreement.
  void live_members(const std::string& room_id, api::LiveDone done) override;
  void kick_member(const std::string& room_id, const std::string& peer_id,
                   const std::string& kick_reason, api::LiveDone done) override;
  void send_message(const std::string& room_id, const std::string& target_id,
                    const std::string& data_json, api::LiveDone done) override;
  void move_host(const std::string& room_id, const std::string& host_id,
                 api::LiveDone done) override;
  std::vector<std::string> live_pods(std::string& self) override;
  std::vector<api::RecentEvent> recent_events(std::size_t limit) override;
  // Runs `act` on the room's current view, or answers what kept it from it.
  void on_live_room(const std::string& room_id, api::LiveDone done,
                    std::function<api::LiveResult(Room&)> act);
  double unix_seconds() const { return static_cast<double>(clock_.unix_us()) / 1e6; }

  // --- connections (gateway_session.cpp): open, admission, close
  void on_open(websocketpp::connection_hdl hdl);
  void on_close(websocketpp::connection_hdl hdl);

  // --- messages (gateway_relay.cpp)
  void on_message(websocketpp::connection_hdl hdl, MessagePtr message);
  // A member's message, past the rate limit: validation, then relay.
  void handle_message(Session& session, const MessagePtr& message,
                      std::chrono::steady_clock::time_point received_at);
  // Holds a message that came before the welcome (the room's sync is still
  // under way); false when the hold is full.
  bool hold_early(Session& session, const MessagePtr& message);
  // After the welcome: the held messages, in order.
  void replay_early(const ConnectionPtr& con);
  void relay(Session& sender, const protocol::ValidatedMessage& msg, const MessagePtr& raw);
  void room_state_message(Session& sender, const protocol::ValidatedMessage& msg);
  // Sends an error; counts it toward the refused-in-a-row limit unless it
  // is not the client's fault.
  void refuse(Session& session, protocol::ErrorCode code, std::string_view detail,
              std::string_view ref_json);

  // --- output (gateway_output.cpp)
  void send(Session& to, const MessagePtr& frame, MetricType type);
  void send_to_room(Room& room, const MessagePtr& frame, MetricType type, const Session* except);
  // `error` named after the close code, then the close (protocol.md §1, §4).
  void close_with_error(Session& session, protocol::ErrorCode code, int close_code,
                        std::string_view ref_json = {});
  void close(Session& session, int close_code, const char* reason);

  // --- what the agreement asks of sessions and frames (gateway_output.cpp)
  void deliver(Session& to, const cluster::FramePtr& frame, MetricType type) override;
  void close(Session& session, int close_code, protocol::ErrorCode error) override;
  void admitted(Session& session, Room& room) override;  // the welcome
  cluster::FramePtr make_frame(std::string payload) override;

  asio::io_context& loop_;
  Config config_;
  FanoutPtr fanout_;
  store::StorePtr store_;
  Server server_;
  // Only with --internal-port: HTTP only, no WebSocket upgrades.
  Server internal_server_;
  Metrics metrics_;
  protocol::Validator validator_;
  AsioClock clock_;
  // Rooms, members, hosts and pods: everything agreed with the other pods.
  std::unique_ptr<cluster::Agreement> agreement_;
  // Writes what this pod is the authority for to the store; reads records.
  std::unique_ptr<StoreMirror> mirror_;
  // Webhooks (none without --webhook-url): the sender's thread delivers
  // what the events observer hears.
  std::unique_ptr<webhooks::WebhookSender> hooks_;
  std::unique_ptr<WebhookEvents> events_;
  std::unique_ptr<RoomObservers> observers_;
  std::unique_ptr<api::DataApi> api_;
  // Every open connection, for liveness sweeps and drain.
  std::vector<ConnectionPtr> sessions_;
  // Messages of connections not yet welcomed (their room's sync or record
  // read is under way), handled in order right after the welcome; an entry
  // only while a connection has some (a connection's memory stays as it was).
  struct EarlyMessages {
    std::vector<MessagePtr> messages;
    std::size_t bytes = 0;
  };
  static constexpr std::size_t kMaxEarlyMessages = 64;
  std::unordered_map<const Session*, EarlyMessages> early_;
  asio::steady_timer ping_timer_;
  asio::steady_timer drain_timer_;
  std::function<void()> on_drained_;
  std::uint16_t port_ = 0;
  std::uint16_t internal_port_ = 0;  // 0: no internal listener
  bool started_ = false;
  bool draining_ = false;
  bool stopped_ = false;
};

}  // namespace signalmesh
