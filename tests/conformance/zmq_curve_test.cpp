// The zmq mesh with CURVE on: pods with the mesh's keys talk; a process
// without one can neither pose as a peer (inject envelopes) nor connect to
// a pod's PUB (listen, or send it subscriptions). Each rogue's own socket
// monitor shows its handshakes failing, so the tests wait on events.
#include "zmq/zmq_curve.hpp"

#include <gtest/gtest.h>

#include "conformance/zmq_support.hpp"

namespace signalmesh::test {
namespace {

using backends::zmq::CurveKeys;
using backends::zmq::generate_keys;

class ZmqCurve : public ZmqMesh {
 protected:
  void SetUp() override {
    if (!backends::zmq::curve_available()) GTEST_SKIP() << "libzmq without CURVE";
  }
  // A pod with its own key pair that knows the keys of the pods made before
  // (and they its key).
  Pod& make_keyed(const std::string& bind = "tcp://127.0.0.1:*") {
    ZmqOptions o = fast_zmq_options();
    o.bind = bind;
    keys_.push_back(generate_keys());
    o.curve = keys_.back();
    Pod& pod = make(o, false);
    for (std::size_t i = 0; i + 1 < pods_.size(); ++i) {
      ZmqFanout& other = *pods_[i]->adapter;
      pod.adapter->add_peer({other.bound_endpoint(), keys_[i].public_key});
      other.add_peer({pod.adapter->bound_endpoint(), keys_.back().public_key});
    }
    return pod;
  }

  std::vector<CurveKeys> keys_;
  ::zmq::context_t rogue_context_;
};

TEST_F(ZmqCurve, PodsWithTheMeshKeysExchangeEnvelopes) {
  Pod& a = make_keyed();
  Pod& b = make_keyed();
  start(a);
  ASSERT_TRUE(start_up(b));
  ASSERT_TRUE(link(a, b, "room:secret"));
  EXPECT_EQ(a.adapter->stats().curve_refused, 0u);
  EXPECT_EQ(b.adapter->stats().curve_refused, 0u);
}

TEST_F(ZmqCurve, AKeyFileThatDoesNotMatchTheSecretKeyIsRefused) {
  ZmqOptions o = fast_zmq_options();
  o.curve = generate_keys();
  o.curve.public_key = generate_keys().public_key;
  EXPECT_THROW(ZmqFanout{o}, std::invalid_argument);
}

// The rogue holds the address where a expects its peer, with or without
// CURVE of its own, and publishes envelopes a subscribes to.
TEST_F(ZmqCurve, AProcessPosingAsAPeerWithoutItsKeyCannotInjectEnvelopes) {
  Pod& a = make_keyed();
  Pod& b = make_keyed();
  start(a);
  ASSERT_TRUE(start_up(b));
  ASSERT_TRUE(link(a, b, "cluster"));
  for (const bool rogue_has_curve : {false, true}) {
    SCOPED_TRACE(rogue_has_curve ? "rogue with its own CURVE key" : "rogue without CURVE");
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_loopback_port());
    a.adapter->add_peer({endpoint, keys_[1].public_key});  // a thinks b is there too
    ::zmq::socket_t rogue(rogue_context_, ::zmq::socket_type::pub);
    rogue.set(::zmq::sockopt::linger, 0);
    if (rogue_has_curve) {
      rogue.set(::zmq::sockopt::curve_server, 1);
      rogue.set(::zmq::sockopt::curve_secretkey, generate_keys().secret_key);
    }
    SocketMonitor monitor(rogue_context_, rogue);
    rogue.bind(endpoint);
    int sent = 0;
    // a keeps trying (ZeroMQ's reconnects, or the adapter's handshake
    // retries); the rogue injects all along.
    ASSERT_TRUE(loop_.run_until([&] {
      sent += send_as(rogue, "cluster", "injected", b.adapter->instance(), 1000 + sent) ? 1 : 0;
      monitor.saw(ZMQ_EVENT_ACCEPTED);
      return monitor.count(ZMQ_EVENT_ACCEPTED) >= 3;
    })) << "rogue events:"
        << monitor.seen();
    EXPECT_EQ(monitor.count(ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
    // b is still heard, so a's SUB works; the rogue's envelopes never came.
    ASSERT_TRUE(b.adapter->publish("cluster", "genuine"));
    ASSERT_TRUE(loop_.run_until([&] { return a.inbox.has("cluster", "genuine"); }));
    EXPECT_GT(sent, 0);
    EXPECT_FALSE(a.inbox.has("cluster", "injected"));
    a.adapter->remove_peer(endpoint);
  }
}

TEST_F(ZmqCurve, AProcessWithoutAMeshKeyCannotConnectToAPodsPub) {
  Pod& a = make_keyed();
  ASSERT_TRUE(start_up(a));
  ASSERT_TRUE(subscribe_live(loop_, *a.adapter, a.inbox, "room:r"));
  for (const bool rogue_has_curve : {false, true}) {
    SCOPED_TRACE(rogue_has_curve ? "rogue with its own CURVE key" : "rogue without CURVE");
    ::zmq::socket_t rogue(rogue_context_, ::zmq::socket_type::sub);
    rogue.set(::zmq::sockopt::linger, 0);
    rogue.set(::zmq::sockopt::subscribe, "");
    rogue.set(::zmq::sockopt::subscribe, backends::zmq::identity_topic(666));
    // The last word of each refusal (then the rogue's ZeroMQ gives up).
    const int failure =
        rogue_has_curve ? ZMQ_EVENT_HANDSHAKE_FAILED_AUTH : ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
    const auto refused_before = a.adapter->stats().curve_refused;
    if (rogue_has_curve) {
      const CurveKeys own = generate_keys();
      rogue.set(::zmq::sockopt::curve_serverkey, keys_[0].public_key);  // knows a's public key
      rogue.set(::zmq::sockopt::curve_publickey, own.public_key);
      rogue.set(::zmq::sockopt::curve_secretkey, own.secret_key);
    }
    SocketMonitor monitor(rogue_context_, rogue);
    rogue.connect(a.adapter->bound_endpoint());
    ASSERT_TRUE(loop_.run_until([&] {
      a.adapter->publish("room:r", "private");
      return monitor.saw(failure);
    })) << "rogue events:"
        << monitor.seen();
    EXPECT_EQ(monitor.count(ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
    if (rogue_has_curve) {
      EXPECT_GE(a.adapter->stats().curve_refused, refused_before + 1);
    }
    std::vector<RawMessage> got;
    drain(rogue, got);
    EXPECT_TRUE(got.empty()) << "the rogue heard " << got.size() << " message(s)";
    EXPECT_EQ(a.adapter->peers_hearing_us(), 0u) << "its subscriptions never reached a";
  }
}

// Until the right pod is at a peer's address, a's handshakes there fail
// with a protocol error, after which libzmq alone would never try again.
TEST_F(ZmqCurve, APeerWhoseHandshakeFailedIsRetriedUntilTheRightPodAnswers) {
  Pod& a = make_keyed();
  ASSERT_TRUE(start_up(a));
  const CurveKeys b_keys = generate_keys();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_loopback_port());
  a.adapter->add_peer({endpoint, b_keys.public_key});
  {
    // Without CURVE: whichever side notices the mechanism mismatch first
    // fails the handshake; a notices it often enough.
    ::zmq::socket_t squatter(rogue_context_, ::zmq::socket_type::pub);
    squatter.set(::zmq::sockopt::linger, 0);
    SocketMonitor monitor(rogue_context_, squatter);
    squatter.bind(endpoint);
    ASSERT_TRUE(loop_.run_until([&] { return a.adapter->stats().handshake_failures >= 2; }));
    squatter.unbind(endpoint);  // ZeroMQ frees the port a moment later
    ASSERT_TRUE(loop_.run_until([&] { return monitor.saw(ZMQ_EVENT_CLOSED); }));
  }
  ZmqOptions o = fast_zmq_options();
  o.bind = endpoint;
  o.curve = b_keys;
  o.peers = {{a.adapter->bound_endpoint(), keys_[0].public_key}};
  Pod& b = make(o, false);
  ASSERT_TRUE(start_up(b));
  EXPECT_EQ(b.adapter->peers_hearing_us(), 1u) << "a connected to the right pod by itself";
  ASSERT_TRUE(link(a, b, "room:found"));
}

}  // namespace
}  // namespace signalmesh::test
