// Issue 12 over the signalmesh binary: records follow the live room (one pod
// with a SQLite file, three pods sharing a Redis store, three mesh pods
// sharing a PostgreSQL store), protocol 1.1 (welcome.room, room-status,
// state-hash and desync, --rooms api with 4004, a deleted room's 4011), and
// a restarted pod losing nothing (a restarted store: store_outage_test.cpp).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
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

TEST(StoreBinary, OnePodWithSqliteKeepsTheRoomAndFollowsTheGameAcrossARestart) {
  TempDir dir;
  const std::string store = "sqlite:" + dir.path() + "/signalmesh.db";
  const std::string room = random_id();
  auto pod = std::make_unique<BinaryPod>(pod_flags({"--store", store}));
  ASSERT_TRUE(pod->wait_listening()) << pod->stderr_text();
  std::string base = pod->url();

  std::optional<Json> welcome;
  auto a = join(base, room, "a", &welcome);
  ASSERT_TRUE(welcome);
  EXPECT_TRUE(Json::parse(welcome->member_json("room"))
                  ->same_value(R"({"status":"waiting","round":1,"metadata":null})"))
      << welcome->text();
  auto b = join(base, room, "b");
  Json record =
      room_until(base, room, [](const Json& j) { return j.strings("players").size() == 2; });
  EXPECT_EQ(record.strings("players"), (std::vector<std::string>{"a", "b"})) << record.text();
  EXPECT_EQ(record.str("hostUid"), "a");

  // room-status: the host only, forward only; every member hears it.
  b->send_text(R"({"type":"room-status","status":"playing","id":1})");
  EXPECT_TRUE(b->expect_error("not-host"));
  a->send_text(R"({"type":"room-status","status":"playing"})");
  for (auto* c : {a.get(), b.get()}) {
    auto status = c->wait_for_type("room-status");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->str("status"), "playing");
    EXPECT_EQ(status->member_json("round"), "1");
    EXPECT_EQ(status->str("senderId"), "a");
  }
  a->send_text(R"({"type":"room-status","status":"waiting"})");
  EXPECT_TRUE(a->expect_error("invalid-message"));

  // state-hash: a disagreement is a desync, told once to every member.
  a->send_text(R"({"type":"state-hash","tick":7,"hash":"aaaa"})");
  a->send_text(R"({"type":"state-hash","tick":7,"hash":"aaaa"})");  // the same again: ignored
  b->send_text(R"({"type":"state-hash","tick":7,"hash":"bbbb"})");
  for (auto* c : {a.get(), b.get()}) {
    auto desync = c->wait_for_type("desync");
    ASSERT_TRUE(desync);
    EXPECT_EQ(desync->member_json("tick"), "7");
    EXPECT_TRUE(
        Json::parse(desync->member_json("hashes"))->same_value(R"({"a":"aaaa","b":"bbbb"})"))
        << desync->text();
  }
  a->send_text(R"({"type":"state-hash","tick":7,"hash":"cccc","id":"x"})");
  EXPECT_TRUE(a->expect_error("invalid-message"));
  a->send_text(R"({"type":"state-hash","tick":-1,"hash":"aaaa"})");
  EXPECT_TRUE(a->expect_error("invalid-message"));
  a->send_text(R"({"type":"state-hash","tick":8,"hash":"has space"})");
  EXPECT_TRUE(a->expect_error("invalid-message"));
  record = room_until(base, room, [](const Json& j) { return j.str("status") == "playing"; });
  EXPECT_EQ(record.str("status"), "playing");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  Json hashes = *Json::parse("{}");
  while (std::chrono::steady_clock::now() < deadline) {
    hashes = json_of(api(base, "GET", "/api/v1/rooms/" + room + "/hashes/7"));
    if (hashes.member_json("hashes").find("bbbb") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(Json::parse(hashes.member_json("hashes"))->same_value(R"({"a":"aaaa","b":"bbbb"})"))
      << hashes.text();

  // Everyone leaves a playing room: finished. Then a restart on the same file.
  a->close();
  b->close();
  record = room_until(base, room, [](const Json& j) {
    return j.str("status") == "finished" && j.strings("players").empty();
  });
  EXPECT_EQ(record.str("status"), "finished") << record.text();
  pod->send_signal(SIGTERM);
  ASSERT_EQ(pod->wait_exit(), 0);
  pod = std::make_unique<BinaryPod>(pod_flags({"--store", store}));
  ASSERT_TRUE(pod->wait_listening()) << pod->stderr_text();
  base = pod->url();
  record = json_of(api(base, "GET", "/api/v1/rooms/" + room));
  EXPECT_EQ(record.str("status"), "finished") << record.text();
  // The first join of a finished room starts its next round.
  auto c = join(base, room, "c", &welcome);
  ASSERT_TRUE(welcome);
  EXPECT_TRUE(Json::parse(welcome->member_json("room"))
                  ->same_value(R"({"status":"waiting","round":2,"metadata":null})"))
      << welcome->text();
  record = room_until(base, room, [](const Json& j) { return j.member_json("round") == "2"; });
  EXPECT_EQ(record.str("status"), "waiting");
  EXPECT_EQ(record.strings("players"), (std::vector<std::string>{"c"}));
}

TEST(StoreBinary, APodKilledWithoutAGoodbyeLeavesNoStalePlayersOnceTheRoomIsFollowedAgain) {
  TempDir dir;
  const std::string store = "sqlite:" + dir.path() + "/signalmesh.db";
  const std::string room = random_id();
  auto pod = std::make_unique<BinaryPod>(pod_flags({"--store", store}));
  ASSERT_TRUE(pod->wait_listening()) << pod->stderr_text();
  auto a = join(pod->url(), room, "a");
  auto b = join(pod->url(), room, "b");
  room_until(pod->url(), room, [](const Json& j) { return j.strings("players").size() == 2; });
  pod->send_signal(SIGKILL);
  ASSERT_TRUE(pod->wait_exit());

  pod = std::make_unique<BinaryPod>(pod_flags({"--store", store}));
  ASSERT_TRUE(pod->wait_listening()) << pod->stderr_text();
  const std::string base = pod->url();
  // The dead pod's members are still listed; a returning member is kept.
  Json record = json_of(api(base, "GET", "/api/v1/rooms/" + room));
  EXPECT_EQ(record.strings("players"), (std::vector<std::string>{"a", "b"})) << record.text();
  auto b2 = join(base, room, "b");
  record = room_until(
      base, room,
      [](const Json& j) { return j.strings("players") == std::vector<std::string>{"b"}; },
      std::chrono::seconds(10));
  EXPECT_EQ(record.strings("players"), (std::vector<std::string>{"b"})) << record.text();
  EXPECT_EQ(record.str("hostUid"), "b");
}

TEST(StoreBinary, RoomsApiAdmitsOnlyCreatedRoomsAndADeletedRoomClosesItsMembers) {
  auto pod =
      std::make_unique<BinaryPod>(pod_flags({"--store", "sqlite::memory:", "--rooms", "api"}));
  ASSERT_TRUE(pod->wait_listening()) << pod->stderr_text();
  const std::string base = pod->url();
  const std::string room = random_id();

  WsClient stranger;
  ASSERT_TRUE(stranger.connect(base + "/signal/" + room + "?peerId=s").open);
  EXPECT_TRUE(stranger.expect_error("room-not-found"));
  EXPECT_TRUE(stranger.expect_close(4004));

  auto created = api(base, "POST", "/api/v1/rooms",
                     R"({"roomId":")" + room + R"(","metadata":{"map":"dust"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::optional<Json> welcome;
  auto a = join(base, room, "a", &welcome);
  ASSERT_TRUE(welcome);
  EXPECT_TRUE(Json::parse(welcome->member_json("room"))
                  ->same_value(R"({"status":"waiting","round":1,"metadata":{"map":"dust"}})"))
      << welcome->text();

  // The application moves the room on: members hear it without a senderId.
  auto patched = api(base, "PATCH", "/api/v1/rooms/" + room, R"({"status":"playing"})");
  EXPECT_EQ(patched.status, 200) << patched.body;
  auto status = a->wait_for_type("room-status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->str("status"), "playing");
  EXPECT_FALSE(status->has("senderId"));

  EXPECT_EQ(api(base, "DELETE", "/api/v1/rooms/" + room).status, 204);
  EXPECT_TRUE(a->expect_error("room-closed"));
  EXPECT_TRUE(a->expect_close(4011));
  EXPECT_EQ(api(base, "GET", "/api/v1/rooms/" + room).status, 404);
}

// Three pods sharing one store: members on different pods, one record, the
// same desync for both, the same answer from every pod.
void check_three_pods_share_the_record(std::vector<std::unique_ptr<BinaryPod>>& pods) {
  std::vector<std::string> bases;
  for (auto& p : pods) {
    ASSERT_TRUE(p->wait_listening()) << p->stderr_text();
    bases.push_back(p->url());
  }
  // A fresh pod waits out its discovery window before admitting anyone.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const std::string room = random_id();
  auto a = join(bases[0], room, "a");
  auto b = join(bases[1], room, "b");
  auto c = join(bases[2], room, "c");
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  a->send_text(R"({"type":"room-status","status":"playing"})");
  for (auto* m : {a.get(), b.get(), c.get()}) {
    auto s = m->wait_for_type("room-status");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->str("status"), "playing");
  }
  a->send_text(R"({"type":"state-hash","tick":3,"hash":"same"})");
  b->send_text(R"({"type":"state-hash","tick":3,"hash":"same"})");
  c->send_text(R"({"type":"state-hash","tick":3,"hash":"other"})");
  for (auto* m : {a.get(), b.get(), c.get()}) {
    auto d = m->wait_for_type("desync");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->member_json("tick"), "3");
  }
  Json first = room_until(bases[0], room, [](const Json& j) {
    return j.strings("players").size() == 3 && j.str("status") == "playing";
  });
  EXPECT_EQ(first.strings("players"), (std::vector<std::string>{"a", "b", "c"})) << first.text();
  EXPECT_EQ(first.str("hostUid"), "a");
  for (const auto& base : bases) {
    auto r = api(base, "GET", "/api/v1/rooms/" + room);
    EXPECT_EQ(r.body, api(bases[0], "GET", "/api/v1/rooms/" + room).body);
  }
  b->close();
  Json after =
      room_until(bases[2], room, [](const Json& j) { return j.strings("players").size() == 2; });
  EXPECT_EQ(after.strings("players"), (std::vector<std::string>{"a", "c"}));
}

TEST(StoreBinary, ThreeRedisPodsShareTheRedisStore) {
  RedisServer redis;
  auto pods = three_redis_pods(redis.url(), {});
  check_three_pods_share_the_record(pods);
}

TEST(StoreBinary, ThreeMeshPodsShareAPostgresStore) {
  PostgresServer postgres;
  auto pods = three_mesh_pods(postgres.url(), {});
  check_three_pods_share_the_record(pods);
}

}  // namespace
}  // namespace signalmesh::test
