// Numbered ICE messages for ordering and loss checks: `seq` is an extra
// field, which the protocol relays unchanged.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/json.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {

inline std::string numbered_ice(const std::string& target, int seq) {
  return R"({"type":"ice","targetId":")" + target + R"(","seq":)" + std::to_string(seq) +
         R"(,"candidate":{"candidate":"c"}})";
}

// Sends seq = 0..count-1 from `from` to `target`.
inline void send_numbered(WsClient& from, const std::string& target, int count) {
  for (int i = 0; i < count; ++i) ASSERT_TRUE(from.send_text(numbered_ice(target, i))) << i;
}

// Expects seq = 0..count-1 next on `to`, complete and in order.
inline void expect_numbered(WsClient& to, int count) {
  for (int i = 0; i < count; ++i) {
    auto msg = to.next_message();
    ASSERT_TRUE(msg) << "message " << i << " lost";
    auto json = Json::parse(*msg);
    ASSERT_TRUE(json) << *msg;
    ASSERT_EQ(json->member_json("seq"), std::to_string(i)) << *msg;
  }
}

}  // namespace signalmesh::test
