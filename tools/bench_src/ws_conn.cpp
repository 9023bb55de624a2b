// The mini RFC 6455 client: see ws_conn.hpp.
#include "ws_conn.hpp"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstring>
#include <random>

namespace sm_bench {
namespace {

constexpr std::size_t kReadChunk = 1024;
constexpr std::size_t kMaxReadBuffer = 256u << 10;
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

std::string base64(const unsigned char* data, int len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, len);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void ByteBuf::reserve(std::size_t n) {
  if (n <= cap_) return;
  std::size_t cap = cap_ == 0 ? 256 : cap_;
  while (cap < n) cap *= 2;
  std::unique_ptr<char[]> grown(new char[cap]);
  if (size_ != 0) std::memcpy(grown.get(), data_.get(), size_);
  data_ = std::move(grown);
  cap_ = cap;
}

char* ByteBuf::extend(std::size_t n) {
  reserve(size_ + n);
  char* p = data_.get() + size_;
  size_ += n;
  return p;
}

void ByteBuf::consume(std::size_t n) {
  if (n >= size_) {
    size_ = 0;
    return;
  }
  std::memmove(data_.get(), data_.get() + n, size_ - n);
  size_ -= n;
}

void ByteBuf::swap(ByteBuf& other) noexcept {
  data_.swap(other.data_);
  std::swap(size_, other.size_);
  std::swap(cap_, other.cap_);
}

void Loop::mark_dirty(WsConn* conn) {
  if (conn->dirty_ || conn->writing_) return;  // a write in flight picks it up
  conn->dirty_ = true;
  dirty.push_back(conn);
  if (!flush_posted) {
    flush_posted = true;
    asio::post(io, [this] { flush_all(); });
  }
}

void Loop::flush_all() {
  flush_posted = false;
  for (std::size_t i = 0; i < dirty.size(); ++i) {
    dirty[i]->dirty_ = false;
    dirty[i]->flush();
  }
  dirty.clear();
}

void WsConn::start(const asio::ip::tcp::endpoint& server, const asio::ip::address& source,
                   const std::string& host, const std::string& target) {
  state_ = State::kConnecting;
  unsigned char key[16];
  for (auto& b : key) b = static_cast<unsigned char>(rng()());
  const std::string key64 = base64(key, sizeof key);
  const std::string concat = key64 + std::string(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(concat.data()), concat.size(), digest);
  accept_ = base64(digest, SHA_DIGEST_LENGTH);
  mask_ = static_cast<std::uint32_t>(rng()()) | 1u;
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: " +
                          key64 + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  std::memcpy(out_.extend(req.size()), req.data(), req.size());

  asio::error_code ec;
  socket_.open(server.protocol(), ec);
  if (!ec && !source.is_unspecified()) {
#ifdef IP_BIND_ADDRESS_NO_PORT
    // Pick the port at connect() time, per destination: lifts the
    // ephemeral-port limit when sources are spread over 127.0.0.x.
    const int one = 1;
    setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    socket_.bind(asio::ip::tcp::endpoint(source, 0), ec);
  }
  if (ec) {
    finish(1006, {}, "socket: " + ec.message());
    return;
  }
  socket_.async_connect(server, [this](const asio::error_code& error) {
    if (state_ != State::kConnecting) return;
    if (error) return finish(1006, {}, "connect: " + error.message());
    asio::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    socket_.non_blocking(true, ignored);
    state_ = State::kUpgrading;
    flush();
    do_read();
  });
}

char* WsConn::begin_text(std::size_t len) {
  const std::size_t hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
  auto* f = reinterpret_cast<unsigned char*>(out_.extend(hdr + 4 + len));
  f[0] = 0x81;
  if (hdr == 2) {
    f[1] = static_cast<unsigned char>(0x80 | len);
  } else if (hdr == 4) {
    f[1] = 0x80 | 126;
    f[2] = static_cast<unsigned char>(len >> 8);
    f[3] = static_cast<unsigned char>(len);
  } else {
    f[1] = 0x80 | 127;
    for (int i = 0; i < 8; ++i) f[2 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
  }
  // A fresh key per frame from a xorshift of the connection's state.
  mask_ ^= mask_ << 13;
  mask_ ^= mask_ >> 17;
  mask_ ^= mask_ << 5;
  std::memcpy(f + hdr, &mask_, 4);
  pending_ = reinterpret_cast<char*>(f + hdr + 4);
  pending_len_ = len;
  return pending_;
}

void WsConn::mask_pending() {
  std::uint64_t key64 = mask_;
  key64 |= key64 << 32;
  char* p = pending_;
  std::size_t n = pending_len_;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    w ^= key64;
    std::memcpy(p, &w, 8);
  }
  const auto* k = reinterpret_cast<const unsigned char*>(&mask_);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>(p[i] ^ k[i & 3]);
}

void WsConn::commit_text() {
  mask_pending();
  pending_ = nullptr;
  if (state_ == State::kOpen || state_ == State::kClosing) loop_.mark_dirty(this);
}

void WsConn::send_text(std::string_view payload) {
  std::memcpy(begin_text(payload.size()), payload.data(), payload.size());
  commit_text();
}

void WsConn::frame(int opcode, const char* data, std::size_t len) {
  char* p = begin_text(len);
  reinterpret_cast<unsigned char*>(p - 4 - 2)[0] = static_cast<unsigned char>(0x80 | opcode);
  if (len != 0) std::memcpy(p, data, len);
  commit_text();
}

void WsConn::close(int code, std::string_view reason) {
  if (state_ != State::kOpen) {
    if (state_ == State::kConnecting || state_ == State::kUpgrading) abort("closed before open");
    return;
  }
  char body[125];
  body[0] = static_cast<char>(code >> 8);
  body[1] = static_cast<char>(code & 0xff);
  const std::size_t n = std::min<std::size_t>(reason.size(), 123);
  std::memcpy(body + 2, reason.data(), n);
  frame(8, body, n + 2);
  sent_close_ = true;
  state_ = State::kClosing;
}

void WsConn::abort(std::string_view why) {
  finish(1006, {}, why);
}

void WsConn::flush() {
  if (writing_ || state_ == State::kClosed) return;
  if (out_.size() == 0) {
    if (close_after_write_) finish(-1, {}, {});
    return;
  }
  // The socket is non-blocking: try at once, which almost always takes all
  // of it on loopback; only the rest waits for an async write.
  asio::error_code error;
  const std::size_t n = socket_.write_some(asio::buffer(out_.data(), out_.size()), error);
  if (error && error != asio::error::would_block && error != asio::error::try_again) {
    return finish(1006, {}, "write: " + error.message());
  }
  out_.consume(error ? 0 : n);
  if (out_.size() == 0) {
    if (close_after_write_) finish(-1, {}, {});
    return;
  }
  out_.swap(wbuf_);
  writing_ = true;
  asio::async_write(socket_, asio::buffer(wbuf_.data(), wbuf_.size()),
                    [this](const asio::error_code& ec, std::size_t) {
                      writing_ = false;
                      wbuf_.clear();
                      if (state_ == State::kClosed) return;
                      if (ec) return finish(1006, {}, "write: " + ec.message());
                      flush();
                    });
}

void WsConn::do_read() {
  if (in_.capacity() - in_.size() < kReadChunk / 2) in_.reserve(in_.size() + kReadChunk);
  const std::size_t room = in_.capacity() - in_.size();
  socket_.async_read_some(
      asio::buffer(in_.data() + in_.size(), room),
      [this, room](const asio::error_code& error, std::size_t n) {
        if (state_ == State::kClosed) return;
        if (error) {
          const bool eof = error == asio::error::eof;
          return finish(1006, {},
                        eof ? "connection closed by the server" : "read: " + error.message());
        }
        in_.resize(in_.size() + n);
        // A full read: more is probably waiting, read more at once.
        if (n == room && in_.capacity() < kMaxReadBuffer) {
          in_.reserve(in_.capacity() * 2);
        }
        on_read();
      });
}

void WsConn::on_read() {
  if (state_ == State::kUpgrading && !parse_upgrade()) return;
  if (state_ == State::kClosed) return;
  parse_frames();
  if (state_ != State::kClosed) do_read();
}

bool WsConn::parse_upgrade() {
  const std::string_view head(in_.data(), in_.size());
  const auto end = head.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (head.size() > 16384) abort("upgrade: response head too large");
    if (state_ != State::kClosed) do_read();
    return false;
  }
  if (head.size() >= 12 && head.substr(0, 5) == "HTTP/") {
    http_status_ = std::atoi(std::string(head.substr(9, 3)).c_str());
  }
  if (http_status_ != 101) {
    abort("upgrade: HTTP " + std::to_string(http_status_));
    return false;
  }
  std::string lower(head.substr(0, end));
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\nsec-websocket-accept:");
  std::string_view value = at == std::string::npos ? std::string_view{} : head.substr(at + 23);
  value = value.substr(0, value.find("\r\n"));
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value != accept_) {
    abort("upgrade: wrong Sec-WebSocket-Accept");
    return false;
  }
  in_.consume(end + 4);
  state_ = State::kOpen;
  handler_.on_open(*this);
  return state_ != State::kClosed;
}

}  // namespace sm_bench
