// Auth over the wire (protocol.md §6, §7): tokens on /signal and /turn, the
// Origin allow-list, TURN credentials in welcome.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "auth/token.hpp"
#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

const std::string kSecret = "integration-secret";

long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string token(const std::string& sub, const std::string& room, long long exp_in = 600) {
  return auth::sign_token(R"({"sub":")" + sub + R"(","room":")" + room + R"(","exp":)" +
                              std::to_string(unix_now() + exp_in) + "}",
                          kSecret);
}

class Auth : public ::testing::Test {
 protected:
  static Config config() {
    Config c = test_config();
    c.auth.jwt_secret = kSecret;
    c.auth.allowed_origins = {"https://app.example.com", "https://*.example.org"};
    c.turn.secrets = {"turn-secret"};
    c.turn.uris = {"turn:127.0.0.1:3478?transport=udp"};
    c.turn.ttl_seconds = 600;
    return c;
  }
  std::string signal(const std::string& query) const {
    return pod_.url() + "/signal/" + room_ + query;
  }
  InProcessPod pod_{config()};
  std::string room_ = random_id();
};

void expect_refused(WsClient& ws, const char* code, int close_code) {
  EXPECT_TRUE(ws.expect_error(code)) << code;
  EXPECT_TRUE(ws.expect_close(close_code)) << close_code;
}

TEST_F(Auth, AValidTokenAdmitsItsPeerIdEvenWithoutAPeerIdParameter) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(signal("?token=" + token("alice", room_))).open);
  auto welcome = ws.expect_message_of_type("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->str("peerId"), "alice");
}

TEST_F(Auth, AMissingMalformedBadlySignedOrExpiredTokenIsUnauthorized4001) {
  const std::string good = token("alice", room_);
  const std::vector<std::string> queries = {
      "?peerId=alice",
      "?token=",
      "?token=garbage",
      "?token=" + good + "x",
      "?token=" + auth::sign_token(R"({"sub":"alice","room":"*","exp":9999999999})", "wrong"),
      "?token=" + token("alice", room_, -10)};
  for (const std::string& query : queries) {
    WsClient ws;
    ASSERT_TRUE(ws.connect(signal(query)).open) << query;
    expect_refused(ws, "unauthorized", 4001);
  }
}

TEST_F(Auth, ATokenForAnotherRoomOrPeerIdIsForbidden4003) {
  const std::vector<std::string> queries = {"?token=" + token("alice", "another-room"),
                                            "?peerId=bob&token=" + token("alice", room_)};
  for (const std::string& query : queries) {
    WsClient ws;
    ASSERT_TRUE(ws.connect(signal(query)).open) << query;
    expect_refused(ws, "forbidden", 4003);
  }
  WsClient any_room;
  ASSERT_TRUE(any_room.connect(signal("?peerId=carol&token=" + token("carol", "*"))).open);
  EXPECT_TRUE(any_room.expect_message_of_type("welcome")) << "room * grants every room";
}

TEST_F(Auth, WelcomeCarriesTurnIceServersReadyForRTCPeerConnection) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(signal("?token=" + token("alice", room_))).open);
  auto welcome = ws.expect_message_of_type("welcome");
  ASSERT_TRUE(welcome);
  const std::string ice = welcome->member_json("iceServers");
  EXPECT_NE(ice.find(R"("urls":["turn:127.0.0.1:3478?transport=udp"])"), std::string::npos) << ice;
  EXPECT_NE(ice.find(R"(:alice","credential":")"), std::string::npos) << ice;
}

TEST_F(Auth, ForeignOriginsGet403WhileListedOnesAndNonBrowsersAreAdmitted) {
  const std::string query = "?token=" + token("alice", room_);
  WsClient foreign({true, {{"Origin", "https://evil.example.com"}}});
  EXPECT_EQ(foreign.connect(signal(query)).http_status, 403);
  WsClient listed({true, {{"Origin", "https://app.example.com"}}});
  EXPECT_TRUE(listed.connect(signal(query)).open);
  WsClient wildcard({true, {{"Origin", "https://tenant.example.org"}}});
  EXPECT_TRUE(wildcard.connect(signal("?token=" + token("bob", room_))).open);
  WsClient no_origin;
  EXPECT_TRUE(no_origin.connect(signal("?token=" + token("carol", room_))).open);
}

TEST_F(Auth, TurnEndpointIsGuardedByTheSameToken) {
  EXPECT_EQ(http_get(pod_.url(), "/turn?peerId=alice").status, 401);
  EXPECT_EQ(http_get(pod_.url(), "/turn?peerId=alice&token=" + token("bob", "*")).status, 403);
  EXPECT_EQ(http_get(pod_.url(), "/turn?token=" + token("alice", "*")).status, 400);
  auto ok = http_get(pod_.url(), "/turn?peerId=alice&token=" + token("alice", "*"));
  ASSERT_EQ(ok.status, 200);
  auto body = Json::parse(ok.body);
  ASSERT_TRUE(body) << ok.body;
  const std::string username = body->str("username");
  const long long expiry = std::stoll(username.substr(0, username.find(':')));
  EXPECT_EQ(username.substr(username.find(':')), ":alice");
  EXPECT_NEAR(static_cast<double>(expiry), static_cast<double>(unix_now() + 600), 5.0);
  EXPECT_EQ(body->member_json("ttl"), "600");
  EXPECT_FALSE(body->str("password").empty());
  EXPECT_TRUE(body->has("iceServers"));
  auto bearer = http_get(pod_.url(), "/turn?peerId=alice",
                         {{"Authorization", "Bearer " + token("alice", "*")}});
  EXPECT_EQ(bearer.status, 200);
}

// A page of an allowed origin on another host fetches its credentials with
// CORS: the preflight of its GET with Authorization, then the GET (errors
// too carry the headers, so the page can read why). Another origin: 403.
TEST_F(Auth, TurnAnswersCrossOriginRequestsOfAllowedOriginsOnly) {
  const Headers preflight = {{"Origin", "https://tenant.example.org"},
                             {"Access-Control-Request-Method", "GET"},
                             {"Access-Control-Request-Headers", "authorization"}};
  auto pre = http_request(pod_.url(), "OPTIONS", "/turn?peerId=alice", preflight);
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "https://tenant.example.org");
  EXPECT_NE(pre.header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_EQ(pre.header("access-control-allow-headers"), "Authorization");
  EXPECT_EQ(pre.header("vary"), "Origin");
  EXPECT_TRUE(pre.body.empty());

  const Headers page = {{"Origin", "https://app.example.com"},
                        {"Authorization", "Bearer " + token("alice", "*")}};
  auto ok = http_get(pod_.url(), "/turn?peerId=alice", page);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("access-control-allow-origin"), "https://app.example.com");
  auto refused =
      http_get(pod_.url(), "/turn?peerId=alice", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("access-control-allow-origin"), "https://app.example.com");

  for (const char* method : {"OPTIONS", "GET"}) {
    auto foreign = http_request(pod_.url(), method, "/turn?peerId=alice",
                                {{"Origin", "https://evil.example.com"},
                                 {"Authorization", "Bearer " + token("alice", "*")}});
    EXPECT_EQ(foreign.status, 403) << method;
    EXPECT_EQ(foreign.header("access-control-allow-origin"), "") << method;
  }
  // Not a browser: no Origin, no CORS headers, answered as before.
  auto tool = http_get(pod_.url(), "/turn?peerId=alice&token=" + token("alice", "*"));
  EXPECT_EQ(tool.status, 200);
  EXPECT_EQ(tool.header("access-control-allow-origin"), "");
  // Other paths take no preflight.
  EXPECT_EQ(http_request(pod_.url(), "OPTIONS", "/healthz", preflight).status, 405);
}

TEST(TurnOff, WithoutTurnSecretsTurnIs404AndWelcomeHasNoIceServers) {
  InProcessPod pod(test_config());
  EXPECT_EQ(http_get(pod.url(), "/turn?peerId=alice").status, 404);
}

// A STUN-only setup: URIs without a secret. welcome's iceServers and GET
// /turn carry the URIs and no credentials (protocol.md §7, Decisions).
void expect_stun_only(const std::string& base) {
  const std::string stun = R"([{"urls":["stun:stun.example.com:3478","stun:127.0.0.1:3478"]}])";
  WsClient ws;
  ASSERT_TRUE(ws.connect(base + "/signal/" + random_id() + "?peerId=alice").open);
  auto welcome = ws.expect_message_of_type("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->member_json("iceServers"), stun) << welcome->text();
  auto turn = http_get(base, "/turn?peerId=alice");
  ASSERT_EQ(turn.status, 200);
  auto body = Json::parse(turn.body);
  ASSERT_TRUE(body) << turn.body;
  EXPECT_EQ(body->member_json("iceServers"), stun) << turn.body;
  EXPECT_EQ(body->strings("uris"),
            (std::vector<std::string>{"stun:stun.example.com:3478", "stun:127.0.0.1:3478"}));
  for (const char* key : {"username", "password", "ttl"}) EXPECT_FALSE(body->has(key)) << key;
  EXPECT_EQ(http_get(base, "/turn").status, 400) << "a peerId is still required";
}

TEST(StunOnly, AnInProcessPodHandsOutItsStunUrisWithoutCredentials) {
  Config config = test_config();
  config.turn.uris = {"stun:stun.example.com:3478", "stun:127.0.0.1:3478"};
  InProcessPod pod(config);
  expect_stun_only(pod.url());
}

TEST(StunOnly, TheBinaryStartedWithStunUrisAloneHandsThemOutWithoutCredentials) {
  BinaryPod pod({"--host", "127.0.0.1", "--port", "0", "--log-level", "warn", "--turn-uris",
                 "stun:stun.example.com:3478,stun:127.0.0.1:3478"});
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  expect_stun_only(pod.url());
}

}  // namespace
}  // namespace signalmesh::test
