// The gateway's replacements for two of websocketpp's per-byte loops
// (ws_utf8.hpp, ws_payload.hpp) must give exactly websocketpp's answers.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "websocket/ws_config.hpp"

namespace signalmesh {
namespace {

// websocketpp's own state machine, byte by byte.
bool reference_utf8(const std::string& text, std::size_t split) {
  (void)split;  // byte by byte, a split makes no difference
  websocketpp::utf8_validator::validator v;
  for (const char c : text) {
    if (!v.consume(static_cast<std::uint8_t>(c))) return false;
  }
  return v.complete();
}

// The specialization, fed in two calls as two frames would feed it.
bool fast_utf8(std::string text, std::size_t split) {
  websocketpp::utf8_validator::validator v;
  if (!v.decode(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(split))) return false;
  if (!v.decode(text.begin() + static_cast<std::ptrdiff_t>(split), text.end())) return false;
  return v.complete();
}

TEST(WsFastPaths, Utf8CheckAgreesWithWebsocketppAtEverySplit) {
  const std::vector<std::string> samples = {
      "",
      "plain ascii, longer than one word of eight bytes",
      "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 tail text",
      "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
      "abcdefgh\xFF",               // invalid byte after a full word
      "abcdefghij\xC0\xAF",         // overlong
      "abcdefghijk\xED\xA0\x80zz",  // surrogate
      "abc\xF4\x90\x80\x80",        // past U+10FFFF
      "abcdefgh\xE2\x82",           // truncated at the end
      "\x80 continuation first",
      "0123456789abcdef\xF0\x9F\x98\x80"
      "0123456789abcdef",
  };
  for (const std::string& text : samples) {
    for (std::size_t split = 0; split <= text.size(); ++split) {
      EXPECT_EQ(fast_utf8(text, split), reference_utf8(text, split))
          << "text of " << text.size() << " bytes split at " << split;
    }
  }
}

TEST(WsFastPaths, Utf8CheckAgreesWithWebsocketppOnRandomBytes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> ascii_or_not(0, 9);
  std::uniform_int_distribution<int> any_byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string text(static_cast<std::size_t>(any_byte(rng) % 40), 'a');
    // Mostly ASCII, sometimes any byte: both fast and slow paths run.
    for (char& c : text)
      c = static_cast<char>(ascii_or_not(rng) == 0 ? any_byte(rng) : 'a' + (any_byte(rng) % 26));
    const std::size_t split =
        text.empty() ? 0 : static_cast<std::size_t>(any_byte(rng)) % text.size();
    EXPECT_EQ(fast_utf8(text, split), reference_utf8(text, split)) << round;
  }
}

TEST(WsFastPaths, UnmaskMatchesWebsocketppForEveryLengthAndKeyPosition) {
  websocketpp::frame::masking_key_type key;
  key.i = 0;
  key.c[0] = '\x12';
  key.c[1] = '\x9A';
  key.c[2] = '\x3C';
  key.c[3] = '\xF0';
  for (std::size_t start = 0; start < 4; ++start) {
    const std::size_t prepared = websocketpp::frame::circshift_prepared_key(
        websocketpp::frame::prepare_masking_key(key), start);
    for (std::size_t length = 0; length <= 40; ++length) {
      std::vector<std::uint8_t> expected(length), actual(length);
      for (std::size_t i = 0; i < length; ++i)
        expected[i] = actual[i] = static_cast<std::uint8_t>(i * 37 + 5);
      const std::size_t expected_key =
          websocketpp::frame::byte_mask_circ(expected.data(), length, prepared);
      // Unaligned on purpose: frames start anywhere in the read buffer.
      std::vector<std::uint8_t> shifted(length + 1);
      std::copy(actual.begin(), actual.end(), shifted.begin() + 1);
      const std::size_t actual_key = unmask_in_place(shifted.data() + 1, length, prepared);
      std::copy(shifted.begin() + 1, shifted.end(), actual.begin());
      EXPECT_EQ(actual, expected) << "start " << start << ", length " << length;
      EXPECT_EQ(actual_key, expected_key) << "start " << start << ", length " << length;
    }
  }
}

}  // namespace
}  // namespace signalmesh
