// The body, the signature and the ids, without sockets.
#include <gtest/gtest.h>

#include <set>

#include "support/webhook_receiver.hpp"
#include "webhooks/webhook_sender.hpp"

namespace signalmesh::webhooks {
namespace {

TEST(WebhookFormat, BodyHasTheFieldsInOrderAndDataVerbatim) {
  const Event e{"evt_1", "peer.joined", 1733300000123, "room-A_1", R"({"peerId":"p1","n":[1,2]})"};
  EXPECT_EQ(event_body(e),
            R"({"id":"evt_1","type":"peer.joined","time":1733300000123,"roomId":"room-A_1",)"
            R"("data":{"peerId":"p1","n":[1,2]}})");
}

TEST(WebhookFormat, BodyEscapesStrings) {
  const Event e{"a\"b", "t\\y", 0, "r\n\x01", "{}"};
  EXPECT_EQ(event_body(e),
            R"({"id":"a\"b","type":"t\\y","time":0,"roomId":"r\n\u0001","data":{}})");
}

TEST(WebhookFormat, EmptyDataIsAnEmptyObject) {
  EXPECT_EQ(event_body(Event{"i", "t", -1, "r", ""}),
            R"({"id":"i","type":"t","time":-1,"roomId":"r","data":{}})");
}

TEST(WebhookFormat, SignatureIsHmacSha256OfTimeDotBody) {
  const std::string header = signature_header("key", 1700000000, "{}");
  ASSERT_EQ(header.rfind("t=1700000000,v1=", 0), 0u) << header;
  const std::string hex = header.substr(std::string("t=1700000000,v1=").size());
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(test::signature_valid(header, "key", "{}"));
  EXPECT_FALSE(test::signature_valid(header, "other", "{}"));
  EXPECT_FALSE(test::signature_valid(header, "key", "{} "));
  EXPECT_FALSE(test::signature_valid("t=1700000001," + header.substr(13), "key", "{}"));
}

TEST(WebhookFormat, SignatureMatchesAKnownVector) {
  // printf '%s' '1700000000.{}' | openssl dgst -sha256 -hmac key
  EXPECT_EQ(signature_header("key", 1700000000, "{}"),
            "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
}

TEST(WebhookFormat, EventIdsAreUniqueHex) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_event_id();
    ASSERT_EQ(id.size(), 36u);
    ASSERT_EQ(id.rfind("evt_", 0), 0u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace signalmesh::webhooks
