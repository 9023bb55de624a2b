// The §2 schema of protocol.md, one rule per test, each a table of cases.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "signalmesh/protocol.hpp"
#include "validator_cases.hpp"

namespace signalmesh::protocol {
namespace {

using namespace validator_cases;

TEST(Validator, RejectsAMissingOrNonStringTypeAsInvalidMessage) {
  expect_all({
      {"{}", kMessage},
      {R"({"targetId":"bob","sdp":{"type":"offer","sdp":"x"}})", kMessage},
      {R"({"Type":"sdp"})", kMessage},
      {R"({"type":1})", kMessage},
      {R"({"type":null})", kMessage},
      {R"({"type":true})", kMessage},
      {R"({"type":["sdp"]})", kMessage},
      {R"({"type":{"sdp":1}})", kMessage},
      {R"({"type":"sdp","type":"kick","targetId":"bob"})", kMessage},
  });
}

TEST(Validator, RejectsUnknownTypeStringsBeforeCheckingAnyOtherField) {
  expect_all({
      {R"({"type":""})", kType},
      {R"({"type":"SDP"})", kType},
      {R"({"type":"offer"})", kType},
      {R"({"type":"welcome"})", kType},
      {R"({"type":"peer-joined"})", kType},
      {R"({"type":"error"})", kType},
      {R"({"type":"sdp "})", kType},
      {R"({"type":"hostchange","senderId":5,"targetId":[]})", kType},
  });
}

TEST(Validator, DecodesEscapesInNamesAndValues) {
  expect_all({
      {R"({"typ\u0065":"host-change","hostId":"b\u006fb"})", kOk, "bob"},
      {R"({"type":"kic\u006b","targetId":"bob"})", kOk, "bob"},
  });
}

TEST(Validator, EchoesAStringOrNumberIdAsRef) {
  const std::string tail = R"(,"type":"host-change","hostId":"bob"})";
  expect_all({
      {R"({"id":"abc")" + tail, kOk, "bob", R"("abc")"},
      {R"({"id":"")" + tail, kOk, "bob", R"("")"},
      {R"({"id":42)" + tail, kOk, "bob", "42"},
      {R"({"id":-7)" + tail, kOk, "bob", "-7"},
      {R"({"id":0)" + tail, kOk, "bob", "0"},
      {R"({"id":1.5)" + tail, kOk, "bob", "1.5"},
      {R"({"id":18446744073709551615)" + tail, kOk, "bob", "18446744073709551615"},
      {R"({"id":"a\"b\\c\/d")" + tail, kOk, "bob", R"("a\"b\\c/d")"},
      {R"({"id":"\u00e9\ud83d\ude00")" + tail, kOk, "bob", "\"\xC3\xA9\xF0\x9F\x98\x80\""},
      {R"({"id":"\u0000\n")" + tail, kOk, "bob", R"("\u0000\u000a")"},
      // A lone surrogate goes back out as the escape, never as invalid UTF-8.
      {R"({"id":"x\udc00y")" + tail, kOk, "bob", R"("x\udc00y")"},
  });
}

TEST(Validator, EchoesTheIdOnEveryErrorThatFollowsParsing) {
  expect_all({
      {R"({"id":"m1"})", kMessage, "", R"("m1")"},
      {R"({"id":"m2","type":"nope"})", kType, "", R"("m2")"},
      {R"({"id":3,"type":"kick"})", kMessage, "", "3"},
      {R"({"id":4,"type":"kick","targetId":"bob","senderId":"mallory"})", kMismatch, "", "4"},
      {R"({"id":"m5",)", kJson},  // Nothing to echo from an unparsable frame.
  });
}

TEST(Validator, RejectsAnIdOfAnotherTypeWithoutEchoingIt) {
  const std::string tail = R"(,"type":"host-change","hostId":"bob"})";
  expect_all({
      {R"({"id":true)" + tail, kMessage},
      {R"({"id":false)" + tail, kMessage},
      {R"({"id":null)" + tail, kMessage},
      {R"({"id":{"n":1})" + tail, kMessage},
      {R"({"id":[1])" + tail, kMessage},
      {R"({"id":1,"id":2)" + tail, kMessage},
      // unknown-type comes first; the bad id is still not echoed.
      {R"({"id":true,"type":"nope"})", kType},
  });
}

TEST(Validator, AcceptsASenderIdEqualToSelfAndRefusesAnyOther) {
  Validator validator;
  const ValidatedMessage& with =
      validator.validate(R"({"type":"kick","targetId":"bob","senderId":"alice"})", kSelf);
  EXPECT_EQ(with.error, ErrorCode::kNone);
  EXPECT_TRUE(with.has_sender_id);
  const ValidatedMessage& without =
      validator.validate(R"({"type":"kick","targetId":"bob"})", kSelf);
  EXPECT_EQ(without.error, ErrorCode::kNone);
  EXPECT_FALSE(without.has_sender_id);

  const std::string head = R"({"type":"kick","targetId":"bob","senderId":)";
  expect_all({
      {head + R"("mallory"})", kMismatch},
      {head + R"(""})", kMismatch},
      {head + R"("Alice"})", kMismatch},
      {head + R"("alice "})", kMismatch},
      {head + R"(1})", kMessage},
      {head + R"(null})", kMessage},
      {head + R"(["alice"]})", kMessage},
      {head + R"({"id":"alice"}})", kMessage},
      // Impersonation by duplicate: JSON.parse would keep the last one.
      {head + R"("alice","senderId":"bob"})", kMessage},
  });
}

TEST(Validator, ReportsInvalidFieldsBeforeASenderMismatch) {
  expect_all({
      {R"({"type":"kick","senderId":"mallory"})", kMessage},
      {R"({"type":"kick","senderId":"mallory","targetId":"alice"})", kMessage},
      {R"({"type":"sdp","senderId":"mallory","sdp":{"type":"offer","sdp":""}})", kMessage},
  });
}

TEST(Validator, AcceptsEverySdpTypeWithANonEmptySdp) {
  expect_all({
      {sdp_with(R"("type":"offer","sdp":"v=0")"), kOk, "bob"},
      {sdp_with(R"("type":"answer","sdp":"v=0")"), kOk, "bob"},
      {sdp_with(R"("type":"pranswer","sdp":"v=0")"), kOk, "bob"},
      {sdp_with(R"("type":"rollback","sdp":"v=0")"), kOk, "bob"},
  });
}

TEST(Validator, AcceptsARollbackWithAnEmptyOrAbsentSdp) {
  expect_all({
      {sdp_with(R"("type":"rollback","sdp":"")"), kOk, "bob"},
      {sdp_with(R"("type":"rollback")"), kOk, "bob"},
      {sdp_with(R"("type":"rollback","sdp":null)"), kMessage},
      {sdp_with(R"("type":"rollback","sdp":1)"), kMessage},
  });
}

TEST(Validator, RejectsSdpMessagesWithABadSdpObject) {
  expect_all({
      {R"({"type":"sdp","targetId":"bob"})", kMessage},
      {R"({"type":"sdp","sdp":"v=0"})", kMessage},
      {R"({"type":"sdp","sdp":null})", kMessage},
      {R"({"type":"sdp","sdp":[]})", kMessage},
      {R"({"type":"sdp","sdp":{"type":"offer","sdp":"a"},"sdp":{"type":"offer","sdp":"b"}})",
       kMessage},
      {sdp_with(R"("sdp":"v=0")"), kMessage},
      {sdp_with(R"("type":"Offer","sdp":"v=0")"), kMessage},
      {sdp_with(R"("type":"","sdp":"v=0")"), kMessage},
      {sdp_with(R"("type":1,"sdp":"v=0")"), kMessage},
      {sdp_with(R"("type":null,"sdp":"v=0")"), kMessage},
      {sdp_with(R"("type":"offer","type":"answer","sdp":"v=0")"), kMessage},
      {sdp_with(R"("type":"offer")"), kMessage},
      {sdp_with(R"("type":"answer","sdp":"")"), kMessage},
      {sdp_with(R"("type":"pranswer","sdp":"")"), kMessage},
      {sdp_with(R"("type":"offer","sdp":null)"), kMessage},
      {sdp_with(R"("type":"offer","sdp":["v=0"])"), kMessage},
      {sdp_with(R"("type":"offer","sdp":"a","sdp":"b")"), kMessage},
  });
}

TEST(Validator, AcceptsIceCandidatesShapedLikeRtcIceCandidateInit) {
  expect_all({
      {ice_with(R"("candidate":"")"), kOk, "bob"},  // End of candidates.
      {ice_with(R"("candidate":"c","sdpMid":null,"sdpMLineIndex":null,"usernameFragment":null)"),
       kOk, "bob"},
      {ice_with(R"("candidate":"c","sdpMid":"","usernameFragment":"")"), kOk, "bob"},
      {ice_with(R"("candidate":"c","sdpMLineIndex":0)"), kOk, "bob"},
      {ice_with(R"("candidate":"c","sdpMLineIndex":1)"), kOk, "bob"},
      {ice_with(R"("candidate":"c","sdpMLineIndex":65535)"), kOk, "bob"},
      {ice_with(R"("candidate":"c","sdpMLineIndex":1.0)"), kOk, "bob"},
      {ice_with(R"("candidate":"c","sdpMLineIndex":2e0)"), kOk, "bob"},
      {ice_with(R"("candidate":"c","sdpMLineIndex":-0)"), kOk, "bob"},
  });
}

TEST(Validator, RejectsIceCandidatesWithBadFields) {
  expect_all({
      {R"({"type":"ice","targetId":"bob"})", kMessage},
      {R"({"type":"ice","candidate":"candidate:1 1 udp"})", kMessage},
      {R"({"type":"ice","candidate":null})", kMessage},
      {ice_with(""), kMessage},
      {ice_with(R"("sdpMid":"0")"), kMessage},
      {ice_with(R"("candidate":null)"), kMessage},
      {ice_with(R"("candidate":0)"), kMessage},
      {ice_with(R"("candidate":"a","candidate":"b")"), kMessage},
      {ice_with(R"("candidate":"c","sdpMid":0)"), kMessage},
      {ice_with(R"("candidate":"c","sdpMid":{})"), kMessage},
      {ice_with(R"("candidate":"c","sdpMLineIndex":-1)"), kMessage},
      {ice_with(R"("candidate":"c","sdpMLineIndex":1.5)"), kMessage},
      {ice_with(R"("candidate":"c","sdpMLineIndex":65536)"), kMessage},
      {ice_with(R"("candidate":"c","sdpMLineIndex":"0")"), kMessage},
      {ice_with(R"("candidate":"c","sdpMLineIndex":true)"), kMessage},
      {ice_with(R"("candidate":"c","sdpMLineIndex":0,"sdpMLineIndex":1)"), kMessage},
      {ice_with(R"("candidate":"c","usernameFragment":1)"), kMessage},
      {ice_with(R"("candidate":"c","usernameFragment":["a"])"), kMessage},
  });
}

TEST(Validator, RequiresAStringHostIdThatIsNotSelf) {
  expect_all({
      {R"({"type":"host-change"})", kMessage},
      {R"({"type":"host-change","targetId":"bob"})", kMessage},
      {R"({"type":"host-change","hostId":null})", kMessage},
      {R"({"type":"host-change","hostId":7})", kMessage},
      {R"({"type":"host-change","hostId":""})", kMessage},
      {R"({"type":"host-change","hostId":"alice"})", kMessage},
      {R"({"type":"host-change","hostId":"bob","hostId":"carol"})", kMessage},
      {R"({"type":"host-change","hostId":"bob","targetId":"alice"})", kOk, "bob"},
  });
}

TEST(Validator, RequiresAStringKickTargetThatIsNotSelf) {
  expect_all({
      {R"({"type":"kick"})", kMessage},
      {R"({"type":"kick","hostId":"bob"})", kMessage},
      {R"({"type":"kick","targetId":null})", kMessage},
      {R"({"type":"kick","targetId":["bob"]})", kMessage},
      {R"({"type":"kick","targetId":"alice"})", kMessage},
      {R"({"type":"kick","targetId":"bob"})", kOk, "bob"},
  });
}

TEST(Validator, RejectsATargetIdEqualToSelfInEveryType) {
  expect_all({
      {R"({"type":"sdp","targetId":"alice","sdp":{"type":"offer","sdp":"x"}})", kMessage},
      {R"({"type":"ice","targetId":"alice","candidate":{"candidate":""}})", kMessage},
      {R"({"type":"kick","targetId":"alice"})", kMessage},
      {R"({"type":"host-change","hostId":"alice"})", kMessage},
      {R"({"type":"kick","targetId":"\u0061lice"})", kMessage},
  });
}

TEST(Validator, RejectsAnEmptyOrNonStringTargetIdInSdpAndIce) {
  expect_all({
      {R"({"type":"sdp","targetId":"","sdp":{"type":"offer","sdp":"x"}})", kMessage},
      {R"({"type":"sdp","targetId":null,"sdp":{"type":"offer","sdp":"x"}})", kMessage},
      {R"({"type":"ice","targetId":3,"candidate":{"candidate":""}})", kMessage},
      {R"({"type":"ice","targetId":"b","targetId":"c","candidate":{"candidate":""}})", kMessage},
  });
}

TEST(Validator, LeavesTargetsWithInvalidIdSyntaxToTheRoom) {
  const std::string long_id(65, 'b');
  expect_all({
      {R"({"type":"kick","targetId":"no such/peer"})", kOk, "no such/peer"},
      {R"({"type":"kick","targetId":")" + long_id + "\"}", kOk, long_id},
      {R"({"type":"host-change","hostId":"%62ob"})", kOk, "%62ob"},
      {R"({"type":"sdp","targetId":"\u00e9","sdp":{"type":"offer","sdp":"x"}})", kOk, "\xC3\xA9"},
      {R"({"type":"kick","targetId":"a\u0000b"})", kOk, std::string("a\0b", 3)},
  });
}

TEST(Validator, AcceptsAKickReasonOfAtMost256CodePoints) {
  expect_all({
      {kick_with_reason(R"("")"), kOk, "bob"},
      {kick_with_reason("\"" + std::string(256, 'a') + "\""), kOk, "bob"},
      {kick_with_reason("\"" + repeat("\xC3\xA9", 256) + "\""), kOk, "bob"},  // 512 bytes.
      {kick_with_reason("\"" + repeat("\xF0\x9F\x98\x80", 256) + "\""), kOk, "bob"},
      {kick_with_reason("\"" + repeat(R"(\ud83d\ude00)", 256) + "\""), kOk, "bob"},
      {kick_with_reason("\"" + repeat(R"(\n)", 256) + "\""), kOk, "bob"},
  });
}

TEST(Validator, RejectsKickReasonLongerThan256CodePoints) {
  expect_all({
      {kick_with_reason("\"" + std::string(257, 'a') + "\""), kMessage},
      {kick_with_reason("\"" + repeat("\xC3\xA9", 257) + "\""), kMessage},
      {kick_with_reason("\"" + repeat("\xF0\x9F\x98\x80", 257) + "\""), kMessage},
      {kick_with_reason("\"" + std::string(100000, 'a') + "\""), kMessage},
  });
}

TEST(Validator, RejectsAKickReasonThatIsNotAString) {
  expect_all({
      {kick_with_reason("null"), kMessage},
      {kick_with_reason("1"), kMessage},
      {kick_with_reason(R"(["spam"])"), kMessage},
      {R"({"type":"kick","targetId":"bob","reason":"a","reason":"b"})", kMessage},
  });
}

TEST(Validator, IgnoresFieldsTheSchemaDoesNotName) {
  expect_all({
      {R"({"type":"kick","targetId":"bob","extra":{"deep":[1,2,{"x":null}]},"n":1e10})", kOk,
       "bob"},
      // Fields named only by other types are free-form here.
      {R"({"type":"sdp","sdp":{"type":"offer","sdp":"x"},"hostId":1,"reason":[],"candidate":0})",
       kOk},
      {R"({"type":"ice","candidate":{"candidate":"","x":1},"sdp":null,"reason":7})", kOk},
      {R"({"type":"host-change","hostId":"bob","reason":false,"sdp":1})", kOk, "bob"},
      {R"({"type":"kick","targetId":"bob","sdp":3,"candidate":"x"})", kOk, "bob"},
      {sdp_with(R"("type":"offer","sdp":"x","extra":1,"extra":2)"), kOk, "bob"},
      // A duplicate of an unnamed field changes nothing we check.
      {R"({"type":"kick","targetId":"bob","x":1,"x":2,"hostId":1,"hostId":2})", kOk, "bob"},
  });
}

TEST(Validator, KeepsTargetAndRefValidAfterThePayloadIsGone) {
  Validator validator;
  auto payload = std::make_unique<std::string>(R"({"type":"kick","targetId":"bob","id":"r1"})");
  const ValidatedMessage& r = validator.validate(*payload, kSelf);
  payload.reset();  // ASan would flag views into the freed payload.
  EXPECT_EQ(r.target, "bob");
  EXPECT_EQ(r.ref_json, R"("r1")");
}

TEST(Validator, ReusesItsMemoryAcrossSmallAndOversizedMessages) {
  Validator validator;
  const std::string big_sdp(200000, 'v');
  const std::string big = sdp_with(R"("type":"offer","sdp":")" + big_sdp + R"(")");
  const std::string many =
      R"({"type":"kick","targetId":"bob","x":[)" + repeat("0,", 50000) + R"(0],"id":"many"})";
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(validator.validate(big, kSelf).error, ErrorCode::kNone);
    const ValidatedMessage& m = validator.validate(many, kSelf);
    EXPECT_EQ(m.error, ErrorCode::kNone);
    EXPECT_EQ(m.ref_json, R"("many")");
    const ValidatedMessage& small = validator.validate(R"({"type":"kick","targetId":"c1"})", kSelf);
    EXPECT_EQ(small.error, ErrorCode::kNone);
    EXPECT_EQ(small.target, "c1");
    EXPECT_TRUE(small.ref_json.empty());
  }
}

TEST(Validator, ClearsTheOutcomeOfThePreviousMessage) {
  Validator validator;
  validator.validate(R"({"type":"kick","senderId":"alice","targetId":"bob","id":1})", kSelf);
  const ValidatedMessage& r =
      validator.validate(R"({"type":"ice","candidate":{"candidate":""}})", kSelf);
  EXPECT_EQ(r.error, ErrorCode::kNone);
  EXPECT_EQ(r.type, MessageType::kIce);
  EXPECT_FALSE(r.has_sender_id);
  EXPECT_TRUE(r.target.empty());
  EXPECT_TRUE(r.ref_json.empty());
  const ValidatedMessage& bad = validator.validate("nope", kSelf);
  EXPECT_EQ(bad.error, ErrorCode::kInvalidJson);
  EXPECT_TRUE(bad.ref_json.empty());
}

}  // namespace
}  // namespace signalmesh::protocol
