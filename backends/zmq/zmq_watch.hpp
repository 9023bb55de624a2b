// The thin attachment of ZeroMQ sockets to an Asio loop, and the
// exception-free send/receive calls the mesh logic uses. The mesh logic
// lives in ZmqFanout; this is only the wire.
//
// A ZeroMQ socket has no readable file descriptor of its own: ZMQ_FD is a
// signalling fd that is edge-triggered. It fires when the socket's state
// may have changed, and any operation on the socket (a send, a setsockopt,
// reading ZMQ_EVENTS) may consume that edge. So the rules are:
//   - when the fd fires, drain while ZMQ_EVENTS says readable, then wait on
//     the fd again (in the same handler: nothing can slip in between on a
//     one-thread loop);
//   - after any other operation on the socket, check ZMQ_EVENTS again
//     (recheck()), because the edge that announced new input may be gone.
// The fd belongs to ZeroMQ: it is released, never closed.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>
#include <zmq.hpp>

namespace asio {
class io_context;
}

namespace signalmesh::backends::zmq {

// Readiness of one socket on one loop. Loop thread only.
class SocketWatch {
 public:
  // `on_input` runs on the loop when the socket may have input. It should
  // read a bounded batch and call recheck() if it stopped early; it may
  // destroy this watch.
  SocketWatch(asio::io_context& loop, ::zmq::socket_t& socket, std::function<void()> on_input);
  // Releases the fd; no on_input runs after this.
  ~SocketWatch();
  SocketWatch(const SocketWatch&) = delete;
  SocketWatch& operator=(const SocketWatch&) = delete;

  // Runs on_input on a later loop turn if the socket has input then.
  // Coalesced: many calls in one turn post one check.
  void recheck();

 private:
  struct State;
  static void wait_for_edge(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

// ZMQ_EVENTS has ZMQ_POLLIN (EINTR retried); false on any error.
bool has_input(::zmq::socket_t& socket);

// Receives one whole message without waiting: its frames (up to
// frames.size(); the rest are read and dropped) and how many there were.
// 0 when nothing is waiting or on error.
std::size_t receive(::zmq::socket_t& socket, std::vector<::zmq::message_t>& frames);

// Sends the frames as one message without waiting. False if ZeroMQ refused
// it (a PUB never does: it drops for subscribers that are full).
bool send(::zmq::socket_t& socket, std::initializer_list<std::string_view> frames);

inline std::string_view view(const ::zmq::message_t& frame) {
  return {static_cast<const char*>(frame.data()), frame.size()};
}

}  // namespace signalmesh::backends::zmq
