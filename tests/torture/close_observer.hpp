// A server-initiated close watched from the client's side of the TCP stream
// (issue 10): frames built into one buffer so that many leave in one write, a
// writer thread that keeps a connection sending while the close happens, and
// what the client saw: the messages before the close frame, its code, and how
// the stream ended. A reset where a clean end was due can destroy a close
// frame still in flight, and a client reports 1006 in place of the promised
// code. On loopback the reset usually comes just after the server's FIN, which
// a read reports as a clean end: only the socket's state then shows it
// (RawWsClient::reset_follows), so every clean end is checked that way too.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/raw_client.hpp"

namespace signalmesh::test {

// AddressSanitizer builds run every process several times slower: the
// torture's waits grow and its trial counts shrink there.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

// The bound on each step of a close (the close frame, the end after it).
inline Ms close_timeout() {
  return kSanitizedBuild ? Ms(15000) : Ms(5000);
}

// How long a clean end of stream is watched for a reset after it: a server
// that closes with our bytes unread sends its FIN, then the RST when the
// socket is released, a moment later.
inline Ms reset_grace() {
  return kSanitizedBuild ? Ms(30) : Ms(10);
}

// Masked client frames appended to one buffer: sent with one send_raw, they
// reach the server together, as a browser's burst would.
class FrameBatch {
 public:
  FrameBatch& frame(int opcode, std::string_view payload);
  FrameBatch& text(std::string_view payload) { return frame(1, payload); }
  FrameBatch& texts(std::string_view payload, int count);
  FrameBatch& ping() { return frame(9, ""); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Sends `batch` over and over from its own thread, a short pause between
// writes, until stop() or a failed write (the server reset the connection).
// Only this thread writes to `client` until stop() returns.
class BackgroundWriter {
 public:
  BackgroundWriter(RawWsClient& client, std::string batch);
  ~BackgroundWriter() { stop(); }
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  void stop();

 private:
  RawWsClient& client_;
  std::string batch_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

struct CloseObservation {
  // Text payloads that arrived before the close frame, in order.
  std::vector<std::string> messages;
  // The server's close code; nullopt when no close frame arrived.
  std::optional<int> close_code;
  // Before any close frame: ECONNRESET, or a clean end of stream (both are
  // 1006 for a client), or nothing at all within the timeout.
  bool reset_before_close = false;
  bool eof_before_close = false;
  bool timed_out = false;
  // After the close frame was answered: ECONNRESET instead of the server's
  // FIN, no end of stream within the timeout, data frames after the close.
  bool reset_after_close = false;
  // The end of the stream was a FIN, but a reset followed within
  // reset_grace(): the server closed with our bytes unread.
  bool reset_after_fin = false;
  bool no_eof_after_close = false;
  std::size_t data_after_close = 0;
};

// Reads until the server's close frame (keeping the text messages, ignoring
// pings and pongs), stops `writer` when given, answers the close with the
// same code as RFC 6455 §5.5.1 asks, reads to the end of the stream and
// closes the socket.
CloseObservation observe_close(RawWsClient& client, BackgroundWriter* writer, Ms timeout);

// Closes from the client's side (1000) and watches the echo and the end of
// the stream just the same.
CloseObservation close_cleanly(RawWsClient& client, Ms timeout);

// Upgrades to `path`; when `expect_welcome`, also reads the first message
// and checks that it is the welcome. "" on success, else what went wrong.
std::string join(RawWsClient& client, const std::string& base_url, const std::string& path,
                 bool expect_welcome = true, int receive_buffer = 0);

// The `type` (and for an error its `code`) of a server message, "type/code",
// or the first bytes of the text when it is not a JSON object.
std::string describe(const std::string& message);

}  // namespace signalmesh::test
