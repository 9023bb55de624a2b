// A real WebSocket client for the integration tests (websocketpp's Asio
// client). Each instance runs its own io_context on its own thread and
// offers a blocking API whose every wait is bounded by a timeout: tests wait
// on events, never on sleeps.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/json.hpp"

namespace signalmesh::test {

using Ms = std::chrono::milliseconds;
// The bound on any wait for something that must happen.
inline constexpr Ms kWait{5000};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ConnectResult {
  bool open = false;
  // 101 when open; the refusal's status (404, 403, 503...); 0 without response.
  int http_status = 0;
  std::string error;
};

struct CloseInfo {
  // The close code the server sent; 1006 when the TCP connection was lost
  // without a close frame; 1005 when the frame carried no code.
  int code = 0;
  std::string reason;
};

class WsClient {
 public:
  struct Options {
    // When false the client never answers the server's pings (liveness tests).
    bool auto_pong = true;
    // Extra request headers for the upgrade (e.g. Origin).
    Headers headers;
  };

  WsClient();
  explicit WsClient(Options options);
  // Closes with 1000 if still open (bounded), then stops the thread.
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Upgrades to `url` (e.g. ws://127.0.0.1:8080/signal/room?peerId=a). One
  // connection per client.
  ConnectResult connect(const std::string& url, Ms timeout = kWait);

  // Queue a frame; false when the connection is not open.
  bool send_text(std::string_view payload);
  bool send_binary(std::string_view payload);
  bool ping(std::string_view payload = "");
  // An unsolicited pong (RFC 6455 allows it as a heartbeat).
  bool pong(std::string_view payload = "");
  // Starts the closing handshake.
  bool close(int code = 1000, std::string_view reason = "");
  // Drops the TCP connection without a close frame.
  void abort();

  // The next received message (text or binary payload), or nullopt when
  // none arrived within `timeout` or the connection closed with none queued.
  std::optional<std::string> next_message(Ms timeout = kWait);
  // The next message must exist and be an object of `type`; otherwise a test
  // failure naming what arrived is recorded and nullopt returned.
  std::optional<Json> expect_message_of_type(std::string_view type, Ms timeout = kWait);
  // The next message must be an `error` with `code` (same failure reporting).
  std::optional<Json> expect_error(std::string_view code, Ms timeout = kWait);
  // Skips messages until one of `type` arrives.
  std::optional<Json> wait_for_type(std::string_view type, Ms timeout = kWait);

  // Waits until the connection is closed; nullopt if still open at timeout.
  std::optional<CloseInfo> wait_closed(Ms timeout = kWait);
  // wait_closed, and records a failure unless the close code is `code`.
  bool expect_close(int code, Ms timeout = kWait);
  bool is_open() const;
  // How many server pings arrived; how many queued messages are unread.
  std::size_t pings_received() const;
  std::size_t pending_messages() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signalmesh::test
