// websocketpp configuration for the gateway: one loop thread (no locks, no
// strands), our Session as each connection's base, no websocketpp logging,
// a small read buffer (idle memory per connection), compression off.
#pragma once

#include <strings.h>

#ifndef SIGNALMESH_READ_BUFFER_BYTES
#define SIGNALMESH_READ_BUFFER_BYTES 4096
#endif

// clang-format off
// Before any websocketpp processor code: see the file.
#include "websocket/ws_utf8.hpp"
// clang-format on

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "gateway/session.hpp"
#include "websocket/ws_socket.hpp"

namespace signalmesh {

// The HTTP request type, with one change: websocketpp still speaks the
// pre-RFC 6455 drafts (hybi00/07/08) and picks a draft processor from
// Sec-WebSocket-Version before any handler of ours runs (a hybi00 request
// without its 8 key bytes even gets a 500). Reporting any version but 13 as
// unreadable makes websocketpp answer 400 Bad Request before that choice.
class HttpRequest : public websocketpp::http::parser::request {
 public:
  std::string const& get_header(std::string const& key) const {
    std::string const& value = request::get_header(key);
    if (value != "13" && strcasecmp(key.c_str(), "Sec-WebSocket-Version") == 0) {
      static const std::string kUnsupported = "unsupported";
      return kUnsupported;
    }
    return value;
  }

  // websocketpp answers a request it cannot parse (431 headers too large,
  // 413 body too large, 400) with the exception's message as the reason
  // phrase, which its parser leaves empty: "HTTP/1.1 431 ". Fill in the
  // standard phrase.
  std::size_t consume(char const* buf, std::size_t len) {
    try {
      return request::consume(buf, len);
    } catch (websocketpp::http::exception& e) {
      if (e.m_error_msg.empty()) {
        e.m_error_msg = websocketpp::http::status_code::get_string(e.m_error_code);
      }
      throw;
    }
  }

  // Drops the request's header map (~0.9 KB per connection) once the
  // upgrade is done: nothing reads the headers after it, and an idle
  // connection's memory is mostly websocketpp's (docs/benchmarks.md, P1).
  // The method, URI and version stay.
  void release_headers() { websocketpp::http::parser::header_list().swap(m_headers); }
};

struct WsConfig : public websocketpp::config::asio {
  typedef WsConfig type;
  typedef websocketpp::config::asio base;

  typedef websocketpp::concurrency::none concurrency_type;
  typedef HttpRequest request_type;
  typedef base::response_type response_type;
  typedef base::message_type message_type;
  typedef base::con_msg_manager_type con_msg_manager_type;
  typedef base::endpoint_msg_manager_type endpoint_msg_manager_type;
  typedef websocketpp::log::basic<concurrency_type, websocketpp::log::elevel> elog_type;
  typedef websocketpp::log::basic<concurrency_type, websocketpp::log::alevel> alog_type;
  typedef base::rng_type rng_type;

  struct transport_config : public base::transport_config {
    typedef type::concurrency_type concurrency_type;
    typedef type::alog_type alog_type;
    typedef type::elog_type elog_type;
    typedef type::request_type request_type;
    typedef type::response_type response_type;
    // Plain TCP with a lingering close (ws_socket.hpp): no reset in place
    // of a close frame.
    typedef LingeringSocketEndpoint socket_type;
    static bool const enable_multithreading = false;
    // websocketpp's own bound on a socket shutdown (5 s by default) would cut
    // the linger short; the linger has its own timer (the close timeout).
    static const long timeout_socket_shutdown = 24L * 60 * 60 * 1000;
  };
  typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;

  typedef Session connection_base;

  static bool const enable_multithreading = false;
  // websocketpp's default is 16 KiB: most of an idle connection's memory.
  // Large messages still arrive whole; they just take more reads. Set by the
  // build (CMake SIGNALMESH_READ_BUFFER_BYTES, 4096 by default).
  static const size_t connection_read_buffer_size = SIGNALMESH_READ_BUFFER_BYTES;
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
};

}  // namespace signalmesh

// Needs WsConfig; before anything instantiates the processor.
#include "websocket/ws_payload.hpp"

namespace signalmesh {

using Server = websocketpp::server<WsConfig>;
using Connection = Server::connection_type;
using ConnectionPtr = Server::connection_ptr;
using MessagePtr = Server::message_ptr;

// A Session is always the base of a Connection (WsConfig::connection_base).
inline Connection& connection_of(Session& session) {
  return static_cast<Connection&>(session);
}

}  // namespace signalmesh
