// What the zmq backend tests share: a fixture that builds meshes of
// adapters on the test loop, raw ZeroMQ sockets that play other processes
// (listeners, rogues), and a socket monitor to wait on their handshakes.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "conformance/conformance.hpp"
#include "support/free_port.hpp"
#include "zmq/zmq_fanout.hpp"
#include "zmq/zmq_watch.hpp"
#include "zmq/zmq_wire.hpp"

namespace signalmesh::test {

using backends::zmq::ZmqFanout;
using backends::zmq::ZmqOptions;

// Events of one socket (zmq_socket_monitor), read without blocking.
class SocketMonitor {
 public:
  SocketMonitor(::zmq::context_t& context, ::zmq::socket_t& socket);
  // Stops the events first: libzmq sends them blocking from its I/O thread,
  // which would hang on a closed reader. `socket` must still be open.
  ~SocketMonitor();
  SocketMonitor(const SocketMonitor&) = delete;
  SocketMonitor& operator=(const SocketMonitor&) = delete;
  // Reads every event waiting; true when one of them is `event`.
  bool saw(int event);
  int count(int event) const;
  // Every event seen so far, in hex (for failure messages).
  std::string seen() const;

 private:
  void* monitored_;
  ::zmq::socket_t pair_;
  std::vector<int> events_;
};

// One message as a raw socket received it.
struct RawMessage {
  std::string topic;
  std::string payload;
};

// Reads whatever `socket` has, without blocking, into `out`.
void drain(::zmq::socket_t& socket, std::vector<RawMessage>& out);
// A message in the mesh's format, as a pod with `origin` would send it.
bool send_as(::zmq::socket_t& socket, const std::string& channel, const std::string& payload,
             std::uint64_t origin, std::uint64_t seq);

class ZmqMesh : public ::testing::Test {
 protected:
  struct Pod {
    std::unique_ptr<ZmqFanout> adapter;
    Inbox inbox;
  };
  // A pod with `options`; every pod made before becomes its peer and it
  // theirs (when `join` is set). Not started.
  Pod& make(ZmqOptions options = fast_zmq_options(), bool join = true);
  void start(Pod& pod) { pod.adapter->start(loop_.io(), pod.inbox.handlers()); }
  ::testing::AssertionResult start_up(Pod& pod);
  // Both hear each other on `channel` (each saw its own marker after a
  // confirmed subscription, and one envelope from the other).
  ::testing::AssertionResult link(Pod& a, Pod& b, const std::string& channel);

  TestLoop loop_;  // first: outlives the pods
  std::vector<std::unique_ptr<Pod>> pods_;
};

}  // namespace signalmesh::test
