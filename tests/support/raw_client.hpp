// Hand-written HTTP and WebSocket over plain TCP for what a WebSocket library
// will not do: custom or pre-RFC upgrade requests, fragmented frames, and a
// client that never reads (slow consumer). Blocking, every wait bounded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "support/ws_client.hpp"

namespace signalmesh::test {

struct HttpResponse {
  // 0 when no complete response head arrived (refused, reset, timeout).
  int status = 0;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// "ws://127.0.0.1:8080" -> host and port.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
HostPort parse_base_url(std::string_view base_url);

// GET `path` over a fresh connection (Connection: close) and read the whole
// answer.
HttpResponse http_get(std::string_view base_url, std::string_view path, const Headers& headers = {},
                      Ms timeout = kWait);

// Any method, with a body (Content-Length is added for POST/PATCH or a body).
HttpResponse http_request(std::string_view base_url, std::string_view method, std::string_view path,
                          const Headers& headers = {}, std::string_view body = {},
                          Ms timeout = kWait);

struct Frame {
  int opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  bool fin = true;
  std::string payload;
  // For a close frame: its code (1005 when it carries none).
  int close_code() const;
};

class RawWsClient {
 public:
  struct UpgradeOptions {
    // Sec-WebSocket-Version value; empty leaves the header out.
    std::string version = "13";
    // Whether to send Sec-WebSocket-Key.
    bool key = true;
    // Added after the standard headers.
    Headers headers;
    // Bytes sent right after the request head (hybi-00 sends 8).
    std::string body;
    // SO_RCVBUF set before connecting (0: the system default). A small value
    // keeps the kernel from buffering much for a client that never reads.
    int receive_buffer = 0;
  };

  RawWsClient() = default;
  ~RawWsClient();
  RawWsClient(const RawWsClient&) = delete;
  RawWsClient& operator=(const RawWsClient&) = delete;

  // Sends a GET upgrade request for `path` and reads the response head. On
  // 101 the connection stays open for frames; otherwise it is closed.
  HttpResponse upgrade(std::string_view base_url, std::string_view path,
                       const UpgradeOptions& options, Ms timeout = kWait);
  HttpResponse upgrade(std::string_view base_url, std::string_view path) {
    return upgrade(base_url, path, UpgradeOptions{});
  }

  // Only connects (nothing sent); for hand-made requests with send_raw.
  bool connect(std::string_view base_url, int receive_buffer = 0, Ms timeout = kWait);
  bool send_raw(std::string_view bytes);

  // Sends one masked frame (client frames are always masked).
  bool send_frame(int opcode, std::string_view payload, bool fin = true);
  bool send_text(std::string_view payload) { return send_frame(1, payload); }

  // Reads the next frame of any kind; nullopt at timeout or end of stream.
  std::optional<Frame> next_frame(Ms timeout = kWait);
  // Reads frames until a close frame and returns it, or nullopt if the
  // stream ended or timed out first. Counts the data frames read on the way
  // and keeps the last one's payload when asked.
  std::optional<Frame> read_until_close(Ms timeout = kWait, std::size_t* data_frames = nullptr,
                                        std::string* last_data = nullptr);
  // True when the server closed the TCP connection (read returns 0/error).
  bool wait_eof(Ms timeout = kWait);

  // Why the last read by next_frame() or read_until_close() got no more
  // bytes. A reset (ECONNRESET) is told apart from a clean end of stream
  // (FIN): a reset can destroy a close frame still in flight, so a client
  // sees 1006 where the server meant another code.
  enum class ReadEnd { kNone, kTimeout, kEof, kReset, kError };
  ReadEnd last_read_end() const { return last_read_end_; }
  // After a clean end of stream: whether a reset arrives within `timeout`.
  // A server that closes its socket with bytes from us still unread sends
  // RST after its FIN; reads report only the FIN (EOF), so this is the one
  // way to tell such a close from a clean one.
  bool reset_follows(Ms timeout);

  // Closes the socket at once (no close frame).
  void close_socket();
  bool is_connected() const { return fd_ >= 0; }

 private:
  bool read_some(Ms timeout);
  int fd_ = -1;
  std::string buffer_;  // received, not yet parsed
  ReadEnd last_read_end_ = ReadEnd::kNone;
};

}  // namespace signalmesh::test
