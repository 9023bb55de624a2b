#include "conformance/zmq_support.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace signalmesh::test {

SocketMonitor::SocketMonitor(::zmq::context_t& context, ::zmq::socket_t& socket)
    : monitored_(socket.handle()), pair_(context, ::zmq::socket_type::pair) {
  static std::atomic<int> serial{0};
  const std::string endpoint = "inproc://monitor-" + std::to_string(++serial);
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), ZMQ_EVENT_ALL) != 0) {
    throw ::zmq::error_t();
  }
  pair_.set(::zmq::sockopt::linger, 0);
  pair_.set(::zmq::sockopt::rcvhwm, 0);
  pair_.connect(endpoint);
}

SocketMonitor::~SocketMonitor() {
  zmq_socket_monitor(monitored_, nullptr, 0);
}

bool SocketMonitor::saw(int event) {
  std::vector<::zmq::message_t> frames(2);
  while (backends::zmq::receive(pair_, frames) == 2) {
    if (frames[0].size() >= 2) {
      const auto* data = static_cast<const std::uint8_t*>(frames[0].data());
      events_.push_back(data[0] | (data[1] << 8));  // little-endian u16
    }
  }
  return count(event) > 0;
}

int SocketMonitor::count(int event) const {
  int n = 0;
  for (int e : events_) n += e == event ? 1 : 0;
  return n;
}

std::string SocketMonitor::seen() const {
  std::string out;
  char buf[16];
  for (int e : events_) {
    std::snprintf(buf, sizeof buf, " 0x%x", e);
    out += buf;
  }
  return out;
}

void drain(::zmq::socket_t& socket, std::vector<RawMessage>& out) {
  std::vector<::zmq::message_t> frames(3);
  std::size_t n = 0;
  while ((n = backends::zmq::receive(socket, frames)) != 0) {
    RawMessage m;
    m.topic = std::string(backends::zmq::view(frames[0]));
    if (n == 3) m.payload = std::string(backends::zmq::view(frames[2]));
    out.push_back(std::move(m));
  }
}

bool send_as(::zmq::socket_t& socket, const std::string& channel, const std::string& payload,
             std::uint64_t origin, std::uint64_t seq) {
  const auto header = backends::zmq::encode_header({origin, seq});
  return backends::zmq::send(
      socket, {backends::zmq::data_topic(channel), {header.data(), header.size()}, payload});
}

ZmqMesh::Pod& ZmqMesh::make(ZmqOptions options, bool join) {
  auto pod = std::make_unique<Pod>();
  pod->adapter = std::make_unique<ZmqFanout>(std::move(options));
  if (join) {
    for (auto& other : pods_) {
      if (!other->adapter) continue;
      pod->adapter->add_peer({other->adapter->bound_endpoint(), {}});
      other->adapter->add_peer({pod->adapter->bound_endpoint(), {}});
    }
  }
  pods_.push_back(std::move(pod));
  return *pods_.back();
}

::testing::AssertionResult ZmqMesh::start_up(Pod& pod) {
  start(pod);
  if (!loop_.run_until([&] { return pod.inbox.up(); })) {
    return ::testing::AssertionFailure() << "no on_state(true) after start";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ZmqMesh::link(Pod& a, Pod& b, const std::string& channel) {
  for (Pod* p : {&a, &b}) {
    auto r = subscribe_live(loop_, *p->adapter, p->inbox, channel);
    if (!r) return r;
  }
  const std::string from_a = "hello from a " + channel;
  const std::string from_b = "hello from b " + channel;
  a.adapter->publish(channel, from_a);
  b.adapter->publish(channel, from_b);
  if (!loop_.run_until(
          [&] { return a.inbox.has(channel, from_b) && b.inbox.has(channel, from_a); })) {
    return ::testing::AssertionFailure() << "the pods do not hear each other on " << channel;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace signalmesh::test
