// protocol.md §7 (HTTP endpoints on the same port) and the handshake rules
// of §1 (RFC 6455 only).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The value of the sample `series` (name with labels, e.g.
// `signalmesh_errors_total{code="invalid-json"}`), or -1 when absent.
double sample(const std::string& metrics, const std::string& series) {
  std::size_t pos = 0;
  while ((pos = metrics.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || metrics[pos - 1] == '\n') {
      return std::strtod(metrics.c_str() + pos + series.size() + 1, nullptr);
    }
    pos += series.size();
  }
  return -1;
}

// Polls /metrics (each poll a real request, at most 50) until `series`
// reaches `at_least`; returns the last value seen. Servers may account for a
// close a loop turn after the client saw it.
double wait_sample(const std::string& base, const std::string& series, double at_least) {
  double value = -1;
  for (int i = 0; i < 50; ++i) {
    value = sample(http_get(base, "/metrics").body, series);
    if (value >= at_least) break;
  }
  return value;
}

TEST(Http, HealthzAndReadyzAnswer200OnEveryPod) {
  for (const std::string& base : PodSet::shared().urls()) {
    EXPECT_EQ(http_get(base, "/healthz").status, 200) << base;
    EXPECT_EQ(http_get(base, "/readyz").status, 200) << base;
  }
}

TEST(Http, TheRootServesTheHtmlDemoPage) {
  HttpResponse r = http_get(PodSet::shared().next_url(), "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(lower(r.header("content-type")).find("text/html"), std::string::npos)
      << r.header("content-type");
  EXPECT_NE(lower(r.body).find("<html"), std::string::npos);
  EXPECT_NE(r.body.find("RTCPeerConnection"), std::string::npos)
      << "the demo page makes a WebRTC call (inline or via its script)";
}

TEST(Http, OtherPathsAreHttp404) {
  const std::string base = PodSet::shared().next_url();
  for (const char* path : {"/nope", "/healthz/x", "/metricsx", "/signal", "/signal/", "/index"}) {
    EXPECT_EQ(http_get(base, path).status, 404) << path;
  }
}

TEST(Http, MetricsAreInPrometheusTextFormatWithEveryFamily) {
  HttpResponse r = http_get(PodSet::shared().next_url(), "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type").rfind("text/plain", 0), 0u) << r.header("content-type");
  const std::vector<std::pair<std::string, std::string>> families = {
      {"signalmesh_connections", "gauge"},
      {"signalmesh_rooms", "gauge"},
      {"signalmesh_messages_received_total", "counter"},
      {"signalmesh_messages_sent_total", "counter"},
      {"signalmesh_errors_total", "counter"},
      {"signalmesh_closes_total", "counter"},
      {"signalmesh_backend_publishes_total", "counter"},
      {"signalmesh_backend_receives_total", "counter"},
      {"signalmesh_backend_failures_total", "counter"},
      {"signalmesh_relay_latency_seconds", "histogram"},
  };
  for (const auto& [name, type] : families) {
    EXPECT_NE(r.body.find("\n# TYPE " + name + " " + type + "\n"), std::string::npos)
        << name << " " << type;
  }
  EXPECT_GE(sample(r.body, R"(signalmesh_relay_latency_seconds_bucket{le="+Inf"})"), 0);
  EXPECT_GE(sample(r.body, "signalmesh_relay_latency_seconds_sum"), 0);
  EXPECT_GE(sample(r.body, "signalmesh_relay_latency_seconds_count"), 0);
  for (const char* type : {"sdp", "ice", "host-change", "kick"}) {
    const std::string label = std::string("{type=\"") + type + "\"}";
    EXPECT_GE(sample(r.body, "signalmesh_messages_received_total" + label), 0) << type;
    EXPECT_GE(sample(r.body, "signalmesh_messages_sent_total" + label), 0) << type;
  }
  for (const char* code :
       {"invalid-json", "invalid-message", "unknown-type", "sender-mismatch", "unknown-target",
        "not-host", "binary-unsupported", "backend-unavailable", "bad-request", "room-full",
        "rate-limited", "replaced"}) {
    EXPECT_GE(sample(r.body, std::string("signalmesh_errors_total{code=\"") + code + "\"}"), 0)
        << code;
  }
  for (const char* code :
       {"1001", "1008", "1009", "4000", "4008", "4009", "4010", "4013", "4029"}) {
    EXPECT_GE(sample(r.body, std::string("signalmesh_closes_total{code=\"") + code + "\"}"), 0)
        << code;
  }
}

TEST(Http, MetricsCountConnectionsMessagesErrorsAndCloses) {
  Room room;
  const std::string base = room.pods().next_url();
  const std::string before = http_get(base, "/metrics").body;
  auto was = [&before](const std::string& series) { return std::max(0.0, sample(before, series)); };
  const std::string sdp_in = R"(signalmesh_messages_received_total{type="sdp"})";
  const std::string sdp_out = R"(signalmesh_messages_sent_total{type="sdp"})";
  const std::string welcome_out = R"(signalmesh_messages_sent_total{type="welcome"})";
  const std::string json_errors = R"(signalmesh_errors_total{code="invalid-json"})";
  const std::string bad_request = R"(signalmesh_errors_total{code="bad-request"})";
  const std::string closes_4000 = R"(signalmesh_closes_total{code="4000"})";
  const std::string latency = "signalmesh_relay_latency_seconds_count";

  Member& a = room.join_on(base, "a");
  Member& b = room.join_on(base, "b");
  ASSERT_TRUE(a->send_text(sdp_message("b")));
  ASSERT_TRUE(b->expect_message_of_type("sdp"));
  ASSERT_TRUE(a->send_text("nope"));
  ASSERT_TRUE(a->expect_error("invalid-json"));
  WsClient bad;
  ASSERT_TRUE(bad.connect(base + "/signal/" + room.id() + "?peerId=").open);
  ASSERT_TRUE(bad.expect_close(4000));

  EXPECT_GE(wait_sample(base, closes_4000, was(closes_4000) + 1), was(closes_4000) + 1);

  const std::string after = http_get(base, "/metrics").body;
  EXPECT_GE(sample(after, "signalmesh_connections"), 2);
  EXPECT_GE(sample(after, "signalmesh_rooms"), 1);
  EXPECT_GE(sample(after, sdp_in), was(sdp_in) + 1);
  EXPECT_GE(sample(after, sdp_out), was(sdp_out) + 1);
  EXPECT_GE(sample(after, welcome_out), was(welcome_out) + 2);
  EXPECT_GE(sample(after, json_errors), was(json_errors) + 1);
  EXPECT_GE(sample(after, bad_request), was(bad_request) + 1);
  EXPECT_GE(sample(after, latency), was(latency) + 1);

  if (!room.pods().external()) {
    // Nobody else uses this in-process pod now: the gauge follows a's close.
    const double connections = sample(after, "signalmesh_connections");
    ASSERT_TRUE(a->close());
    ASSERT_TRUE(a->expect_close(1000));
    double now = connections;
    for (int i = 0; i < 50 && now != connections - 1; ++i) {
      now = sample(http_get(base, "/metrics").body, "signalmesh_connections");
    }
    EXPECT_EQ(now, connections - 1);
  }
}

TEST(Readiness, WithItsBackendDownAPodIsNotReadyAndRefusesUpgradesWith503) {
  Config config = test_config();
  auto fanout = std::make_unique<SwitchableFanout>(make_fanout(config));
  SwitchableFanout* backend = fanout.get();
  InProcessPod pod(config, std::move(fanout));
  const std::string room = random_id();
  WsClient a;
  WsClient b;
  ASSERT_TRUE(a.connect(pod.url() + "/signal/" + room + "?peerId=a").open);
  ASSERT_TRUE(a.expect_message_of_type("welcome"));
  ASSERT_TRUE(b.connect(pod.url() + "/signal/" + room + "?peerId=b").open);
  ASSERT_TRUE(b.expect_message_of_type("welcome"));
  ASSERT_TRUE(a.expect_message_of_type("peer-joined"));
  EXPECT_EQ(http_get(pod.url(), "/readyz").status, 200);

  pod.run_on_loop([backend] { backend->set_up(false); });
  EXPECT_EQ(http_get(pod.url(), "/readyz").status, 503);
  EXPECT_EQ(http_get(pod.url(), "/healthz").status, 200);
  WsClient refused;
  EXPECT_EQ(refused.connect(pod.url() + "/signal/" + room + "?peerId=c").http_status, 503);
  // Members already here are still served between themselves (§8).
  const std::string local = sdp_message("b", "offer", "v=0 local\r\n", "a");
  ASSERT_TRUE(a.send_text(local));
  EXPECT_EQ(b.next_message(), local);

  // Back up, it resyncs before it reports ready again: poll, bounded.
  pod.run_on_loop([backend] { backend->set_up(true); });
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  int ready = 0;
  while (ready != 200 && std::chrono::steady_clock::now() < deadline) {
    ready = http_get(pod.url(), "/readyz").status;
  }
  EXPECT_EQ(ready, 200);
  WsClient admitted;
  EXPECT_TRUE(admitted.connect(pod.url() + "/signal/" + room + "?peerId=c").open);
  EXPECT_TRUE(admitted.expect_message_of_type("welcome"));
}

TEST(Handshake, PreRfcHandshakesAreRefused) {
  const std::string base = PodSet::shared().next_url();
  const std::string path = "/signal/" + random_id() + "?peerId=old";
  for (const char* version : {"8", "7", "0"}) {
    RawWsClient raw;
    RawWsClient::UpgradeOptions options;
    options.version = version;
    HttpResponse r = raw.upgrade(base, path, options);
    EXPECT_NE(r.status, 101) << "Sec-WebSocket-Version " << version;
    EXPECT_GE(r.status, 400) << "Sec-WebSocket-Version " << version;
    EXPECT_LT(r.status, 500) << "Sec-WebSocket-Version " << version;
  }
  // hybi-00: no version header, two keys and eight bytes of body.
  RawWsClient raw;
  RawWsClient::UpgradeOptions hybi00;
  hybi00.version = "";
  hybi00.key = false;
  hybi00.headers = {{"Sec-WebSocket-Key1", "4 @1  46546xW%0l 1 5"},
                    {"Sec-WebSocket-Key2", "12998 5 Y3 1  .P00"},
                    {"Origin", "http://example.com"}};
  hybi00.body = "^n:ds[4U";
  HttpResponse r = raw.upgrade(base, path, hybi00);
  EXPECT_NE(r.status, 101) << "hybi-00";
  EXPECT_GE(r.status, 400) << "hybi-00";
}

TEST(Handshake, AnRfc6455HandshakeByHandIsUpgraded) {
  Room room;
  RawWsClient raw;
  HttpResponse r = raw.upgrade(room.pods().next_url(), "/signal/" + room.id() + "?peerId=raw");
  ASSERT_EQ(r.status, 101);
  EXPECT_EQ(lower(r.header("upgrade")), "websocket");
  std::optional<Frame> first = raw.next_frame();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->opcode, 1);
  std::optional<Json> welcome = Json::parse(first->payload);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->type(), "welcome");
}

}  // namespace
}  // namespace signalmesh::test
