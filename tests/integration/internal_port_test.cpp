// The internal listener and --demo (issue 15 item 2, docs/operations.md):
// with --internal-port, /metrics, /readyz, /healthz, the API and /admin are
// answered there and are a 404 on the public port, which keeps /signal,
// /turn and the demo; the internal port takes no WebSocket upgrade.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/free_port.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

constexpr const char* kKey = "internal-port-test-key-8d41";

std::vector<std::string> pod_flags(std::vector<std::string> extra) {
  std::vector<std::string> flags = {"--host",      "127.0.0.1", "--port",  "0",
                                    "--log-level", "error",     "--store", "none"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

// The internal listener's base URL from the pod's stdout (printed right
// after the public one), "" if none came within `wait`.
std::string internal_url(const BinaryPod& pod, Ms wait = Ms(2000)) {
  const std::regex line(
      "signalmesh internal endpoints on http://127\\.0\\.0\\.1:([0-9]+) \\(metrics, health, "
      "API, admin\\)\n");
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    std::smatch m;
    const std::string out = pod.stdout_text();
    if (std::regex_search(out, m, line)) return "ws://127.0.0.1:" + m[1].str();
    if (std::chrono::steady_clock::now() >= deadline) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

const Headers kAuth = {{"Authorization", std::string("Bearer ") + kKey}};

TEST(InternalPort, OperatorPathsMoveToItAndThePublicPortKeepsWhatBrowsersNeed) {
  BinaryPod pod(pod_flags(
      {"--internal-port", "0", "--api-key", kKey, "--turn-uris", "stun:stun.example.com:3478"}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  const std::string internal = internal_url(pod);
  ASSERT_FALSE(internal.empty()) << pod.stdout_text();
  ASSERT_NE(internal, pod.url());
  const std::string pub = pod.url();

  for (const char* path : {"/metrics", "/readyz", "/healthz", "/admin", "/api/v1/pods"}) {
    EXPECT_EQ(http_get(pub, path, kAuth).status, 404) << "public " << path;
    EXPECT_EQ(http_get(internal, path, kAuth).status, 200) << "internal " << path;
  }
  EXPECT_EQ(http_get(internal, "/api/v1/pods").status, 401) << "the API still needs its key";
  EXPECT_EQ(http_request(pub, "POST", "/api/v1/rooms", kAuth, R"({"roomId":"r1"})").status, 404);
  EXPECT_NE(http_get(internal, "/metrics").body.find("signalmesh_connections "), std::string::npos);

  // The public port: the demo, /turn, and the WebSocket.
  EXPECT_EQ(http_get(pub, "/").status, 200);
  EXPECT_EQ(http_get(pub, "/signalmesh-client.js").status, 200);
  EXPECT_EQ(http_get(pub, "/turn?peerId=alice").status, 200);
  WsClient member;
  ASSERT_TRUE(member.connect(pub + "/signal/" + random_id() + "?peerId=alice").open);
  EXPECT_TRUE(member.expect_message_of_type("welcome"));

  // The internal port: none of it.
  for (const char* path : {"/", "/index.html", "/signalmesh-client.js", "/turn?peerId=alice",
                           "/signal/r1?peerId=bob"}) {
    EXPECT_EQ(http_get(internal, path).status, 404) << "internal " << path;
  }
  WsClient stray;
  const auto refused = stray.connect(internal + "/signal/" + random_id() + "?peerId=bob");
  EXPECT_FALSE(refused.open);
  EXPECT_EQ(refused.http_status, 404);
}

TEST(InternalPort, WithoutItThePublicPortServesEverythingAsBefore) {
  BinaryPod pod(pod_flags({"--api-key", kKey}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  EXPECT_TRUE(internal_url(pod, Ms(300)).empty()) << pod.stdout_text();
  for (const char* path : {"/metrics", "/readyz", "/healthz", "/admin", "/api/v1/pods", "/"}) {
    EXPECT_EQ(http_get(pod.url(), path, kAuth).status, 200) << path;
  }
}

TEST(InternalPort, DemoOffRemovesThePageAndTheClient) {
  BinaryPod pod(pod_flags({"--demo", "off"}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  for (const char* path : {"/", "/index.html", "/signalmesh-client.js"}) {
    EXPECT_EQ(http_get(pod.url(), path).status, 404) << path;
  }
  EXPECT_EQ(http_get(pod.url(), "/healthz").status, 200);
  WsClient member;
  ASSERT_TRUE(member.connect(pod.url() + "/signal/" + random_id() + "?peerId=alice").open);
  EXPECT_TRUE(member.expect_message_of_type("welcome"));
}

TEST(InternalPort, APortThatCannotBeBoundStopsThePodWithOneLine) {
  const std::uint16_t port = free_loopback_port();
  BinaryPod pod(
      pod_flags({"--port", std::to_string(port), "--internal-port", std::to_string(port)}));
  EXPECT_EQ(pod.wait_exit(), 1);
  EXPECT_NE(pod.stderr_text().find("(--internal-host/--internal-port)"), std::string::npos)
      << pod.stderr_text();
}

}  // namespace
}  // namespace signalmesh::test
