// One conformance suite for every fan-out backend. Each test runs two
// adapters of one backend that share a bus (local: one LocalHub; redis: one
// real redis-server; zmq: a two-pod mesh on loopback) on one loop driven by
// the test thread. `local` is the reference: a backend that behaves
// differently from it is wrong.
//
// Every backend echoes: an adapter subscribed to a channel receives its own
// publishes on it, as Redis subscribers do; the gateway drops its own echoes
// by pod id. Subscribing may take a round trip to take effect for envelopes
// from other pods, but never for the adapter's own later publishes, nor for
// replies to them.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "conformance/conformance.hpp"
#include "local/local_fanout.hpp"
#include "support/redis_server.hpp"

namespace signalmesh::test {
namespace {

struct LocalBackend {
  std::shared_ptr<backends::local::LocalHub> hub = std::make_shared<backends::local::LocalHub>();
  FanoutPtr make() { return std::make_unique<backends::local::LocalFanout>(hub); }
};

struct RedisBackend {
  RedisServer server;
  FanoutPtr make() {
    return std::make_unique<backends::redis::RedisFanout>(server.url(), fast_redis_options());
  }
};

// Each new adapter and every earlier one become each other's peers.
struct ZmqBackend {
  std::vector<backends::zmq::ZmqFanout*> made;
  FanoutPtr make() {
    auto adapter = std::make_unique<backends::zmq::ZmqFanout>(fast_zmq_options());
    for (auto* other : made) {
      adapter->add_peer({other->bound_endpoint(), {}});
      other->add_peer({adapter->bound_endpoint(), {}});
    }
    made.push_back(adapter.get());
    return adapter;
  }
};

template <typename Backend>
class AdapterConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = backend_.make();
    b_ = backend_.make();
    a_->start(loop_.io(), in_a_.handlers());
    b_->start(loop_.io(), in_b_.handlers());
    ASSERT_TRUE(loop_.run_until([&] { return in_a_.up() && in_b_.up(); }))
        << "both adapters should report on_state(true) after start";
  }

  void TearDown() override {
    a_->stop();
    b_->stop();
  }

  TestLoop loop_;  // first: outlives the adapters
  Backend backend_;
  FanoutPtr a_, b_;
  Inbox in_a_, in_b_;
};

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, LocalBackend>) return "local";
    return std::is_same_v<T, RedisBackend> ? "redis" : "zmq";
  }
};

using Backends = ::testing::Types<LocalBackend, RedisBackend, ZmqBackend>;
TYPED_TEST_SUITE(AdapterConformance, Backends, BackendNames);

TYPED_TEST(AdapterConformance, StartReportsUpOnceThroughOnStateAndIsUp) {
  EXPECT_EQ(this->in_a_.states, std::vector<bool>{true});
  EXPECT_TRUE(this->a_->is_up());
  EXPECT_TRUE(this->b_->is_up());
}

TYPED_TEST(AdapterConformance, AnAdapterHearsItsOwnPublishIssuedRightAfterSubscribing) {
  ASSERT_TRUE(this->a_->subscribe("room:self"));
  ASSERT_TRUE(this->a_->publish("room:self", "mine"));
  ASSERT_TRUE(this->loop_.run_until([&] { return !this->in_a_.on("room:self").empty(); }));
  EXPECT_EQ(this->in_a_.on("room:self"), std::vector<std::string>{"mine"});
}

// The cluster sync: a pod subscribes to a room and asks on another channel;
// the others answer on the room at once. Every answer must arrive.
TYPED_TEST(AdapterConformance, AReplyToAPublishIssuedRightAfterSubscribingReachesTheSubscriber) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "cluster"));
  this->in_b_.then = [this](std::string_view channel, std::string_view payload) {
    if (channel == "cluster" && payload.substr(0, 4) == "ask ") {
      this->b_->publish("room:" + std::string(payload.substr(4)), "answer");
    }
  };
  for (int i = 0; i < 20; ++i) {
    const std::string room = "q" + std::to_string(i);
    ASSERT_TRUE(this->a_->subscribe("room:" + room));
    ASSERT_TRUE(this->a_->publish("cluster", "ask " + room));
    ASSERT_TRUE(this->loop_.run_until([&] { return this->in_a_.has("room:" + room, "answer"); }))
        << "the answer on room:" << room << " was lost";
  }
}

TYPED_TEST(AdapterConformance, APublishReachesTheOtherSubscriberAndThePublisherItself) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->a_, this->in_a_, "room:r"));
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:r"));
  ASSERT_TRUE(this->a_->publish("room:r", "hello"));
  ASSERT_TRUE(this->loop_.run_until(
      [&] { return this->in_a_.has("room:r", "hello") && this->in_b_.has("room:r", "hello"); }));
  EXPECT_EQ(this->in_a_.on("room:r"), std::vector<std::string>{"hello"});
  EXPECT_EQ(this->in_b_.on("room:r"), std::vector<std::string>{"hello"});
}

// A later envelope on a channel b hears proves the earlier one is not coming:
// one publisher's envelopes arrive in order.
TYPED_TEST(AdapterConformance, AnAdapterThatIsNotSubscribedReceivesNothing) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:marker"));
  ASSERT_TRUE(this->a_->publish("room:other", "not for b"));
  ASSERT_TRUE(this->a_->publish("room:marker", "end"));
  ASSERT_TRUE(this->loop_.run_until([&] { return this->in_b_.has("room:marker", "end"); }));
  EXPECT_TRUE(this->in_b_.on("room:other").empty());
  EXPECT_TRUE(this->in_a_.messages.empty()) << "a subscribed to nothing";
}

TYPED_TEST(AdapterConformance, UnsubscribeStopsDeliveryAtOnce) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:r"));
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:marker"));
  ASSERT_TRUE(this->a_->publish("room:r", "before"));
  ASSERT_TRUE(this->loop_.run_until([&] { return this->in_b_.has("room:r", "before"); }));
  ASSERT_TRUE(this->b_->unsubscribe("room:r"));
  ASSERT_TRUE(this->a_->publish("room:r", "after"));
  ASSERT_TRUE(this->a_->publish("room:marker", "end"));
  ASSERT_TRUE(this->loop_.run_until([&] { return this->in_b_.has("room:marker", "end"); }));
  EXPECT_EQ(this->in_b_.on("room:r"), std::vector<std::string>{"before"});
}

TYPED_TEST(AdapterConformance, SubscribeAndUnsubscribeSayWhetherTheSetChanged) {
  EXPECT_TRUE(this->a_->subscribe("room:x"));
  EXPECT_FALSE(this->a_->subscribe("room:x"));
  EXPECT_TRUE(this->a_->unsubscribe("room:x"));
  EXPECT_FALSE(this->a_->unsubscribe("room:x"));
  EXPECT_FALSE(this->a_->unsubscribe("room:never"));
  EXPECT_TRUE(this->a_->subscribe("room:x"));
  // Still one subscription: one publish, one delivery.
  ASSERT_TRUE(this->a_->publish("room:x", "once"));
  ASSERT_TRUE(this->a_->publish("room:x", "end"));
  ASSERT_TRUE(this->loop_.run_until([&] { return this->in_a_.has("room:x", "end"); }));
  EXPECT_EQ(this->in_a_.on("room:x"), (std::vector<std::string>{"once", "end"}));
}

TYPED_TEST(AdapterConformance, ChannelsMatchExactlyNeverByPrefix) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:ab"));
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:abc"));
  for (const char* channel : {"room:a", "room:abc", "room:abcd", "room:ab", "room:"}) {
    ASSERT_TRUE(this->a_->publish(channel, std::string("to ") + channel));
  }
  ASSERT_TRUE(this->a_->publish("room:ab", "end"));
  ASSERT_TRUE(this->loop_.run_until([&] { return this->in_b_.has("room:ab", "end"); }));
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(this->in_b_.messages,
            (std::vector<Pair>{
                {"room:abc", "to room:abc"}, {"room:ab", "to room:ab"}, {"room:ab", "end"}}));
}

TYPED_TEST(AdapterConformance, PayloadsAreBinarySafe) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:bin"));
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte += static_cast<char>(i);
  std::string big(64 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) % 256);
  const std::vector<std::string> payloads = {std::string("a\0b\0", 4), "", every_byte, big,
                                             "\r\n$3\r\n*1\r\n"};
  for (const auto& p : payloads) ASSERT_TRUE(this->a_->publish("room:bin", p));
  ASSERT_TRUE(
      this->loop_.run_until([&] { return this->in_b_.messages.size() == payloads.size(); }));
  EXPECT_TRUE(this->in_b_.on("room:bin") == payloads) << "payloads changed in transit";
}

TYPED_TEST(AdapterConformance, OneAdaptersPublishesArriveInOrder) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->a_, this->in_a_, "room:seq"));
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:seq"));
  std::vector<std::string> sent;
  for (int i = 0; i < 1000; ++i) {
    sent.push_back(std::to_string(i));
    ASSERT_TRUE(this->a_->publish("room:seq", sent.back()));
  }
  ASSERT_TRUE(this->loop_.run_until([&] {
    return this->in_a_.messages.size() == sent.size() && this->in_b_.messages.size() == sent.size();
  }));
  EXPECT_TRUE(this->in_b_.on("room:seq") == sent) << "the other adapter saw another order";
  EXPECT_TRUE(this->in_a_.on("room:seq") == sent) << "the echo came in another order";
}

TYPED_TEST(AdapterConformance, PublishingWhereNobodyListensSucceeds) {
  EXPECT_TRUE(this->a_->publish("room:empty", "into the void"));
}

TYPED_TEST(AdapterConformance, NoHandlerRunsAfterStop) {
  ASSERT_TRUE(subscribe_live(this->loop_, *this->a_, this->in_a_, "room:r"));
  ASSERT_TRUE(subscribe_live(this->loop_, *this->b_, this->in_b_, "room:r"));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(this->a_->publish("room:r", std::to_string(i)));
  this->b_->stop();
  ASSERT_TRUE(this->loop_.run_until([&] { return this->in_a_.on("room:r").size() == 10; }));
  this->loop_.poll();
  EXPECT_TRUE(this->in_b_.messages.empty());
  EXPECT_EQ(this->in_b_.states, std::vector<bool>{true});
  EXPECT_FALSE(this->b_->is_up());
  EXPECT_FALSE(this->b_->publish("room:r", "stopped"));
}

}  // namespace
}  // namespace signalmesh::test
