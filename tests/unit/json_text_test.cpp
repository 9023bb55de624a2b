// The one JSON text layer (src/text/json_text.hpp): the UTF-8 rule and the
// escaper behind every server message, TURN answer and the validator.
#include "text/json_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace signalmesh::text {
namespace {

std::string as_json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonText, QuotesBackslashesAndControlCharactersAreEscaped) {
  EXPECT_EQ(as_json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(as_json_string("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(as_json_string(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(as_json_string(std::string("\0", 1)), "\"\\u0000\"");
}

TEST(JsonText, WellFormedUtf8IsKeptAndAnythingElseBecomesTheReplacementCharacter) {
  EXPECT_EQ(as_json_string("h\xC3\xA9 \xF0\x9F\x98\x80"), "\"h\xC3\xA9 \xF0\x9F\x98\x80\"");
  // A lone continuation byte, an overlong, a surrogate, a truncated sequence.
  EXPECT_EQ(as_json_string("\x80"), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(as_json_string("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(as_json_string("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(as_json_string("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonText, SequenceLengthsFollowUnicodeTable3_7) {
  EXPECT_EQ(utf8_sequence_length("\xC2\x80", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xC1\xBF", 0), 0u);      // overlong
  EXPECT_EQ(utf8_sequence_length("\xE0\x9F\xBF", 0), 0u);  // overlong
  EXPECT_EQ(utf8_sequence_length("\xE0\xA0\x80", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xED\x9F\xBF", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80", 0), 0u);  // surrogate
  EXPECT_EQ(utf8_sequence_length("\xF0\x90\x80\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xF4\x8F\xBF\xBF", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80", 0), 0u);  // past U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xF5\x80\x80\x80", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x90\x80", 0), 0u);  // truncated
}

}  // namespace
}  // namespace signalmesh::text
