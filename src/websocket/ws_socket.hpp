// The gateway's socket policy for websocketpp: plain TCP, as websocketpp's
// basic_socket, or TLS over it when the listener has a certificate (the
// stream of tls_stream.hpp; the handshake is post_init's, under websocketpp's
// own timer), with a lingering close.
//
// Why: websocketpp ends a connection with shutdown(both) and then closes
// the socket. When the client still has frames in flight (it kept writing
// after its 20th refused message, or after an oversized one), those bytes
// sit unread in the kernel when the socket closes, and Linux answers unread
// data with a TCP reset. A reset can overtake the close frame and the last
// errors still in the client's receive path, so the client sees 1006 (an
// abnormal close) where the protocol promised 1008 or 1009. websocketpp
// makes this likely: it treats 1002, 1007, 1008, 1009 and 1011 as
// "terminal" and drops the TCP connection as soon as its close frame is
// written, without waiting for the client's close.
//
// What this does instead (RFC 6455 §7.1.1, and what nginx calls a lingering
// close): shut down only the sending side, so the close frame and a FIN go
// out after everything queued before them; then keep reading and discarding
// until the client closes its side or the linger time passes; only then let
// websocketpp close the socket. The linger time is the gateway's close
// timeout (Config::limits.close_timeout_ms), so a client that never closes
// costs one bounded wait.
#pragma once

#include <array>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <websocketpp/transport/asio/security/none.hpp>

#include "websocket/tls_stream.hpp"

namespace signalmesh {

namespace ws_socket_detail {
namespace basic = websocketpp::transport::asio::basic_socket;
}  // namespace ws_socket_detail

class LingeringSocket : public ws_socket_detail::basic::connection {
 public:
  using type = LingeringSocket;
  using ptr = std::shared_ptr<type>;
  using Base = ws_socket_detail::basic::connection;

  void set_linger(std::chrono::milliseconds linger) { linger_ = linger; }
  // The listener's certificate slot, read when the connection starts (after
  // its accept: websocketpp makes the next connection before it arrives).
  // An empty slot: plain TCP.
  void set_tls_slot(std::shared_ptr<const TlsSlot> slot) { tls_slot_ = std::move(slot); }

  // What websocketpp's transport reads and writes through (it names
  // socket_con_type::get_socket statically, so this hides basic_socket's);
  // basic_socket's own code and ours use get_raw_socket().
  MaybeTlsStream& get_socket() { return *stream_; }
  bool is_secure() const { return tls_slot_ && tls_slot_->context; }

  // These hide basic_socket's for the same reason.
  websocketpp::lib::error_code init_asio(Base::io_service_ptr service, Base::strand_ptr strand,
                                         bool is_server) {
    auto ec = Base::init_asio(service, strand, is_server);
    if (!ec) stream_.emplace(Base::get_raw_socket());
    return ec;
  }
  void post_init(websocketpp::transport::asio::socket::init_handler callback) {
    if (!is_secure()) {
      Base::post_init(std::move(callback));
      return;
    }
    stream_->use_tls(tls_slot_->context);
    auto self = std::static_pointer_cast<LingeringSocket>(Base::get_shared());
    stream_->tls().async_handshake(
        asio::ssl::stream_base::server, [self, callback](const asio::error_code& ec) {
          namespace socket = websocketpp::transport::asio::socket;
          callback(ec ? socket::make_error_code(socket::error::tls_handshake_failed)
                      : websocketpp::lib::error_code());
        });
  }

  // Called by websocketpp's transport in place of basic_socket's
  // async_shutdown (it names socket_con_type::async_shutdown statically).
  // With TLS too the close frame is the end of the conversation: no
  // close_notify is awaited (RFC 6455 §7.1.1 closes the TCP connection).
  void async_shutdown(websocketpp::transport::asio::socket::shutdown_handler handler) {
    auto& socket = get_raw_socket();
    asio::error_code ec;
    // websocketpp may still have a read outstanding on this socket; it must
    // not see (and try to parse) the bytes discarded from here on. Its
    // handler then finds the connection closed and does nothing.
    socket.cancel(ec);
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec || linger_.count() == 0 || on_lingered_) {
      // Not connected any more (the client reset first), or no linger
      // wanted: nothing to wait for.
      handler(ec);
      return;
    }
    on_lingered_ = std::move(handler);
    auto self = std::static_pointer_cast<LingeringSocket>(Base::get_shared());
    linger_timer_ = std::make_unique<asio::steady_timer>(socket.get_executor(), linger_);
    linger_timer_->async_wait([self](const asio::error_code& wait_ec) {
      // The client never closed its side: stop waiting. Closing now may
      // still reset, but only for a client past the close timeout.
      if (!wait_ec) self->end_linger();
    });
    discard(self);
  }

  // Ends a linger now (the gateway stops): websocketpp closes the socket.
  // Does nothing when the connection is not lingering.
  void end_linger() {
    if (!on_lingered_) return;
    auto done = std::move(on_lingered_);
    on_lingered_ = nullptr;
    asio::error_code ignored;
    linger_timer_->cancel();
    get_raw_socket().cancel(ignored);
    // End of stream, a reset, a timeout: none of them is websocketpp's to
    // report, the close frame went out before.
    done(asio::error_code());
  }

 private:
  static void discard(const ptr& self) {
    // Whatever the client still sends is thrown away: one buffer serves every
    // lingering connection (the loop is one thread and nothing reads it).
    static std::array<char, 4096> sink;
    self->get_raw_socket().async_read_some(
        asio::buffer(sink), [self](const asio::error_code& ec, std::size_t) {
          if (!self->on_lingered_) return;
          if (ec) {
            self->end_linger();  // the client's end (or an error)
          } else {
            discard(self);
          }
        });
  }

  websocketpp::transport::asio::socket::shutdown_handler on_lingered_;
  std::unique_ptr<asio::steady_timer> linger_timer_;
  std::chrono::milliseconds linger_{0};
  std::shared_ptr<const TlsSlot> tls_slot_;
  std::optional<MaybeTlsStream> stream_;  // in place: no allocation per connection
};

// The endpoint half of the policy: hands each new connection its linger time.
class LingeringSocketEndpoint : public ws_socket_detail::basic::endpoint {
 public:
  using type = LingeringSocketEndpoint;
  using socket_con_type = LingeringSocket;
  using socket_con_ptr = socket_con_type::ptr;

  // How long a closing connection keeps reading for the client's end.
  void set_linger(std::chrono::milliseconds linger) { linger_ = linger; }
  // The certificate of the connections accepted from now on; null: plain
  // TCP. A reload (SIGHUP) sets a new one; open connections keep theirs.
  void set_tls_context(std::shared_ptr<asio::ssl::context> context) {
    tls_slot_->context = std::move(context);
  }
  bool is_secure() const { return tls_slot_->context != nullptr; }

 protected:
  websocketpp::lib::error_code init(socket_con_ptr socket) {
    socket->set_linger(linger_);
    socket->set_tls_slot(tls_slot_);
    return ws_socket_detail::basic::endpoint::init(socket);
  }

 private:
  std::chrono::milliseconds linger_{0};
  std::shared_ptr<TlsSlot> tls_slot_ = std::make_shared<TlsSlot>();
};

}  // namespace signalmesh
