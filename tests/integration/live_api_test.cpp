// Issue 13 over the signalmesh binary: the live endpoints (members, kick,
// server messages, host) answered by a pod that holds no member of the room,
// and the webhooks every pod sends to a real HTTP receiver: each event once
// (a second delivery of one id only after the receiver failed), signed, in
// the order things happened, and nothing twice after a pod is SIGKILLed.
// On one pod, three Redis pods and three ZeroMQ mesh pods.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "integration/store_support.hpp"
#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/postgres_server.hpp"
#include "support/raw_client.hpp"
#include "support/redis_server.hpp"
#include "support/webhook_receiver.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using namespace store_support;  // NOLINT(google-build-using-namespace)

constexpr const char* kSecret = "webhook-test-secret";
constexpr auto kHookWait = std::chrono::seconds(10);

std::vector<std::string> hook_flags(const WebhookReceiver& receiver) {
  return {"--webhook-url", receiver.url(), "--webhook-secret", kSecret};
}

// One event as the receiver got it (the first delivery of its id).
struct Hook {
  std::string id, type, room;
  Json data;
};

std::vector<Hook> hooks_of(const std::vector<WebhookReceiver::Request>& requests,
                           const std::string& room) {
  std::vector<Hook> hooks;
  std::set<std::string> seen;
  for (const auto& r : requests) {
    auto body = Json::parse(r.body);
    if (!body || body->str("roomId") != room) continue;
    if (!seen.insert(body->str("id")).second) continue;
    hooks.push_back(
        {body->str("id"), body->str("type"), room, *Json::parse(body->member_json("data"))});
  }
  return hooks;
}

// "type" or "type:peerId" or "type:hostId": how the tests name an event.
std::string label(const Hook& h) {
  if (h.data.has("peerId")) {
    return h.type + ":" + h.data.str("peerId") +
           (h.data.has("reason") ? "/" + h.data.str("reason") : "");
  }
  if (h.data.has("hostId")) return h.type + ":" + h.data.str("hostId");
  if (h.data.has("status")) return h.type + ":" + h.data.str("status");
  return h.type;
}

std::vector<std::string> labels(const WebhookReceiver& receiver, const std::string& room) {
  std::vector<std::string> out;
  for (const auto& h : hooks_of(receiver.requests(), room)) out.push_back(label(h));
  return out;
}

// Waits until the room's events (first deliveries) are `expected`, in order.
void expect_hooks(WebhookReceiver& receiver, const std::string& room,
                  const std::vector<std::string>& expected) {
  receiver.wait_for(
      [&](const auto& requests) {
        std::vector<std::string> got;
        for (const auto& h : hooks_of(requests, room)) got.push_back(label(h));
        return got.size() >= expected.size();
      },
      kHookWait);
  EXPECT_EQ(labels(receiver, room), expected);
}

// Every request is signed; an id delivered twice was answered with an error
// before (`failures` requests were).
void expect_signed_and_once(const WebhookReceiver& receiver, std::size_t failures) {
  std::map<std::string, int> deliveries;
  for (const auto& r : receiver.requests()) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    const auto sig = r.headers.find("signalmesh-signature");
    ASSERT_NE(sig, r.headers.end());
    EXPECT_TRUE(signature_valid(sig->second, kSecret, r.body)) << sig->second;
    auto body = Json::parse(r.body);
    ASSERT_TRUE(body) << r.body;
    EXPECT_EQ(body->keys(), (std::vector<std::string>{"id", "type", "time", "roomId", "data"}));
    EXPECT_EQ(r.headers.at("signalmesh-event-id"), body->str("id"));
    ++deliveries[body->str("id")];
  }
  std::size_t repeats = 0;
  for (const auto& [id, n] : deliveries) repeats += static_cast<std::size_t>(n - 1);
  EXPECT_EQ(repeats, failures) << "an event was sent more often than its failures explain";
}

// Each of `clients` receives a server-message whose data is `data`.
void expect_server_message(const std::vector<WsClient*>& clients, const std::string& data) {
  for (WsClient* c : clients) {
    auto m = c->wait_for_type("server-message");
    ASSERT_TRUE(m);
    EXPECT_TRUE(Json::parse(m->member_json("data"))->same_value(data)) << m->text();
    EXPECT_FALSE(m->has("senderId"));
  }
}

// The live endpoints through `api_pod`, which holds no member of the room,
// on members spread over `a_pod` and `b_pod`; then a second room with a
// member on each pod and the pod of its host SIGKILLed.
// Listening, then ready (a mesh pod is not ready until its peers answer).
void wait_ready(Pods& pods) {
  for (auto& pod : pods) {
    ASSERT_TRUE(pod->wait_listening()) << pod->stderr_text();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (http_request(pod->url(), "GET", "/readyz", {}, {}).status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "pod not ready";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void check_live_control(Pods& pods, WebhookReceiver& receiver, std::size_t api_pod,
                        std::size_t a_pod, std::size_t b_pod) {
  wait_ready(pods);
  const std::string api_base = pods[api_pod]->url();
  const std::string room = random_id();

  ASSERT_EQ(api(api_base, "POST", "/api/v1/rooms", R"({"roomId":")" + room + "\"}").status, 201);
  expect_hooks(receiver, room, {"room.created"});
  EXPECT_EQ(hooks_of(receiver.requests(), room)[0].data.str("source"), "api");

  // Members of pods other than the API's; each join is told once.
  auto a = join(pods[a_pod]->url(), room, "a");
  expect_hooks(receiver, room, {"room.created", "peer.joined:a"});
  auto b = join(pods[b_pod]->url(), room, "b");
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  expect_hooks(receiver, room, {"room.created", "peer.joined:a", "peer.joined:b"});
  auto c = join(pods[a_pod]->url(), room, "c");
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  ASSERT_TRUE(b->wait_for_type("peer-joined"));
  std::vector<std::string> seen = {"room.created", "peer.joined:a", "peer.joined:b",
                                   "peer.joined:c"};
  expect_hooks(receiver, room, seen);

  // The members, cluster-wide, oldest first, from the pod that has none.
  Json members = json_of(api(api_base, "GET", "/api/v1/rooms/" + room + "/members"));
  EXPECT_EQ(members.str("hostId"), "a") << members.text();
  std::vector<std::string> peers;
  for (const auto& m : members.root()["members"].GetArray()) {
    peers.push_back(m["peerId"].GetString());
  }
  EXPECT_EQ(peers, (std::vector<std::string>{"a", "b", "c"})) << members.text();
  EXPECT_EQ(members.root()["members"][1]["pod"].GetString(), "pod" + std::to_string(b_pod));

  // A message to everyone, then one to b only (a and c get the next
  // broadcast first: they never saw b's).
  HttpResponse sent = api(api_base, "POST", "/api/v1/rooms/" + room + "/messages",
                          R"({"data":{"round":1,"go":true}})");
  EXPECT_EQ(sent.status, 202);
  EXPECT_EQ(sent.body, R"({"recipients":3})");
  expect_server_message({a.get(), b.get(), c.get()}, R"({"round":1,"go":true})");
  EXPECT_EQ(api(api_base, "POST", "/api/v1/rooms/" + room + "/messages",
                R"({"targetId":"b","data":"for b"})")
                .body,
            R"({"recipients":1})");
  expect_server_message({b.get()}, R"("for b")");
  api(api_base, "POST", "/api/v1/rooms/" + room + "/messages", R"({"data":2})");
  expect_server_message({a.get(), b.get(), c.get()}, "2");

  // The host moves to b: no senderId; host.changed once, from b's pod.
  HttpResponse moved =
      api(api_base, "POST", "/api/v1/rooms/" + room + "/host", R"({"hostId":"b"})");
  EXPECT_EQ(moved.status, 200);
  EXPECT_EQ(moved.body, R"({"hostId":"b","previousHostId":"a"})");
  for (WsClient* m : {a.get(), b.get(), c.get()}) {
    auto change = m->wait_for_type("host-change");
    ASSERT_TRUE(change);
    EXPECT_EQ(change->str("hostId"), "b");
    EXPECT_EQ(change->str("previousHostId"), "a");
    EXPECT_FALSE(change->has("senderId")) << change->text();
  }
  seen.push_back("host.changed:b");
  expect_hooks(receiver, room, seen);

  // c is kicked with a reason: kick, 4010, peer-left kicked, peer.left once.
  EXPECT_EQ(api(api_base, "DELETE", "/api/v1/rooms/" + room + "/members/c?reason=bye").status, 204);
  auto kick = c->wait_for_type("kick");
  ASSERT_TRUE(kick);
  EXPECT_EQ(kick->str("targetId"), "c");
  EXPECT_EQ(kick->str("reason"), "bye");
  EXPECT_FALSE(kick->has("senderId"));
  EXPECT_TRUE(c->expect_close(4010));
  for (WsClient* m : {a.get(), b.get()}) {
    auto left = m->wait_for_type("peer-left");
    ASSERT_TRUE(left);
    EXPECT_EQ(left->str("peerId"), "c");
    EXPECT_EQ(left->str("reason"), "kicked");
  }
  seen.push_back("peer.left:c/kicked");
  expect_hooks(receiver, room, seen);

  // What did not take effect says so.
  EXPECT_EQ(api(api_base, "DELETE", "/api/v1/rooms/" + room + "/members/c").status, 404);
  EXPECT_EQ(api(api_base, "POST", "/api/v1/rooms/" + room + "/host", R"({"hostId":"c"})").status,
            404);
  EXPECT_EQ(
      api(api_base, "POST", "/api/v1/rooms/nobody-" + room + "/messages", R"({"data":1})").status,
      404);
  EXPECT_EQ(api(api_base, "GET", "/api/v1/rooms/nobody-" + room + "/members").status, 404);

  // The receiver fails twice: the status change arrives anyway, once.
  receiver.fail_next(2, 500);
  EXPECT_EQ(api(api_base, "PATCH", "/api/v1/rooms/" + room, R"({"status":"playing"})").status, 200);
  ASSERT_TRUE(a->wait_for_type("room-status"));
  seen.push_back("room.status:playing");
  expect_hooks(receiver, room, seen);

  // A second room with a member on every pod, its host on b's pod, which is
  // then SIGKILLed: one surviving pod tells of the lost member and one of
  // the new host.
  const std::string room2 = random_id();
  // (Each join's event is awaited before the next join: events of two pods
  // have no order between them but the one the test makes.)
  auto y = join(pods[b_pod]->url(), room2, "y");
  expect_hooks(receiver, room2, {"room.created", "peer.joined:y"});
  auto x = join(pods[a_pod]->url(), room2, "x");
  ASSERT_TRUE(y->wait_for_type("peer-joined"));
  expect_hooks(receiver, room2, {"room.created", "peer.joined:y", "peer.joined:x"});
  auto z = join(pods[api_pod]->url(), room2, "z");
  ASSERT_TRUE(x->wait_for_type("peer-joined"));
  ASSERT_TRUE(y->wait_for_type("peer-joined"));
  expect_hooks(receiver, room2,
               {"room.created", "peer.joined:y", "peer.joined:x", "peer.joined:z"});
  pods[b_pod]->send_signal(SIGKILL);
  pods[b_pod]->wait_exit();
  for (WsClient* m : {x.get(), z.get()}) {
    auto left = m->wait_for_type("peer-left", std::chrono::seconds(10));
    ASSERT_TRUE(left);
    EXPECT_EQ(left->str("reason"), "pod-lost");
  }
  expect_hooks(receiver, room2,
               {"room.created", "peer.joined:y", "peer.joined:x", "peer.joined:z",
                "peer.left:y/pod-lost", "host.changed:x"});

  // The application deletes the first room: a goes with 4011.
  EXPECT_EQ(api(api_base, "DELETE", "/api/v1/rooms/" + room).status, 204);
  EXPECT_TRUE(a->expect_close(4011));
  receiver.wait_for([&](const auto& r) { return hooks_of(r, room).size() >= seen.size() + 4; },
                    kHookWait);
  // Settle: nothing more may come (a second copy of anything).
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<std::string> last = labels(receiver, room);
  ASSERT_GE(last.size(), seen.size());
  std::multiset<std::string> tail(last.begin() + static_cast<long>(seen.size()), last.end());
  // b's pod is gone: its member and host b left with it (told by a's pod,
  // the earliest remaining member's); a left with the deletion.
  EXPECT_EQ(tail, (std::multiset<std::string>{"peer.left:b/pod-lost", "host.changed:a",
                                              "room.deleted", "peer.left:a/left"}))
      << ::testing::PrintToString(last);
  expect_signed_and_once(receiver, 2);
}

TEST(LiveBinary, OnePodControlsItsRoomsAndTellsEachEventOnce) {
  WebhookReceiver receiver;
  BinaryPod pod(pod_flags([&] {
    auto f = hook_flags(receiver);
    f.insert(f.end(), {"--store", "sqlite::memory:", "--pod-id", "pod0"});
    return f;
  }()));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  const std::string base = pod.url();
  const std::string room = random_id();
  auto a = join(base, room, "a");
  auto b = join(base, room, "b");
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  // The first join created the room's record: room.created from that read.
  expect_hooks(receiver, room, {"room.created", "peer.joined:a", "peer.joined:b"});
  EXPECT_EQ(hooks_of(receiver.requests(), room)[0].data.str("source"), "join");
  EXPECT_EQ(api(base, "POST", "/api/v1/rooms/" + room + "/messages", R"({"data":[1,"x"]})").status,
            202);
  expect_server_message({a.get(), b.get()}, R"([1,"x"])");
  EXPECT_EQ(api(base, "POST", "/api/v1/rooms/" + room + "/host", R"({"hostId":"b"})").status, 200);
  ASSERT_TRUE(a->wait_for_type("host-change"));
  EXPECT_EQ(api(base, "DELETE", "/api/v1/rooms/" + room + "/members/a").status, 204);
  EXPECT_TRUE(a->expect_close(4010));
  // The host hands back, the game goes on and the last member leaves.
  b->send_text(R"({"type":"room-status","status":"playing"})");
  ASSERT_TRUE(b->wait_for_type("room-status"));
  b->send_text(R"({"type":"state-hash","tick":1,"hash":"h1"})");
  b->close();
  expect_hooks(
      receiver, room,
      {"room.created", "peer.joined:a", "peer.joined:b", "host.changed:b", "peer.left:a/kicked",
       "room.status:playing", "peer.left:b/left", "room.status:finished", "room.finished"});
  expect_signed_and_once(receiver, 0);
  // The operator's view of this pod's queue.
  Json events = json_of(api(base, "GET", "/api/v1/events?limit=2"));
  EXPECT_EQ(events.root()["events"].Size(), 2u) << events.text();
  EXPECT_EQ(std::string(events.root()["events"][0]["type"].GetString()), "room.finished");
  Json pods = json_of(api(base, "GET", "/api/v1/pods"));
  EXPECT_EQ(pods.text(), R"({"self":"pod0","pods":["pod0"]})");
}

TEST(LiveBinary, AStateHashDesyncIsToldOnceByTheHostsPod) {
  RedisServer redis;
  WebhookReceiver receiver;
  auto pods = three_redis_pods(redis.url(), hook_flags(receiver));
  wait_ready(pods);
  const std::string room = random_id();
  auto a = join(pods[0]->url(), room, "a");
  auto b = join(pods[1]->url(), room, "b");
  auto c = join(pods[2]->url(), room, "c");
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  ASSERT_TRUE(a->wait_for_type("peer-joined"));
  ASSERT_TRUE(b->wait_for_type("peer-joined"));
  a->send_text(R"({"type":"state-hash","tick":5,"hash":"same"})");
  b->send_text(R"({"type":"state-hash","tick":5,"hash":"same"})");
  c->send_text(R"({"type":"state-hash","tick":5,"hash":"other"})");
  for (WsClient* m : {a.get(), b.get(), c.get()}) ASSERT_TRUE(m->wait_for_type("desync"));
  receiver.wait_for(
      [&](const auto& r) {
        for (const auto& h : hooks_of(r, room)) {
          if (h.type == "room.desync") return true;
        }
        return false;
      },
      kHookWait);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::size_t desyncs = 0;
  for (const auto& h : hooks_of(receiver.requests(), room)) {
    if (h.type != "room.desync") continue;
    ++desyncs;
    EXPECT_EQ(h.data.member_json("tick"), "5");
    EXPECT_EQ(h.data.member_json("round"), "1");
  }
  EXPECT_EQ(desyncs, 1u);
  expect_signed_and_once(receiver, 0);
}

TEST(LiveBinary, ThreeRedisPodsActForAPodWithoutMembersAndTellEachEventOnce) {
  RedisServer redis;
  WebhookReceiver receiver;
  auto pods = three_redis_pods(redis.url(), hook_flags(receiver));
  check_live_control(pods, receiver, 2, 0, 1);
}

TEST(LiveBinary, ThreeMeshPodsActForAPodWithoutMembersAndTellEachEventOnce) {
  PostgresServer postgres;
  WebhookReceiver receiver;
  auto pods = three_mesh_pods(postgres.url(), hook_flags(receiver));
  check_live_control(pods, receiver, 2, 0, 1);
}

}  // namespace
}  // namespace signalmesh::test
