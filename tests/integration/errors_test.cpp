// protocol.md §2 and §4: every error that keeps the connection open, the
// order of the checks, and the `ref` echo.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/room.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

class Errors : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = &room_.join("host");
    b_ = &room_.join("b");
    c_ = &room_.join("c");
    ASSERT_TRUE(host_->welcome && b_->welcome && c_->welcome);
  }

  // Sends `message` from `from`; expects error `code` with `ref` ("" for
  // none) and that the message went nowhere; the connection stays open.
  void expect_refused(Member& from, const std::string& message, const std::string& code,
                      const std::string& ref = "") {
    SCOPED_TRACE(message.substr(0, 200));
    ASSERT_TRUE(from->send_text(message));
    std::optional<Json> error = from->expect_error(code);
    ASSERT_TRUE(error);
    EXPECT_TRUE(error->has("message") && error->root()["message"].IsString() &&
                !error->str("message").empty())
        << error->text();
    for (const std::string& key : error->keys()) {
      EXPECT_TRUE(key == "type" || key == "code" || key == "message" || key == "ref")
          << "unexpected field " << key << " in " << error->text();
    }
    if (ref.empty()) {
      EXPECT_FALSE(error->has("ref")) << error->text();
    } else {
      EXPECT_EQ(error->member_json("ref"), ref) << error->text();
    }
    ++refused_;
    // Stay under the refused-in-a-row limit (20): an accepted message resets it.
    if (refused_ % 10 == 0) expect_open(from);
  }

  // `from` is still open and can relay: its next targeted message arrives.
  void expect_open(Member& from) {
    Member& to = &from == c_ ? *b_ : *c_;
    const std::string probe = sdp_message(to.id, "offer", "v=0 probe\r\n", from.id);
    ASSERT_TRUE(from->send_text(probe));
    EXPECT_EQ(to->next_message(), probe) << "probe from " << from.id;
  }

  Room room_;
  Member* host_ = nullptr;
  Member* b_ = nullptr;
  Member* c_ = nullptr;
  int refused_ = 0;
};

TEST_F(Errors, AFrameThatIsNotOneJsonObjectIsInvalidJson) {
  for (const std::string& text :
       {std::string("not json"), std::string(""), std::string("[1,2]"), std::string("\"sdp\""),
        std::string("42"), std::string("null"), std::string(R"({"type":"sdp")"),
        std::string(R"({"type":"sdp"} {"type":"sdp"})"), std::string(R"({"type":"sdp"} x)"),
        std::string(R"({"type":"sdp",})"), std::string("{'type':'sdp'}"),
        std::string(R"({"type":"sdp","x":"\x"})")}) {
    expect_refused(*b_, text, "invalid-json");
  }
  expect_open(*b_);
}

TEST_F(Errors, AMissingOrNonStringTypeIsInvalidMessage) {
  expect_refused(*b_, R"({"id":"t1"})", "invalid-message", "\"t1\"");
  expect_refused(*b_, R"({})", "invalid-message");
  expect_refused(*b_, R"({"type":5,"id":"t2"})", "invalid-message", "\"t2\"");
  expect_refused(*b_, R"({"type":null,"id":"t3"})", "invalid-message", "\"t3\"");
  expect_refused(*b_, R"({"type":["sdp"],"id":"t4"})", "invalid-message", "\"t4\"");
  expect_open(*b_);
}

TEST_F(Errors, ATypeThatIsNotAClientTypeIsUnknownType) {
  for (const char* type :
       {"chat", "welcome", "error", "peer-joined", "peer-left", "SDP", "Ice", "", "sdp "}) {
    expect_refused(*b_, JsonObject().str("type", type).str("id", type).build(), "unknown-type",
                   quoted(type));
  }
  expect_open(*b_);
}

TEST_F(Errors, NamedFieldsOfTheWrongShapeAreInvalidMessage) {
  const std::vector<std::string> cases = {
      // sdp
      R"({"type":"sdp","id":"m","targetId":"c"})",
      R"({"type":"sdp","id":"m","targetId":"c","sdp":"v=0"})",
      R"({"type":"sdp","id":"m","targetId":"c","sdp":{"sdp":"v=0"}})",
      R"({"type":"sdp","id":"m","targetId":"c","sdp":{"type":"bogus","sdp":"v=0"}})",
      R"({"type":"sdp","id":"m","targetId":"c","sdp":{"type":"offer"}})",
      R"({"type":"sdp","id":"m","targetId":"c","sdp":{"type":"offer","sdp":""}})",
      R"({"type":"sdp","id":"m","targetId":"c","sdp":{"type":"answer","sdp":5}})",
      R"({"type":"sdp","id":"m","targetId":5,"sdp":{"type":"offer","sdp":"v=0"}})",
      R"({"type":"sdp","id":"m","targetId":null,"sdp":{"type":"offer","sdp":"v=0"}})",
      R"({"type":"sdp","id":"m","targetId":"b","sdp":{"type":"offer","sdp":"v=0"}})",  // self
      R"({"type":"sdp","id":"m","senderId":7,"sdp":{"type":"offer","sdp":"v=0"}})",
      // ice
      R"({"type":"ice","id":"m","targetId":"c"})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":"candidate:1"})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":{}})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":{"candidate":5}})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":{"candidate":"","sdpMid":5}})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":{"candidate":"","sdpMLineIndex":-1}})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":{"candidate":"","sdpMLineIndex":1.5}})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":{"candidate":"","sdpMLineIndex":"0"}})",
      R"({"type":"ice","id":"m","targetId":"c","candidate":{"candidate":"","usernameFragment":1}})",
      R"({"type":"ice","id":"m","targetId":"b","candidate":{"candidate":""}})",  // self
      // host-change (b is not the host: shape errors come before not-host)
      R"({"type":"host-change","id":"m"})",
      R"({"type":"host-change","id":"m","hostId":7})",
      R"({"type":"host-change","id":"m","hostId":"b"})",  // self
      // kick
      R"({"type":"kick","id":"m"})",
      R"({"type":"kick","id":"m","targetId":"b"})",  // self
      R"({"type":"kick","id":"m","targetId":"c","reason":5})",
      R"({"type":"kick","id":"m","targetId":"c","reason":")" + std::string(257, 'r') + R"("})",
  };
  for (const std::string& message : cases) expect_refused(*b_, message, "invalid-message", "\"m\"");
  expect_open(*b_);
}

TEST_F(Errors, AnIdIsEchoedAsRefWhenItIsAStringOrANumber) {
  const std::string bad = R"("type":"no-such-type")";
  expect_refused(*b_, "{" + bad + R"(,"id":"abc"})", "unknown-type", "\"abc\"");
  expect_refused(*b_, "{" + bad + R"(,"id":42})", "unknown-type", "42");
  expect_refused(*b_, "{" + bad + R"(,"id":0})", "unknown-type", "0");
  expect_refused(*b_, "{" + bad + R"(,"id":-7.5})", "unknown-type", "-7.5");
  expect_refused(*b_, "{" + bad + R"(,"id":""})", "unknown-type", "\"\"");
  // The string's value survives escaping both ways.
  ASSERT_TRUE((*b_)->send_text("{" + bad + R"(,"id":"q\"uo\\te \u00e9\n"})"));
  std::optional<Json> error = (*b_)->expect_error("unknown-type");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->str("ref"), "q\"uo\\te \xc3\xa9\n");
  // Every error code echoes it, not only unknown-type.
  expect_refused(*b_,
                 R"({"type":"sdp","id":"r1","targetId":"ghost","sdp":{"type":"offer","sdp":"v"}})",
                 "unknown-target", "\"r1\"");
  expect_refused(*b_, R"({"type":"kick","id":2,"targetId":"c"})", "not-host", "2");
  expect_refused(*b_, R"({"type":"ice","id":"r3","senderId":"c","candidate":{"candidate":""}})",
                 "sender-mismatch", "\"r3\"");
  expect_open(*b_);
}

TEST_F(Errors, AnIdOfTheWrongTypeIsInvalidMessageAndIsNotEchoed) {
  const std::string sdp = R"("type":"sdp","targetId":"c","sdp":{"type":"offer","sdp":"v=0"})";
  for (const char* id : {"true", "null", "{}", R"({"x":1})", "[1]"}) {
    expect_refused(*b_, "{" + sdp + ",\"id\":" + id + "}", "invalid-message");
  }
  // When an earlier check fails, that error is sent, still without the id.
  expect_refused(*b_, R"({"type":"chat","id":true})", "unknown-type");
  expect_open(*b_);
}

TEST_F(Errors, ATargetThatIsNotAMemberIsUnknownTarget) {
  expect_refused(*b_, sdp_message("ghost"), "unknown-target");
  expect_refused(*b_, ice_message("ghost"), "unknown-target");
  expect_refused(*b_, sdp_message("C"), "unknown-target");  // ids are case-sensitive
  expect_refused(*host_, kick_message("ghost"), "unknown-target");
  expect_refused(*host_, host_change_message("ghost"), "unknown-target");
  // The targeted member got nothing: its next message is the probe.
  expect_open(*b_);
  expect_open(*host_);
}

TEST_F(Errors, HostChangeOrKickFromAMemberThatIsNotTheHostIsNotHost) {
  expect_refused(*b_, host_change_message("c"), "not-host");
  expect_refused(*b_, kick_message("c", "because"), "not-host");
  expect_refused(*b_, kick_message("host"), "not-host");
  // Nothing happened: c was neither kicked nor told, the host is unchanged.
  expect_open(*b_);
  Member& d = room_.join("d");
  ASSERT_TRUE(d.welcome);
  EXPECT_EQ(d.welcome->str("hostId"), "host");
  EXPECT_EQ(d.welcome->strings("peers"), (std::vector<std::string>{"host", "b", "c"}));
}

TEST_F(Errors, ABinaryFrameIsBinaryUnsupportedAndTheConnectionStaysOpen) {
  ASSERT_TRUE((*b_)->send_binary(sdp_message("c")));
  std::optional<Json> error = (*b_)->expect_error("binary-unsupported");
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->has("ref"));
  ASSERT_TRUE((*b_)->send_binary(std::string("\x00\x01\x02", 3)));
  EXPECT_TRUE((*b_)->expect_error("binary-unsupported"));
  expect_open(*b_);
}

TEST_F(Errors, TheChecksRunInTheProtocolsOrder) {
  // unknown-type before sender-mismatch
  expect_refused(*b_, R"({"type":"chat","senderId":"c","id":1})", "unknown-type", "1");
  // invalid-message (missing type) before sender-mismatch
  expect_refused(*b_, R"({"senderId":"c","id":2})", "invalid-message", "2");
  // invalid-message (named field) before sender-mismatch
  expect_refused(*b_, R"({"type":"sdp","senderId":"c","sdp":{"type":"bogus","sdp":"v"},"id":3})",
                 "invalid-message", "3");
  // sender-mismatch before unknown-target
  expect_refused(*b_, sdp_message("ghost", "offer", "v=0", "c"), "sender-mismatch");
  // sender-mismatch before not-host
  expect_refused(*b_, kick_message("c", "", "host"), "sender-mismatch");
  // unknown-target before not-host
  expect_refused(*b_, kick_message("ghost"), "unknown-target");
  expect_refused(*b_, host_change_message("ghost"), "unknown-target");
  // invalid-message before not-host
  expect_refused(*b_, R"({"type":"kick","targetId":"c","reason":[]})", "invalid-message");
  expect_open(*b_);
}

TEST_F(Errors, DuplicatedNamedFieldsAreRefused) {
  // A browser's JSON.parse keeps the last of duplicate keys; a check on the
  // first would let "senderId" be forged. Either way it is not relayed.
  ASSERT_TRUE((*b_)->send_text(
      R"({"type":"sdp","senderId":"b","senderId":"c","targetId":"host","sdp":{"type":"offer","sdp":"v"}})"));
  std::optional<Json> error = (*b_)->expect_message_of_type("error");
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->str("code") == "invalid-message" || error->str("code") == "sender-mismatch")
      << error->text();
  const std::string probe = sdp_message("host", "offer", "v=0 probe\r\n", "b");
  ASSERT_TRUE((*b_)->send_text(probe));
  EXPECT_EQ((*host_)->next_message(), probe);
}

TEST_F(Errors, AKickReasonOfExactly256CharactersIsAccepted) {
  const std::string ascii(256, 'r');
  std::string accented;
  for (int i = 0; i < 256; ++i) accented += "\xc3\xa9";  // 256 characters, 512 bytes
  ASSERT_TRUE((*host_)->send_text(kick_message("c", ascii)));
  std::optional<Json> kick = (*c_)->expect_message_of_type("kick");
  ASSERT_TRUE(kick);
  EXPECT_EQ(kick->str("reason"), ascii);
  std::optional<Json> left = (*b_)->expect_message_of_type("peer-left");
  ASSERT_TRUE(left);
  EXPECT_EQ(left->str("peerId"), "c");
  ASSERT_TRUE((*host_)->send_text(kick_message("b", accented)));
  kick = (*b_)->expect_message_of_type("kick");
  ASSERT_TRUE(kick);
  EXPECT_EQ(kick->str("reason"), accented);
}

}  // namespace
}  // namespace signalmesh::test
