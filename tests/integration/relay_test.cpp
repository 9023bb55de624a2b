// protocol.md §2–3: relaying sdp and ice, targeted and broadcast; senderId;
// the relayed bytes; no echo; ordering.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

// The bytes a receiver must get for `sent` from `sender` when the client
// left senderId out: the same text with senderId first.
std::string with_sender(const std::string& sender, const std::string& sent) {
  return "{\"senderId\":\"" + sender + "\"," + sent.substr(1);
}

class Relay : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = &room_.join("a");
    b_ = &room_.join("b");
    c_ = &room_.join("c");
    ASSERT_TRUE(a_->welcome && b_->welcome && c_->welcome);
  }
  Room room_;
  Member* a_ = nullptr;
  Member* b_ = nullptr;
  Member* c_ = nullptr;
};

TEST_F(Relay, ATargetedSdpReachesItsTargetAlone) {
  const std::string targeted = sdp_message("b", "offer", "v=0 targeted\r\n");
  ASSERT_TRUE((*a_)->send_text(targeted));
  EXPECT_EQ((*b_)->next_message(), with_sender("a", targeted));
  // c's next message from a is the later broadcast: the targeted one never came.
  const std::string broadcast = sdp_message("", "offer", "v=0 broadcast\r\n");
  ASSERT_TRUE((*a_)->send_text(broadcast));
  EXPECT_EQ((*c_)->next_message(), with_sender("a", broadcast));
  EXPECT_EQ((*b_)->next_message(), with_sender("a", broadcast));
}

TEST_F(Relay, ATargetedIceReachesItsTargetAlone) {
  const std::string targeted = ice_message("c");
  ASSERT_TRUE((*b_)->send_text(targeted));
  EXPECT_EQ((*c_)->next_message(), with_sender("b", targeted));
  const std::string broadcast = ice_message("", "");
  ASSERT_TRUE((*b_)->send_text(broadcast));
  EXPECT_EQ((*a_)->next_message(), with_sender("b", broadcast));
  EXPECT_EQ((*c_)->next_message(), with_sender("b", broadcast));
}

TEST_F(Relay, ABroadcastReachesEveryOtherMemberAndIsNeverEchoed) {
  const std::string sdp = sdp_message("", "offer", "v=0 from a\r\n");
  const std::string ice = ice_message("");
  ASSERT_TRUE((*a_)->send_text(sdp));
  ASSERT_TRUE((*a_)->send_text(ice));
  for (Member* m : {b_, c_}) {
    EXPECT_EQ((*m)->next_message(), with_sender("a", sdp)) << m->id;
    EXPECT_EQ((*m)->next_message(), with_sender("a", ice)) << m->id;
  }
  // b answers a after receiving a's messages: an echo would have come first.
  const std::string answer = sdp_message("a", "answer", "v=0 answer\r\n");
  ASSERT_TRUE((*b_)->send_text(answer));
  EXPECT_EQ((*a_)->next_message(), with_sender("b", answer));
}

TEST_F(Relay, ATargetedMessageIsNotEchoedToItsSender) {
  ASSERT_TRUE((*a_)->send_text(sdp_message("b", "offer", "v=0 one\r\n", "a")));
  ASSERT_TRUE((*b_)->expect_message_of_type("sdp"));
  const std::string reply = ice_message("a");
  ASSERT_TRUE((*b_)->send_text(reply));
  EXPECT_EQ((*a_)->next_message(), with_sender("b", reply));
}

TEST_F(Relay, SenderIdIsAddedFirstWhenAbsentAndTheRestAreTheClientsBytes) {
  // Odd spacing, unknown fields, escapes and number forms must all survive.
  const std::string sent =
      R"({ "type" : "sdp","targetId":"b", "x-trace":{"deep":[1,2.50,-0.0,1e2,"\u00e9\n",true,null]},)"
      R"("sdp":{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n","x":{}} , "id":"q1"})";
  ASSERT_TRUE((*a_)->send_text(sent));
  std::optional<std::string> got = (*b_)->next_message();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, with_sender("a", sent));
  std::optional<Json> parsed = Json::parse(*got);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->str("senderId"), "a");
  EXPECT_TRUE(parsed->without("senderId").same_value(sent));
}

TEST_F(Relay, AMessageWithItsOwnSenderIdIsRelayedByteForByte) {
  const std::string sent =
      R"({"senderId":"a","candidate":{"candidate":"","sdpMid":null,"sdpMLineIndex":null,)"
      R"("usernameFragment":null,"x-cand":"kept"},"type":"ice" ,"unknown":[{"a":"\u0041"}],"targetId":"c"})";
  ASSERT_TRUE((*a_)->send_text(sent));
  EXPECT_EQ((*c_)->next_message(), sent);
}

TEST_F(Relay, ABroadcastWithUnknownFieldsIsRelayedUnchangedToEveryone) {
  const std::string sent =
      R"({"type":"ice","candidate":{"candidate":"candidate:2 1 tcp 1 192.0.2.9 9 typ host",)"
      R"("sdpMid":"1","sdpMLineIndex":3,"usernameFragment":"u"},"meta":{"n":[1,{"m":null}]},"z":"\"q\""})";
  ASSERT_TRUE((*c_)->send_text(sent));
  EXPECT_EQ((*a_)->next_message(), with_sender("c", sent));
  EXPECT_EQ((*b_)->next_message(), with_sender("c", sent));
}

TEST_F(Relay, AWrongSenderIdIsRefusedAndNothingIsRelayed) {
  const std::string forged =
      R"({"type":"sdp","senderId":"b","targetId":"c","sdp":{"type":"offer","sdp":"x"},"id":"f1"})";
  ASSERT_TRUE((*a_)->send_text(forged));
  std::optional<Json> error = (*a_)->expect_error("sender-mismatch");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->member_json("ref"), "\"f1\"");
  // Ids are case-sensitive, and an empty senderId is not a's either.
  ASSERT_TRUE((*a_)->send_text(sdp_message("c", "offer", "x", "A")));
  const std::string empty_sender =
      R"({"type":"sdp","senderId":"","targetId":"c","sdp":{"type":"offer","sdp":"x"}})";
  ASSERT_TRUE((*a_)->send_text(empty_sender));
  EXPECT_TRUE((*a_)->expect_error("sender-mismatch"));
  EXPECT_TRUE((*a_)->expect_error("sender-mismatch"));
  const std::string marker = sdp_message("c", "offer", "v=0 marker\r\n");
  ASSERT_TRUE((*a_)->send_text(marker));
  EXPECT_EQ((*c_)->next_message(), with_sender("a", marker));
}

TEST_F(Relay, EverySdpKindIsRelayedAndRollbackMayOmitItsSdp) {
  const std::vector<std::string> accepted = {
      sdp_message("b", "offer", "v=0\r\n"),
      sdp_message("b", "answer", "v=0\r\n"),
      sdp_message("b", "pranswer", "v=0\r\n"),
      sdp_message("b", "rollback", ""),
      R"({"type":"sdp","targetId":"b","sdp":{"type":"rollback"}})",
      R"({"type":"sdp","targetId":"b","sdp":{"type":"rollback","sdp":"v=0"}})",
  };
  for (const std::string& m : accepted) ASSERT_TRUE((*a_)->send_text(m));
  for (const std::string& m : accepted) EXPECT_EQ((*b_)->next_message(), with_sender("a", m));
}

TEST_F(Relay, IceCandidatesWithNullsAndTheEndOfCandidatesAreRelayed) {
  const std::vector<std::string> accepted = {
      ice_message("b", ""),
      R"({"type":"ice","targetId":"b","candidate":{"candidate":"candidate:1 1 udp 1 192.0.2.1 1 typ host"}})",
      R"({"type":"ice","targetId":"b","candidate":{"candidate":"c","sdpMid":null,"sdpMLineIndex":null,"usernameFragment":null}})",
      R"({"type":"ice","targetId":"b","candidate":{"candidate":"c","sdpMLineIndex":0}})",
      R"({"type":"ice","targetId":"b","candidate":{"candidate":"c","sdpMLineIndex":65535,"sdpMid":""}})",
  };
  for (const std::string& m : accepted) ASSERT_TRUE((*a_)->send_text(m));
  for (const std::string& m : accepted) EXPECT_EQ((*b_)->next_message(), with_sender("a", m));
}

TEST_F(Relay, AFragmentedMessageIsReassembledBeforeItIsChecked) {
  RawWsClient raw;
  ASSERT_EQ(raw.upgrade(b_->url, "/signal/" + room_.id() + "?peerId=d").status, 101);
  std::optional<Frame> welcome = raw.next_frame();
  ASSERT_TRUE(welcome);
  EXPECT_EQ(Json::parse(welcome->payload)->type(), "welcome");
  for (Member* m : {a_, b_, c_}) ASSERT_TRUE((*m)->expect_message_of_type("peer-joined"));

  const std::string whole = sdp_message("a", "offer", "v=0 in three pieces\r\n");
  ASSERT_TRUE(raw.send_frame(1, whole.substr(0, 5), false));
  ASSERT_TRUE(raw.send_frame(9, "ping between fragments"));
  ASSERT_TRUE(raw.send_frame(0, whole.substr(5, 20), false));
  ASSERT_TRUE(raw.send_frame(0, whole.substr(25), true));
  EXPECT_EQ((*a_)->next_message(), with_sender("d", whole));
}

// RFC 6455 §8.1: a text message must be UTF-8 as a whole, and a code point
// may be split between fragments. (The gateway checks this with its own
// fast path for ASCII, ws_utf8.hpp: these run it inside the server.)
class Utf8Frames : public Relay {
 protected:
  // A raw client "d" in the room, welcomed, the others told.
  void join_raw() {
    ASSERT_EQ(raw_.upgrade(b_->url, "/signal/" + room_.id() + "?peerId=d").status, 101);
    std::optional<Frame> welcome = raw_.next_frame();
    ASSERT_TRUE(welcome);
    for (Member* m : {a_, b_, c_}) ASSERT_TRUE((*m)->expect_message_of_type("peer-joined"));
  }
  RawWsClient raw_;
};

TEST_F(Utf8Frames, ACodePointSplitBetweenFragmentsIsRelayedWhole) {
  join_raw();
  // "é" is C3 A9 and "😀" F0 9F 98 80: each cut in the middle, after a run of
  // ASCII long enough for the word-at-a-time path.
  const std::string whole =
      sdp_message("a", "offer", "v=0 caf\xC3\xA9 and a smile \xF0\x9F\x98\x80 after ASCII\r\n");
  const std::size_t cut1 = whole.find("\xC3") + 1;
  const std::size_t cut2 = whole.find("\xF0") + 2;
  ASSERT_TRUE(raw_.send_frame(1, whole.substr(0, cut1), false));
  ASSERT_TRUE(raw_.send_frame(0, whole.substr(cut1, cut2 - cut1), false));
  ASSERT_TRUE(raw_.send_frame(0, whole.substr(cut2), true));
  EXPECT_EQ((*a_)->next_message(), with_sender("d", whole));
}

TEST_F(Utf8Frames, InvalidUtf8ClosesWith1007AndThePeerLeaves) {
  join_raw();
  ASSERT_TRUE(raw_.send_text(sdp_message("a", "offer", "v=0 plenty of ASCII first \xFF\r\n")));
  std::optional<Frame> close = raw_.read_until_close();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->close_code(), 1007);
  auto left = (*a_)->expect_message_of_type("peer-left");
  ASSERT_TRUE(left);
  EXPECT_EQ(left->str("peerId"), "d");
  EXPECT_FALSE((*a_)->next_message(Ms(200))) << "nothing of d's message may be relayed";
}

TEST_F(Utf8Frames, ACodePointLeftUnfinishedAtTheEndOfAFragmentedMessageCloses1007) {
  join_raw();
  const std::string start = R"({"type":"ice","targetId":"a","candidate":{"candidate":"ascii)";
  ASSERT_TRUE(raw_.send_frame(1, start + "\xE2\x82", false));  // "€" without its last byte
  ASSERT_TRUE(raw_.send_frame(0, R"("}})", true));
  std::optional<Frame> close = raw_.read_until_close();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->close_code(), 1007);
}

TEST_F(Relay, MessagesFromOneSenderToOneReceiverArriveInOrderAcrossPods) {
  // 150 stays inside the default burst of 200.
  constexpr int kCount = 150;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE((*a_)->send_text(JsonObject()
                                     .str("type", "ice")
                                     .str("targetId", "c")
                                     .num("id", i)
                                     .raw("candidate", R"({"candidate":""})")
                                     .build()));
  }
  for (int i = 0; i < kCount; ++i) {
    std::optional<Json> m = (*c_)->expect_message_of_type("ice");
    ASSERT_TRUE(m);
    ASSERT_EQ(m->member_json("id"), std::to_string(i));
  }
}

TEST(RelayOrdering, AThousandMessagesPerSenderArriveInSendOrder) {
  Config config = test_config();
  config.limits.rate_per_second = 1e6;
  config.limits.rate_burst = 1e6;
  PodSet pods(config);
  Room room(pods);
  Member& a = room.join("a");
  Member& b = room.join("b");
  Member& r = room.join("r");
  ASSERT_TRUE(a.welcome && b.welcome && r.welcome);
  constexpr int kCount = 1000;
  auto message = [](int i) {
    return JsonObject()
        .str("type", "sdp")
        .str("targetId", "r")
        .num("id", i)
        .raw("sdp", R"({"type":"offer","sdp":"v=0"})")
        .build();
  };
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(a->send_text(message(i)));
    ASSERT_TRUE(b->send_text(message(i)));
  }
  int next_from_a = 0;
  int next_from_b = 0;
  for (int i = 0; i < 2 * kCount; ++i) {
    std::optional<Json> m = r->expect_message_of_type("sdp");
    ASSERT_TRUE(m) << "after " << next_from_a << " from a and " << next_from_b << " from b";
    int& next = m->str("senderId") == "a" ? next_from_a : next_from_b;
    ASSERT_EQ(m->member_json("id"), std::to_string(next)) << "from " << m->str("senderId");
    ++next;
  }
  EXPECT_EQ(next_from_a, kCount);
  EXPECT_EQ(next_from_b, kCount);
}

}  // namespace
}  // namespace signalmesh::test
