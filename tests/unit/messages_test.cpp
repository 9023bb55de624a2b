// Identifiers, wire names and the server messages of protocol.md §3–§4:
// every builder's output is parsed back and compared field by field.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "signalmesh/protocol.hpp"

namespace signalmesh::protocol {
namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  EXPECT_TRUE(doc.IsObject()) << text;
  return doc;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return "<missing or not a string>";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

using Fields = std::vector<std::pair<const char*, std::string>>;

// The object has exactly these string fields, and `extra` more of other kinds.
void expect_string_fields(const std::string& text, const Fields& fields, std::size_t extra = 0) {
  SCOPED_TRACE(text);
  const rapidjson::Document doc = parse(text);
  if (!doc.IsObject()) return;
  EXPECT_EQ(doc.MemberCount(), fields.size() + extra);
  for (const auto& [name, value] : fields) EXPECT_EQ(string_member(doc, name), value) << name;
}

TEST(Ids, AcceptsOneTo64CharactersOfTheUrlSafeAlphabet) {
  const std::vector<std::string> ids = {
      "a",
      "Z",
      "0",
      "_",
      "-",
      "user1",
      "room-123_ABC",
      std::string(64, 'x'),
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"};
  for (const std::string& id : ids) EXPECT_TRUE(is_valid_id(id)) << id;
}

TEST(Ids, RejectsEmptyTooLongAndForeignCharacters) {
  const std::vector<std::string> ids = {
      "",         std::string(65, 'x'),   "a b", "a%20b", "a.b", "a/b", "a+b", "a=b",
      "\xC3\xA9", std::string("a\0b", 3), "a\n"};
  for (const std::string& id : ids) EXPECT_FALSE(is_valid_id(id)) << id;
}

TEST(Ids, GeneratesDistinctValidPeerIdsOf96Bits) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = random_peer_id();
    EXPECT_EQ(id.size(), 16u);  // 16 base64url characters carry 96 bits.
    EXPECT_TRUE(is_valid_id(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(Ids, NamesEveryErrorCodeAsOnTheWire) {
  const std::vector<std::pair<ErrorCode, std::string_view>> names = {
      {ErrorCode::kInvalidJson, "invalid-json"},
      {ErrorCode::kInvalidMessage, "invalid-message"},
      {ErrorCode::kUnknownType, "unknown-type"},
      {ErrorCode::kSenderMismatch, "sender-mismatch"},
      {ErrorCode::kUnknownTarget, "unknown-target"},
      {ErrorCode::kNotHost, "not-host"},
      {ErrorCode::kBinaryUnsupported, "binary-unsupported"},
      {ErrorCode::kBackendUnavailable, "backend-unavailable"},
      {ErrorCode::kBadRequest, "bad-request"},
      {ErrorCode::kUnauthorized, "unauthorized"},
      {ErrorCode::kForbidden, "forbidden"},
      {ErrorCode::kReplaced, "replaced"},
      {ErrorCode::kRoomFull, "room-full"},
      {ErrorCode::kRateLimited, "rate-limited"},
  };
  for (const auto& [code, name] : names) EXPECT_EQ(error_code_name(code), name);
}

TEST(Ids, NamesEveryClientMessageType) {
  EXPECT_EQ(message_type_name(MessageType::kSdp), "sdp");
  EXPECT_EQ(message_type_name(MessageType::kIce), "ice");
  EXPECT_EQ(message_type_name(MessageType::kHostChange), "host-change");
  EXPECT_EQ(message_type_name(MessageType::kKick), "kick");
}

TEST(Messages, InsertsSenderIdRightAfterTheOpeningBrace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type":"kick","targetId":"bob"})",
       R"({"senderId":"alice","type":"kick","targetId":"bob"})"},
      {" \n{ \"type\":\"kick\"}", " \n{\"senderId\":\"alice\", \"type\":\"kick\"}"},
      {"{}", R"({"senderId":"alice"})"},
      {"{ }", R"({"senderId":"alice" })"},
  };
  for (const auto& [payload, expected] : cases) {
    const std::string out = with_sender_id(payload, "alice");
    EXPECT_EQ(out, expected);
    parse(out);
  }
}

TEST(Messages, RelaysTheClientFieldsUnchangedAfterInsertingSenderId) {
  const std::string payload =
      R"({"type":"sdp","targetId":"bob","sdp":{"type":"offer","sdp":"v=0\r\n"},"x":[1,{"y":null}]})";
  Validator validator;
  ASSERT_EQ(validator.validate(payload, "alice").error, ErrorCode::kNone);
  const std::string out = with_sender_id(payload, "alice");
  const rapidjson::Document doc = parse(out);
  EXPECT_EQ(doc.MemberCount(), 5u);
  EXPECT_EQ(string_member(doc, "senderId"), "alice");
  EXPECT_EQ(string_member(doc["sdp"], "sdp"), "v=0\r\n");
  EXPECT_TRUE(doc["x"][1]["y"].IsNull());
  // The relayed message passes the receiver-side checks as the sender.
  const ValidatedMessage& again = validator.validate(out, "alice");
  EXPECT_EQ(again.error, ErrorCode::kNone);
  EXPECT_TRUE(again.has_sender_id);
}

TEST(Messages, BuildsAWelcomeWithPeersAndNoIceServers) {
  const std::string out = make_welcome("room123", "user1", "user0", {"user0", "user2"}, "");
  EXPECT_EQ(out, R"({"type":"welcome","roomId":"room123","peerId":"user1","hostId":"user0",)"
                 R"("peers":["user0","user2"]})");
  expect_string_fields(
      out, {{"type", "welcome"}, {"roomId", "room123"}, {"peerId", "user1"}, {"hostId", "user0"}},
      1);
}

TEST(Messages, BuildsAWelcomeWithIceServersWhenConfigured) {
  const std::string ice = R"([{"urls":["turn:turn.example.org:3478"],"username":"1:u",)"
                          R"("credential":"x/y+z="}])";
  const std::string out = make_welcome("r", "me", "me", {}, ice);
  expect_string_fields(
      out, {{"type", "welcome"}, {"roomId", "r"}, {"peerId", "me"}, {"hostId", "me"}}, 2);
  const rapidjson::Document doc = parse(out);
  ASSERT_TRUE(doc["peers"].IsArray());
  EXPECT_EQ(doc["peers"].Size(), 0u);
  ASSERT_TRUE(doc["iceServers"].IsArray());
  EXPECT_EQ(string_member(doc["iceServers"][0], "credential"), "x/y+z=");
}

TEST(Messages, ListsWelcomePeersInTheGivenOrder) {
  const std::vector<std::string> peers = {"c", "a", "b"};
  const rapidjson::Document doc = parse(make_welcome("r", "me", "c", peers, ""));
  ASSERT_TRUE(doc["peers"].IsArray());
  ASSERT_EQ(doc["peers"].Size(), 3u);
  for (rapidjson::SizeType i = 0; i < 3; ++i) EXPECT_EQ(doc["peers"][i].GetString(), peers[i]);
}

TEST(Messages, BuildsPeerJoinedAndPeerLeft) {
  EXPECT_EQ(make_peer_joined("user1"), R"({"type":"peer-joined","peerId":"user1"})");
  expect_string_fields(make_peer_joined("user1"), {{"type", "peer-joined"}, {"peerId", "user1"}});
  for (const char* reason : {"left", "kicked", "timeout", "pod-lost"}) {
    expect_string_fields(make_peer_left("user2", reason),
                         {{"type", "peer-left"}, {"peerId", "user2"}, {"reason", reason}});
  }
  EXPECT_EQ(make_peer_left("u", "left"), R"({"type":"peer-left","peerId":"u","reason":"left"})");
}

TEST(Messages, BuildsHostChangeWithSenderIdOnlyForAHandOff) {
  expect_string_fields(make_host_change("user2", "user0", "user0"), {{"type", "host-change"},
                                                                     {"hostId", "user2"},
                                                                     {"previousHostId", "user0"},
                                                                     {"senderId", "user0"}});
  expect_string_fields(make_host_change("user2", "user0", ""),
                       {{"type", "host-change"}, {"hostId", "user2"}, {"previousHostId", "user0"}});
}

TEST(Messages, BuildsAnErrorWithAndWithoutRef) {
  expect_string_fields(
      make_error(ErrorCode::kUnknownTarget, "no such member", ""),
      {{"type", "error"}, {"code", "unknown-target"}, {"message", "no such member"}});
  const std::string with_string = make_error(ErrorCode::kNotHost, "only the host", R"("m-1")");
  expect_string_fields(
      with_string,
      {{"type", "error"}, {"code", "not-host"}, {"message", "only the host"}, {"ref", "m-1"}});
  const rapidjson::Document doc = parse(make_error(ErrorCode::kInvalidMessage, "bad", "42"));
  EXPECT_EQ(doc.MemberCount(), 4u);
  ASSERT_TRUE(doc["ref"].IsInt());
  EXPECT_EQ(doc["ref"].GetInt(), 42);
}

TEST(Messages, EscapesFreeTextInErrorMessages) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(say "hi" \ bye)", R"(say "hi" \ bye)"},
      {"line1\nline2\r\t", "line1\nline2\r\t"},
      {std::string("nul\0bell\x07", 9), std::string("nul\0bell\x07", 9)},
      {"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
      // Not UTF-8: each bad byte becomes U+FFFD, so the frame stays valid text.
      {"a\xFF"
       "b",
       "a\xEF\xBF\xBD"
       "b"},
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xE2\x82", "\xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const auto& [message, decoded] : cases) {
    const std::string out = make_error(ErrorCode::kInvalidJson, message, "");
    SCOPED_TRACE(out);
    const rapidjson::Document doc = parse(out);
    ASSERT_TRUE(doc.IsObject());
    ASSERT_TRUE(doc["message"].IsString());
    EXPECT_EQ(std::string(doc["message"].GetString(), doc["message"].GetStringLength()), decoded);
  }
}

TEST(Messages, EchoesTheValidatorsRefAsTheClientsOriginalId) {
  Validator validator;
  const std::vector<std::string> ids = {
      R"("abc")", "42", "-1.5", R"("q\"\\\n")", R"("\udc00")", R"("\ud83d\ude00")", "1e300"};
  for (const std::string& id : ids) {
    SCOPED_TRACE(id);
    const std::string payload = R"({"type":"kick","id":)" + id + "}";
    const ValidatedMessage& r = validator.validate(payload, "alice");
    ASSERT_EQ(r.error, ErrorCode::kInvalidMessage);
    const std::string out = make_error(r.error, r.detail, r.ref_json);
    const rapidjson::Document error = parse(out);
    rapidjson::Document original;
    original.Parse(id.c_str());
    ASSERT_TRUE(error.IsObject());
    ASSERT_TRUE(error.HasMember("ref"));
    EXPECT_TRUE(error["ref"] == original);
    EXPECT_EQ(string_member(error, "code"), "invalid-message");
    EXPECT_EQ(string_member(error, "message"), std::string(r.detail));
  }
}

}  // namespace
}  // namespace signalmesh::protocol
