// The receive side of the mini RFC 6455 client: frame parsing, reassembly,
// control frames and the end of a connection (see ws_conn.hpp).
#include <cstring>

#include "ws_conn.hpp"

namespace sm_bench {
namespace {

constexpr std::size_t kMaxFrame = 16u << 20;

}  // namespace

void WsConn::parse_frames() {
  std::size_t pos = 0;
  while (state_ != State::kClosed) {
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + pos);
    const std::size_t avail = in_.size() - pos;
    if (avail < 2) break;
    const bool fin = (p[0] & 0x80) != 0;
    const int opcode = p[0] & 0x0f;
    if ((p[1] & 0x80) != 0) return abort("protocol: the server masked a frame");
    std::size_t len = p[1] & 0x7f;
    std::size_t hdr = 2;
    if (len == 126) {
      hdr = 4;
      if (avail < hdr) break;
      len = (std::size_t{p[2]} << 8) | p[3];
    } else if (len == 127) {
      hdr = 10;
      if (avail < hdr) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
    }
    if (len > kMaxFrame) return abort("protocol: frame too large");
    if (avail < hdr + len) {
      // Make room for the whole frame so the next reads can complete it.
      if (pos != 0) {
        in_.consume(pos);
        pos = 0;
      }
      in_.reserve(hdr + len);
      break;
    }
    handle_frame(opcode, fin, in_.data() + pos + hdr, len);
    pos += hdr + len;
  }
  if (state_ != State::kClosed && pos != 0) in_.consume(pos);
}

void WsConn::handle_frame(int opcode, bool fin, char* payload, std::size_t len) {
  switch (opcode) {
    case 0:  // continuation
      if (frag_opcode_ == 0) return abort("protocol: unexpected continuation");
      std::memcpy(msg_.extend(len), payload, len);
      if (msg_.size() > kMaxFrame) return abort("protocol: message too large");
      if (fin) {
        const bool binary = frag_opcode_ == 2;
        frag_opcode_ = 0;
        handler_.on_message(*this, std::string_view(msg_.data(), msg_.size()), binary);
        msg_.clear();
      }
      return;
    case 1:
    case 2:
      if (frag_opcode_ != 0) return abort("protocol: new message inside a fragmented one");
      if (fin) {
        if (state_ == State::kOpen || state_ == State::kClosing) {
          handler_.on_message(*this, std::string_view(payload, len), opcode == 2);
        }
        return;
      }
      frag_opcode_ = opcode;
      msg_.clear();
      std::memcpy(msg_.extend(len), payload, len);
      return;
    case 8: {
      close_code_ = len >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) |
                                   static_cast<unsigned char>(payload[1])
                             : 1005;
      close_reason_.assign(len > 2 ? payload + 2 : payload, len > 2 ? len - 2 : 0);
      if (sent_close_) return finish(-1, {}, {});
      // Echo the code, then end once the echo is written.
      char echo[2] = {0, 0};
      if (len >= 2) std::memcpy(echo, payload, 2);
      frame(8, echo, len >= 2 ? 2 : 0);
      sent_close_ = true;
      state_ = State::kClosing;
      close_after_write_ = true;
      return;
    }
    case 9:
      if (!sent_close_) frame(10, payload, len);
      return;
    case 10:
      return;
    default:
      return abort("protocol: unknown opcode " + std::to_string(opcode));
  }
}

void WsConn::finish(int code, std::string_view reason, std::string_view error) {
  if (state_ == State::kClosed) return;
  const bool was_open = state_ == State::kOpen || state_ == State::kClosing;
  state_ = State::kClosed;
  asio::error_code ignored;
  socket_.close(ignored);
  if (code < 0) {
    handler_.on_closed(*this, was_open, close_code_, close_reason_, {});
  } else {
    handler_.on_closed(*this, was_open, code, reason, error);
  }
}

}  // namespace sm_bench
