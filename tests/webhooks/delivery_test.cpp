// Delivery to real receivers: the request on the wire, order per room,
// several URLs, retries, a receiver that is down or slow.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "webhook_test_util.hpp"

namespace signalmesh::webhooks {
namespace {

using namespace testutil;

TEST(WebhookDelivery, PostsTheSignedBodyWithItsHeaders) {
  test::WebhookReceiver receiver;
  WebhookSender sender(settings({receiver.url("/hooks/in?token=abc")}));
  sender.start();
  const Event e = event("room-1", "room.created", R"({"source":"api","max":4})");
  const std::int64_t before = now_ms() / 1000;
  ASSERT_TRUE(sender.send(e));
  ASSERT_TRUE(receiver.wait_for(at_least(1), 5s));
  const auto r = receiver.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hooks/in?token=abc");
  EXPECT_EQ(r.body, "{\"id\":\"" + e.id +
                        "\",\"type\":\"room.created\",\"time\":" + std::to_string(e.time_ms) +
                        ",\"roomId\":\"room-1\",\"data\":{\"source\":\"api\",\"max\":4}}");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("user-agent"), "signalmesh");
  EXPECT_EQ(r.headers.at("signalmesh-event-id"), e.id);
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(r.body.size()));
  EXPECT_EQ(r.headers.count("expect"), 0u);
  const std::string sig = r.headers.at("signalmesh-signature");
  EXPECT_TRUE(test::signature_valid(sig, "whsec_test", r.body)) << sig;
  EXPECT_FALSE(test::signature_valid(sig, "whsec_other", r.body));
  EXPECT_FALSE(test::signature_valid(sig, "whsec_test", r.body + " "));
  // t is the time of the attempt, in seconds.
  const std::int64_t t = std::stoll(sig.substr(2, sig.find(',') - 2));
  EXPECT_GE(t, before);
  EXPECT_LE(t, now_ms() / 1000);
  EXPECT_EQ(sig, signature_header("whsec_test", t, r.body));
}

TEST(WebhookDelivery, HundredEventsInTenRoomsArriveOnceAndInOrderPerRoom) {
  test::WebhookReceiver receiver;
  WebhookSender sender(settings({receiver.url()}));
  sender.start();
  std::map<std::string, std::vector<std::string>> sent;  // room -> ids in order
  for (int i = 0; i < 100; ++i) {
    Event e = event("room-" + std::to_string(i % 10));
    sent[e.room_id].push_back(e.id);
    ASSERT_TRUE(sender.send(std::move(e)));
  }
  ASSERT_TRUE(receiver.wait_for(at_least(100), 10s));
  sender.stop(2s);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 100u);
  std::map<std::string, std::vector<std::string>> got;
  std::set<std::string> ids;
  for (const auto& r : requests) {
    got[field(r.body, "roomId")].push_back(field(r.body, "id"));
    ids.insert(r.headers.at("signalmesh-event-id"));
  }
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(got, sent);
  EXPECT_EQ(metric(sender, series("deliveries_total")), 100);
  EXPECT_EQ(metric(sender, series("retries_total")), 0);
  EXPECT_EQ(metric(sender, series("queued")), 0);
}

TEST(WebhookDelivery, EveryUrlGetsEveryEvent) {
  test::WebhookReceiver a, b;
  WebhookSender sender(settings({a.url("/a"), b.url("/b")}));
  sender.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    Event e = event("room-" + std::to_string(i % 3));
    ids.push_back(e.id);
    ASSERT_TRUE(sender.send(std::move(e)));
  }
  for (test::WebhookReceiver* r : {&a, &b}) {
    ASSERT_TRUE(r->wait_for(at_least(20), 10s));
    std::set<std::string> got;
    for (const auto& req : r->requests()) got.insert(field(req.body, "id"));
    EXPECT_EQ(got, std::set<std::string>(ids.begin(), ids.end()));
  }
  EXPECT_EQ(a.requests().at(0).path, "/a");
  EXPECT_EQ(b.requests().at(0).path, "/b");
  EXPECT_TRUE(eventually([&] { return metric(sender, series("deliveries_total", 1)) == 20; }, 5s));
  EXPECT_EQ(metric(sender, series("deliveries_total", 0)), 20);
}

TEST(WebhookDelivery, RetriesAfter500sWithTheSameIdAndBodyAndKeepsTheRoomsOrder) {
  test::WebhookReceiver receiver;
  receiver.fail_next(3);
  WebhookSender sender(settings({receiver.url()}));
  sender.start();
  const Event first = event("room-r", "peer.joined");
  ASSERT_TRUE(sender.send(first));
  ASSERT_TRUE(receiver.wait_for(at_least(1), 5s));
  // Sent while the first is failing: it must wait for the first.
  const Event second = event("room-r", "peer.left");
  ASSERT_TRUE(sender.send(second));
  ASSERT_TRUE(receiver.wait_for(at_least(5), 10s));
  const auto requests = receiver.requests();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(requests[i].headers.at("signalmesh-event-id"), first.id) << i;
    EXPECT_EQ(requests[i].body, event_body(first)) << i;
    EXPECT_TRUE(test::signature_valid(requests[i].headers.at("signalmesh-signature"), "whsec_test",
                                      requests[i].body));
  }
  EXPECT_EQ(requests[4].headers.at("signalmesh-event-id"), second.id);
  EXPECT_EQ(requests[4].body, event_body(second));
  EXPECT_TRUE(eventually([&] { return metric(sender, series("deliveries_total")) == 2; }, 5s));
  EXPECT_EQ(metric(sender, series("retries_total")), 3);
  EXPECT_EQ(receiver.requests().size(), 5u);
  const auto recent = sender.recent(10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[1].id, first.id);
  EXPECT_EQ(recent[1].attempts, 4u);
  EXPECT_EQ(recent[1].state, "delivered");
}

TEST(WebhookDelivery, EventsQueuedWhileTheReceiverIsDownArriveWhenItIsBack) {
  test::WebhookReceiver receiver;
  receiver.stop_listening();
  WebhookSender sender(settings({receiver.url()}));
  sender.start();
  std::map<std::string, std::vector<std::string>> sent;
  for (int i = 0; i < 6; ++i) {
    Event e = event(i % 2 ? "odd" : "even");
    sent[e.room_id].push_back(e.id);
    ASSERT_TRUE(sender.send(std::move(e)));
  }
  EXPECT_TRUE(eventually([&] { return metric(sender, series("retries_total")) >= 4; }, 5s));
  EXPECT_EQ(metric(sender, series("deliveries_total")), 0);
  EXPECT_TRUE(receiver.requests().empty());
  receiver.start_listening();
  ASSERT_TRUE(receiver.wait_for(at_least(6), 10s));
  std::map<std::string, std::vector<std::string>> got;
  for (const auto& r : receiver.requests())
    got[field(r.body, "roomId")].push_back(field(r.body, "id"));
  EXPECT_EQ(got, sent);
  EXPECT_TRUE(eventually([&] { return metric(sender, series("queued")) == 0; }, 5s));
  EXPECT_EQ(metric(sender, series("deliveries_total")), 6);
}

TEST(WebhookDelivery, ASlowReceiverNeitherBlocksSendNorHoldsOtherRoomsBack) {
  test::WebhookReceiver receiver;
  // Slower than the test: no answer comes before the sender is stopped.
  receiver.set_delay(10s);
  WebhookSettings s = settings({receiver.url()});
  s.max_in_flight = 4;
  s.timeout = 30s;
  WebhookSender sender(s);
  sender.start();
  const auto started = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(sender.send(event("room-" + std::to_string(i % 100)))) << i;
  }
  // Four rooms' requests are open at the receiver at once, none answered yet
  // (the first answer would come 10 s after the first request arrived).
  ASSERT_TRUE(receiver.wait_for(at_least(4), 5s));
  std::this_thread::sleep_for(100ms);
  const auto requests = receiver.requests();
  ASSERT_LT(Clock::now(), requests.front().received + 8s);
  EXPECT_EQ(requests.size(), 4u);  // and no more than max_in_flight
  std::set<std::string> rooms;
  for (const auto& r : requests) rooms.insert(field(r.body, "roomId"));
  EXPECT_EQ(rooms.size(), requests.size());
  EXPECT_EQ(metric(sender, dropped("queue-full")), 0);
  EXPECT_EQ(metric(sender, series("queued")), 1000);
  // stop(0) does not wait for the slow answers.
  const auto stopping = Clock::now();
  sender.stop(0ms);
  EXPECT_LT(Clock::now() - stopping, 1s);
  EXPECT_LT(Clock::now() - started, 8s);
  EXPECT_EQ(metric(sender, dropped("stopped")), 1000);
  EXPECT_EQ(metric(sender, series("queued")), 0);
}

}  // namespace
}  // namespace signalmesh::webhooks
