// Tokens, origins and TURN credentials: pure functions, no sockets.
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "auth/origin.hpp"
#include "auth/token.hpp"
#include "auth/turn.hpp"

namespace signalmesh::auth {
namespace {

constexpr double kNow = 1'800'000'000;
const std::string kSecret = "correct horse battery staple";

std::string token_for(const std::string& payload) {
  return sign_token(payload, kSecret);
}

std::string with_header(const std::string& header_json, const std::string& payload,
                        const std::string& key) {
  const std::string input = base64url(header_json) + "." + base64url(payload);
  return input + "." + base64url(hmac_sha256(key, input));
}

TEST(Token, AWellSignedUnexpiredTokenYieldsItsClaims) {
  const auto claims =
      verify_token(token_for(R"({"sub":"alice","room":"r1","exp":1800000060})"), kSecret, kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->sub, "alice");
  EXPECT_EQ(claims->room, "r1");
  EXPECT_TRUE(grants(*claims, "r1", "alice"));
  EXPECT_FALSE(grants(*claims, "r2", "alice"));
  EXPECT_FALSE(grants(*claims, "r1", "bob"));
}

TEST(Token, AWildcardRoomGrantsEveryRoomButOnlyItsPeerId) {
  const auto claims =
      verify_token(token_for(R"({"sub":"alice","room":"*","exp":1800000060})"), kSecret, kNow);
  ASSERT_TRUE(claims);
  EXPECT_TRUE(grants(*claims, "anything", "alice"));
  EXPECT_FALSE(grants(*claims, "anything", "mallory"));
}

TEST(Token, RefusesEveryMalformedBadlySignedOrExpiredToken) {
  const std::string good = R"({"sub":"alice","room":"r1","exp":1800000060})";
  const std::string valid = token_for(good);
  struct Case {
    const char* why;
    std::string token;
  } cases[] = {
      {"empty", ""},
      {"one part", "abc"},
      {"two parts", "abc.def"},
      {"four parts", valid + ".x"},
      {"empty signature", valid.substr(0, valid.rfind('.') + 1)},
      {"signed with another secret", sign_token(good, "another secret")},
      {"tampered payload", base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                               base64url(R"({"sub":"mallory","room":"*","exp":1800000060})") +
                               valid.substr(valid.rfind('.'))},
      {"expired", token_for(R"({"sub":"alice","room":"r1","exp":1799999999})")},
      {"expiring now", token_for(R"({"sub":"alice","room":"r1","exp":1800000000})")},
      {"no exp", token_for(R"({"sub":"alice","room":"r1"})")},
      {"exp as string", token_for(R"({"sub":"alice","room":"r1","exp":"1800000060"})")},
      {"no sub", token_for(R"({"room":"r1","exp":1800000060})")},
      {"sub not an id", token_for(R"({"sub":"al ice","room":"r1","exp":1800000060})")},
      {"no room", token_for(R"({"sub":"alice","exp":1800000060})")},
      {"room not an id", token_for(R"({"sub":"alice","room":"r/1","exp":1800000060})")},
      {"not yet valid",
       token_for(R"({"sub":"alice","room":"r1","exp":1800000060,"nbf":1800000030})")},
      {"payload not JSON", base64url(R"({"alg":"HS256"})") + "." + base64url("nope") + ".sig"},
      {"alg none", base64url(R"({"alg":"none"})") + "." + base64url(good) + "."},
      {"alg none with a signature", with_header(R"({"alg":"none"})", good, kSecret)},
      {"alg HS512 (not ours to pick)", with_header(R"({"alg":"HS512"})", good, kSecret)},
      {"alg RS256 keyed with the secret (algorithm confusion)",
       with_header(R"({"alg":"RS256"})", good, kSecret)},
      {"alg missing", with_header(R"({"typ":"JWT"})", good, kSecret)},
      {"crit extension", with_header(R"({"alg":"HS256","crit":["b64"]})", good, kSecret)},
      {"padding in base64url", valid + "=="},
      {"standard base64 characters", valid.substr(0, valid.size() - 1) + "+"},
      {"huge", std::string(5000, 'a')},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(verify_token(c.token, kSecret, kNow)) << c.why;
  }
  EXPECT_FALSE(verify_token(valid, "", kNow)) << "no secret configured";
}

TEST(Crypto, Base64UrlRoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    const auto decoded = base64url_decode(base64url(bytes));
    ASSERT_TRUE(decoded) << n;
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(n * 37);
  }
}

// RFC 4231 test case 2 (5bdcc146...ec3843), base64-encoded.
TEST(Crypto, HmacSha256MatchesRfc4231TestCase2) {
  const auto mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(base64(mac), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

TEST(Origin, AnEmptyListOrNoOriginHeaderIsAdmitted) {
  EXPECT_TRUE(origin_allowed("https://evil.example", true, {}));
  EXPECT_TRUE(origin_allowed("", false, {"https://app.example.com"}));
}

TEST(Origin, ExactEntriesAndWildcardsMatchAsDocumented) {
  const std::vector<std::string> allowed = {"https://app.example.com", "https://*.example.org"};
  struct Case {
    const char* origin;
    bool admitted;
  } cases[] = {
      {"https://app.example.com", true},         {"HTTPS://APP.EXAMPLE.COM", true},
      {"http://app.example.com", false},         {"https://app.example.com:8443", false},
      {"https://evilapp.example.com", false},    {"https://a.example.org", true},
      {"https://a.b.example.org", true},         {"https://example.org", false},
      {"https://.example.org", false},           {"https://evil.com/.example.org", false},
      {"https://a.example.org.evil.com", false}, {"null", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(origin_allowed(c.origin, true, allowed), c.admitted) << c.origin;
  }
}

TEST(Origin, PatternsAreValidatedForTheFlag) {
  EXPECT_TRUE(is_origin_pattern("https://app.example.com"));
  EXPECT_TRUE(is_origin_pattern("https://*.example.com"));
  EXPECT_TRUE(is_origin_pattern("http://localhost:8080"));
  EXPECT_FALSE(is_origin_pattern("app.example.com"));
  EXPECT_FALSE(is_origin_pattern("https://*"));
  EXPECT_FALSE(is_origin_pattern("https://a.*.example.com"));
  EXPECT_FALSE(is_origin_pattern("https://app.example.com/path"));
}

TEST(Turn, CredentialsFollowCoturnsRestApi) {
  TurnConfig config;
  config.secrets = {"north", "south"};
  config.uris = {"turn:127.0.0.1:3478?transport=udp"};
  config.ttl_seconds = 600;
  const auto c = make_turn_credentials(config, "alice", 1'800'000'000);
  EXPECT_EQ(c.username, "1800000600:alice");
  EXPECT_EQ(c.password, base64(hmac_sha1("north", "1800000600:alice")));
  EXPECT_EQ(c.ttl, 600u);
  EXPECT_EQ(ice_servers_json(config, c),
            R"([{"urls":["turn:127.0.0.1:3478?transport=udp"],"username":"1800000600:alice",)"
            R"("credential":")" +
                c.password + R"("}])");
  const auto body = turn_response_json(config, c);
  EXPECT_NE(body.find(R"("ttl":600)"), std::string::npos);
  EXPECT_NE(body.find(R"("uris":["turn:127.0.0.1:3478?transport=udp"])"), std::string::npos);
}

TEST(Turn, IceServersForAPeerCarryCredentialsOnlyWhenASecretIsSet) {
  TurnConfig config;
  EXPECT_EQ(ice_servers_json(config, "alice", 1'800'000'000), "");
  config.uris = {"stun:s.example:3478", "stun:[::1]:3478"};
  EXPECT_EQ(ice_servers_json(config, "alice", 1'800'000'000),
            R"([{"urls":["stun:s.example:3478","stun:[::1]:3478"]}])");
  EXPECT_EQ(turn_response_json(config, "alice", 1'800'000'000),
            R"({"uris":["stun:s.example:3478","stun:[::1]:3478"],)"
            R"("iceServers":[{"urls":["stun:s.example:3478","stun:[::1]:3478"]}]})");
  config.secrets = {"s"};
  config.ttl_seconds = 600;
  const auto c = make_turn_credentials(config, "alice", 1'800'000'000);
  EXPECT_EQ(ice_servers_json(config, "alice", 1'800'000'000), ice_servers_json(config, c));
  EXPECT_EQ(turn_response_json(config, "alice", 1'800'000'000), turn_response_json(config, c));
}

TEST(Turn, HmacSha1MatchesRfc2202TestCase2) {
  EXPECT_EQ(base64(hmac_sha1("Jefe", "what do ya want for nothing?")),
            "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}

}  // namespace
}  // namespace signalmesh::auth
