// What the store's binary-level tests share: pod flags with an API key, the
// data API over HTTP, polling a record until the asynchronous mirror wrote
// it, joining a room, a temporary directory.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/free_port.hpp"
#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test::store_support {

inline constexpr const char* kKey = "test-api-key-1";

inline std::vector<std::string> pod_flags(std::vector<std::string> extra) {
  std::vector<std::string> flags = {"--host",      "127.0.0.1", "--port",    "0",
                                    "--log-level", "error",     "--api-key", kKey};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

inline HttpResponse api(const std::string& base, const std::string& method, const std::string& path,
                        const std::string& body = {}) {
  Headers headers = {{"Authorization", std::string("Bearer ") + kKey}};
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return http_request(base, method, path, headers, body);
}

inline Json json_of(const HttpResponse& r) {
  auto parsed = Json::parse(r.body);
  EXPECT_TRUE(parsed.has_value()) << r.body;
  return parsed ? *parsed : *Json::parse("{}");
}

// Polls `fetch` (an HTTP call) until it answers 200 with a body `ok`
// accepts (records are written asynchronously), at most `limit`; returns
// the last 200 answer.
template <typename Fetch, typename Pred>
Json poll_until(Fetch fetch, Pred ok, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  Json last = *Json::parse("{}");
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResponse r = fetch();
    if (r.status == 200) {
      last = json_of(r);
      if (ok(last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

// Polls GET /api/v1/rooms/ID until `ok` holds.
template <typename Pred>
Json room_until(const std::string& base, const std::string& room, Pred ok,
                std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  return poll_until([&] { return api(base, "GET", "/api/v1/rooms/" + room); }, ok, limit);
}

inline std::unique_ptr<WsClient> join(const std::string& base, const std::string& room,
                                      const std::string& peer,
                                      std::optional<Json>* welcome = nullptr) {
  auto c = std::make_unique<WsClient>();
  EXPECT_TRUE(c->connect(base + "/signal/" + room + "?peerId=" + peer).open);
  auto w = c->wait_for_type("welcome");
  EXPECT_TRUE(w.has_value()) << peer;
  if (welcome != nullptr) *welcome = w;
  return c;
}

using Pods = std::vector<std::unique_ptr<BinaryPod>>;

// Three pods over one redis-server, which is also their store.
inline Pods three_redis_pods(const std::string& redis_url, const std::vector<std::string>& extra) {
  Pods pods;
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> flags = {
        "--backend", "redis",   "--redis-url", redis_url,
        "--store",   redis_url, "--pod-id",    "pod" + std::to_string(i)};
    flags.insert(flags.end(), extra.begin(), extra.end());
    pods.push_back(std::make_unique<BinaryPod>(pod_flags(flags)));
  }
  return pods;
}

// Three pods of a ZeroMQ mesh on free loopback ports, sharing `store_url`.
inline Pods three_mesh_pods(const std::string& store_url, const std::vector<std::string>& extra) {
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 3; ++i) ports.push_back(free_loopback_port());
  Pods pods;
  for (int i = 0; i < 3; ++i) {
    std::string peers;
    for (int j = 0; j < 3; ++j) {
      if (j == i) continue;
      if (!peers.empty()) peers += ",";
      peers += "tcp://127.0.0.1:" + std::to_string(ports[j]);
    }
    std::vector<std::string> flags = {"--backend",   "zmq",
                                      "--zmq-bind",  "tcp://127.0.0.1:" + std::to_string(ports[i]),
                                      "--zmq-peers", peers,
                                      "--store",     store_url,
                                      "--pod-id",    "pod" + std::to_string(i)};
    flags.insert(flags.end(), extra.begin(), extra.end());
    pods.push_back(std::make_unique<BinaryPod>(pod_flags(flags)));
  }
  return pods;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/signalmesh-store-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace signalmesh::test::store_support
