// Shared by the limits tests (protocol.md §4–5): payloads of a given size,
// the peer-left check, a test pod's config with changed limits.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/room.hpp"

namespace signalmesh::test {

using Clock = std::chrono::steady_clock;

// An sdp from `sender` to `target` (empty: broadcast) that is exactly
// `size` bytes long.
inline std::string sdp_of_size(std::size_t size, const std::string& sender,
                               const std::string& target) {
  std::string head = R"({"type":"sdp","senderId":")" + sender + "\",";
  if (!target.empty()) head += R"("targetId":")" + target + "\",";
  head += R"("sdp":{"type":"offer","sdp":")";
  const std::string tail = R"("}})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

inline void expect_peer_left(Member& m, const std::string& peer, const std::string& reason) {
  std::optional<Json> left = m->expect_message_of_type("peer-left");
  ASSERT_TRUE(left) << m.id << " waiting for peer-left " << peer;
  EXPECT_EQ(left->str("peerId"), peer);
  EXPECT_EQ(left->str("reason"), reason);
}

inline Config limited(void (*set)(Limits&)) {
  Config config = test_config();
  set(config.limits);
  return config;
}

}  // namespace signalmesh::test
