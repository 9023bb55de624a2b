// What protocol.md §2 asks of a payload before its schema: one JSON object,
// well-formed UTF-8, no raw control characters, bounded nesting, numbers a
// double can hold.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "signalmesh/protocol.hpp"
#include "validator_cases.hpp"

namespace signalmesh::protocol {
namespace {

using namespace validator_cases;

TEST(Validator, AcceptsTheDocumentedExampleOfEachType) {
  Validator validator;
  struct Example {
    std::string payload;
    MessageType type;
    std::string target;
  };
  const std::vector<Example> examples = {
      {R"({"type":"sdp","senderId":"alice","targetId":"bob",
           "sdp":{"type":"offer","sdp":"v=0\r\n..."}})",
       MessageType::kSdp, "bob"},
      {R"({"type":"ice","senderId":"alice","targetId":"bob",
           "candidate":{"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host",
                        "sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}})",
       MessageType::kIce, "bob"},
      {R"({"type":"host-change","senderId":"alice","hostId":"bob"})", MessageType::kHostChange,
       "bob"},
      {R"({"type":"kick","senderId":"alice","targetId":"bob","reason":"spamming"})",
       MessageType::kKick, "bob"},
  };
  for (const Example& e : examples) {
    SCOPED_TRACE(e.payload);
    const ValidatedMessage& r = validator.validate(e.payload, kSelf);
    EXPECT_EQ(r.error, ErrorCode::kNone) << r.detail;
    EXPECT_EQ(r.type, e.type);
    EXPECT_EQ(r.target, e.target);
    EXPECT_TRUE(r.has_sender_id);
    EXPECT_TRUE(r.ref_json.empty());
  }
}

TEST(Validator, AcceptsSdpAndIceWithoutTargetIdAsBroadcasts) {
  expect_all({
      {R"({"type":"sdp","sdp":{"type":"offer","sdp":"v=0"}})", kOk},
      {R"({"type":"ice","candidate":{"candidate":""}})", kOk},
  });
}

TEST(Validator, RejectsPayloadsThatAreNotOneJsonObjectAsInvalidJson) {
  expect_all({
      {"", kJson},
      {"   \r\n\t", kJson},
      {"[]", kJson},
      {R"([{"type":"sdp"}])", kJson},
      {R"("sdp")", kJson},
      {"42", kJson},
      {"-1.5e3", kJson},
      {"null", kJson},
      {"true", kJson},
      {"{", kJson},
      {"}", kJson},
      {R"({"type":"sdp")", kJson},
      {R"({'type':'sdp'})", kJson},
      {R"({type:"sdp"})", kJson},
      {R"({"type":"sdp",})", kJson},
      {R"({"type":"sdp","x":[1,]})", kJson},
      {R"({"type":"sdp","x":NaN})", kJson},
      {R"({"type":"sdp","x":Infinity})", kJson},
      {R"({"type":"sdp","x":01})", kJson},
      {R"({"type":"sdp","x":"\x"})", kJson},
      {"{\"type\":\"sdp\",\"x\":\"a\nb\"}", kJson},  // Raw control character in a string.
      {R"(/* comment */ {"type":"sdp"})", kJson},
      {"\xEF\xBB\xBF{\"type\":\"sdp\"}", kJson},  // A byte order mark is not JSON whitespace.
  });
}

TEST(Validator, AcceptsLeadingAndTrailingJsonWhitespace) {
  expect_all({
      {" \t\r\n{\"type\":\"host-change\",\"hostId\":\"bob\"} \t\r\n", kOk, "bob"},
      {"{ \"type\" : \"host-change\" ,\n \"hostId\" : \"bob\" }", kOk, "bob"},
  });
}

TEST(Validator, RejectsTrailingGarbageAfterTheObject) {
  const std::string valid = R"({"type":"host-change","hostId":"bob"})";
  expect_all({
      {valid + "x", kJson},
      {valid + " {}", kJson},
      {valid + valid, kJson},
      {valid + "]", kJson},
      {valid + "}", kJson},
      // The parser's stream reads NUL as end of input: it must not hide garbage.
      {valid + std::string("\0garbage", 8), kJson},
      {valid + std::string(1, '\0'), kJson},
      {with_nul("{\"type\":\"host-change\",\0\"hostId\":\"bob\"}"), kJson},
  });
}

TEST(Validator, RejectsEveryRawControlCharacterInAStringAsInvalidJson) {
  // JSON allows none (RFC 8259 §7); RapidJSON 1.1.0's SIMD scan misses
  // 0x1A-0x1F inside strings, so each is tried where that scan runs: deep
  // inside a string longer than 16 bytes, and in a short one.
  for (int c = 1; c < 0x20; ++c) {
    const std::string raw(1, static_cast<char>(c));
    const std::string long_text = repeat("abcdefgh", 4) + raw + repeat("abcdefgh", 4);
    expect_all({
        {R"({"type":"kick","targetId":"bob","reason":")" + long_text + R"("})", kJson},
        {R"({"type":"kick","targetId":"bob","reason":")" + raw + R"("})", kJson},
        {R"({"type":"sdp","sdp":{"type":"offer","sdp":"v=0)" + long_text + R"("}})", kJson},
    });
  }
  // Outside strings, JSON's whitespace is still whitespace.
  expect_all({{"{\"type\":\r\n\t\"host-change\",\n\"hostId\":\"bob\"}\n", kOk, "bob"}});
}

TEST(Validator, RejectsOneHundredThousandNestingLevelsAsInvalidJsonWithoutCrashing) {
  const std::size_t levels = 100000;
  expect_all({
      {repeat("[", levels) + repeat("]", levels), kJson},
      {repeat(R"({"a":)", levels) + "1" + repeat("}", levels), kJson},
      {R"({"type":"sdp","x":)" + repeat("[", levels) + repeat("]", levels) + "}", kJson},
      {R"({"type":"sdp","x":)" + repeat("[", levels), kJson},  // Never closed.
      {R"({"type":"sdp","x":)" + repeat("{\"a\":[", levels), kJson},
  });
}

TEST(Validator, CountsNestingDepthFromTheRootObjectUpToMaxDepth) {
  const std::string base = R"({"type":"host-change","hostId":"bob","x":)";
  expect_all({{base + "1}", kOk, "bob"},
              {base + "[1]}", kOk, "bob"},
              {base + "[{}]}", kOk, "bob"},
              {base + "[{\"a\":[]}]}", kJson},
              {base + "[[[1]]]}", kJson}},
             3);
}

TEST(Validator, IgnoresBracketsInsideStringsWhenCountingDepth) {
  expect_all({{kick_with_reason(R"("[[[[{{{{\"[[[[\\")"), kOk, "bob"},
              {R"({"type":"host-change","hostId":"bob","[[[[":"{{{{"})", kOk, "bob"}},
             2);
}

TEST(Validator, AcceptsLargeIntegersAndRejectsNumbersBeyondDoubleRange) {
  const std::string digits100 = "1" + std::string(99, '0');
  const std::string base = R"({"type":"host-change","hostId":"bob","x":)";
  expect_all({
      {base + digits100 + "}", kOk, "bob"},
      {base + "-" + digits100 + "}", kOk, "bob"},
      {base + "18446744073709551616}", kOk, "bob"},
      {base + "1e308}", kOk, "bob"},
      {base + "1e-400}", kOk, "bob"},
      // RapidJSON refuses numbers a double cannot hold (RFC 8259 §6 allows it).
      {base + "1e400}", kJson},
      {base + "-1e400}", kJson},
      {base + "1" + std::string(400, '0') + "}", kJson},
  });
}

TEST(Validator, RejectsInvalidUtf8AsInvalidJson) {
  const std::string head = R"({"type":"kick","targetId":"bob","reason":")";
  expect_all({
      {head + "\xFF\"}", kJson},
      {head + "\xC0\xAF\"}", kJson},                                   // Overlong '/'.
      {head + "\xED\xA0\x80\"}", kJson},                               // Encoded surrogate.
      {head + "\xF4\x90\x80\x80\"}", kJson},                           // Beyond U+10FFFF.
      {head + "\xE2\x82\"}", kJson},                                   // Truncated sequence.
      {head + "\x80\"}", kJson},                                       // Lone continuation byte.
      {head + "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}", kOk, "bob"},  // é € 😀
  });
}

}  // namespace
}  // namespace signalmesh::protocol
