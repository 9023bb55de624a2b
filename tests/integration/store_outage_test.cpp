// Issue 12: the store fails under running pods. Signaling goes on while it
// is down, the data API answers 503 store-unavailable, `signalmesh_store_up`
// says so; when it is back the writes made meanwhile arrive and each pod
// rewrites the rooms it follows; a store restarted (PostgreSQL after a
// SIGKILL, Redis with AOF after a SIGKILL) has lost nothing it acknowledged.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/store_support.hpp"
#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/postgres_server.hpp"
#include "support/raw_client.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using namespace store_support;  // NOLINT(google-build-using-namespace)
using std::chrono::milliseconds;
using std::chrono::seconds;

// A short store timeout: the outage is noticed within a second.
const std::vector<std::string> kStoreTimings = {"--store-timeout-ms", "500"};

// The value of an unlabelled series in a pod's /metrics, or -1.
double metric(const std::string& base, const std::string& series) {
  const auto text = http_request(base, "GET", "/metrics").body;
  std::size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      return std::strtod(text.c_str() + pos + series.size() + 1, nullptr);
    }
    pos += series.size();
  }
  return -1;
}

bool metric_becomes(const std::string& base, const std::string& series, double value,
                    milliseconds limit = seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (metric(base, series) == value) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// Polls GET PATH until it answers 503 (the pod noticed the outage).
HttpResponse until_unavailable(const std::string& base, const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  HttpResponse r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = api(base, "GET", path);
    if (r.status == 503) return r;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return r;
}

void expect_store_unavailable(const HttpResponse& r) {
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.header("retry-after"), "1");
  auto body = Json::parse(r.body);
  ASSERT_TRUE(body) << r.body;
  EXPECT_EQ(Json::parse(body->member_json("error"))->str("code"), "store-unavailable") << r.body;
}

// One SDP offer from `from` reaches `to` (the relay never touches the store).
void expect_relayed(WsClient& from, WsClient& to, const std::string& to_id,
                    const std::string& tag) {
  ASSERT_TRUE(from.send_text(R"({"type":"sdp","targetId":")" + to_id +
                             R"(","sdp":{"type":"offer","sdp":")" + tag + R"("}})"));
  auto got = to.wait_for_type("sdp");
  ASSERT_TRUE(got) << tag;
  EXPECT_NE(got->text().find(tag), std::string::npos) << got->text();
}

// What the application acknowledged before the outage: a user and a room
// with metadata (both created through the API, 201).
// A pod listens before its store connection is up: until then the API
// answers 503 and the caller retries.
HttpResponse post_until_answered(const std::string& base, const std::string& path,
                                 const std::string& body) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  HttpResponse r = api(base, "POST", path, body);
  while (r.status == 503 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
    r = api(base, "POST", path, body);
  }
  return r;
}

void create_records(const std::string& base, const std::string& room) {
  auto user = post_until_answered(base, "/api/v1/users", R"({"uid":"a","handle":"Ada"})");
  ASSERT_EQ(user.status, 201) << user.body;
  auto created = post_until_answered(base, "/api/v1/rooms",
                                     R"({"roomId":")" + room + R"(","metadata":{"map":"dust"}})");
  ASSERT_EQ(created.status, 201) << created.body;
}

void expect_records_kept(const std::string& base, const std::string& room) {
  auto user = api(base, "GET", "/api/v1/users/a");
  ASSERT_EQ(user.status, 200) << user.body;
  EXPECT_EQ(json_of(user).str("handle"), "Ada");
  auto record = api(base, "GET", "/api/v1/rooms/" + room);
  ASSERT_EQ(record.status, 200) << record.body;
  EXPECT_TRUE(Json::parse(json_of(record).member_json("metadata"))->same_value(R"({"map":"dust"})"))
      << record.body;
}

std::vector<std::string> bases_of(std::vector<std::unique_ptr<BinaryPod>>& pods) {
  std::vector<std::string> bases;
  for (auto& p : pods) {
    EXPECT_TRUE(p->wait_listening()) << p->stderr_text();
    bases.push_back(p->url());
  }
  // A fresh pod waits out its discovery window before admitting anyone.
  std::this_thread::sleep_for(milliseconds(400));
  return bases;
}

TEST(StoreOutage, PostgresKilledUnderThreeMeshPodsSignalingGoesOnAndNothingIsLost) {
  PostgresServer postgres;
  auto pods = three_mesh_pods(postgres.url(), kStoreTimings);
  const auto bases = bases_of(pods);
  const std::string room = random_id();
  create_records(bases[0], room);
  auto a = join(bases[0], room, "a");
  auto b = join(bases[1], room, "b");
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  room_until(bases[2], room, [](const Json& j) { return j.strings("players").size() == 2; });

  postgres.kill();
  expect_store_unavailable(until_unavailable(bases[2], "/api/v1/rooms/" + room));
  EXPECT_TRUE(metric_becomes(bases[0], R"(signalmesh_store_up{store="postgres"})", 0));

  // Signaling is untouched: across pods, a join on a pod that did not
  // follow the room yet (its record read times out: admitted under
  // --rooms auto), a status change, a leave, a hash and its desync.
  expect_relayed(*a, *b, "b", "during-outage");
  auto c = join(bases[2], room, "c");
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  expect_relayed(*c, *a, "a", "from-c");
  a->send_text(R"({"type":"room-status","status":"playing"})");
  for (auto* m : {a.get(), b.get(), c.get()}) ASSERT_TRUE(m->wait_for_type("room-status"));
  a->send_text(R"({"type":"state-hash","tick":5,"hash":"one"})");
  c->send_text(R"({"type":"state-hash","tick":5,"hash":"two"})");
  for (auto* m : {a.get(), c.get()}) ASSERT_TRUE(m->wait_for_type("desync"));
  b->close();
  ASSERT_TRUE(a->wait_for_type("peer-left"));
  EXPECT_GT(metric(bases[0], "signalmesh_store_mirror_writes_queued"), 0);

  postgres.start();
  for (const auto& base : bases) {
    EXPECT_TRUE(metric_becomes(base, R"(signalmesh_store_up{store="postgres"})", 1)) << base;
  }
  // Everything made meanwhile arrives, the same from every pod.
  Json record = room_until(
      bases[1], room,
      [](const Json& j) {
        return j.strings("players") == std::vector<std::string>{"a", "c"} &&
               j.str("status") == "playing";
      },
      seconds(10));
  EXPECT_EQ(record.strings("players"), (std::vector<std::string>{"a", "c"})) << record.text();
  EXPECT_EQ(record.str("hostUid"), "a");
  EXPECT_EQ(record.str("status"), "playing");
  expect_records_kept(bases[2], room);
  Json hashes = poll_until(
      [&] { return api(bases[0], "GET", "/api/v1/rooms/" + room + "/hashes/5"); },
      [](const Json& j) { return j.member_json("hashes").find("two") != std::string::npos; });
  EXPECT_TRUE(Json::parse(hashes.member_json("hashes"))->same_value(R"({"a":"one","c":"two"})"))
      << hashes.text();
  for (const auto& base : bases) {
    EXPECT_EQ(api(base, "GET", "/api/v1/rooms/" + room).body,
              api(bases[0], "GET", "/api/v1/rooms/" + room).body);
    EXPECT_TRUE(metric_becomes(base, "signalmesh_store_mirror_writes_queued", 0)) << base;
  }
  EXPECT_EQ(metric(bases[0], "signalmesh_store_mirror_writes_dropped_total"), 0);
}

TEST(StoreOutage, RedisWithAofKilledUnderThreeRedisPodsLosesNothingAcknowledged) {
  RedisServer::Options options;
  options.appendonly = true;
  RedisServer redis(options);
  auto pods = three_redis_pods(redis.url(), kStoreTimings);
  const auto bases = bases_of(pods);
  const std::string room = random_id();
  create_records(bases[0], room);
  auto a = join(bases[0], room, "a");
  auto a2 = join(bases[0], room, "a2");
  auto b = join(bases[1], room, "b");
  auto c = join(bases[2], room, "c");
  room_until(bases[0], room, [](const Json& j) { return j.strings("players").size() == 4; });

  redis.kill();
  expect_store_unavailable(until_unavailable(bases[1], "/api/v1/rooms/" + room));
  EXPECT_TRUE(metric_becomes(bases[1], R"(signalmesh_store_up{store="redis"})", 0));
  // The backend is the same Redis: the pods refuse new connections (not
  // ready) but local traffic goes on; b leaves meanwhile.
  expect_relayed(*a2, *a, "a", "local-during-outage");
  b->close();

  redis.restart();
  for (const auto& base : bases) {
    EXPECT_TRUE(metric_becomes(base, R"(signalmesh_store_up{store="redis"})", 1)) << base;
  }
  // The others learn of b's leave from the resync; the record follows.
  ASSERT_TRUE(c->wait_for_type("peer-left", seconds(10)));
  Json record = room_until(
      bases[2], room,
      [](const Json& j) {
        return j.strings("players") == std::vector<std::string>{"a", "a2", "c"};
      },
      seconds(10));
  EXPECT_EQ(record.strings("players"), (std::vector<std::string>{"a", "a2", "c"})) << record.text();
  EXPECT_EQ(record.str("hostUid"), "a");
  expect_records_kept(bases[1], room);
  expect_relayed(*a, *c, "c", "across-after-recovery");
}

}  // namespace
}  // namespace signalmesh::test
