// /api/v1/rooms/{id}/hashes on every store: the listing by tick then peer
// (the room's current round by default), one tick's hashes by peer, and the
// query refusals.
#include "api/api_harness.hpp"

namespace signalmesh::api::testing {
namespace {

SIGNALMESH_API_SUITE(HashesApi);

class Seeded {
 public:
  explicit Seeded(ApiHarness& api) {
    api.call("POST", "/api/v1/rooms", R"({"roomId":"r1"})");
    api.put_hash("r1", 1, 10, "bob", "aaa");
    api.put_hash("r1", 1, 10, "amy", "aaa");
    api.put_hash("r1", 1, 11, "amy", "bbb");
    api.put_hash("r1", 1, 12, "amy", "ccc");
    api.put_hash("r1", 2, 10, "amy", "round2");
  }
};

TEST_P(HashesApi, ListAnswersTheCurrentRoundByTickThenPeer) {
  Seeded seed(*api);
  const Reply reply = api->call("GET", "/api/v1/rooms/r1/hashes");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(
      reply.body,
      R"({"hashes":[)"
      R"({"roomId":"r1","round":1,"tick":10,"peerId":"amy","hash":"aaa","timestamp":1700000000000},)"
      R"({"roomId":"r1","round":1,"tick":10,"peerId":"bob","hash":"aaa","timestamp":1700000000000},)"
      R"({"roomId":"r1","round":1,"tick":11,"peerId":"amy","hash":"bbb","timestamp":1700000000000},)"
      R"({"roomId":"r1","round":1,"tick":12,"peerId":"amy","hash":"ccc","timestamp":1700000000000}],)"
      R"("next":null})");
}

TEST_P(HashesApi, RoundDefaultsToTheRoomsCurrentRound) {
  Seeded seed(*api);
  api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"finished"})");
  api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"waiting"})");  // round 2
  Reply reply = api->call("GET", "/api/v1/rooms/r1/hashes");
  ASSERT_EQ(reply.json["hashes"].Size(), 1u);
  EXPECT_EQ(reply.json["hashes"][0]["hash"], "round2");
  reply = api->call("GET", "/api/v1/rooms/r1/hashes", "", "round=1");
  EXPECT_EQ(reply.json["hashes"].Size(), 4u);
}

TEST_P(HashesApi, FromAndToBoundTheTicksInclusively) {
  Seeded seed(*api);
  Reply reply = api->call("GET", "/api/v1/rooms/r1/hashes", "", "from=11&to=12");
  ASSERT_EQ(reply.json["hashes"].Size(), 2u);
  EXPECT_EQ(reply.json["hashes"][0]["tick"], 11);
  EXPECT_EQ(reply.json["hashes"][1]["tick"], 12);
  reply = api->call("GET", "/api/v1/rooms/r1/hashes", "", "from=11&to=11");
  EXPECT_EQ(reply.json["hashes"].Size(), 1u);
}

TEST_P(HashesApi, ListPagesWithACursor) {
  Seeded seed(*api);
  std::vector<std::string> seen;
  std::string query = "limit=1";
  for (int pages = 0; pages < 10; ++pages) {
    const Reply reply = api->call("GET", "/api/v1/rooms/r1/hashes", "", query);
    ASSERT_EQ(reply.status, 200) << reply.body;
    for (const auto& h : reply.json["hashes"].GetArray()) {
      seen.push_back(std::to_string(h["tick"].GetUint64()) + h["peerId"].GetString());
    }
    if (reply.json["next"].IsNull()) break;
    query = std::string("limit=1&cursor=") + reply.json["next"].GetString();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"10amy", "10bob", "11amy", "12amy"}));
}

TEST_P(HashesApi, ATickAnswersItsHashesByPeer) {
  Seeded seed(*api);
  Reply reply = api->call("GET", "/api/v1/rooms/r1/hashes/10");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            R"({"roomId":"r1","round":1,"tick":10,"hashes":{"amy":"aaa","bob":"aaa"}})");
  reply = api->call("GET", "/api/v1/rooms/r1/hashes/10", "", "round=2");
  EXPECT_EQ(reply.body, R"({"roomId":"r1","round":2,"tick":10,"hashes":{"amy":"round2"}})");
}

TEST_P(HashesApi, ATickWithoutHashesIsNotFound) {
  Seeded seed(*api);
  const Reply reply = api->call("GET", "/api/v1/rooms/r1/hashes/13");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.code(), "not-found");
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/r1/hashes/9007199254740991").status, 404);
}

TEST_P(HashesApi, HashesOfAnUnknownRoomAreNotFound) {
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/nope/hashes").status, 404);
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/nope/hashes/1").status, 404);
}

TEST_P(HashesApi, DeletingTheRoomDeletesItsHashes) {
  Seeded seed(*api);
  ASSERT_EQ(api->call("DELETE", "/api/v1/rooms/r1").status, 204);
  api->call("POST", "/api/v1/rooms", R"({"roomId":"r1"})");
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/r1/hashes").body, R"({"hashes":[],"next":null})");
}

TEST_P(HashesApi, ATickInThePathOutsideZeroTo2Pow53IsInvalidField) {
  Seeded seed(*api);
  for (const char* tick : {"-1", "1.5", "x", "9007199254740992", "99999999999999999999999"}) {
    const Reply reply = api->call("GET", std::string("/api/v1/rooms/r1/hashes/") + tick);
    EXPECT_EQ(reply.status, 400) << tick;
    EXPECT_EQ(reply.code(), "invalid-field") << tick;
    EXPECT_NE(reply.message().find("tick"), std::string::npos);
  }
}

TEST_P(HashesApi, BadQueryParametersAreInvalidQuery) {
  Seeded seed(*api);
  for (const char* query :
       {"round=0", "round=x", "round=4294967296", "from=-1", "to=1e3", "from=5&to=4",
        "to=9007199254740992", "limit=0", "limit=501", "tick=3", "round=1&round=1", "from="}) {
    const Reply reply = api->call("GET", "/api/v1/rooms/r1/hashes", "", query);
    EXPECT_EQ(reply.status, 400) << query;
    EXPECT_EQ(reply.code(), "invalid-query") << query;
  }
  for (const char* query : {"round=0", "from=1", "limit=5"}) {
    EXPECT_EQ(api->call("GET", "/api/v1/rooms/r1/hashes/10", "", query).code(), "invalid-query")
        << query;
  }
}

TEST_P(HashesApi, ABadCursorIsInvalidCursor) {
  Seeded seed(*api);
  for (const char* cursor : {"garbage", "c1.", "c1.!!!!", "c1.YQ"}) {
    const Reply reply =
        api->call("GET", "/api/v1/rooms/r1/hashes", "", std::string("cursor=") + cursor);
    EXPECT_EQ(reply.status, 400) << cursor;
    EXPECT_EQ(reply.code(), "invalid-cursor") << cursor;
  }
}

}  // namespace
}  // namespace signalmesh::api::testing
