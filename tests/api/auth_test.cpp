// The API's off switch and its keys: 404 for the whole tree when no key is
// configured, 401 without a configured key, every configured key accepted
// (rotation), and the key file's rules.
#include <cstdio>
#include <fstream>

#include "api/api_harness.hpp"

namespace signalmesh::api::testing {
namespace {

HttpRequest get_users(std::string authorization) {
  HttpRequest request;
  request.method = "GET";
  request.path = "/api/v1/users";
  request.authorization = std::move(authorization);
  return request;
}

TEST(ApiOff, WithoutKeysTheWholeApiTreeIsNotFound) {
  ApiSettings settings;
  ApiHarness api(make_test_store("fake"), settings);
  for (const char* path : {"/api", "/api/", "/api/v1/users", "/api/v1/rooms/r1", "/api/x"}) {
    HttpRequest request = get_users("Bearer " + kKey);
    request.path = path;
    const Reply reply = api.send(request);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.code(), "not-found") << path;
  }
}

TEST(ApiOff, EnabledSaysWhetherAnyKeyIsConfigured) {
  FakeStore store;
  RecordingLive live;
  EXPECT_FALSE(DataApi(store, live, ApiSettings{}, [] { return 0; }).enabled());
  EXPECT_TRUE(DataApi(store, live, ApiHarness::default_settings(), [] { return 0; }).enabled());
}

TEST(ApiPaths, OnlyApiAndWhatIsUnderItAreApiPaths) {
  EXPECT_TRUE(DataApi::is_api_path("/api"));
  EXPECT_TRUE(DataApi::is_api_path("/api/"));
  EXPECT_TRUE(DataApi::is_api_path("/api/v1/rooms"));
  EXPECT_FALSE(DataApi::is_api_path("/apix"));
  EXPECT_FALSE(DataApi::is_api_path("/signal/api"));
  EXPECT_FALSE(DataApi::is_api_path("/"));
}

TEST(ApiKeys, AMissingOrWrongKeyIsUnauthorizedWithABearerChallenge) {
  ApiHarness api(make_test_store("fake"));
  for (const std::string& authorization :
       {std::string(), std::string("Bearer"), std::string("Bearer "), "Basic " + kKey,
        "Bearer " + kKey + "x", "Bearer " + kKey.substr(1), std::string("Bearer wrong"),
        "Bearer" + kKey}) {
    const Reply reply = api.send(get_users(authorization));
    EXPECT_EQ(reply.status, 401) << authorization;
    EXPECT_EQ(reply.code(), "unauthorized");
    EXPECT_EQ(reply.header("WWW-Authenticate"), "Bearer");
  }
}

TEST(ApiKeys, UnauthorizedComesBeforeNotFoundSoNoPathIsProbedWithoutAKey) {
  ApiHarness api(make_test_store("fake"));
  HttpRequest request = get_users("");
  request.path = "/api/v2/nothing";
  EXPECT_EQ(api.send(request).status, 401);
}

TEST(ApiKeys, EveryConfiguredKeyIsAcceptedSoKeysCanBeRotated) {
  ApiHarness api(make_test_store("fake"));
  EXPECT_EQ(api.send(get_users("Bearer " + kKey)).status, 200);
  EXPECT_EQ(api.send(get_users("Bearer " + kOtherKey)).status, 200);
  // The scheme is case-insensitive (RFC 7235).
  EXPECT_EQ(api.send(get_users("bearer " + kOtherKey)).status, 200);
  EXPECT_EQ(api.send(get_users("BEARER " + kKey)).status, 200);
}

class KeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "api_keys_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void TearDown() override { std::remove(path_.c_str()); }
  const std::string& write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  std::string path_;
};

TEST_F(KeyFile, HoldsOneKeyPerLineSkippingBlankLinesAndComments) {
  const auto keys = load_api_keys(write("# keys\n\nfirst-key\n  second-key  \r\n#old\n"), nullptr);
  EXPECT_EQ(keys, (std::vector<std::string>{"first-key", "second-key"}));
}

TEST_F(KeyFile, TheEnvironmentKeyIsAddedToTheFilesKeys) {
  const auto keys = load_api_keys(write("file-key\n"), "env-key");
  EXPECT_EQ(keys, (std::vector<std::string>{"file-key", "env-key"}));
}

TEST_F(KeyFile, TheEnvironmentAloneIsEnoughAndNothingAtAllIsOff) {
  EXPECT_EQ(load_api_keys("", "env-key"), std::vector<std::string>{"env-key"});
  EXPECT_TRUE(load_api_keys("", nullptr).empty());
  EXPECT_TRUE(load_api_keys("", "").empty());
}

TEST_F(KeyFile, AnUnreadableFileIsAnErrorThatNamesIt) {
  try {
    load_api_keys(path_ + ".missing", "env-key");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_ + ".missing"), std::string::npos) << e.what();
  }
}

TEST_F(KeyFile, AFileWithNoKeyIsAnError) {
  EXPECT_THROW(load_api_keys(write("# only a comment\n\n"), "env-key"), std::runtime_error);
}

TEST_F(KeyFile, AKeyWithASpaceInsideIsAnErrorSinceNoClientCouldSendIt) {
  EXPECT_THROW(load_api_keys(write("two words\n"), nullptr), std::runtime_error);
}

TEST_F(KeyFile, KeysFromTheFileOpenTheApi) {
  ApiSettings settings;
  settings.keys = load_api_keys(write("k-from-file\n"), nullptr);
  ApiHarness api(make_test_store("fake"), settings);
  EXPECT_EQ(api.send(get_users("Bearer k-from-file")).status, 200);
  EXPECT_EQ(api.send(get_users("Bearer " + kKey)).status, 401);
}

}  // namespace
}  // namespace signalmesh::api::testing
