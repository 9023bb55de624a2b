// protocol.md §1 (replacement) and §2 (kick).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

void expect_next_is(Member& m, const std::string& expected) {
  std::optional<std::string> got = m->next_message();
  ASSERT_TRUE(got) << m.id << " expected " << expected;
  EXPECT_TRUE(Json::parse(*got) && Json::parse(*got)->same_value(expected))
      << m.id << " expected " << expected << "\n got " << *got;
}

TEST(Kick, TheTargetGetsTheKickThenClose4010AndOthersSeePeerLeftKicked) {
  Room room;
  Member& host = room.join("host");
  Member& b = room.join("b");
  Member& c = room.join("c");
  const std::string kick = kick_message("c", "spamming");
  ASSERT_TRUE(host->send_text(kick));
  std::optional<std::string> got = c->next_message();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "{\"senderId\":\"host\"," + kick.substr(1));
  // 4010 sends no error: the kick itself told the target.
  EXPECT_TRUE(c->expect_close(4010));
  EXPECT_FALSE(c->next_message(Ms(0)));
  for (Member* m : {&host, &b}) {
    expect_next_is(*m, R"({"type":"peer-left","peerId":"c","reason":"kicked"})");
  }
  Member& d = room.join("d");
  ASSERT_TRUE(d.welcome);
  EXPECT_EQ(d.welcome->strings("peers"), (std::vector<std::string>{"host", "b"}));
}

TEST(Kick, AKickWithoutReasonIsRelayedAsSent) {
  Room room;
  Member& host = room.join("host");
  Member& b = room.join("b");
  const std::string kick = kick_message("b", "", "host");
  ASSERT_TRUE(host->send_text(kick));
  EXPECT_EQ(b->next_message(), kick);
  EXPECT_TRUE(b->expect_close(4010));
  expect_next_is(host, R"({"type":"peer-left","peerId":"b","reason":"kicked"})");
}

TEST(Kick, OnlyTheHostMayKickAndOnlyAnotherMember) {
  Room room;
  Member& host = room.join("host");
  Member& b = room.join("b");
  Member& c = room.join("c");
  ASSERT_TRUE(b->send_text(kick_message("c")));
  EXPECT_TRUE(b->expect_error("not-host"));
  ASSERT_TRUE(b->send_text(kick_message("host")));
  EXPECT_TRUE(b->expect_error("not-host"));
  ASSERT_TRUE(host->send_text(kick_message("host")));
  EXPECT_TRUE(host->expect_error("invalid-message"));
  ASSERT_TRUE(host->send_text(kick_message("nobody")));
  EXPECT_TRUE(host->expect_error("unknown-target"));
  // Nobody was kicked: c's next message is the probe and everyone is open.
  const std::string probe = sdp_message("c", "offer", "v=0 probe\r\n", "b");
  ASSERT_TRUE(b->send_text(probe));
  EXPECT_EQ(c->next_message(), probe);
  EXPECT_TRUE(host->is_open() && b->is_open() && c->is_open());
}

class Replacement : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = &room_.join("a");
    b_ = &room_.join("b");
    c_ = &room_.join("c");
    ASSERT_TRUE(a_->welcome && b_->welcome && c_->welcome);
  }

  // Connects a second `id` and checks the old connection's side.
  Member& replace(Member& old) {
    Member& fresh = room_.join(old.id);
    EXPECT_TRUE(old->expect_error("replaced"));
    EXPECT_TRUE(old->expect_close(4009));
    return fresh;
  }

  // The others saw no peer-left/peer-joined: their next message is a
  // broadcast from the new connection.
  void expect_others_saw_nothing(Member& fresh, std::vector<Member*> others) {
    const std::string probe = sdp_message("", "offer", "v=0 i am back\r\n", fresh.id);
    ASSERT_TRUE(fresh->send_text(probe));
    for (Member* m : others) EXPECT_EQ((*m)->next_message(), probe) << m->id;
  }

  Room room_;
  Member* a_ = nullptr;
  Member* b_ = nullptr;
  Member* c_ = nullptr;
};

TEST_F(Replacement, TheOldConnectionGetsReplacedThen4009AndTheNewAFreshWelcome) {
  Member& b2 = replace(*b_);
  ASSERT_TRUE(b2.welcome);
  EXPECT_EQ(b2.welcome->str("peerId"), "b");
  EXPECT_EQ(b2.welcome->str("hostId"), "a");
  EXPECT_EQ(b2.welcome->strings("peers"), (std::vector<std::string>{"a", "c"}));
  expect_others_saw_nothing(b2, {a_, c_});
}

TEST_F(Replacement, MessagesForThePeerIdGoToTheNewConnection) {
  Member& c2 = replace(*c_);
  const std::string to_c = sdp_message("c", "offer", "v=0 to c\r\n", "a");
  ASSERT_TRUE((*a_)->send_text(to_c));
  EXPECT_EQ(c2->next_message(), to_c);
  const std::string from_c = ice_message("a", "", "c");
  ASSERT_TRUE(c2->send_text(from_c));
  EXPECT_EQ((*a_)->next_message(), from_c);
}

TEST_F(Replacement, TheMemberKeepsItsPlaceInTheJoinOrder) {
  Member& b2 = replace(*b_);
  ASSERT_TRUE((*a_)->close());
  ASSERT_TRUE((*a_)->expect_close(1000));
  // b joined before c; its reconnection must not move it behind c.
  for (Member* m : {&b2, c_}) {
    expect_next_is(*m, R"({"type":"peer-left","peerId":"a","reason":"left"})");
    expect_next_is(*m, R"({"type":"host-change","hostId":"b","previousHostId":"a"})");
  }
  Member& d = room_.join("d");
  ASSERT_TRUE(d.welcome);
  EXPECT_EQ(d.welcome->strings("peers"), (std::vector<std::string>{"b", "c"}));
}

TEST_F(Replacement, TheHostKeepsItsRoleAcrossAReplacement) {
  Member& a2 = replace(*a_);
  ASSERT_TRUE(a2.welcome);
  EXPECT_EQ(a2.welcome->str("hostId"), "a");
  EXPECT_EQ(a2.welcome->strings("peers"), (std::vector<std::string>{"b", "c"}));
  expect_others_saw_nothing(a2, {b_, c_});
  ASSERT_TRUE(a2->send_text(kick_message("c")));
  EXPECT_TRUE(c_->ws->expect_message_of_type("kick"));
  EXPECT_TRUE(c_->ws->expect_close(4010));
}

TEST(ReplacementWhenFull, AReplacementIsAdmittedEvenWhenTheRoomIsFull) {
  Config config = test_config();
  config.limits.max_room_members = 3;
  PodSet pods(config);
  Room room(pods);
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& c = room.join("c");
  ASSERT_TRUE(a.welcome && b.welcome && c.welcome);
  Member& c2 = room.join("c");
  ASSERT_TRUE(c2.welcome);
  EXPECT_TRUE(c->expect_error("replaced"));
  EXPECT_TRUE(c->expect_close(4009));
  EXPECT_EQ(c2.welcome->strings("peers"), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace signalmesh::test
