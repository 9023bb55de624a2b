// Version 1.1 messages (app-integration.md §2): room-status and state-hash.
// Whether the sender may set the status is the room's check; here only the
// schema.
#include <gtest/gtest.h>

#include <string>

#include "signalmesh/protocol.hpp"
#include "validator_cases.hpp"

namespace signalmesh::protocol {
namespace {

using namespace validator_cases;

TEST(ValidatorV11, RoomStatusNeedsOneOfTheThreeStatuses) {
  expect_all({
      {R"({"type":"room-status","status":"waiting"})", kOk},
      {R"({"type":"room-status","status":"playing"})", kOk},
      {R"({"type":"room-status","status":"finished","id":3})", kOk, "", "3"},
      {R"({"type":"room-status","status":"finished","senderId":"alice"})", kOk},
      {R"({"type":"room-status"})", kMessage},
      {R"({"type":"room-status","status":"Playing"})", kMessage},
      {R"({"type":"room-status","status":""})", kMessage},
      {R"({"type":"room-status","status":1})", kMessage},
      {R"({"type":"room-status","status":null})", kMessage},
      {R"({"type":"room-status","status":"playing","status":"waiting"})", kMessage},
      {R"({"type":"room-status","status":"playing","senderId":"bob"})", ErrorCode::kSenderMismatch},
  });
}

TEST(ValidatorV11, StateHashNeedsAWholeTickAndAShortHashOfTheAllowedCharacters) {
  const std::string max_hash(128, 'A');
  expect_all({
      {R"({"type":"state-hash","tick":0,"hash":"a"})", kOk},
      {R"({"type":"state-hash","tick":9007199254740991,"hash":"aZ09+/=_:-"})", kOk},
      {R"({"type":"state-hash","tick":7.0,"hash":"x"})", kOk},
      {R"({"type":"state-hash","tick":1,"hash":")" + max_hash + R"("})", kOk},
      {R"({"type":"state-hash","tick":1,"hash":")" + max_hash + R"(A"})", kMessage},
      {R"({"type":"state-hash","tick":9007199254740992,"hash":"x"})", kMessage},
      {R"({"type":"state-hash","tick":-1,"hash":"x"})", kMessage},
      {R"({"type":"state-hash","tick":1.5,"hash":"x"})", kMessage},
      {R"({"type":"state-hash","tick":"1","hash":"x"})", kMessage},
      {R"({"type":"state-hash","hash":"x"})", kMessage},
      {R"({"type":"state-hash","tick":1})", kMessage},
      {R"({"type":"state-hash","tick":1,"hash":""})", kMessage},
      {R"({"type":"state-hash","tick":1,"hash":"a b"})", kMessage},
      {R"({"type":"state-hash","tick":1,"hash":"\u00e9"})", kMessage},
      {R"({"type":"state-hash","tick":1,"hash":7})", kMessage},
      {R"({"type":"state-hash","tick":1,"tick":2,"hash":"x"})", kMessage},
  });
}

TEST(ValidatorV11, TheParsedTickAndHashAreReported) {
  Validator validator;
  const auto& r = validator.validate(R"({"type":"state-hash","tick":42,"hash":"abc"})", kSelf);
  ASSERT_EQ(r.error, ErrorCode::kNone) << r.detail;
  EXPECT_EQ(r.type, MessageType::kStateHash);
  EXPECT_EQ(r.tick, 42u);
  EXPECT_EQ(r.hash, "abc");
  const auto& s = validator.validate(R"({"type":"room-status","status":"playing"})", kSelf);
  EXPECT_EQ(s.type, MessageType::kRoomStatus);
  EXPECT_EQ(s.status, "playing");
}

}  // namespace
}  // namespace signalmesh::protocol
