// append_metrics() and recent().
#include <gtest/gtest.h>

#include "webhook_test_util.hpp"

namespace signalmesh::webhooks {
namespace {

using namespace testutil;

TEST(WebhookMetrics, CountersHistogramAndRecentStates) {
  test::WebhookReceiver receiver;
  receiver.fail_next(1);
  WebhookSender sender(settings({receiver.url("/hook?token=SECRET")}));
  sender.start();
  const Event created = event("r1", "room.created");
  const Event joined1 = event("r1", "peer.joined");
  const Event joined2 = event("r2", "peer.joined");
  for (const Event& e : {created, joined1, joined2}) ASSERT_TRUE(sender.send(e));
  ASSERT_TRUE(eventually([&] { return metric(sender, series("deliveries_total")) == 3; }, 5s));

  std::string text = "# earlier families\n";
  sender.append_metrics(text);
  EXPECT_EQ(text.rfind("# earlier families\n", 0), 0u);  // appended
  EXPECT_EQ(text.find("SECRET"), std::string::npos);
  EXPECT_EQ(text.find("127.0.0.1"), std::string::npos);
  for (const char* family :
       {"events_total", "deliveries_total", "retries_total", "dropped_total"}) {
    const std::string name = std::string("signalmesh_webhook_") + family;
    EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name;
    EXPECT_NE(text.find("# TYPE " + name + " counter\n"), std::string::npos) << name;
  }
  EXPECT_NE(text.find("# TYPE signalmesh_webhook_queued gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE signalmesh_webhook_delivery_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(metric(text, "signalmesh_webhook_events_total{type=\"room.created\"}"), 1);
  EXPECT_EQ(metric(text, "signalmesh_webhook_events_total{type=\"peer.joined\"}"), 2);
  EXPECT_EQ(metric(text, series("deliveries_total")), 3);
  EXPECT_EQ(metric(text, series("retries_total")), 1);
  EXPECT_EQ(metric(text, dropped("queue-full")), 0);
  EXPECT_EQ(metric(text, dropped("attempts")), 0);
  EXPECT_EQ(metric(text, dropped("stopped")), 0);
  EXPECT_EQ(metric(text, series("queued")), 0);
  EXPECT_EQ(metric(text, series("delivery_seconds_count")), 3);
  EXPECT_EQ(metric(text, "signalmesh_webhook_delivery_seconds_bucket{url_index=\"0\",le=\"+Inf\"}"),
            3);
  EXPECT_EQ(metric(text, "signalmesh_webhook_delivery_seconds_bucket{url_index=\"0\",le=\"10\"}"),
            3);
  EXPECT_GE(
      metric(text, "signalmesh_webhook_delivery_seconds_bucket{url_index=\"0\",le=\"0.001\"}"), 0);
  const double sum = metric(text, series("delivery_seconds_sum"));
  EXPECT_GE(sum, 0);
  EXPECT_LT(sum, 30);

  const auto recent = sender.recent(10);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].id, joined2.id);
  EXPECT_EQ(recent[1].id, joined1.id);
  EXPECT_EQ(recent[2].id, created.id);
  EXPECT_EQ(recent[2].type, "room.created");
  EXPECT_EQ(recent[2].room_id, "r1");
  EXPECT_EQ(recent[2].time_ms, created.time_ms);
  for (const auto& r : recent) EXPECT_EQ(r.state, "delivered") << r.id;
  // One of the three took the 500 and a second attempt.
  std::size_t attempts = 0;
  for (const auto& r : recent) attempts += r.attempts;
  EXPECT_EQ(attempts, 4u);
  EXPECT_EQ(sender.recent(2).size(), 2u);
  EXPECT_EQ(sender.recent(2)[0].id, joined2.id);
}

TEST(WebhookMetrics, RecentShowsQueuedAndRetrying) {
  test::WebhookReceiver receiver;
  receiver.stop_listening();
  WebhookSettings s = settings({receiver.url()});
  s.backoff_min = 50ms;
  s.backoff_max = 200ms;
  WebhookSender sender(s);
  ASSERT_TRUE(sender.send(event("r")));
  ASSERT_EQ(sender.recent(1).at(0).state, "queued");
  EXPECT_EQ(sender.recent(1).at(0).attempts, 0u);
  sender.start();
  EXPECT_TRUE(eventually([&] { return sender.recent(1).at(0).state == "retrying"; }, 5s));
  receiver.start_listening();
  EXPECT_TRUE(eventually([&] { return sender.recent(1).at(0).state == "delivered"; }, 5s));
  EXPECT_GE(sender.recent(1).at(0).attempts, 2u);
}

TEST(WebhookMetrics, RecentKeepsTheLast200) {
  test::WebhookReceiver receiver;
  WebhookSender sender(settings({receiver.url()}));
  std::string last;
  for (int i = 0; i < 250; ++i) {
    Event e = event("r" + std::to_string(i));
    last = e.id;
    ASSERT_TRUE(sender.send(std::move(e)));
  }
  const auto recent = sender.recent(1000);
  ASSERT_EQ(recent.size(), 200u);
  EXPECT_EQ(recent[0].id, last);
  EXPECT_EQ(metric(sender, "signalmesh_webhook_events_total{type=\"peer.joined\"}"), 250);
}

}  // namespace
}  // namespace signalmesh::webhooks
