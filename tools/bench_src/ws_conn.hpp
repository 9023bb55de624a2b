// A minimal RFC 6455 client on raw Asio for the load generator and the CLI:
// HTTP upgrade, masked frames out, unmasked frames in, reassembly of
// fragmented messages, ping -> pong, the close handshake. Cheap per message:
// frames are appended back to back to a per-connection buffer, and every
// connection that got frames in one loop turn is flushed once: a
// non-blocking write() first, an async write only for what it left. No
// allocation once the buffers have grown.
// Not thread-safe: one connection belongs to one Loop (one thread).
#pragma once

#include <asio.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sm_bench {

// Monotonic nanoseconds (steady_clock).
std::uint64_t now_ns();

// A growable byte buffer that never zero-fills and keeps its capacity.
class ByteBuf {
 public:
  char* data() { return data_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return cap_; }
  // Appends n uninitialized bytes and returns where they start.
  char* extend(std::size_t n);
  void reserve(std::size_t n);
  void clear() { size_ = 0; }
  void resize(std::size_t n) { size_ = n; }  // n <= capacity()
  // Drops the first n bytes.
  void consume(std::size_t n);
  void swap(ByteBuf& other) noexcept;

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

class WsConn;

// One thread's event loop and the connections it must flush this turn.
struct Loop {
  asio::io_context io{1};
  std::vector<WsConn*> dirty;
  bool flush_posted = false;
  void mark_dirty(WsConn* conn);
  void flush_all();
};

class WsHandler {
 public:
  virtual ~WsHandler() = default;
  // The upgrade succeeded (101 with the right Sec-WebSocket-Accept).
  virtual void on_open(WsConn& conn) = 0;
  // One whole text (or binary) message; the view dies with the call.
  virtual void on_message(WsConn& conn, std::string_view payload, bool binary) = 0;
  // Called once at the end: connect or upgrade failure (was_open false,
  // http_status set when a response head arrived), a close handshake
  // (code/reason from the peer's close frame) or a broken connection (1006).
  virtual void on_closed(WsConn& conn, bool was_open, int code, std::string_view reason,
                         std::string_view error) = 0;
};

class WsConn {
 public:
  enum class State { kIdle, kConnecting, kUpgrading, kOpen, kClosing, kClosed };

  WsConn(Loop& loop, WsHandler& handler) : loop_(loop), handler_(handler) {}
  WsConn(const WsConn&) = delete;
  WsConn& operator=(const WsConn&) = delete;

  // Connects (from `source` when it is not unspecified) and upgrades with
  // GET `target` (path and query), Host `host`.
  void start(const asio::ip::tcp::endpoint& server, const asio::ip::address& source,
             const std::string& host, const std::string& target);

  // Frames a text message: returns where its `len` payload bytes go; fill
  // them, then call commit_text(). Nothing else may touch this connection
  // in between.
  char* begin_text(std::size_t len);
  void commit_text();
  void send_text(std::string_view payload);
  // Sends a close frame (once) and waits for the peer's.
  void close(int code, std::string_view reason);
  // Drops the TCP connection at once; on_closed reports `why`.
  void abort(std::string_view why);

  State state() const { return state_; }
  bool sent_close() const { return sent_close_; }
  int http_status() const { return http_status_; }
  void flush();  // for Loop::flush_all

  std::uint64_t user = 0;  // free for the owner

 private:
  void frame(int opcode, const char* data, std::size_t len);
  void mask_pending();
  void do_read();
  void on_read();
  bool parse_upgrade();
  void parse_frames();
  void handle_frame(int opcode, bool fin, char* payload, std::size_t len);
  void finish(int code, std::string_view reason, std::string_view error);

  Loop& loop_;
  WsHandler& handler_;
  asio::ip::tcp::socket socket_{loop_.io};
  State state_ = State::kIdle;
  ByteBuf in_, out_, wbuf_, msg_;
  std::string accept_;  // expected Sec-WebSocket-Accept
  std::uint32_t mask_ = 0;
  char* pending_ = nullptr;
  std::size_t pending_len_ = 0;
  int frag_opcode_ = 0;
  int close_code_ = 1005;  // from the peer's close frame
  std::string close_reason_;
  int http_status_ = 0;
  bool writing_ = false;
  bool dirty_ = false;
  bool sent_close_ = false;
  bool close_after_write_ = false;
  friend struct Loop;
};

}  // namespace sm_bench
