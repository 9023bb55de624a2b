// The zmq backend beyond the shared conformance suite: exact topic matching
// at the socket level, loss counting (high-water mark, a reconnect), the
// join window, a pod restarting on its old endpoint, and the factory.
#include <gtest/gtest.h>

#include <stdexcept>

#include "conformance/zmq_support.hpp"
#include "signalmesh/backends.hpp"
#include "signalmesh/config.hpp"
#include "zmq/zmq_backend.hpp"

namespace signalmesh::test {
namespace {

using backends::zmq::data_topic;
using backends::zmq::identity_topic;
using backends::zmq::probe_topic;

TEST_F(ZmqMesh, TheFactoryBuildsTheZmqBackendAndRejectsBadSettingsWithTheReason) {
  Config config;
  config.backend = "zmq";
  backends::zmq::ZmqSettings settings;
  settings.bind = "tcp://127.0.0.1:*";
  settings.peers = {"tcp://127.0.0.1:1"};
  FanoutPtr adapter = make_fanout(config, settings);
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->name(), "zmq");
  EXPECT_THROW(make_fanout(config), std::invalid_argument) << "the defaults have no endpoint";
  settings.bind.clear();
  EXPECT_THROW(make_fanout(config, settings), std::invalid_argument) << "no bind endpoint";
  settings.bind = "carrier-pigeon://nest";
  EXPECT_THROW(make_fanout(config, settings), std::invalid_argument)
      << "an endpoint ZeroMQ rejects";
  settings.bind = "tcp://127.0.0.1:*";
  settings.curve_peer_keys = {"/nonexistent.pub"};
  EXPECT_THROW(make_fanout(config, settings), std::invalid_argument) << "peer keys without CURVE";
  settings.curve_secret_key_file = "/nonexistent.key";
  try {
    make_fanout(config, settings);
    FAIL() << "an unreadable key file must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent.key"), std::string::npos) << e.what();
  }
}

TEST_F(ZmqMesh, AnEndpointInUseIsAStartUpError) {
  Pod& a = make();
  ZmqOptions o = fast_zmq_options();
  o.bind = a.adapter->bound_endpoint();
  EXPECT_THROW(ZmqFanout{o}, std::runtime_error);
}

// What ZeroMQ itself delivers to a subscriber of room `ab`: a pod does not
// even receive the traffic of rooms it does not serve.
TEST_F(ZmqMesh, ASubscriberOfRoomAbNeverReceivesRoomAbc) {
  Pod& a = make();
  ASSERT_TRUE(start_up(a));
  ::zmq::context_t context;
  ::zmq::socket_t listener(context, ::zmq::socket_type::sub);
  listener.set(::zmq::sockopt::linger, 0);
  listener.set(::zmq::sockopt::subscribe, data_topic("room:ab"));
  listener.set(::zmq::sockopt::subscribe, identity_topic(77));
  listener.connect(a.adapter->bound_endpoint());
  ASSERT_TRUE(loop_.run_until([&] { return a.adapter->peers_hearing_us() == 1; }));
  // A probe subscribed now travels after room:ab: its answer proves it is in.
  listener.set(::zmq::sockopt::subscribe, probe_topic(77, 1));
  std::vector<RawMessage> got;
  ASSERT_TRUE(loop_.run_until([&] {
    drain(listener, got);
    return !got.empty();
  }));
  EXPECT_EQ(got.back().topic, probe_topic(77, 1));
  got.clear();
  for (const char* channel : {"room:a", "room:abc", "room:abcd", "room:ab", "room:", "room:b"}) {
    ASSERT_TRUE(a.adapter->publish(channel, std::string("to ") + channel));
  }
  ASSERT_TRUE(a.adapter->publish("room:ab", "end"));
  ASSERT_TRUE(loop_.run_until([&] {
    drain(listener, got);
    return !got.empty() && got.back().payload == "end";
  }));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic, data_topic("room:ab"));
  EXPECT_EQ(got[0].payload, "to room:ab");
}

TEST_F(ZmqMesh, EnvelopesLostBeyondTheHighWaterMarkAreCountedExactlyAndTriggerAResync) {
  ZmqOptions small = fast_zmq_options();
  small.sndhwm = small.rcvhwm = 10;
  Pod& a = make(small);
  Pod& b = make(small);
  start(a);
  ASSERT_TRUE(start_up(b));
  ASSERT_TRUE(link(a, b, "room:flood"));
  b.inbox.messages.clear();
  // b's loop does not run while a floods: b reads nothing, its queues fill,
  // and a's PUB drops beyond the high-water mark.
  const int kFlood = 3000;
  const std::string big(16 * 1024, 'x');
  for (int i = 0; i < kFlood; ++i) ASSERT_TRUE(a.adapter->publish("room:flood", big));
  // Then one more now and then until b has it: it proves the tail is lost.
  int ends = 0;
  auto last_end = std::chrono::steady_clock::now() - Ms(1000);
  ASSERT_TRUE(loop_.run_until(
      [&] {
        if (!b.inbox.messages.empty() && b.inbox.messages.back().second.rfind("end", 0) == 0) {
          return true;
        }
        if (std::chrono::steady_clock::now() - last_end > Ms(50)) {
          a.adapter->publish("room:flood", "end" + std::to_string(++ends));
          last_end = std::chrono::steady_clock::now();
        }
        return false;
      },
      Ms(20000)));
  const std::string& last = b.inbox.messages.back().second;
  const std::uint64_t highest = kFlood + std::stoul(last.substr(3));
  const auto stats = b.adapter->stats();
  const std::uint64_t received = b.inbox.on("room:flood").size();
  EXPECT_GT(stats.lost, 0u) << "the flood should overrun a high-water mark of 10";
  EXPECT_EQ(stats.lost + received, highest) << "every missing envelope is counted, once";
  EXPECT_GE(stats.gaps, 1u);
  // Each resync is a down-up pair in one handler; losses seen during the
  // flood ask for one or two (at most one per resync interval).
  ASSERT_TRUE(loop_.run_until([&] { return b.inbox.states.size() >= 3; }));
  const auto& states = b.inbox.states;
  ASSERT_EQ(states.size() % 2, 1u);
  for (std::size_t i = 0; i < states.size(); ++i) EXPECT_EQ(states[i], i % 2 == 0) << i;
  EXPECT_EQ(b.adapter->stats().resyncs, (states.size() - 1) / 2);
  EXPECT_LE(b.adapter->stats().resyncs, b.adapter->stats().gaps);
  EXPECT_TRUE(b.adapter->is_up());
}

// The slow-joiner window of a reconnect: what a publishes while b's SUB is
// away (or still connecting) never reaches b, and b counts it.
TEST_F(ZmqMesh, ASubscriberThatReconnectsCountsWhatWasPublishedWhileItWasAway) {
  Pod& a = make();
  Pod& b = make();
  start(a);
  ASSERT_TRUE(start_up(b));
  ASSERT_TRUE(link(a, b, "room:r"));
  const std::string a_endpoint = a.adapter->bound_endpoint();
  b.adapter->remove_peer(a_endpoint);
  ASSERT_TRUE(loop_.run_until([&] { return a.adapter->peers_hearing_us() == 0; }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.adapter->publish("room:r", "missed"));
  b.adapter->add_peer({a_endpoint, {}});
  ASSERT_TRUE(loop_.run_until([&] { return a.adapter->peers_hearing_us() == 1; }));
  // A fresh subscription's probe confirms that all of b's are in at a.
  ASSERT_TRUE(subscribe_live(loop_, *b.adapter, b.inbox, "room:sync"));
  ASSERT_TRUE(a.adapter->publish("room:r", "back"));
  ASSERT_TRUE(loop_.run_until([&] { return b.inbox.has("room:r", "back"); }));
  EXPECT_FALSE(b.inbox.has("room:r", "missed"));
  EXPECT_EQ(b.adapter->stats().lost, 3u);
  EXPECT_EQ(b.adapter->stats().gaps, 1u);
}

TEST_F(ZmqMesh, APodWhosePeersAreDownReportsUpAfterTheJoinTimeoutAndMeetsThemLater) {
  ZmqOptions o = fast_zmq_options();
  o.join_timeout = Ms(300);
  const std::string later = "tcp://127.0.0.1:" + std::to_string(free_loopback_port());
  o.peers = {{later, {}}};
  Pod& a = make(o, false);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(start_up(a));
  EXPECT_GE(std::chrono::steady_clock::now() - started, Ms(300)) << "it waited for its peer";
  ZmqOptions ob = fast_zmq_options();
  ob.bind = later;
  ob.peers = {{a.adapter->bound_endpoint(), {}}};
  Pod& b = make(ob, false);
  ASSERT_TRUE(start_up(b));
  EXPECT_EQ(b.adapter->peers_hearing_us(), 1u) << "b joined both ways before reporting up";
  EXPECT_EQ(b.adapter->peers_heard(), 1u);
  ASSERT_TRUE(link(a, b, "cluster"));
}

TEST_F(ZmqMesh, APodRestartedOnItsOldEndpointRejoinsByItselfAndTrafficFlowsBothWays) {
  Pod& a = make();
  Pod& b = make();
  start(a);
  ASSERT_TRUE(start_up(b));
  ASSERT_TRUE(link(a, b, "cluster"));
  ZmqOptions o = fast_zmq_options();
  o.bind = b.adapter->bound_endpoint();
  o.peers = {{a.adapter->bound_endpoint(), {}}};
  const std::uint64_t old_instance = b.adapter->instance();
  b.adapter.reset();  // as if killed: its sockets close
  Pod& b2 = make(o, false);
  EXPECT_NE(b2.adapter->instance(), old_instance);
  ASSERT_TRUE(start_up(b2));
  EXPECT_EQ(b2.adapter->peers_hearing_us(), 1u) << "a reconnected to the new b by itself";
  ASSERT_TRUE(link(a, b2, "room:after"));
  EXPECT_EQ(a.adapter->stats().lost, 0u) << "a new instance is a new stream, not a loss";
}

}  // namespace
}  // namespace signalmesh::test
