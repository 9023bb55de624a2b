// The audit trail of the signalmesh binary (docs/operations.md, "Logs"):
// real pods with --log-format json or text, real clients doing admissions,
// a refusal, kicks by the host and by the API, host changes and closes, and
// (over a real redis-server) pods joining and being lost. Every stderr line
// of a json pod must be one JSON object; no line may hold a secret, a token
// or anything a client sent in a message.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/token.hpp"
#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using Clock = std::chrono::steady_clock;

long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A file for one test, removed after.
class TempFile {
 public:
  explicit TempFile(const std::string& text)
      : path_(::testing::TempDir() + "signalmesh-audit-" + std::to_string(::getpid()) + "-" +
              random_id("file")) {
    std::ofstream(path_) << text << "\n";
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Polls `pred` until it holds or `timeout` passed (the pod writes its lines
// when the event happens, not when the client sees it).
bool eventually(const std::function<bool()>& pred, Ms timeout = kWait) {
  const auto until = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(Ms(20));
  }
  return true;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// One parsed json line.
struct LogLine {
  std::string raw;
  std::map<std::string, std::string> strings;  // string members
  std::map<std::string, long long> numbers;    // integer members
  std::string str(const std::string& key) const {
    const auto it = strings.find(key);
    return it == strings.end() ? "" : it->second;
  }
  bool has(const std::string& key) const { return strings.count(key) || numbers.count(key); }
  std::optional<long long> num(const std::string& key) const {
    const auto it = numbers.find(key);
    if (it == numbers.end()) return std::nullopt;
    return it->second;
  }
};

// Every line of `err` parsed (valid UTF-8 required); a failure names each
// line that is not one JSON object with string time, level, msg and pod.
std::vector<LogLine> parse_json_lines(const std::string& err, const std::string& pod) {
  std::vector<LogLine> parsed;
  for (const auto& line : lines_of(err)) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      ADD_FAILURE() << "not a JSON object: " << line;
      continue;
    }
    LogLine out;
    out.raw = line;
    for (const auto& m : doc.GetObject()) {
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      if (m.value.IsString()) {
        out.strings[key] = std::string(m.value.GetString(), m.value.GetStringLength());
      } else if (m.value.IsInt64()) {
        out.numbers[key] = m.value.GetInt64();
      }
    }
    for (const char* key : {"time", "level", "msg", "pod"}) {
      EXPECT_TRUE(out.strings.count(key)) << "no string " << key << ": " << line;
    }
    EXPECT_TRUE(
        std::regex_match(out.str("time"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << line;
    EXPECT_TRUE(std::regex_match(out.str("level"), std::regex("error|warn|info|debug"))) << line;
    EXPECT_EQ(out.str("pod"), pod) << line;
    parsed.push_back(std::move(out));
  }
  return parsed;
}

std::vector<LogLine> events(const std::vector<LogLine>& lines, const std::string& event) {
  std::vector<LogLine> out;
  for (const auto& line : lines) {
    if (line.str("event") == event) out.push_back(line);
  }
  return out;
}

// The one `event` line of `peer` (field `key`), or a failure.
std::optional<LogLine> one_event(const std::vector<LogLine>& lines, const std::string& event,
                                 const std::string& key, const std::string& value) {
  std::vector<LogLine> found;
  for (const auto& line : events(lines, event)) {
    if (line.str(key) == value) found.push_back(line);
  }
  EXPECT_EQ(found.size(), 1u) << event << " " << key << "=" << value;
  if (found.size() != 1) return std::nullopt;
  return found.front();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// What a scenario must never let into a log line.
struct Secrets {
  std::string jwt_secret = random_id("jwtsecret");
  std::string api_key = random_id("apikey");
  // Sent by clients in messages (and in the API's kick reason).
  std::string sdp_marker = random_id("sdpmarker");
  std::string ice_marker = random_id("icemarker");
  std::string kick_marker = random_id("kickmarker");
  std::string api_marker = random_id("apimarker");
  std::vector<std::string> tokens;

  std::string token(const std::string& sub, const std::string& room) {
    const std::string t = auth::sign_token(
        R"({"sub":")" + sub + R"(","room":")" + room + R"(","nonce":")" + random_id("tokenmarker") +
            R"(","exp":)" + std::to_string(unix_now() + 600) + "}",
        jwt_secret);
    tokens.push_back(t);
    return t;
  }
  std::vector<std::string> all() const {
    std::vector<std::string> out = {jwt_secret, api_key,     sdp_marker,
                                    ice_marker, kick_marker, api_marker};
    for (const auto& t : tokens) {
      out.push_back(t);
      out.push_back(t.substr(t.rfind('.') + 1));  // its signature alone
    }
    return out;
  }
};

void expect_none_leaked(const Secrets& secrets, const std::string& output) {
  for (const auto& secret : secrets.all()) {
    EXPECT_EQ(output.find(secret), std::string::npos) << "leaked into the logs: " << secret;
  }
}

std::string signal_url(const BinaryPod& pod, const std::string& room, const std::string& token) {
  return pod.url() + "/signal/" + room + "?token=" + token;
}

// alice, bob, carol and dave are admitted; an intruder with a bad token is
// refused (4001); alice relays an SDP and an ICE candidate to bob; alice
// (the host) kicks carol; the API kicks dave; alice hands the host role to
// bob; bob, then alice, close with 1000. Then the pod drains and exits.
void run_scenario(BinaryPod& pod, Secrets& secrets, const std::string& room) {
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  std::map<std::string, std::unique_ptr<WsClient>> m;
  for (const std::string peer : {"alice", "bob", "carol", "dave"}) {
    auto ws = std::make_unique<WsClient>();
    ASSERT_TRUE(ws->connect(signal_url(pod, room, secrets.token(peer, room))).open) << peer;
    ASSERT_TRUE(ws->expect_message_of_type("welcome")) << peer;
    for (auto& [other, client] : m) ASSERT_TRUE(client->expect_message_of_type("peer-joined"));
    m[peer] = std::move(ws);
  }

  ASSERT_TRUE(m["alice"]->send_text(
      sdp_message("bob", "offer", "v=0\r\no=- " + secrets.sdp_marker + " 2 IN IP4 0.0.0.0\r\n")));
  ASSERT_TRUE(m["bob"]->expect_message_of_type("sdp"));
  ASSERT_TRUE(m["alice"]->send_text(ice_message(
      "bob", "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host " + secrets.ice_marker)));
  ASSERT_TRUE(m["bob"]->expect_message_of_type("ice"));

  {
    WsClient intruder;
    const std::string bad = secrets.token("eve", room) + "x";
    secrets.tokens.push_back(bad);
    ASSERT_TRUE(intruder.connect(signal_url(pod, room, bad)).open);
    EXPECT_TRUE(intruder.expect_error("unauthorized"));
    EXPECT_TRUE(intruder.expect_close(4001));
  }

  ASSERT_TRUE(m["alice"]->send_text(kick_message("carol", secrets.kick_marker)));
  ASSERT_TRUE(m["carol"]->expect_message_of_type("kick"));
  EXPECT_TRUE(m["carol"]->expect_close(4010));
  for (const char* peer : {"alice", "bob", "dave"}) {
    ASSERT_TRUE(m[peer]->wait_for_type("peer-left")) << peer;
  }

  const auto kicked = http_request(
      pod.url(), "DELETE", "/api/v1/rooms/" + room + "/members/dave?reason=" + secrets.api_marker,
      {{"Authorization", "Bearer " + secrets.api_key}});
  ASSERT_EQ(kicked.status, 204) << kicked.body;
  ASSERT_TRUE(m["dave"]->expect_message_of_type("kick"));
  EXPECT_TRUE(m["dave"]->expect_close(4010));
  ASSERT_TRUE(m["alice"]->wait_for_type("peer-left"));
  ASSERT_TRUE(m["bob"]->wait_for_type("peer-left"));

  ASSERT_TRUE(m["alice"]->send_text(host_change_message("bob")));
  ASSERT_TRUE(m["alice"]->wait_for_type("host-change"));
  ASSERT_TRUE(m["bob"]->wait_for_type("host-change"));

  ASSERT_TRUE(m["bob"]->close(1000));
  ASSERT_TRUE(m["bob"]->wait_closed());
  ASSERT_TRUE(m["alice"]->wait_for_type("peer-left"));
  ASSERT_TRUE(m["alice"]->close(1000));
  ASSERT_TRUE(m["alice"]->wait_closed());

  // Five connections ended: wait for the pod's fifth `closed` line.
  EXPECT_TRUE(eventually([&] { return count_of(pod.stderr_text(), "connection closed") >= 5; }))
      << pod.stderr_text();
  pod.send_signal(SIGTERM);
  const auto status = pod.wait_exit();
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0) << pod.stderr_text();
}

std::vector<std::string> pod_args(const std::string& format, const std::string& pod_id,
                                  const TempFile& jwt, const TempFile& keys) {
  return {"--host",         "127.0.0.1", "--port",      "0",    "--pod-id",          pod_id,
          "--log-format",   format,      "--log-level", "info", "--jwt-secret-file", jwt.path(),
          "--api-key-file", keys.path()};
}

TEST(AuditLog, InJsonEveryLineIsAnObjectAndEachAdmissionRefusalKickHostChangeAndCloseIsThere) {
  Secrets secrets;
  TempFile jwt(secrets.jwt_secret);
  TempFile keys(secrets.api_key);
  const std::string room = random_id("audit");
  BinaryPod pod(pod_args("json", "audit-json", jwt, keys));
  run_scenario(pod, secrets, room);
  if (HasFatalFailure()) return;
  const std::string err = pod.stderr_text();
  SCOPED_TRACE(err);
  const auto lines = parse_json_lines(err, "audit-json");
  ASSERT_FALSE(lines.empty());
  expect_none_leaked(secrets, err);
  expect_none_leaked(secrets, pod.stdout_text());

  // The lines signalmesh always wrote are there, as json.
  bool listening = false;
  for (const auto& line : lines) {
    listening = listening || line.str("msg").rfind("gateway pod audit-json listening on", 0) == 0;
  }
  EXPECT_TRUE(listening);

  // One admission per member, each naming its room, peer and connection.
  std::map<std::string, long long> conn_of;
  EXPECT_EQ(events(lines, "admitted").size(), 4u);
  for (const std::string peer : {"alice", "bob", "carol", "dave"}) {
    const auto admitted = one_event(lines, "admitted", "peer", peer);
    if (!admitted) continue;
    EXPECT_EQ(admitted->str("room"), room);
    EXPECT_EQ(admitted->str("level"), "info");
    ASSERT_TRUE(admitted->num("conn")) << admitted->raw;
    conn_of[peer] = *admitted->num("conn");
  }

  // The refusal with its cause, before any peerId was granted.
  const auto refused = events(lines, "refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].str("room"), room);
  EXPECT_EQ(refused[0].str("cause"), "unauthorized");
  EXPECT_EQ(refused[0].num("code"), 4001);
  EXPECT_FALSE(refused[0].has("peer"));

  // One close per connection, with its code and who closed it.
  const auto closed = events(lines, "closed");
  EXPECT_EQ(closed.size(), 5u);
  struct Expected {
    const char* peer;
    int code;
    const char* by;
    const char* reason;
  };
  for (const Expected& e :
       {Expected{"alice", 1000, "client", ""}, Expected{"bob", 1000, "client", ""},
        Expected{"carol", 4010, "server", "kicked"}, Expected{"dave", 4010, "server", "kicked"}}) {
    const auto line = one_event(lines, "closed", "peer", e.peer);
    if (!line) continue;
    EXPECT_EQ(line->str("room"), room) << line->raw;
    EXPECT_EQ(line->num("code"), e.code) << line->raw;
    EXPECT_EQ(line->str("by"), e.by) << line->raw;
    EXPECT_EQ(line->str("reason"), e.reason) << line->raw;
    EXPECT_EQ(line->num("conn"), conn_of[e.peer]) << "the admission's connection: " << line->raw;
  }
  bool intruder_closed = false;
  for (const auto& line : closed) {
    if (line.has("peer")) continue;
    intruder_closed = true;
    EXPECT_EQ(line.num("code"), 4001) << line.raw;
    EXPECT_EQ(line.str("reason"), "unauthorized") << line.raw;
    EXPECT_EQ(line.num("conn"), refused[0].num("conn")) << line.raw;
  }
  EXPECT_TRUE(intruder_closed);

  // Kicks, by the host and by the application.
  const auto by_host = one_event(lines, "kicked", "peer", "carol");
  if (by_host) {
    EXPECT_EQ(by_host->str("by"), "alice");
  }
  const auto by_api = one_event(lines, "kicked", "peer", "dave");
  if (by_api) {
    EXPECT_EQ(by_api->str("by"), "application");
  }
  for (const auto& line : events(lines, "kicked")) EXPECT_EQ(line.str("room"), room);

  // Host changes: alice first, then her hand-off to bob, then back to alice
  // when bob left.
  const auto hosts = events(lines, "host-changed");
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].str("host"), "alice");
  EXPECT_FALSE(hosts[0].has("previous"));
  EXPECT_EQ(hosts[1].str("host"), "bob");
  EXPECT_EQ(hosts[1].str("previous"), "alice");
  EXPECT_EQ(hosts[2].str("host"), "alice");
  EXPECT_EQ(hosts[2].str("previous"), "bob");
}

TEST(AuditLog, InTextTheSameEventsAreKeyValueFieldsAfterTheMessage) {
  Secrets secrets;
  TempFile jwt(secrets.jwt_secret);
  TempFile keys(secrets.api_key);
  const std::string room = random_id("audit");
  BinaryPod pod(pod_args("text", "audit-text", jwt, keys));
  run_scenario(pod, secrets, room);
  if (HasFatalFailure()) return;
  const std::string err = pod.stderr_text();
  SCOPED_TRACE(err);
  expect_none_leaked(secrets, err);
  const std::regex line_shape(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (error|warn|info|debug) [^\n]*)");
  for (const auto& line : lines_of(err)) EXPECT_TRUE(std::regex_match(line, line_shape)) << line;

  const std::string r = " room=" + room;
  for (const char* peer : {"alice", "bob", "carol", "dave"}) {
    EXPECT_EQ(count_of(err, " info peer admitted event=admitted" + r + " peer=" + peer + " conn="),
              1u)
        << peer;
  }
  EXPECT_TRUE(std::regex_search(err, std::regex(" info connection refused event=refused" + r +
                                                R"( conn=\d+ cause=unauthorized code=4001\n)")));
  EXPECT_TRUE(std::regex_search(
      err, std::regex(" info connection closed event=closed" + r +
                      R"( peer=carol conn=\d+ code=4010 by=server reason=kicked\n)")));
  EXPECT_TRUE(std::regex_search(err, std::regex(" info connection closed event=closed" + r +
                                                R"( peer=bob conn=\d+ code=1000 by=client\n)")));
  EXPECT_EQ(count_of(err, " info peer kicked event=kicked" + r + " peer=carol by=alice\n"), 1u);
  EXPECT_EQ(count_of(err, ": the application kicked dave event=kicked" + r +
                              " peer=dave by=application\n"),
            1u);
  EXPECT_EQ(
      count_of(err, " info host changed event=host-changed" + r + " host=bob previous=alice\n"),
      1u);
  // The gateway's own lines are as they always were.
  EXPECT_NE(err.find(" info gateway pod audit-text listening on 127.0.0.1:"), std::string::npos);
}

// Two pods over a real redis-server: each tells the other's arrival, the
// kick is told by the host's pod and the host change by the new host's pod,
// and a pod killed with SIGKILL is told lost by the survivor.
TEST(AuditLog, PodsJoiningAndLostAreToldAndEachKickOrHostChangeByOnePod) {
  std::unique_ptr<RedisServer> redis;
  try {
    redis = std::make_unique<RedisServer>();
  } catch (const std::exception& e) {
    GTEST_SKIP() << e.what();
  }
  Secrets secrets;
  TempFile jwt(secrets.jwt_secret);
  TempFile keys(secrets.api_key);
  const std::string redis_url = redis->url();
  auto args = [&](const std::string& pod_id) {
    auto a = pod_args("json", pod_id, jwt, keys);
    const std::vector<std::string> cluster = {
        "--backend", "redis",         "--redis-url", redis_url, "--heartbeat-interval-ms",
        "100",       "--pod-lost-ms", "800"};
    a.insert(a.end(), cluster.begin(), cluster.end());
    return a;
  };
  BinaryPod a(args("audit-a"));
  BinaryPod b(args("audit-b"));
  ASSERT_TRUE(a.wait_listening()) << a.stderr_text();
  ASSERT_TRUE(b.wait_listening()) << b.stderr_text();
  auto joined = [](const BinaryPod& pod, const std::string& other) {
    return pod.stderr_text().find(R"("event":"pod-joined","other_pod":")" + other + "\"") !=
           std::string::npos;
  };
  ASSERT_TRUE(eventually([&] { return joined(a, "audit-b") && joined(b, "audit-a"); }))
      << a.stderr_text() << b.stderr_text();
  ASSERT_TRUE(eventually([&] { return http_get(a.url(), "/readyz").status == 200; }));
  ASSERT_TRUE(eventually([&] { return http_get(b.url(), "/readyz").status == 200; }));

  const std::string room = random_id("audit");
  WsClient alice, bob, carol;
  ASSERT_TRUE(alice.connect(signal_url(a, room, secrets.token("alice", room))).open);
  ASSERT_TRUE(alice.expect_message_of_type("welcome"));
  ASSERT_TRUE(bob.connect(signal_url(b, room, secrets.token("bob", room))).open);
  ASSERT_TRUE(bob.expect_message_of_type("welcome"));
  ASSERT_TRUE(alice.expect_message_of_type("peer-joined"));
  ASSERT_TRUE(carol.connect(signal_url(b, room, secrets.token("carol", room))).open);
  ASSERT_TRUE(carol.expect_message_of_type("welcome"));
  ASSERT_TRUE(alice.expect_message_of_type("peer-joined"));
  ASSERT_TRUE(bob.expect_message_of_type("peer-joined"));

  // alice (host, pod a) kicks bob (pod b), then hands the host role to carol (pod b).
  ASSERT_TRUE(alice.send_text(kick_message("bob", secrets.kick_marker)));
  ASSERT_TRUE(bob.expect_message_of_type("kick"));
  EXPECT_TRUE(bob.expect_close(4010));
  ASSERT_TRUE(alice.wait_for_type("peer-left"));
  ASSERT_TRUE(carol.wait_for_type("peer-left"));
  ASSERT_TRUE(alice.send_text(host_change_message("carol")));
  ASSERT_TRUE(alice.wait_for_type("host-change"));
  ASSERT_TRUE(carol.wait_for_type("host-change"));
  ASSERT_TRUE(eventually([&] {
    return b.stderr_text().find(R"("event":"host-changed")") != std::string::npos;
  })) << b.stderr_text();

  // Pod b dies without a word: pod a tells it lost, and its host role moves
  // back to alice, told by pod a.
  b.send_signal(SIGKILL);
  ASSERT_TRUE(b.wait_exit());
  ASSERT_TRUE(alice.wait_for_type("peer-left", Ms(5000)));
  ASSERT_TRUE(eventually([&] {
    return a.stderr_text().find(R"("event":"pod-lost","other_pod":"audit-b")") !=
               std::string::npos &&
           count_of(a.stderr_text(), R"("event":"host-changed")") >= 2;
  })) << a.stderr_text();
  alice.close(1000);
  ASSERT_TRUE(alice.wait_closed());
  EXPECT_TRUE(eventually([&] { return count_of(a.stderr_text(), "connection closed") >= 1; }));
  a.send_signal(SIGTERM);
  ASSERT_TRUE(a.wait_exit());

  const auto on_a = parse_json_lines(a.stderr_text(), "audit-a");
  const auto on_b = parse_json_lines(b.stderr_text(), "audit-b");
  expect_none_leaked(secrets, a.stderr_text() + b.stderr_text());

  const auto kick = one_event(on_a, "kicked", "peer", "bob");
  if (kick) {
    EXPECT_EQ(kick->str("by"), "alice");
  }
  EXPECT_TRUE(events(on_b, "kicked").empty()) << "the kick is told by the host's pod only";
  const auto bob_closed = one_event(on_b, "closed", "peer", "bob");
  if (bob_closed) {
    EXPECT_EQ(bob_closed->num("code"), 4010);
  }

  const auto carol_host = one_event(on_b, "host-changed", "host", "carol");
  if (carol_host) {
    EXPECT_EQ(carol_host->str("previous"), "alice");
  }
  for (const auto& line : events(on_a, "host-changed")) {
    EXPECT_NE(line.str("host"), "carol") << "told by the new host's pod only: " << line.raw;
  }
  const auto back = one_event(on_a, "host-changed", "previous", "carol");
  if (back) {
    EXPECT_EQ(back->str("host"), "alice");
  }

  const auto lost = one_event(on_a, "pod-lost", "other_pod", "audit-b");
  if (lost) {
    EXPECT_EQ(lost->str("level"), "warn");
  }
  EXPECT_TRUE(one_event(on_a, "pod-joined", "other_pod", "audit-b").has_value());
  EXPECT_TRUE(one_event(on_b, "pod-joined", "other_pod", "audit-a").has_value());
}

}  // namespace
}  // namespace signalmesh::test
