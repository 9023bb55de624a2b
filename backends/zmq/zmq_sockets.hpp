// What a started ZmqFanout holds on the loop (private to zmq_fanout*.cpp).
// Declared in the reverse of the destruction order that matters: the timer
// and the watches go first (the watches release ZeroMQ's fds), then the
// sockets close (linger 0: nothing waits), the ZAP handler's last, then the
// context ends.
#pragma once

#include <asio/steady_timer.hpp>
#include <memory>
#include <zmq.hpp>

#include "zmq/zmq_curve.hpp"
#include "zmq/zmq_fanout.hpp"
#include "zmq/zmq_watch.hpp"

namespace signalmesh::backends::zmq {

struct ZmqFanout::Sockets {
  // libzmq sends monitor events blocking, from its I/O thread: stop them
  // before the reader closes, or the next event would wedge that thread.
  ~Sockets() { zmq_socket_monitor(sub.handle(), nullptr, 0); }

  ::zmq::context_t context{1};
  std::unique_ptr<ZapHandler> zap;
  ::zmq::socket_t pub{context, ::zmq::socket_type::xpub};
  ::zmq::socket_t sub{context, ::zmq::socket_type::sub};
  ::zmq::socket_t monitor{context, ::zmq::socket_type::pair};  // the SUB's handshakes
  std::unique_ptr<SocketWatch> pub_watch;
  std::unique_ptr<SocketWatch> sub_watch;
  std::unique_ptr<SocketWatch> monitor_watch;
  std::unique_ptr<asio::steady_timer> tick;
};

}  // namespace signalmesh::backends::zmq
