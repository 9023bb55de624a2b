// The byte stream websocketpp reads and writes through: the connection's TCP
// socket, or a TLS stream over it when the listener has a certificate
// (--tls-cert-file). One socket policy and one websocketpp configuration
// serve both, chosen per listener at run time (ws_socket.hpp), so the
// gateway has one connection type whether TLS is on or not.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <string>
#include <utility>

namespace signalmesh {

// A listener's current certificate (null: plain TCP), shared with the
// connections it makes; loop thread only.
struct TlsSlot {
  std::shared_ptr<asio::ssl::context> context;
};

class MaybeTlsStream {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = asio::ip::tcp::socket;

  explicit MaybeTlsStream(asio::ip::tcp::socket& socket) : socket_(socket) {}

  // From here on, bytes go through TLS with `context` (before any is read).
  void use_tls(std::shared_ptr<asio::ssl::context> context) {
    context_ = std::move(context);
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *context_);
  }
  bool secure() const { return tls_ != nullptr; }
  asio::ssl::stream<asio::ip::tcp::socket&>& tls() { return *tls_; }

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_; }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      socket_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

 private:
  asio::ip::tcp::socket& socket_;
  // Kept by each connection: a certificate reload swaps the listener's
  // context for new connections while the open ones keep theirs.
  std::shared_ptr<asio::ssl::context> context_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
};

// A server context for `cert_file` (PEM, the chain after the leaf) and
// `key_file` (PEM): TLS 1.2 and 1.3 only, forward-secret AEAD ciphers for
// 1.2 (Mozilla's "intermediate" list), no compression, no renegotiation.
// Throws std::runtime_error naming the file and OpenSSL's reason.
std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                     const std::string& key_file);

}  // namespace signalmesh
