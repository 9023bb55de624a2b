// protocol.md §2 (host-change) and §3 (host rules).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

std::string host_change(const std::string& host, const std::string& previous,
                        const std::string& sender = "") {
  JsonObject m;
  m.str("type", "host-change").str("hostId", host).str("previousHostId", previous);
  if (!sender.empty()) m.str("senderId", sender);
  return m.build();
}

// The next message of `m` is exactly the JSON value `expected`.
void expect_next_is(Member& m, const std::string& expected) {
  std::optional<std::string> got = m->next_message();
  ASSERT_TRUE(got) << m.id << " expected " << expected;
  EXPECT_TRUE(Json::parse(*got) && Json::parse(*got)->same_value(expected))
      << m.id << " expected " << expected << "\n got " << *got;
}

TEST(Host, TheFirstMemberOfARoomIsItsHost) {
  Room room;
  Member& a = room.join("first");
  Member& b = room.join("second");
  ASSERT_TRUE(a.welcome && b.welcome);
  EXPECT_EQ(a.welcome->str("hostId"), "first");
  EXPECT_EQ(b.welcome->str("hostId"), "first");
}

TEST(Host, AHandOffReachesEveryMemberIncludingTheSenderAsTheServerBuildsIt) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& c = room.join("c");
  // Client fields other than hostId are not carried.
  ASSERT_TRUE(a->send_text(R"({"type":"host-change","hostId":"b","id":"h1","extra":{"x":1}})"));
  for (Member* m : {&a, &b, &c}) expect_next_is(*m, host_change("b", "a", "a"));
  // With senderId given, the result is the same.
  ASSERT_TRUE(b->send_text(host_change_message("c", "b")));
  for (Member* m : {&a, &b, &c}) expect_next_is(*m, host_change("c", "b", "b"));
  // A newcomer is told who the host is now.
  Member& d = room.join("d");
  ASSERT_TRUE(d.welcome);
  EXPECT_EQ(d.welcome->str("hostId"), "c");
}

TEST(Host, TheFormerHostLosesItsRightsAndTheNewHostGainsThem) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& c = room.join("c");
  ASSERT_TRUE(a->send_text(host_change_message("b")));
  for (Member* m : {&a, &b, &c}) expect_next_is(*m, host_change("b", "a", "a"));
  ASSERT_TRUE(a->send_text(host_change_message("c")));
  EXPECT_TRUE(a->expect_error("not-host"));
  ASSERT_TRUE(a->send_text(kick_message("c")));
  EXPECT_TRUE(a->expect_error("not-host"));
  ASSERT_TRUE(b->send_text(kick_message("c", "new host")));
  EXPECT_TRUE(c->expect_message_of_type("kick"));
  EXPECT_TRUE(c->expect_close(4010));
}

TEST(Host, AHandOffToANonMemberOrToItselfIsRefusedAndChangesNothing) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  ASSERT_TRUE(a->send_text(
      JsonObject().str("type", "host-change").str("hostId", "ghost").str("id", "x").build()));
  std::optional<Json> error = a->expect_error("unknown-target");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->str("ref"), "x");
  ASSERT_TRUE(a->send_text(host_change_message("a")));
  EXPECT_TRUE(a->expect_error("invalid-message"));
  ASSERT_TRUE(b->send_text(host_change_message("b")));
  EXPECT_TRUE(b->expect_error("invalid-message"));
  // No host-change went out: b's next message is a's probe, and a still hosts.
  const std::string probe = sdp_message("b", "offer", "v=0 probe\r\n", "a");
  ASSERT_TRUE(a->send_text(probe));
  EXPECT_EQ(b->next_message(), probe);
  Member& c = room.join("c");
  ASSERT_TRUE(c.welcome);
  EXPECT_EQ(c.welcome->str("hostId"), "a");
}

TEST(Host, WhenTheHostLeavesPeerLeftComesFirstThenHostChangeToTheEarliestJoined) {
  Room room;
  Member& a = room.join("zed");
  Member& b = room.join("mid");
  Member& c = room.join("abe");
  ASSERT_TRUE(a->close());
  ASSERT_TRUE(a->expect_close(1000));
  for (Member* m : {&b, &c}) {
    expect_next_is(*m, R"({"type":"peer-left","peerId":"zed","reason":"left"})");
    // No senderId: the host left, nobody handed off.
    expect_next_is(*m, host_change("mid", "zed"));
  }
  Member& d = room.join("d");
  ASSERT_TRUE(d.welcome);
  EXPECT_EQ(d.welcome->str("hostId"), "mid");
}

TEST(Host, AfterAHandOffTheNextHostIsStillTheEarliestJoinedRemainingMember) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& c = room.join("c");
  Member& d = room.join("d");
  ASSERT_TRUE(a->send_text(host_change_message("c")));
  for (Member* m : {&a, &b, &c, &d}) expect_next_is(*m, host_change("c", "a", "a"));
  ASSERT_TRUE(c->close());
  ASSERT_TRUE(c->expect_close(1000));
  for (Member* m : {&a, &b, &d}) {
    expect_next_is(*m, R"({"type":"peer-left","peerId":"c","reason":"left"})");
    expect_next_is(*m, host_change("a", "c"));
  }
}

TEST(Host, AMemberThatIsNotTheHostLeavesWithoutAHostChange) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& c = room.join("c");
  ASSERT_TRUE(b->close());
  ASSERT_TRUE(b->expect_close(1000));
  for (Member* m : {&a, &c}) {
    expect_next_is(*m, R"({"type":"peer-left","peerId":"b","reason":"left"})");
  }
  const std::string probe = sdp_message("", "offer", "v=0 after\r\n", "a");
  ASSERT_TRUE(a->send_text(probe));
  EXPECT_EQ(c->next_message(), probe);
}

TEST(Host, AHostThatDropsItsConnectionIsReplacedByTheEarliestJoined) {
  Room room;
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& c = room.join("c");
  a->abort();
  for (Member* m : {&b, &c}) {
    expect_next_is(*m, R"({"type":"peer-left","peerId":"a","reason":"left"})");
    expect_next_is(*m, host_change("b", "a"));
  }
}

}  // namespace
}  // namespace signalmesh::test
