// The live endpoints' HTTP side: paths, bodies, the answers for each
// outcome. They need no store (`none` here). What they do to members across
// pods is tested against real pods in tests/integration/live_api_test.cpp.
#include "api/api_harness.hpp"

namespace signalmesh::api::testing {
namespace {

using Outcome = LiveResult::Outcome;

class LiveApi : public ::testing::Test {
 protected:
  ApiHarness api{make_test_store("none")};
};

TEST_F(LiveApi, MembersListsTheLiveRoomOldestFirstWithItsHost) {
  api.live.answer.host = "ann";
  api.live.answer.members = {{"ann", "pod-a", 1700000000001}, {"bob", "pod-b", 1700000000002}};
  const Reply reply = api.call("GET", "/api/v1/rooms/r1/members");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"roomId":"r1","hostId":"ann","members":[)"
                        R"({"peerId":"ann","pod":"pod-a","joined":1700000000001},)"
                        R"({"peerId":"bob","pod":"pod-b","joined":1700000000002}]})");
}

TEST_F(LiveApi, ARoomWithoutMembersOrAMissingMemberIs404AndABackendDownIs503) {
  api.live.answer.outcome = Outcome::kNoRoom;
  Reply reply = api.call("GET", "/api/v1/rooms/r1/members");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.message(), "room 'r1' has no members");
  api.live.answer.outcome = Outcome::kNoMember;
  reply = api.call("DELETE", "/api/v1/rooms/r1/members/zed");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.message(), "'zed' is not a member of room 'r1'");
  api.live.answer.outcome = Outcome::kUnavailable;
  reply = api.call("POST", "/api/v1/rooms/r1/host", R"({"hostId":"bob"})");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.code(), "backend-unavailable");
  EXPECT_EQ(reply.header("Retry-After"), "1");
}

TEST_F(LiveApi, KickIs204AndPassesTheReasonFromTheQuery) {
  EXPECT_EQ(api.call("DELETE", "/api/v1/rooms/r1/members/bob", "", "reason=too%20loud").status,
            204);
  ASSERT_EQ(api.live.calls.size(), 1u);
  EXPECT_EQ(api.live.calls[0].what, "kick");
  EXPECT_EQ(api.live.calls[0].peer_id, "bob");
  EXPECT_EQ(api.live.calls[0].text, "too loud");
  const Reply reply =
      api.call("DELETE", "/api/v1/rooms/r1/members/bob", "", "reason=" + std::string(257, 'x'));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.code(), "invalid-query");
  EXPECT_EQ(api.call("DELETE", "/api/v1/rooms/r1/members/b%20b").code(), "invalid-field");
  EXPECT_EQ(api.call("GET", "/api/v1/rooms/r1/members/bob").status, 405);
}

TEST_F(LiveApi, AMessageCarriesItsDataCompactAndAnswers202WithTheRecipients) {
  api.live.answer.recipients = 3;
  Reply reply =
      api.call("POST", "/api/v1/rooms/r1/messages", R"({"data": {"round" : 2, "go": [1, 2]}})");
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body, R"({"recipients":3})");
  ASSERT_EQ(api.live.calls.size(), 1u);
  EXPECT_EQ(api.live.calls[0].peer_id, "");  // everyone
  EXPECT_EQ(api.live.calls[0].text, R"({"round":2,"go":[1,2]})");
  api.call("POST", "/api/v1/rooms/r1/messages", R"({"targetId":"bob","data":"hi"})");
  ASSERT_EQ(api.live.calls.size(), 2u);
  EXPECT_EQ(api.live.calls[1].peer_id, "bob");
  EXPECT_EQ(api.live.calls[1].text, R"("hi")");
}

TEST_F(LiveApi, AMessageWithoutDataOrWithABadFieldChangesNothing) {
  for (const char* body :
       {R"({})", R"({"targetId":"bob"})", R"({"data":1,"extra":1})",
        R"({"targetId":"b b","data":1})", R"({"data":{"a":1,"a":2}})", R"({"data":1,"data":2})"}) {
    const Reply reply = api.call("POST", "/api/v1/rooms/r1/messages", body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.code(), "invalid-field") << body;
  }
  const std::string big = R"({"data":")" + std::string(16400, 'x') + "\"}";
  EXPECT_EQ(api.call("POST", "/api/v1/rooms/r1/messages", big).code(), "invalid-field");
  EXPECT_TRUE(api.live.calls.empty());
}

TEST_F(LiveApi, HostAnswersTheNewAndThePreviousHost) {
  api.live.answer.host = "bob";
  api.live.answer.previous_host = "ann";
  const Reply reply = api.call("POST", "/api/v1/rooms/r1/host", R"({"hostId":"bob"})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"hostId":"bob","previousHostId":"ann"})");
  EXPECT_EQ(api.call("POST", "/api/v1/rooms/r1/host", R"({})").code(), "invalid-field");
  EXPECT_EQ(api.call("POST", "/api/v1/rooms/r1/host", R"({"hostId":7})").code(), "invalid-field");
}

TEST_F(LiveApi, PodsAndEventsAreListed) {
  EXPECT_EQ(api.call("GET", "/api/v1/pods").body, R"({"self":"pod-a","pods":["pod-a","pod-b"]})");
  api.live.recent = {{"evt_1", "peer.joined", "r1", "delivered", 1700000000000, 1},
                     {"evt_0", "room.created", "r1", "retrying", 1699999999999, 3}};
  EXPECT_EQ(api.call("GET", "/api/v1/events", "", "limit=1").body,
            R"({"events":[{"id":"evt_1","type":"peer.joined","roomId":"r1",)"
            R"("time":1700000000000,"state":"delivered","attempts":1}]})");
  EXPECT_EQ(api.call("GET", "/api/v1/events", "", "limit=201").code(), "invalid-query");
}

TEST_F(LiveApi, TheLiveEndpointsNeedTheKeyLikeTheRest) {
  HttpRequest request;
  request.method = "DELETE";
  request.path = "/api/v1/rooms/r1/members/bob";
  EXPECT_EQ(api.send(request).status, 401);
  EXPECT_TRUE(api.live.calls.empty());
}

}  // namespace
}  // namespace signalmesh::api::testing
