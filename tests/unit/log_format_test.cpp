// Log lines (core/log.hpp): the text format is the line signalmesh always
// wrote plus ` key=value` fields; the json format is one valid JSON object
// per line, whatever bytes its message or fields hold.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <limits>
#include <string>

#include "core/log.hpp"

namespace signalmesh {
namespace {

using Clock = std::chrono::system_clock;

// 2026-01-02T03:04:05 UTC plus `millis`.
Clock::time_point at(int millis = 678) {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 0;
  tm.tm_mday = 2;
  tm.tm_hour = 3;
  tm.tm_min = 4;
  tm.tm_sec = 5;
  return Clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

std::string text_line(LogLevel level, std::string_view message, log::Fields fields = {}) {
  return log::format_line(LogFormat::kText, level, at(), message, "pod0", fields);
}

std::string json_line(std::string_view message, std::string_view pod, log::Fields fields = {}) {
  return log::format_line(LogFormat::kJson, LogLevel::kInfo, at(), message, pod, fields);
}

// The line without its newline, parsed; fails the test unless it is exactly
// one JSON object on one line.
rapidjson::Document parse_line(const std::string& line) {
  rapidjson::Document doc;
  EXPECT_FALSE(line.empty());
  if (line.empty()) return doc;
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size() - 1);
  EXPECT_FALSE(doc.HasParseError()) << line;
  EXPECT_TRUE(doc.IsObject()) << line;
  return doc;
}

TEST(LogText, APlainLineIsTimeLevelAndMessageAsBefore) {
  EXPECT_EQ(text_line(LogLevel::kInfo, "gateway pod p listening on 127.0.0.1:8080"),
            "2026-01-02T03:04:05.678Z info gateway pod p listening on 127.0.0.1:8080\n");
  EXPECT_EQ(log::format_line(LogFormat::kText, LogLevel::kWarn, at(5), "slow", "", {}),
            "2026-01-02T03:04:05.005Z warn slow\n")
      << "milliseconds keep three digits";
}

TEST(LogText, EveryLevelHasTheNameOfLogLevel) {
  EXPECT_EQ(text_line(LogLevel::kError, "m"), "2026-01-02T03:04:05.678Z error m\n");
  EXPECT_EQ(text_line(LogLevel::kWarn, "m"), "2026-01-02T03:04:05.678Z warn m\n");
  EXPECT_EQ(text_line(LogLevel::kInfo, "m"), "2026-01-02T03:04:05.678Z info m\n");
  EXPECT_EQ(text_line(LogLevel::kDebug, "m"), "2026-01-02T03:04:05.678Z debug m\n");
}

TEST(LogText, FieldsFollowTheMessageAsKeyEqualsValue) {
  EXPECT_EQ(text_line(LogLevel::kInfo, "connection closed",
                      {{"event", "closed"},
                       {"room", std::string("r-1")},
                       {"peer", "alice"},
                       {"conn", std::uint64_t{7}},
                       {"code", 4010}}),
            "2026-01-02T03:04:05.678Z info connection closed event=closed room=r-1 peer=alice "
            "conn=7 code=4010\n");
}

TEST(LogText, AValueThatWouldNotBeOneTokenIsQuotedAndEscaped) {
  EXPECT_EQ(text_line(LogLevel::kInfo, "m",
                      {{"a", "two words"},
                       {"b", "x=y"},
                       {"c", "say \"hi\""},
                       {"d", "line\nbreak"},
                       {"e", "caf\xC3\xA9"},
                       {"f", "bad\xFF"}}),
            "2026-01-02T03:04:05.678Z info m a=\"two words\" b=\"x=y\" c=\"say \\\"hi\\\"\" "
            "d=\"line\\nbreak\" e=\"caf\xC3\xA9\" f=\"bad\xEF\xBF\xBD\"\n");
}

TEST(LogText, AnEmptyStringFieldIsLeftOutButZeroIsNot) {
  EXPECT_EQ(text_line(LogLevel::kInfo, "m", {{"peer", ""}, {"code", 0}, {"room", "r"}}),
            "2026-01-02T03:04:05.678Z info m code=0 room=r\n");
}

TEST(LogJson, ALineIsOneObjectWithTimeLevelMsgPodThenTheFieldsInOrder) {
  EXPECT_EQ(json_line("peer admitted", "pod0",
                      {{"event", "admitted"}, {"room", "r1"}, {"peer", "alice"}, {"conn", 7}}),
            R"({"time":"2026-01-02T03:04:05.678Z","level":"info","msg":"peer admitted",)"
            R"("pod":"pod0","event":"admitted","room":"r1","peer":"alice","conn":7})"
            "\n");
}

TEST(LogJson, EveryLevelIsNamedAsInTheTextFormat) {
  for (const auto level : {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug}) {
    const auto doc = parse_line(log::format_line(LogFormat::kJson, level, at(), "m", "p", {}));
    ASSERT_TRUE(doc.IsObject());
    EXPECT_STREQ(doc["level"].GetString(), log::level_name(level));
  }
}

TEST(LogJson, NumbersAreBareAndKeepTheirFullRange) {
  const auto doc = parse_line(json_line(
      "m", "p", {{"max", std::numeric_limits<std::uint64_t>::max()}, {"neg", -42}, {"zero", 0}}));
  ASSERT_TRUE(doc.IsObject());
  ASSERT_TRUE(doc["max"].IsUint64());
  EXPECT_EQ(doc["max"].GetUint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(doc["neg"].GetInt(), -42);
  EXPECT_EQ(doc["zero"].GetInt(), 0);
}

TEST(LogJson, QuotesBackslashesAndControlCharactersAreEscapedEverywhere) {
  const std::string nasty = std::string("a\"b\\c\nd\re\tf\x01g\x1fh\x7fi") + '\0' + "j";
  const std::string line = json_line(nasty, "po\"d", {{"room", nasty}});
  for (unsigned char c = 0; c < 0x20; ++c) {
    if (c == '\n') continue;
    EXPECT_EQ(line.find(static_cast<char>(c)), std::string::npos) << "raw control " << int(c);
  }
  const auto doc = parse_line(line);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(std::string(doc["msg"].GetString(), doc["msg"].GetStringLength()), nasty);
  EXPECT_EQ(std::string(doc["room"].GetString(), doc["room"].GetStringLength()), nasty);
  EXPECT_STREQ(doc["pod"].GetString(), "po\"d");
}

TEST(LogJson, BytesThatAreNotUtf8BecomeTheReplacementCharacterAndUtf8StaysAsItIs) {
  // A lone continuation byte, a truncated sequence, an overlong, a surrogate.
  const std::string bad = "x\x80y\xE2\x82z\xC0\xAF\xED\xA0\x80!";
  const std::string good = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\x89";
  const auto doc = parse_line(json_line(bad, "p", {{"peer", good}}));
  ASSERT_TRUE(doc.IsObject());
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(std::string(doc["msg"].GetString()),
            "x" + r + "y" + r + r + "z" + r + r + r + r + r + "!");
  EXPECT_EQ(std::string(doc["peer"].GetString()), good);
}

TEST(LogJson, AnEmptyStringFieldIsLeftOutAndAnEmptyPodStaysAsAKey) {
  const auto doc = parse_line(json_line("m", "", {{"peer", ""}, {"room", "r"}}));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_FALSE(doc.HasMember("peer"));
  EXPECT_STREQ(doc["pod"].GetString(), "");
  EXPECT_STREQ(doc["room"].GetString(), "r");
}

// The macros and the process-wide logger: stderr gets the chosen format, and
// a line below the level is never even formatted.
TEST(LogMacros, TheAuditMacroWritesOneJsonLineWithItsEventAndThePodToStderr) {
  log::set_format(LogFormat::kJson);
  log::set_pod("unit-pod");
  log::set_level(LogLevel::kInfo);
  int formatted = 0;
  auto count = [&formatted] {
    ++formatted;
    return "x";
  };
  testing::internal::CaptureStderr();
  SM_AUDIT("kicked", "peer kicked", {"room", "r1"}, {"peer", "bob"}, {"by", "alice"});
  SM_DEBUG("not at info " << count());
  SM_INFO("plain " << 1 << " line");
  const std::string err = testing::internal::GetCapturedStderr();
  log::set_format(LogFormat::kText);
  log::set_pod("");
  EXPECT_EQ(formatted, 0) << "a debug line was formatted at level info";

  const auto newline = err.find('\n');
  ASSERT_NE(newline, std::string::npos) << err;
  const auto first = parse_line(err.substr(0, newline + 1));
  const auto second = parse_line(err.substr(newline + 1));
  ASSERT_TRUE(first.IsObject());
  ASSERT_TRUE(second.IsObject());
  EXPECT_STREQ(first["msg"].GetString(), "peer kicked");
  EXPECT_STREQ(first["pod"].GetString(), "unit-pod");
  EXPECT_STREQ(first["event"].GetString(), "kicked");
  EXPECT_STREQ(first["by"].GetString(), "alice");
  EXPECT_STREQ(second["msg"].GetString(), "plain 1 line");
  EXPECT_FALSE(second.HasMember("event"));
  for (const char* key : {"time", "level", "msg", "pod"}) EXPECT_TRUE(second.HasMember(key)) << key;
}

TEST(LogMacros, TheTextFormatWritesTheAuditFieldsAfterTheMessage) {
  log::set_level(LogLevel::kInfo);
  testing::internal::CaptureStderr();
  SM_AUDIT("admitted", "peer admitted", {"room", "r1"}, {"peer", "alice"}, {"conn", 3});
  const std::string err = testing::internal::GetCapturedStderr();
  const std::string tail = " info peer admitted event=admitted room=r1 peer=alice conn=3\n";
  ASSERT_GT(err.size(), tail.size());
  EXPECT_EQ(err.substr(err.size() - tail.size()), tail) << err;
  EXPECT_EQ(err.size(), tail.size() + 24) << "a 24-character UTC timestamp first: " << err;
}

}  // namespace
}  // namespace signalmesh
