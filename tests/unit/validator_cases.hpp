// Shared by the validator's table tests: a case, the loop that runs a table
// through one Validator, and builders of typical payloads.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "signalmesh/protocol.hpp"

namespace signalmesh::protocol::validator_cases {

constexpr std::string_view kSelf = "alice";

struct Case {
  std::string payload;
  ErrorCode error;
  std::string target = "";
  std::string ref = "";
};

// Runs every case through one Validator, as a loop thread would.
inline void expect_all(const std::vector<Case>& cases, std::size_t max_depth = 64) {
  Validator validator(max_depth);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.payload.size() > 300 ? c.payload.substr(0, 300) + "..." : c.payload);
    const ValidatedMessage& r = validator.validate(c.payload, kSelf);
    EXPECT_EQ(error_code_name(r.error), error_code_name(c.error)) << r.detail;
    EXPECT_EQ(r.ref_json, c.ref);
    if (c.error == ErrorCode::kNone) {
      EXPECT_EQ(r.target, c.target);
      EXPECT_TRUE(r.detail.empty());
    } else {
      EXPECT_FALSE(r.detail.empty());
    }
  }
}

inline std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// A payload with embedded NUL bytes: the whole literal but its terminator.
template <std::size_t N>
inline std::string with_nul(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

inline std::string kick_with_reason(const std::string& reason_json) {
  return R"({"type":"kick","targetId":"bob","reason":)" + reason_json + "}";
}

inline std::string ice_with(const std::string& candidate_fields) {
  return R"({"type":"ice","targetId":"bob","candidate":{)" + candidate_fields + "}}";
}

inline std::string sdp_with(const std::string& sdp_fields) {
  return R"({"type":"sdp","targetId":"bob","sdp":{)" + sdp_fields + "}}";
}

constexpr ErrorCode kOk = ErrorCode::kNone;
constexpr ErrorCode kJson = ErrorCode::kInvalidJson;
constexpr ErrorCode kMessage = ErrorCode::kInvalidMessage;
constexpr ErrorCode kType = ErrorCode::kUnknownType;
constexpr ErrorCode kMismatch = ErrorCode::kSenderMismatch;

}  // namespace signalmesh::protocol::validator_cases
