// The Redis backend beyond the shared conformance suite: what happens when
// Redis stops, restarts, freezes or drops the subscriber; pipelining; stop()
// with work in flight; credentials; the factory. A real redis-server each.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "conformance/conformance.hpp"
#include "redis/redis_backend.hpp"
#include "signalmesh/backends.hpp"
#include "signalmesh/config.hpp"
#include "support/redis_server.hpp"

namespace signalmesh::test {
namespace {

using backends::redis::RedisFanout;
using backends::redis::RedisOptions;

class RedisFanoutTest : public ::testing::Test {
 protected:
  std::unique_ptr<RedisFanout> make(const std::string& url, RedisOptions o = fast_redis_options()) {
    return std::make_unique<RedisFanout>(url, o);
  }
  // Starts `adapter` with `inbox` and waits for on_state(true).
  void start_up(RedisFanout& adapter, Inbox& inbox) {
    adapter.start(loop_.io(), inbox.handlers());
    ASSERT_TRUE(loop_.run_until([&] { return inbox.up(); })) << server_.output();
  }
  // Both adapters went down and came back up, and b hears a on `channel`.
  void expect_recovered(RedisFanout& a, Inbox& in_a, RedisFanout& b, Inbox& in_b,
                        const std::string& channel) {
    ASSERT_TRUE(loop_.run_until([&] { return in_a.up() && in_b.up(); })) << server_.output();
    EXPECT_GE(a.stats().downs, 1u);
    EXPECT_GE(b.stats().downs, 1u);
    ASSERT_TRUE(a.publish(channel, "again"));
    EXPECT_TRUE(loop_.run_until([&] { return in_b.has(channel, "again"); }))
        << "the subscription was not restored";
  }

  RedisServer server_;
  TestLoop loop_;  // before the adapters: outlives them
  std::unique_ptr<RedisFanout> a_, b_;
  Inbox in_a_, in_b_;
};

TEST_F(RedisFanoutTest, ABadUrlIsRejectedAtConstructionWithAClearError) {
  try {
    RedisFanout adapter("redis://:secret@host:99999");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("port"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << "leaks the password";
  }
}

TEST_F(RedisFanoutTest, TheFactoryBuildsTheRedisBackendFromItsSettings) {
  Config config;
  config.backend = "redis";
  backends::redis::RedisSettings settings;
  settings.url = server_.url();
  FanoutPtr adapter = make_fanout(config, settings);
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->name(), "redis");
  settings.url = "http://127.0.0.1:6379";
  EXPECT_THROW(make_fanout(config, settings), std::invalid_argument);
}

TEST_F(RedisFanoutTest, WhenRedisStopsTheAdapterGoesDownAndPublishFailsAtOnce) {
  a_ = make(server_.url());
  start_up(*a_, in_a_);
  server_.stop();
  ASSERT_TRUE(loop_.run_until([&] { return in_a_.down(); }, Ms(2000)));
  EXPECT_FALSE(a_->is_up());
  EXPECT_FALSE(a_->publish("room:r", "dropped"));
  EXPECT_GE(a_->stats().dropped_publishes, 1u);
  // The same counters on /metrics, through the shared Prometheus writer.
  std::string metrics;
  a_->append_metrics(metrics);
  for (const char* family :
       {"# TYPE signalmesh_redis_downs_total counter\nsignalmesh_redis_downs_total 1\n",
        "# TYPE signalmesh_redis_connect_attempts_total counter\n",
        "# TYPE signalmesh_redis_dropped_publishes_total counter\n"
        "signalmesh_redis_dropped_publishes_total 1\n",
        "# TYPE signalmesh_redis_pending_bytes gauge\nsignalmesh_redis_pending_bytes 0\n",
        "# TYPE signalmesh_redis_held_publishes gauge\nsignalmesh_redis_held_publishes 0\n"}) {
    EXPECT_NE(metrics.find(family), std::string::npos) << family << "\n" << metrics;
  }
}

TEST_F(RedisFanoutTest, AfterAKillAndARestartOnTheSamePortSubscriptionsAreRestored) {
  a_ = make(server_.url());
  b_ = make(server_.url());
  start_up(*a_, in_a_);
  start_up(*b_, in_b_);
  ASSERT_TRUE(subscribe_live(loop_, *b_, in_b_, "room:kept"));
  server_.kill();
  ASSERT_TRUE(loop_.run_until([&] { return in_a_.down() && in_b_.down(); }, Ms(2000)));
  ASSERT_TRUE(b_->subscribe("room:added-while-down"));
  server_.restart();
  expect_recovered(*a_, in_a_, *b_, in_b_, "room:kept");
  ASSERT_TRUE(a_->publish("room:added-while-down", "too"));
  EXPECT_TRUE(loop_.run_until([&] { return in_b_.has("room:added-while-down", "too"); }));
}

TEST_F(RedisFanoutTest, AnAdapterStartedWithoutRedisStaysDownAndRetriesUntilRedisAppears) {
  server_.stop();
  a_ = make(server_.url());
  a_->start(loop_.io(), in_a_.handlers());
  ASSERT_TRUE(loop_.run_until([&] { return a_->stats().connect_attempts >= 4; }));
  EXPECT_TRUE(in_a_.states.empty()) << "never up, so never down either";
  EXPECT_FALSE(a_->publish("room:r", "dropped"));
  server_.restart();
  ASSERT_TRUE(loop_.run_until([&] { return in_a_.up(); })) << server_.output();
}

TEST_F(RedisFanoutTest, ADroppedSubscriberConnectionIsNoticedAndRecovered) {
  a_ = make(server_.url());
  b_ = make(server_.url());
  start_up(*a_, in_a_);
  start_up(*b_, in_b_);
  ASSERT_TRUE(subscribe_live(loop_, *b_, in_b_, "room:r"));
  ASSERT_EQ(server_.command({"CLIENT", "KILL", "TYPE", "pubsub"}), "2");
  ASSERT_TRUE(loop_.run_until([&] { return in_a_.down() && in_b_.down(); }, Ms(2000)));
  expect_recovered(*a_, in_a_, *b_, in_b_, "room:r");
}

// SIGSTOP: every socket stays open and nothing is answered, so only the probe
// and the reply timeouts can tell.
TEST_F(RedisFanoutTest, AFrozenServerIsCaughtByTheProbeAndRecoveredAfterThaw) {
  a_ = make(server_.url());
  b_ = make(server_.url());
  start_up(*a_, in_a_);
  start_up(*b_, in_b_);
  ASSERT_TRUE(subscribe_live(loop_, *b_, in_b_, "room:r"));
  server_.freeze();
  const auto frozen_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(loop_.run_until([&] { return in_a_.down() && in_b_.down(); }, Ms(3000)));
  const auto noticed = std::chrono::steady_clock::now() - frozen_at;
  // probe interval 100 + timeout 400 + a tick of 25, with slack for slow CI.
  EXPECT_LT(noticed, Ms(1500));
  EXPECT_FALSE(a_->publish("room:r", "dropped"));
  server_.thaw();
  expect_recovered(*a_, in_a_, *b_, in_b_, "room:r");
}

// Redis counts its read events: 1000 PUBLISH written one by one would cost
// ~1000 reads; pipelined, they arrive in a few large ones.
TEST_F(RedisFanoutTest, AThousandPublishesInOneLoopTurnLeaveTogetherAndAllArrive) {
  a_ = make(server_.url());
  b_ = make(server_.url());
  start_up(*a_, in_a_);
  start_up(*b_, in_b_);
  ASSERT_TRUE(subscribe_live(loop_, *b_, in_b_, "room:burst"));
  const auto reads_before = server_.info_field("total_reads_processed");
  ASSERT_TRUE(reads_before.has_value());
  std::vector<std::string> sent;
  for (int i = 0; i < 1000; ++i) {
    sent.push_back("envelope " + std::to_string(i));
    ASSERT_TRUE(a_->publish("room:burst", sent.back()));
  }
  ASSERT_TRUE(loop_.run_until([&] { return in_b_.messages.size() == sent.size(); }));
  EXPECT_TRUE(in_b_.on("room:burst") == sent);
  const auto reads_after = server_.info_field("total_reads_processed");
  ASSERT_TRUE(reads_after.has_value());
  RecordProperty("redis_read_events", static_cast<int>(*reads_after - *reads_before));
  EXPECT_LT(*reads_after - *reads_before, 100) << "PUBLISH was not pipelined";
}

TEST_F(RedisFanoutTest, PublishesBeyondThePendingByteCapAreDropped) {
  RedisOptions options = fast_redis_options();
  options.max_pending_bytes = 150 * 1024;
  a_ = make(server_.url(), options);
  start_up(*a_, in_a_);
  const std::string payload(64 * 1024, 'x');
  EXPECT_TRUE(a_->publish("room:r", payload));
  EXPECT_TRUE(a_->publish("room:r", payload));
  EXPECT_FALSE(a_->publish("room:r", payload)) << "over the cap in one turn";
  // Once Redis answered, the bytes are free again.
  ASSERT_TRUE(loop_.run_until([&] { return a_->publish("room:r", payload); }));
}

TEST_F(RedisFanoutTest, StoppingWithCommandsInFlightFreesEverything) {
  a_ = make(server_.url());
  b_ = make(server_.url());
  start_up(*a_, in_a_);
  start_up(*b_, in_b_);
  const std::string payload(64 * 1024, 'y');
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(b_->subscribe("room:" + std::to_string(i)));
    ASSERT_TRUE(a_->publish("room:" + std::to_string(i % 10), payload));
  }
  loop_.poll();  // some of it is on the wire, some still queued
  a_->stop();
  b_->stop();
  const auto received = in_b_.messages.size();
  // Stopping while connecting, and destroying while resolving a host name.
  Inbox in_c, in_d;
  auto c = make(server_.url());
  c->start(loop_.io(), in_c.handlers());
  c->stop();
  auto d = make("redis://localhost:" + std::to_string(server_.port()));
  d->start(loop_.io(), in_d.handlers());
  d.reset();
  loop_.run_until([] { return false; }, Ms(100));  // let the cancelled work drain
  EXPECT_EQ(in_b_.messages.size(), received) << "a handler ran after stop()";
  EXPECT_TRUE(in_c.states.empty() && in_d.states.empty());
}

TEST_F(RedisFanoutTest, OnMessageMayStopTheAdapter) {
  a_ = make(server_.url());
  b_ = make(server_.url());
  start_up(*a_, in_a_);
  int delivered = 0;
  b_->start(loop_.io(), {[&](std::string_view, std::string_view) {
                           ++delivered;
                           b_->stop();
                         },
                         [&](bool up) { in_b_.states.push_back(up); }});
  ASSERT_TRUE(loop_.run_until([&] { return in_b_.up(); }));
  ASSERT_TRUE(b_->subscribe("room:r"));
  ASSERT_TRUE(a_->subscribe("room:r"));
  // Repeated until b's subscription is live; b stops at its first delivery.
  ASSERT_TRUE(loop_.run_until([&] { return a_->publish("room:r", "x") && delivered > 0; }));
  for (int i = 0; i < 20; ++i) a_->publish("room:r", "more");
  ASSERT_TRUE(loop_.run_until([&] { return in_a_.on("room:r").size() >= 20; }));
  EXPECT_EQ(delivered, 1);
}

TEST_F(RedisFanoutTest, AHostNameIsResolvedOffTheLoop) {
  a_ = make("redis://localhost:" + std::to_string(server_.port()));
  start_up(*a_, in_a_);
}

TEST(RedisCredentialsTest, ThePasswordAndDatabaseOfTheUrlAreUsed) {
  RedisServer server(RedisServer::Options{"s3cret"});
  TestLoop loop;
  Inbox in_good, in_bad;
  RedisFanout good(server.url() + "/3", fast_redis_options());
  RedisFanout bad("redis://:wrong@127.0.0.1:" + std::to_string(server.port()),
                  fast_redis_options());
  good.start(loop.io(), in_good.handlers());
  bad.start(loop.io(), in_bad.handlers());
  ASSERT_TRUE(loop.run_until([&] { return in_good.up(); })) << server.output();
  ASSERT_TRUE(good.subscribe("room:r"));
  ASSERT_TRUE(good.publish("room:r", "authenticated"));
  EXPECT_TRUE(loop.run_until([&] { return in_good.has("room:r", "authenticated"); }));
  EXPECT_TRUE(loop.run_until([&] { return bad.stats().connect_attempts >= 3; }));
  EXPECT_TRUE(in_bad.states.empty()) << "a refused AUTH must keep the adapter down";
  EXPECT_FALSE(bad.publish("room:r", "refused"));
}

}  // namespace
}  // namespace signalmesh::test
