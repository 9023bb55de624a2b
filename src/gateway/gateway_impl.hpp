// Gateway internals shared by gateway*.cpp. Every member is owned by the
// loop thread; handlers run there and nowhere else.
#pragma once

#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

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

  // --- membership (gateway_session.cpp)
  void on_open(websocketpp::connection_hdl hdl);
  void on_close(websocketpp::connection_hdl hdl);
  void admit(Connection& con, std::string_view room_id, std::string peer_id);
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
  std::uint16_t port_ = 0;
  bool started_ = false;
  bool draining_ = false;
  bool stopped_ = false;
};

}  // namespace signalmesh
