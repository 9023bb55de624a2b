// The bounds: max_queued, max_attempts, stop(drain), invalid URLs.
#include <gtest/gtest.h>

#include <stdexcept>

#include "webhook_test_util.hpp"

namespace signalmesh::webhooks {
namespace {

using namespace testutil;

TEST(WebhookLimits, AFullQueueDropsTheNewEvent) {
  test::WebhookReceiver receiver;
  receiver.stop_listening();
  WebhookSettings s = settings({receiver.url()});
  s.max_queued = 5;
  s.backoff_min = 50ms;
  s.backoff_max = 1000ms;
  WebhookSender sender(s);
  sender.start();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(sender.send(event("room-" + std::to_string(i)))) << i;
  EXPECT_FALSE(sender.send(event("room-5")));
  EXPECT_EQ(metric(sender, dropped("queue-full")), 1);
  EXPECT_EQ(metric(sender, series("queued")), 5);
  // The dropped event was never accepted: only five in the recent list.
  EXPECT_EQ(sender.recent(200).size(), 5u);
  // Once delivered, the queue has room again.
  receiver.start_listening();
  ASSERT_TRUE(receiver.wait_for(at_least(5), 10s));
  EXPECT_TRUE(eventually([&] { return metric(sender, series("queued")) == 0; }, 5s));
  EXPECT_TRUE(sender.send(event("room-6")));
  EXPECT_TRUE(receiver.wait_for(at_least(6), 5s));
}

TEST(WebhookLimits, AnEventIsDroppedAfterMaxAttempts) {
  test::WebhookReceiver receiver;
  receiver.set_status(500);
  WebhookSettings s = settings({receiver.url()});
  s.max_attempts = 3;
  s.backoff_min = 10ms;
  s.backoff_max = 20ms;
  WebhookSender sender(s);
  sender.start();
  const Event e = event("room-x");
  ASSERT_TRUE(sender.send(e));
  ASSERT_TRUE(eventually([&] { return metric(sender, dropped("attempts")) == 1; }, 5s));
  std::this_thread::sleep_for(200ms);  // nothing more comes
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) EXPECT_EQ(r.headers.at("signalmesh-event-id"), e.id);
  EXPECT_EQ(metric(sender, series("retries_total")), 2);
  EXPECT_EQ(metric(sender, series("deliveries_total")), 0);
  EXPECT_EQ(metric(sender, series("queued")), 0);
  const auto recent = sender.recent(1);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].state, "dropped");
  EXPECT_EQ(recent[0].attempts, 3u);
  // The room is not stuck behind the dropped event.
  receiver.set_status(204);
  ASSERT_TRUE(sender.send(event("room-x")));
  EXPECT_TRUE(eventually([&] { return metric(sender, series("deliveries_total")) == 1; }, 5s));
}

TEST(WebhookLimits, StopDeliversWhatIsQueued) {
  test::WebhookReceiver receiver;
  receiver.set_delay(100ms);
  WebhookSender sender(settings({receiver.url()}));
  sender.start();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(sender.send(event("room-" + std::to_string(i % 20))));
  const auto started = Clock::now();
  sender.stop(10s);
  EXPECT_LT(Clock::now() - started, 5s);
  EXPECT_EQ(receiver.requests().size(), 30u);
  EXPECT_EQ(metric(sender, series("deliveries_total")), 30);
  EXPECT_EQ(metric(sender, dropped("stopped")), 0);
  EXPECT_EQ(metric(sender, series("queued")), 0);
  EXPECT_FALSE(sender.send(event("late")));
  EXPECT_EQ(metric(sender, dropped("stopped")), 1);
}

TEST(WebhookLimits, StopWithTheReceiverDownReturnsAfterTheDrainAndCountsTheDrops) {
  test::WebhookReceiver receiver;
  receiver.stop_listening();
  WebhookSettings s = settings({receiver.url()});
  s.backoff_min = 20ms;
  s.backoff_max = 50ms;
  s.max_attempts = 1000;  // none dropped for attempts within the drain
  WebhookSender sender(s);
  sender.start();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(sender.send(event("room-" + std::to_string(i % 4))));
  const auto started = Clock::now();
  sender.stop(300ms);
  const auto took = Clock::now() - started;
  EXPECT_LT(took, 1500ms);
  EXPECT_GE(took, 200ms);  // it kept trying during the drain
  EXPECT_EQ(metric(sender, dropped("stopped")), 10);
  EXPECT_EQ(metric(sender, series("queued")), 0);
  EXPECT_GT(metric(sender, series("retries_total")), 0);
  for (const auto& r : sender.recent(200)) EXPECT_EQ(r.state, "dropped");
}

TEST(WebhookLimits, ARetryDuePastTheDrainIsNotWaitedFor) {
  test::WebhookReceiver receiver;
  receiver.set_status(503);
  WebhookSettings s = settings({receiver.url()});
  // The retry is due rand(0, 24 h] later: past a 2 s drain but for a chance
  // of 1 in 43,200 (and even then stop returns at that retry, before 2 s).
  s.backoff_min = std::chrono::hours(24);
  s.backoff_max = std::chrono::hours(24);
  WebhookSender sender(s);
  sender.start();
  ASSERT_TRUE(sender.send(event("room")));
  ASSERT_TRUE(eventually([&] { return metric(sender, series("retries_total")) == 1; }, 5s));
  const auto started = Clock::now();
  sender.stop(2s);
  EXPECT_LT(Clock::now() - started, 1500ms);
  EXPECT_EQ(metric(sender, dropped("stopped")), 1);
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST(WebhookLimits, StopBeforeStartDropsWhatWasSent) {
  test::WebhookReceiver receiver;
  WebhookSender sender(settings({receiver.url()}));
  ASSERT_TRUE(sender.send(event("a")));
  ASSERT_TRUE(sender.send(event("b")));
  EXPECT_EQ(sender.recent(5).at(0).state, "queued");
  sender.stop(1s);
  EXPECT_EQ(metric(sender, dropped("stopped")), 2);
  EXPECT_FALSE(sender.send(event("c")));
  EXPECT_EQ(metric(sender, dropped("stopped")), 3);
  EXPECT_TRUE(receiver.requests().empty());
}

TEST(WebhookLimits, InvalidUrlsAreRefused) {
  for (const char* url : {"ftp://x", "not a url", "", "http://", "file:///etc/passwd",
                          "gopher://token-SECRET@example.com/"}) {
    try {
      WebhookSender sender(settings({"http://127.0.0.1:1/ok", url}));
      ADD_FAILURE() << "accepted " << url;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("webhook URL #1"), std::string::npos) << what;
      EXPECT_EQ(what.find("SECRET"), std::string::npos) << what;  // never the URL itself
    }
  }
  EXPECT_NO_THROW(WebhookSender(settings({"HTTPS://example.com/hook?token=x"})));
  WebhookSettings zero = settings({"http://127.0.0.1:1/"});
  zero.max_in_flight = 0;
  EXPECT_THROW(WebhookSender{zero}, std::invalid_argument);
}

}  // namespace
}  // namespace signalmesh::webhooks
