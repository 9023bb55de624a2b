// /api/v1/users on every store: each endpoint's answer, byte for byte where
// the bytes are the contract, and each way a request can be refused
// without changing anything.
#include "api/api_harness.hpp"

namespace signalmesh::api::testing {
namespace {

SIGNALMESH_API_SUITE(UsersApi);

const std::string kAnn =
    R"({"uid":"ann","handle":"Ann","email":"ann@example.org","metadata":{"level":3,"tags":["a"]}})";

TEST_P(UsersApi, CreateAnswers201WithTheUserInAFixedFieldOrder) {
  const Reply reply = api->call("POST", "/api/v1/users", kAnn);
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body,
            R"({"uid":"ann","handle":"Ann","email":"ann@example.org","created":1700000000000,)"
            R"("metadata":{"level":3,"tags":["a"]}})");
}

TEST_P(UsersApi, CreateTakesOnlyUidAndHandleAndLeavesOptionalFieldsOut) {
  const Reply reply = api->call("POST", "/api/v1/users", R"({"handle":"Bob","uid":"bob"})");
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body, R"({"uid":"bob","handle":"Bob","created":1700000000000})");
}

TEST_P(UsersApi, CreateOfAnExistingUidIsConflictAndChangesNothing) {
  ASSERT_EQ(api->call("POST", "/api/v1/users", kAnn).status, 201);
  const Reply reply = api->call("POST", "/api/v1/users", R"({"uid":"ann","handle":"Other"})");
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.code(), "conflict");
  EXPECT_EQ(api->call("GET", "/api/v1/users/ann").json["handle"], "Ann");
}

TEST_P(UsersApi, GetAnswersTheStoredUserWithTheSameBytesEveryTime) {
  const Reply created = api->call("POST", "/api/v1/users", kAnn);
  const Reply first = api->call("GET", "/api/v1/users/ann");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, created.body);
  EXPECT_EQ(api->call("GET", "/api/v1/users/ann").body, first.body);
}

TEST_P(UsersApi, GetOfAnUnknownUserIsNotFound) {
  const Reply reply = api->call("GET", "/api/v1/users/nobody");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.code(), "not-found");
}

TEST_P(UsersApi, PatchChangesTheNamedFieldsAndNullRemovesEmailAndMetadata) {
  api->call("POST", "/api/v1/users", kAnn);
  Reply reply = api->call("PATCH", "/api/v1/users/ann", R"({"handle":"Änne 🎲"})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json["handle"], "Änne 🎲");
  EXPECT_EQ(reply.json["email"], "ann@example.org");
  reply = api->call("PATCH", "/api/v1/users/ann", R"({"email":null,"metadata":null})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"uid":"ann","handle":"Änne 🎲","created":1700000000000})");
  reply = api->call("PATCH", "/api/v1/users/ann", R"({"email":"a@b.c","metadata":{"x":{}}})");
  EXPECT_EQ(reply.body, R"({"uid":"ann","handle":"Änne 🎲","email":"a@b.c","created":1700000000000,)"
                        R"("metadata":{"x":{}}})");
}

TEST_P(UsersApi, AnEmptyPatchChangesNothing) {
  api->call("POST", "/api/v1/users", kAnn);
  const std::string before = api->call("GET", "/api/v1/users/ann").body;
  const Reply reply = api->call("PATCH", "/api/v1/users/ann", "{}");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, before);
}

TEST_P(UsersApi, PatchOfAnUnknownUserIsNotFound) {
  EXPECT_EQ(api->call("PATCH", "/api/v1/users/nobody", R"({"handle":"x"})").status, 404);
}

TEST_P(UsersApi, DeleteAnswers204ThenTheUserIsGone) {
  api->call("POST", "/api/v1/users", kAnn);
  const Reply reply = api->call("DELETE", "/api/v1/users/ann");
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(reply.body.empty());
  EXPECT_EQ(reply.header("Content-Type"), "");
  EXPECT_EQ(api->call("GET", "/api/v1/users/ann").status, 404);
  EXPECT_EQ(api->call("DELETE", "/api/v1/users/ann").status, 404);
}

TEST_P(UsersApi, ListPagesByUidWithACursorAndNullNextOnTheLastPage) {
  for (const char* uid : {"carol", "alice", "bob", "dave", "erin"}) {
    ASSERT_EQ(
        api->call("POST", "/api/v1/users", std::string(R"({"uid":")") + uid + R"(","handle":"h"})")
            .status,
        201);
  }
  std::vector<std::string> seen;
  std::string query = "limit=2";
  for (int pages = 0; pages < 5; ++pages) {
    const Reply reply = api->call("GET", "/api/v1/users", "", query);
    ASSERT_EQ(reply.status, 200) << reply.body;
    for (const auto& user : reply.json["users"].GetArray()) seen.push_back(user["uid"].GetString());
    if (reply.json["next"].IsNull()) break;
    query = std::string("limit=2&cursor=") + reply.json["next"].GetString();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"alice", "bob", "carol", "dave", "erin"}));
}

TEST_P(UsersApi, AnEmptyListIsAnEmptyArrayAndNullNext) {
  const Reply reply = api->call("GET", "/api/v1/users");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"users":[],"next":null})");
}

TEST_P(UsersApi, CreateRefusesEveryBadFieldNamingItAndStoresNothing) {
  const std::string long_handle(65, 'h');
  const std::string long_email = std::string(250, 'e') + "@x.org";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"handle":"Ann"})", "uid"},
      {R"({"uid":"ann"})", "handle"},
      {R"({"uid":5,"handle":"Ann"})", "uid"},
      {R"({"uid":"","handle":"Ann"})", "uid"},
      {R"({"uid":"a b","handle":"Ann"})", "uid"},
      {R"({"uid":"ann!","handle":"Ann"})", "uid"},
      {R"({"uid":")" + std::string(65, 'a') + R"(","handle":"Ann"})", "uid"},
      {R"({"uid":"ann","handle":""})", "handle"},
      {R"({"uid":"ann","handle":")" + long_handle + R"("})", "handle"},
      {R"({"uid":"ann","handle":"a\u0007b"})", "handle"},
      {R"({"uid":"ann","handle":"a\nb"})", "handle"},
      {R"({"uid":"ann","handle":"a)"
       "\xC2\x85"
       R"(b"})",
       "handle"},
      {R"({"uid":"ann","handle":null})", "handle"},
      {R"({"uid":"ann","handle":["Ann"]})", "handle"},
      {R"({"uid":"ann","handle":"Ann","email":"no-at-sign"})", "email"},
      {R"({"uid":"ann","handle":"Ann","email":"a@b@c"})", "email"},
      {R"({"uid":"ann","handle":"Ann","email":"@b"})", "email"},
      {R"({"uid":"ann","handle":"Ann","email":"a b@c"})", "email"},
      {R"({"uid":"ann","handle":"Ann","email":")" + long_email + R"("})", "email"},
      {R"({"uid":"ann","handle":"Ann","email":7})", "email"},
      {R"({"uid":"ann","handle":"Ann","metadata":[1]})", "metadata"},
      {R"({"uid":"ann","handle":"Ann","metadata":"{}"})", "metadata"},
      {R"({"uid":"ann","handle":"Ann","metadata":{"a":1,"a":2}})", "metadata"},
      {R"({"uid":"ann","handle":"Ann","metadata":{"x":")" + std::string(16400, 'm') + R"("}})",
       "metadata"},
      {R"({"uid":"ann","handle":"Ann","lastSeen":5})", "'lastSeen'"},
      {R"({"uid":"ann","handle":"Ann","created":5})", "'created'"},
      {R"({"uid":"ann","uid":"bob","handle":"Ann"})", "'uid'"},
  };
  for (const auto& [body, field] : cases) {
    const Reply reply = api->call("POST", "/api/v1/users", body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.code(), "invalid-field") << body;
    EXPECT_NE(reply.message().find(field), std::string::npos) << reply.message();
  }
  EXPECT_EQ(api->call("GET", "/api/v1/users").body, R"({"users":[],"next":null})");
}

TEST_P(UsersApi, MetadataIsStoredAsCompactJsonWithNumbersInShortestForm) {
  const Reply reply = api->call("POST", "/api/v1/users",
                                "{\"uid\":\"ann\",\"handle\":\"Ann\",\"metadata\": { \"a\" : 1.50 "
                                ",\"b\":1E2,\"c\":\"\\u00e9\\n\"} }");
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body, R"({"uid":"ann","handle":"Ann","created":1700000000000,)"
                        R"("metadata":{"a":1.5,"b":100.0,"c":"é\n"}})");
  EXPECT_EQ(api->call("GET", "/api/v1/users/ann").body, reply.body);
}

TEST_P(UsersApi, AHandleOfExactly64CharactersOfAnyScriptIsAccepted) {
  std::string handle;
  for (int i = 0; i < 64; ++i) handle += "é";
  const Reply reply =
      api->call("POST", "/api/v1/users", R"({"uid":"ann","handle":")" + handle + R"("})");
  EXPECT_EQ(reply.status, 201) << reply.body;
}

TEST_P(UsersApi, PatchRefusesBadFieldsAndChangesNothing) {
  api->call("POST", "/api/v1/users", kAnn);
  const std::string before = api->call("GET", "/api/v1/users/ann").body;
  for (const char* body : {R"({"handle":null})", R"({"handle":""})", R"({"email":"x"})",
                           R"({"metadata":1})", R"({"uid":"other"})", R"({"handle":"ok","x":1})"}) {
    const Reply reply = api->call("PATCH", "/api/v1/users/ann", body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.code(), "invalid-field") << body;
  }
  EXPECT_EQ(api->call("GET", "/api/v1/users/ann").body, before);
}

TEST_P(UsersApi, ABadUidInThePathIsInvalidField) {
  for (const char* path : {"/api/v1/users/a.b", "/api/v1/users/a%20b", "/api/v1/users/a+b"}) {
    const Reply reply = api->call("GET", path);
    EXPECT_EQ(reply.status, 400) << path;
    EXPECT_EQ(reply.code(), "invalid-field") << path;
    EXPECT_NE(reply.message().find("uid"), std::string::npos);
  }
  const std::string long_uid(65, 'a');
  EXPECT_EQ(api->call("DELETE", "/api/v1/users/" + long_uid).status, 400);
}

}  // namespace
}  // namespace signalmesh::api::testing
