// /api/v1/rooms on every store: records, their versions (ETag, If-Match),
// the live notices a status change or a delete gives, and each refusal.
#include "api/api_harness.hpp"

namespace signalmesh::api::testing {
namespace {

SIGNALMESH_API_SUITE(RoomsApi);

Reply create(ApiHarness& api, const std::string& id, const std::string& extra = "") {
  return api.call("POST", "/api/v1/rooms", R"({"roomId":")" + id + "\"" + extra + "}");
}

TEST_P(RoomsApi, CreateAnswers201WithTheRecordItsVersionAndWhereItLives) {
  const Reply reply = create(*api, "r1", R"(,"metadata":{"map":"dust"},"maxMembers":8)");
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body,
            R"({"roomId":"r1","status":"waiting","round":1,"hostUid":null,"players":[],)"
            R"("created":1700000000000,"updated":1700000000000,"version":1,)"
            R"("metadata":{"map":"dust"},"maxMembers":8})");
  EXPECT_EQ(reply.header("ETag"), "\"1\"");
  EXPECT_EQ(reply.header("Location"), "/api/v1/rooms/r1");
}

TEST_P(RoomsApi, CreateWithoutAnIdGeneratesARandomUrlSafeOne) {
  const Reply a = api->call("POST", "/api/v1/rooms", "{}");
  const Reply b = api->call("POST", "/api/v1/rooms");  // no body at all
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  const std::string id = a.json["roomId"].GetString();
  EXPECT_EQ(id.size(), 22u);  // 128 bits in base64url
  EXPECT_EQ(
      id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  EXPECT_NE(id, b.json["roomId"].GetString());
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/" + id).status, 200);
}

TEST_P(RoomsApi, HostUidOnCreateIsCheckedButTheLiveHostDecides) {
  const Reply reply = create(*api, "r1", R"(,"hostUid":"ann")");
  EXPECT_EQ(reply.status, 201);
  EXPECT_TRUE(reply.json["hostUid"].IsNull());
  const Reply bad = create(*api, "r2", R"(,"hostUid":"not valid")");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.message().find("hostUid"), std::string::npos);
}

TEST_P(RoomsApi, CreateOfAnExistingIdIsConflict) {
  ASSERT_EQ(create(*api, "r1").status, 201);
  const Reply reply = create(*api, "r1", R"(,"maxMembers":3)");
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.code(), "conflict");
  EXPECT_FALSE(api->call("GET", "/api/v1/rooms/r1").json.HasMember("maxMembers"));
}

TEST_P(RoomsApi, CreateRefusesBadFieldsNamingThemAndCreatesNothing) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"roomId":"a/b"})", "roomId"},
      {R"({"roomId":""})", "roomId"},
      {R"({"roomId":7})", "roomId"},
      {R"({"roomId":"r","maxMembers":0})", "maxMembers"},
      {R"({"roomId":"r","maxMembers":51})", "maxMembers"},
      {R"({"roomId":"r","maxMembers":-1})", "maxMembers"},
      {R"({"roomId":"r","maxMembers":2.5})", "maxMembers"},
      {R"({"roomId":"r","maxMembers":"5"})", "maxMembers"},
      {R"({"roomId":"r","metadata":true})", "metadata"},
      {R"({"roomId":"r","status":"playing"})", "'status'"},
      {R"({"roomId":"r","players":[]})", "'players'"},
  };
  for (const auto& [body, field] : cases) {
    const Reply reply = api->call("POST", "/api/v1/rooms", body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.code(), "invalid-field") << body;
    EXPECT_NE(reply.message().find(field), std::string::npos) << reply.message();
  }
  EXPECT_EQ(api->call("GET", "/api/v1/rooms").body, R"({"rooms":[],"next":null})");
  EXPECT_EQ(create(*api, "r", R"(,"maxMembers":50)").status, 201);
}

TEST_P(RoomsApi, GetShowsTheLivePlayersOldestFirstAndTheHost) {
  create(*api, "r1");
  api->add_player("r1", "zed", 1);
  api->add_player("r1", "amy", 2);
  api->await<store::Empty>([&](store::Done<store::Empty> done) {
    api->store().set_host("r1", "zed", api->now, std::move(done));
  });
  const Reply reply = api->call("GET", "/api/v1/rooms/r1");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json["hostUid"], "zed");
  ASSERT_EQ(reply.json["players"].Size(), 2u);
  EXPECT_EQ(reply.json["players"][0], "zed");
  EXPECT_EQ(reply.json["players"][1], "amy");
  EXPECT_EQ(reply.header("ETag"), "\"" + std::to_string(reply.json["version"].GetUint64()) + "\"");
}

TEST_P(RoomsApi, GetOfAnUnknownRoomIsNotFound) {
  const Reply reply = api->call("GET", "/api/v1/rooms/nope");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.code(), "not-found");
}

TEST_P(RoomsApi, ListPagesByIdAndFiltersByStatus) {
  for (const char* id : {"c", "a", "d", "b"}) create(*api, id);
  api->call("PATCH", "/api/v1/rooms/b", R"({"status":"playing"})");
  api->call("PATCH", "/api/v1/rooms/d", R"({"status":"playing"})");
  Reply reply = api->call("GET", "/api/v1/rooms", "", "limit=3");
  ASSERT_EQ(reply.status, 200);
  ASSERT_EQ(reply.json["rooms"].Size(), 3u);
  EXPECT_EQ(reply.json["rooms"][0]["roomId"], "a");
  EXPECT_EQ(reply.json["rooms"][2]["roomId"], "c");
  ASSERT_TRUE(reply.json["next"].IsString());
  reply = api->call("GET", "/api/v1/rooms", "",
                    std::string("limit=3&cursor=") + reply.json["next"].GetString());
  ASSERT_EQ(reply.json["rooms"].Size(), 1u);
  EXPECT_EQ(reply.json["rooms"][0]["roomId"], "d");
  EXPECT_TRUE(reply.json["next"].IsNull());
  reply = api->call("GET", "/api/v1/rooms", "", "status=playing");
  ASSERT_EQ(reply.json["rooms"].Size(), 2u);
  EXPECT_EQ(reply.json["rooms"][0]["roomId"], "b");
  EXPECT_EQ(reply.json["rooms"][1]["roomId"], "d");
  EXPECT_EQ(api->call("GET", "/api/v1/rooms", "", "status=finished").body,
            R"({"rooms":[],"next":null})");
}

TEST_P(RoomsApi, AStatusChangeAnswersTheNewVersionAndTellsTheMembers) {
  create(*api, "r1");
  api->now += 5;
  Reply reply = api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"playing"})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json["status"], "playing");
  EXPECT_EQ(reply.json["version"], 2);
  EXPECT_EQ(reply.json["updated"].GetInt64(), 1700000000005);
  EXPECT_EQ(reply.header("ETag"), "\"2\"");
  ASSERT_EQ(api->live.changed.size(), 1u);
  EXPECT_EQ(api->live.changed[0].room_id, "r1");
  EXPECT_EQ(api->live.changed[0].status, store::RoomStatus::kPlaying);
  // The same status again changes nothing and tells no one.
  reply = api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"playing"})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(api->live.changed.size(), 1u);
}

TEST_P(RoomsApi, AFinishedRoomSetBackToWaitingStartsTheNextRound) {
  create(*api, "r1");
  api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"finished"})");
  const Reply reply = api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"waiting"})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json["status"], "waiting");
  EXPECT_EQ(reply.json["round"], 2);
  ASSERT_EQ(api->live.changed.size(), 2u);
  EXPECT_EQ(api->live.changed[1].round, 2u);
}

TEST_P(RoomsApi, ABackwardStatusIsInvalidFieldAndChangesNothing) {
  create(*api, "r1");
  api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"playing"})");
  const std::string before = api->call("GET", "/api/v1/rooms/r1").body;
  const Reply reply = api->call("PATCH", "/api/v1/rooms/r1", R"({"status":"waiting"})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.code(), "invalid-field");
  EXPECT_NE(reply.message().find("status"), std::string::npos);
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/r1").body, before);
  EXPECT_EQ(api->live.changed.size(), 1u);
}

TEST_P(RoomsApi, MetadataAndMaxMembersChangeWithoutTellingTheMembers) {
  create(*api, "r1", R"(,"maxMembers":4)");
  Reply reply = api->call("PATCH", "/api/v1/rooms/r1", R"({"metadata":{"k":[1,2]}})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json["maxMembers"], 4);
  EXPECT_EQ(reply.json["version"], 2);
  reply = api->call("PATCH", "/api/v1/rooms/r1", R"({"maxMembers":null,"metadata":null})");
  EXPECT_FALSE(reply.json.HasMember("maxMembers"));
  EXPECT_FALSE(reply.json.HasMember("metadata"));
  EXPECT_TRUE(api->live.changed.empty());
}

TEST_P(RoomsApi, IfMatchWithTheCurrentVersionQuotedOrNotIsApplied) {
  create(*api, "r1");
  EXPECT_EQ(api->call("PATCH", "/api/v1/rooms/r1", R"({"metadata":{}})", "", "\"1\"").status, 200);
  EXPECT_EQ(api->call("PATCH", "/api/v1/rooms/r1", R"({"metadata":{"a":1}})", "", "2").status, 200);
  EXPECT_EQ(api->call("PATCH", "/api/v1/rooms/r1", R"({"metadata":{"a":2}})", "", "*").status, 200);
}

TEST_P(RoomsApi, AStaleIfMatchIsPreconditionFailedAndChangesNothing) {
  create(*api, "r1");
  api->call("PATCH", "/api/v1/rooms/r1", R"({"metadata":{"v":1}})");
  const std::string before = api->call("GET", "/api/v1/rooms/r1").body;
  for (const char* body : {R"({"metadata":{"v":2}})", R"({"status":"playing"})"}) {
    const Reply reply = api->call("PATCH", "/api/v1/rooms/r1", body, "", "\"1\"");
    EXPECT_EQ(reply.status, 412) << body;
    EXPECT_EQ(reply.code(), "precondition-failed");
  }
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/r1").body, before);
  EXPECT_TRUE(api->live.changed.empty());
}

TEST_P(RoomsApi, AnIfMatchThatIsNoVersionIsInvalidField) {
  create(*api, "r1");
  for (const char* tag : {"W/\"1\"", "\"abc\"", "\"1\", \"2\"", "-1", "\""}) {
    const Reply reply = api->call("PATCH", "/api/v1/rooms/r1", R"({"metadata":{}})", "", tag);
    EXPECT_EQ(reply.status, 400) << tag;
    EXPECT_NE(reply.message().find("If-Match"), std::string::npos) << tag;
  }
}

TEST_P(RoomsApi, PatchRefusesBadFieldsAndUnknownRooms) {
  create(*api, "r1");
  for (const char* body : {R"({"status":"paused"})", R"({"status":null})", R"({"status":1})",
                           R"({"roomId":"r2"})", R"({"maxMembers":99})", R"({"metadata":[]})"}) {
    const Reply reply = api->call("PATCH", "/api/v1/rooms/r1", body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.code(), "invalid-field") << body;
  }
  EXPECT_EQ(api->call("PATCH", "/api/v1/rooms/nope", R"({"status":"playing"})").status, 404);
  EXPECT_EQ(api->call("PATCH", "/api/v1/rooms/nope", R"({"metadata":{}})").status, 404);
  EXPECT_TRUE(api->live.changed.empty());
}

TEST_P(RoomsApi, DeleteAnswers204ClosesTheLiveRoomAndTheRecordIsGone) {
  create(*api, "r1");
  const Reply reply = api->call("DELETE", "/api/v1/rooms/r1");
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(reply.body.empty());
  EXPECT_EQ(api->live.deleted, std::vector<std::string>{"r1"});
  EXPECT_EQ(api->call("GET", "/api/v1/rooms/r1").status, 404);
  EXPECT_EQ(api->call("DELETE", "/api/v1/rooms/r1").status, 404);
  EXPECT_EQ(api->live.deleted.size(), 1u);
}

TEST_P(RoomsApi, ABadRoomIdInThePathIsInvalidField) {
  const Reply reply = api->call("GET", "/api/v1/rooms/a:b");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.code(), "invalid-field");
  EXPECT_NE(reply.message().find("roomId"), std::string::npos);
}

}  // namespace
}  // namespace signalmesh::api::testing
