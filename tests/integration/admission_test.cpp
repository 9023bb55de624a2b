// protocol.md §1: which requests are upgraded, how ids are checked, and what
// an admitted client sees first.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

TEST(Admission, UpgradesOnPathsOtherThanSignalSlashRoomAreHttp404) {
  const std::string room = random_id();
  const std::vector<std::string> paths = {
      "/",
      "/other",
      "/signal",
      "/signal/",
      "/signal/?peerId=a",
      "/signal/a/b",
      "/signal/" + room + "/",
      "/signal//" + room,
      "/signalx/" + room,
      "/SIGNAL/" + room,
      "/signal/a/b/c",
  };
  for (const std::string& base : PodSet::shared().urls()) {
    for (const std::string& path : paths) {
      WsClient ws;
      ConnectResult result = ws.connect(base + path);
      EXPECT_FALSE(result.open) << path;
      EXPECT_EQ(result.http_status, 404) << path;
    }
  }
}

TEST(Admission, InvalidRoomOrPeerIdsGetBadRequestThenClose4000) {
  const std::string room = random_id();
  const std::vector<std::string> paths = {
      "/signal/a%20b",
      "/signal/%41",
      "/signal/room.1",
      "/signal/room~1",
      "/signal/" + std::string(65, 'r'),
      "/signal/" + room + "?peerId=",
      "/signal/" + room + "?peerId=a%41",
      "/signal/" + room + "?peerId=a.b",
      "/signal/" + room + "?peerId=a+b",
      "/signal/" + room + "?peerId=" + std::string(65, 'p'),
  };
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    WsClient ws;
    ConnectResult result = ws.connect(PodSet::shared().next_url() + path);
    ASSERT_TRUE(result.open) << "HTTP " << result.http_status;
    std::optional<Json> error = ws.expect_error("bad-request");
    if (error) {
      EXPECT_FALSE(error->has("ref"));
      EXPECT_FALSE(error->str("message").empty());
    }
    ws.expect_close(4000);
    EXPECT_FALSE(ws.next_message(Ms(0))) << "nothing may follow the error";
  }
}

TEST(Admission, IdsOfSixtyFourAllowedCharactersAreAdmitted) {
  const std::string room = "Az09_-" + std::string(58, 'x');
  const std::string suffix = random_id("");  // "-" + 12 random characters
  const std::string room_id = room.substr(0, 64 - suffix.size()) + suffix;
  const std::string peer = "-_Zz90" + std::string(58, 'y');
  ASSERT_EQ(room_id.size(), 64u);
  ASSERT_EQ(peer.size(), 64u);
  WsClient ws;
  ASSERT_TRUE(
      ws.connect(PodSet::shared().next_url() + "/signal/" + room_id + "?peerId=" + peer).open);
  std::optional<Json> welcome = ws.expect_message_of_type("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->str("roomId"), room_id);
  EXPECT_EQ(welcome->str("peerId"), peer);
  EXPECT_EQ(welcome->str("hostId"), peer);
}

TEST(Admission, WelcomeListsTheOtherMembersOldestFirstAndNamesTheHost) {
  Room room;
  // Joined in an order that is neither alphabetical nor reverse.
  Member& zoe = room.join("zoe");
  Member& adam = room.join("adam");
  Member& mia = room.join("mia");
  Member& bob = room.join("bob");
  ASSERT_TRUE(zoe.welcome && adam.welcome && mia.welcome && bob.welcome);

  EXPECT_EQ(zoe.welcome->str("roomId"), room.id());
  EXPECT_EQ(zoe.welcome->str("peerId"), "zoe");
  EXPECT_EQ(zoe.welcome->str("hostId"), "zoe");
  EXPECT_TRUE(zoe.welcome->has("peers"));
  EXPECT_EQ(zoe.welcome->strings("peers"), std::vector<std::string>{});

  EXPECT_EQ(bob.welcome->str("roomId"), room.id());
  EXPECT_EQ(bob.welcome->str("peerId"), "bob");
  EXPECT_EQ(bob.welcome->str("hostId"), "zoe");
  EXPECT_EQ(bob.welcome->strings("peers"), (std::vector<std::string>{"zoe", "adam", "mia"}));
  EXPECT_EQ(mia.welcome->strings("peers"), (std::vector<std::string>{"zoe", "adam"}));
}

TEST(Admission, WelcomeCarriesNoIceServersWhenNoTurnIsConfigured) {
  if (PodSet::shared().external()) GTEST_SKIP() << "the external pods' TURN setup is unknown";
  Room room;
  Member& a = room.join("a");
  ASSERT_TRUE(a.welcome);
  EXPECT_FALSE(a.welcome->has("iceServers")) << a.welcome->text();
}

TEST(Admission, WithoutPeerIdTheServerAssignsDistinctUrlSafeIdsOfAtLeast96Bits) {
  Room room;
  Member& a = room.join("");
  Member& b = room.join("");
  ASSERT_TRUE(a.welcome && b.welcome);
  // 96 random bits take at least 16 characters of a 64-symbol alphabet.
  const std::regex kUrlSafe("[A-Za-z0-9_-]{16,64}");
  EXPECT_TRUE(std::regex_match(a.id, kUrlSafe)) << a.id;
  EXPECT_TRUE(std::regex_match(b.id, kUrlSafe)) << b.id;
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.welcome->str("hostId"), a.id);
  EXPECT_EQ(b.welcome->strings("peers"), std::vector<std::string>{a.id});
  // The assigned id is a real member id: it can be targeted.
  ASSERT_TRUE(b->send_text(sdp_message(a.id)));
  std::optional<Json> sdp = a->expect_message_of_type("sdp");
  ASSERT_TRUE(sdp);
  EXPECT_EQ(sdp->str("senderId"), b.id);
}

TEST(Admission, EveryOtherMemberGetsPeerJoinedAndTheNewcomerDoesNot) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  WsClient c;
  ASSERT_TRUE(c.connect(room.url("c")).open);
  ASSERT_TRUE(c.expect_message_of_type("welcome"));
  for (Member* m : {&a, &b}) {
    std::optional<Json> joined = (*m)->expect_message_of_type("peer-joined");
    ASSERT_TRUE(joined);
    EXPECT_TRUE(joined->same_value(R"({"type":"peer-joined","peerId":"c"})")) << joined->text();
  }
  // c's next message is a's sdp, so c got no peer-joined about itself.
  ASSERT_TRUE(a->send_text(sdp_message("c")));
  std::optional<Json> next = c.expect_message_of_type("sdp");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->str("senderId"), "a");
}

TEST(Admission, WelcomeComesFirstEvenWhileTheRoomIsBusy) {
  Room room;
  Member& a = room.join("a");
  const std::string url = room.url("b");
  std::thread flood([&] {
    for (int i = 0; i < 100; ++i) a->send_text(sdp_message(""));
  });
  WsClient b;
  ConnectResult result = b.connect(url);
  flood.join();
  ASSERT_TRUE(result.open);
  EXPECT_TRUE(b.expect_message_of_type("welcome"));
}

TEST(Admission, PeerJoinedArrivesBeforeAnyMessageFromTheNewMember) {
  Room room;
  Member& a = room.join("a");
  WsClient b;
  ASSERT_TRUE(b.connect(room.url("b")).open);
  ASSERT_TRUE(b.expect_message_of_type("welcome"));
  ASSERT_TRUE(b.send_text(sdp_message("")));
  std::optional<Json> joined = a->expect_message_of_type("peer-joined");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->str("peerId"), "b");
  std::optional<Json> sdp = a->expect_message_of_type("sdp");
  ASSERT_TRUE(sdp);
  EXPECT_EQ(sdp->str("senderId"), "b");
}

TEST(Admission, AnyOriginIsAdmittedWhenNoAllowListIsConfigured) {
  if (PodSet::shared().external()) GTEST_SKIP() << "the external pods may have an allow-list";
  Room room;
  Member& a = room.join("a", WsClient::Options{true, {{"Origin", "https://elsewhere.example"}}});
  EXPECT_TRUE(a.welcome);
}

TEST(Admission, TheFirstMemberOfAnEmptiedRoomCreatesItAfreshAsHost) {
  Room room;
  const std::string base = room.pods().next_url();
  Member& a = room.join_on(base, "a");
  Member& b = room.join_on(base, "b");
  ASSERT_TRUE(a.welcome && b.welcome);
  ASSERT_TRUE(a->close());
  ASSERT_TRUE(a->expect_close(1000));
  ASSERT_TRUE(b->expect_message_of_type("peer-left"));
  ASSERT_TRUE(b->expect_message_of_type("host-change"));
  ASSERT_TRUE(b->close());
  ASSERT_TRUE(b->expect_close(1000));
  Member& c = room.join_on(base, "c");
  ASSERT_TRUE(c.welcome);
  EXPECT_EQ(c.welcome->str("hostId"), "c");
  EXPECT_EQ(c.welcome->strings("peers"), std::vector<std::string>{});
}

}  // namespace
}  // namespace signalmesh::test
