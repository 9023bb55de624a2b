// `signalmesh-bench --mode echo-server --port N`: a trivial WebSocket echo
// (no JSON, no rooms) on 127.0.0.1, to measure the generator's own ceiling
// with `--pattern echo`. It answers the upgrade, sends {"type":"welcome"},
// then echoes every text frame back unmasked, all frames of one read in one
// write.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <iostream>
#include <memory>

#include "modes.hpp"
#include "ws_conn.hpp"

namespace sm_bench {
namespace {

void unmask(unsigned char* out, const unsigned char* in, std::size_t len,
            const unsigned char* mask) {
  std::uint32_t key32;
  std::memcpy(&key32, mask, 4);
  const std::uint64_t key = (std::uint64_t{key32} << 32) | key32;
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, in + i, 8);
    w ^= key;
    std::memcpy(out + i, &w, 8);
  }
  for (; i < len; ++i) out[i] = in[i] ^ mask[i & 3];
}

class EchoConn : public std::enable_shared_from_this<EchoConn> {
 public:
  explicit EchoConn(asio::ip::tcp::socket s) : socket_(std::move(s)) {}
  void read() {
    in_.reserve(in_.size() + 16384);
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(in_.data() + in_.size(), in_.capacity() - in_.size()),
                            [this, self](const asio::error_code& ec, std::size_t n) {
                              if (ec) return;
                              in_.resize(in_.size() + n);
                              if (!upgraded_ && !upgrade()) return;
                              if (!parse()) return;
                              flush();
                              read();
                            });
  }

 private:
  bool upgrade() {
    const std::string_view head(in_.data(), in_.size());
    const auto end = head.find("\r\n\r\n");
    if (end == std::string_view::npos) return head.size() < 16384 ? (read(), false) : false;
    const auto at = head.find("Sec-WebSocket-Key: ");
    if (at == std::string_view::npos) return false;
    std::string key(head.substr(at + 19, head.find("\r\n", at) - at - 19));
    key += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
    char accept[32];
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(accept), digest, SHA_DIGEST_LENGTH);
    const std::string resp = std::string(
                                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Accept: ") +
                             accept + "\r\n\r\n\x81\x12{\"type\":\"welcome\"}";
    std::memcpy(out_.extend(resp.size()), resp.data(), resp.size());
    in_.consume(end + 4);
    upgraded_ = true;
    asio::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    return true;
  }

  // Echoes whole frames; false when the connection should end.
  bool parse() {
    std::size_t pos = 0;
    bool keep = true;
    while (keep) {
      const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + pos);
      const std::size_t avail = in_.size() - pos;
      if (avail < 2) break;
      std::size_t len = p[1] & 0x7f, hdr = 2;
      if (len == 126) {
        hdr = 4;
        if (avail < 4) break;
        len = (std::size_t{p[2]} << 8) | p[3];
      } else if (len == 127) {
        hdr = 10;
        if (avail < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      }
      if ((p[1] & 0x80) == 0 || len > (16u << 20)) return false;
      if (avail < hdr + 4 + len) break;
      const int opcode = p[0] & 0x0f;
      const unsigned char* mask = p + hdr;
      const unsigned char* payload = mask + 4;
      if (opcode == 8) keep = false;
      const int out_op = opcode == 9 ? 10 : opcode;
      if (opcode != 10) {
        const std::size_t oh = len < 126 ? 2 : len < 65536 ? 4 : 10;
        auto* o = reinterpret_cast<unsigned char*>(out_.extend(oh + len));
        o[0] = static_cast<unsigned char>((p[0] & 0x80) | out_op);
        if (oh == 2) {
          o[1] = static_cast<unsigned char>(len);
        } else if (oh == 4) {
          o[1] = 126;
          o[2] = static_cast<unsigned char>(len >> 8);
          o[3] = static_cast<unsigned char>(len);
        } else {
          o[1] = 127;
          for (int i = 0; i < 8; ++i) o[2 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
        }
        unmask(o + oh, payload, len, mask);
      }
      pos += hdr + 4 + len;
    }
    in_.consume(pos);
    if (!keep) flush();
    return keep;
  }

  void flush() {
    if (writing_ || out_.size() == 0) return;
    out_.swap(wbuf_);
    writing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(wbuf_.data(), wbuf_.size()),
                      [this, self](const asio::error_code& ec, std::size_t) {
                        writing_ = false;
                        wbuf_.clear();
                        if (!ec) flush();
                      });
  }

  asio::ip::tcp::socket socket_;
  ByteBuf in_, out_, wbuf_;
  bool upgraded_ = false, writing_ = false;
};

void accept_loop(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](const asio::error_code& ec, asio::ip::tcp::socket s) {
    if (!ec) std::make_shared<EchoConn>(std::move(s))->read();
    accept_loop(acceptor);
  });
}

}  // namespace

int run_echo_server(int port) {
  asio::io_context io{1};
  asio::ip::tcp::acceptor acceptor(io);
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"),
                                   static_cast<unsigned short>(port));
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(4096);
  std::cout << "echo server listening on ws://127.0.0.1:" << acceptor.local_endpoint().port()
            << std::endl;
  accept_loop(acceptor);
  io.run();
  return 0;
}

}  // namespace sm_bench
