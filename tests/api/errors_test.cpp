// What every endpoint shares: routing (404, 405), the body (413, 415,
// invalid-json), the query (invalid-query, invalid-cursor), and the store
// being absent (--store none: 501) or down (503). None of them changes
// anything.
#include "api/api_harness.hpp"

namespace signalmesh::api::testing {
namespace {

SIGNALMESH_API_SUITE(RequestErrors);

TEST_P(RequestErrors, UnknownPathsAndTrailingSlashesAreNotFound) {
  api->call("POST", "/api/v1/rooms", R"({"roomId":"r1"})");
  for (const char* path :
       {"/api", "/api/", "/api/v1", "/api/v1/", "/api/v2/users", "/api/v1/users/", "/api/v1/rooms/",
        "/api/v1/rooms/r1/", "/api/v1/rooms//hashes", "/api/v1/rooms/r1/x",
        "/api/v1/rooms/r1/hashes/", "/api/v1/rooms/r1/hashes/1/2", "/api/v1/users/a/b",
        "/api/v1/rooms/r1/members/p1/x", "/api/v1/rooms/r1/messages/x", "/api/v1/things"}) {
    const Reply reply = api->call("GET", path);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.code(), "not-found") << path;
  }
}

TEST_P(RequestErrors, AMethodAnEndpointDoesNotTakeIs405WithAllow) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"DELETE", "/api/v1/users", "GET, POST"},
      {"PUT", "/api/v1/users/ann", "GET, PATCH, DELETE"},
      {"POST", "/api/v1/users/ann", "GET, PATCH, DELETE"},
      {"PATCH", "/api/v1/rooms", "GET, POST"},
      {"HEAD", "/api/v1/rooms/r1", "GET, PATCH, DELETE"},
      {"POST", "/api/v1/rooms/r1/hashes", "GET"},
      {"DELETE", "/api/v1/rooms/r1/hashes/3", "GET"},
      {"get", "/api/v1/rooms", "GET, POST"},
  };
  for (const auto& [method, path, allow] : cases) {
    const Reply reply = api->call(method, path, "{}");
    EXPECT_EQ(reply.status, 405) << method << " " << path;
    EXPECT_EQ(reply.code(), "method-not-allowed");
    EXPECT_EQ(reply.header("Allow"), allow);
  }
}

TEST_P(RequestErrors, ABodyOverTheLimitIs413AndTheLimitItselfIsAccepted) {
  const std::size_t limit = ApiHarness::default_settings().max_body_bytes;
  const std::string head = R"({"uid":"ann","handle":"Ann","metadata":{"p":")";
  std::string exact = head + std::string(limit - head.size() - 3, ' ') + R"("}})";
  ASSERT_EQ(exact.size(), limit);
  Reply reply = api->call("POST", "/api/v1/users", exact + " ");
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.code(), "body-too-large");
  // At the limit the body is read (and its metadata is then too large).
  reply = api->call("POST", "/api/v1/users", exact);
  EXPECT_EQ(reply.code(), "invalid-field");
  EXPECT_EQ(api->call("GET", "/api/v1/users/ann").status, 404);
}

TEST_P(RequestErrors, ABodyThatIsNotApplicationJsonIs415) {
  for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded",
                           "application/jsonp", "application/json; charset=latin1"}) {
    HttpRequest request;
    request.method = "POST";
    request.path = "/api/v1/users";
    request.authorization = "Bearer " + kKey;
    request.content_type = type;
    request.body = R"({"uid":"ann","handle":"Ann"})";
    const Reply reply = api->send(request);
    EXPECT_EQ(reply.status, 415) << type;
    EXPECT_EQ(reply.code(), "unsupported-media-type");
  }
  HttpRequest request;
  request.method = "POST";
  request.path = "/api/v1/users";
  request.authorization = "Bearer " + kKey;
  request.content_type = "Application/JSON; charset=UTF-8";
  request.body = R"({"uid":"ann","handle":"Ann"})";
  EXPECT_EQ(api->send(request).status, 201);
}

TEST_P(RequestErrors, WhatIsNotOneJsonObjectIsInvalidJson) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  std::string deep_metadata = R"({"uid":"a","handle":"h","metadata":)";
  for (int i = 0; i < 40; ++i) deep_metadata += R"({"a":)";
  deep_metadata += "1" + std::string(40, '}') + "}";
  const std::vector<std::string> bodies = {
      "{",
      "{\"uid\":}",
      "[]",
      "\"text\"",
      "42",
      "null",
      "{} {}",
      "{\"uid\":\"ann\",}",
      std::string("{}\0junk", 7),
      std::string("{\"uid\":\"a\0b\"}", 13),
      "{\"handle\":\"\xff\xfe\"}",
      "{\"handle\":\"\xc0\xaf\"}",
      "{\"handle\":\"\\ud800\"}",
      "{\"n\":1e400}",
      deep,
      deep_metadata,
      std::string(60000, '['),
  };
  for (const std::string& body : bodies) {
    const Reply reply = api->call("POST", "/api/v1/users", body);
    EXPECT_EQ(reply.status, 400) << body.substr(0, 40);
    EXPECT_EQ(reply.code(), "invalid-json") << body.substr(0, 40);
  }
  EXPECT_EQ(api->call("GET", "/api/v1/users").body, R"({"users":[],"next":null})");
}

TEST_P(RequestErrors, NestingUpToTheCapIsAccepted) {
  std::string body = R"({"uid":"ann","handle":"h","metadata":)";
  for (int i = 0; i < 31; ++i) body += R"({"a":)";
  body += "1" + std::string(31, '}') + "}";
  EXPECT_EQ(api->call("POST", "/api/v1/users", body).status, 201);
}

TEST_P(RequestErrors, UnknownRepeatedOrMalformedQueryParametersAreInvalidQuery) {
  api->call("POST", "/api/v1/rooms", R"({"roomId":"r1"})");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/users", "page=2"},          {"/api/v1/users", "limit=1&limit=2"},
      {"/api/v1/users", "limit"},           {"/api/v1/users", "limit="},
      {"/api/v1/users", "limit=0"},         {"/api/v1/users", "limit=501"},
      {"/api/v1/users", "limit=-1"},        {"/api/v1/users", "limit=ten"},
      {"/api/v1/users", "limit=%zz"},       {"/api/v1/users", "status=waiting"},
      {"/api/v1/rooms", "status=paused"},   {"/api/v1/rooms", "status=Waiting"},
      {"/api/v1/users/ann", "x=1"},         {"/api/v1/rooms/r1", "round=1"},
      {"/api/v1/rooms", "limit=1&&cursor"},
  };
  for (const auto& [path, query] : cases) {
    const Reply reply = api->call("GET", path, "", query);
    EXPECT_EQ(reply.status, 400) << path << "?" << query;
    EXPECT_EQ(reply.code(), "invalid-query") << path << "?" << query;
  }
  // A query on a write is refused before anything is written.
  EXPECT_EQ(api->call("POST", "/api/v1/rooms", R"({"roomId":"r2"})", "x=1").code(),
            "invalid-query");
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/r2").status, 404);
}

TEST_P(RequestErrors, LimitsAtTheBoundsAndPercentEncodingAreAccepted) {
  EXPECT_EQ(api->call("GET", "/api/v1/users", "", "limit=1").status, 200);
  EXPECT_EQ(api->call("GET", "/api/v1/users", "", "limit=500").status, 200);
  EXPECT_EQ(api->call("GET", "/api/v1/rooms", "", "?%73tatus=w%61iting").status, 200);
}

TEST_P(RequestErrors, ACursorNoPageGaveIsInvalidCursor) {
  for (const char* path : {"/api/v1/users", "/api/v1/rooms"}) {
    for (const char* cursor : {"garbage", "c1.", "c1.!!!!", "c2.YWJj"}) {
      const Reply reply = api->call("GET", path, "", std::string("cursor=") + cursor);
      EXPECT_EQ(reply.status, 400) << path << " " << cursor;
      EXPECT_EQ(reply.code(), "invalid-cursor") << path << " " << cursor;
    }
  }
}

TEST_P(RequestErrors, ABodyOnGetOrDeleteIsNotRead) {
  api->call("POST", "/api/v1/users", R"({"uid":"ann","handle":"Ann"})");
  EXPECT_EQ(api->call("GET", "/api/v1/users/ann", "not json").status, 200);
  EXPECT_EQ(api->call("DELETE", "/api/v1/users/ann", "not json").status, 204);
}

TEST_P(RequestErrors, ErrorsAreOneObjectWithCodeAndMessage) {
  const Reply reply = api->call("GET", "/api/v1/rooms/nope");
  EXPECT_EQ(reply.body, R"({"error":{"code":"not-found","message":"room 'nope' not found"}})");
}

// --store none: the data endpoints exist but keep nothing.
TEST(NoneStore, EveryDataEndpointIsNotImplemented) {
  ApiHarness api(make_test_store("none"));
  const std::vector<std::tuple<std::string, std::string, std::string>> calls = {
      {"POST", "/api/v1/users", R"({"uid":"ann","handle":"Ann"})"},
      {"GET", "/api/v1/users", ""},
      {"GET", "/api/v1/users/ann", ""},
      {"PATCH", "/api/v1/users/ann", R"({"handle":"A"})"},
      {"DELETE", "/api/v1/users/ann", ""},
      {"POST", "/api/v1/rooms", "{}"},
      {"GET", "/api/v1/rooms", ""},
      {"GET", "/api/v1/rooms/r1", ""},
      {"PATCH", "/api/v1/rooms/r1", R"({"status":"playing"})"},
      {"PATCH", "/api/v1/rooms/r1", R"({"metadata":{}})"},
      {"DELETE", "/api/v1/rooms/r1", ""},
      {"GET", "/api/v1/rooms/r1/hashes", ""},
      {"GET", "/api/v1/rooms/r1/hashes/1", ""},
  };
  for (const auto& [method, path, body] : calls) {
    const Reply reply = api.call(method, path, body);
    EXPECT_EQ(reply.status, 501) << method << " " << path;
    EXPECT_EQ(reply.code(), "not-implemented") << method << " " << path;
  }
  EXPECT_TRUE(api.live.changed.empty());
  EXPECT_TRUE(api.live.deleted.empty());
  // Bad input is still bad input, whatever the store.
  EXPECT_EQ(api.call("POST", "/api/v1/users", "{").code(), "invalid-json");
}

TEST(DownStore, EveryDataEndpointIsStoreUnavailableWithRetryAfter) {
  ApiHarness api(make_test_store("down"));
  const std::vector<std::tuple<std::string, std::string, std::string>> calls = {
      {"POST", "/api/v1/users", R"({"uid":"ann","handle":"Ann"})"},
      {"GET", "/api/v1/users", ""},
      {"GET", "/api/v1/users/ann", ""},
      {"PATCH", "/api/v1/users/ann", R"({"handle":"A"})"},
      {"DELETE", "/api/v1/users/ann", ""},
      {"POST", "/api/v1/rooms", "{}"},
      {"GET", "/api/v1/rooms", "status=waiting"},
      {"GET", "/api/v1/rooms/r1", ""},
      {"PATCH", "/api/v1/rooms/r1", R"({"status":"playing"})"},
      {"PATCH", "/api/v1/rooms/r1", R"({"metadata":{}})"},
      {"DELETE", "/api/v1/rooms/r1", ""},
      {"GET", "/api/v1/rooms/r1/hashes", ""},
      {"GET", "/api/v1/rooms/r1/hashes/1", ""},
  };
  for (const auto& [method, path, body] : calls) {
    const Reply reply = api.call(method, path, body);
    EXPECT_EQ(reply.status, 503) << method << " " << path;
    EXPECT_EQ(reply.code(), "store-unavailable") << method << " " << path;
    EXPECT_EQ(reply.header("Retry-After"), "1");
  }
  EXPECT_TRUE(api.live.changed.empty());
  EXPECT_TRUE(api.live.deleted.empty());
}

}  // namespace
}  // namespace signalmesh::api::testing
