// --help, and every kind of bad value or bad command line: one line, naming
// the flag or variable and what it accepts.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "flags_test_support.hpp"

namespace signalmesh::flags_test {
namespace {

TEST(Flags, HelpAndHAskForHelp) {
  for (const char* arg : {"--help", "-h"}) {
    const auto r = parse({"--port", "1", arg});
    EXPECT_EQ(r.kind, FlagsResult::kHelp) << arg;
    EXPECT_EQ(r.text, flags_help());
  }
}

TEST(Flags, HelpWinsOverABadEnvironment) {
  const auto r = parse({"--help"}, {{"SIGNALMESH_PORT", "oops"}});
  EXPECT_EQ(r.kind, FlagsResult::kHelp);
}

TEST(Flags, HelpListsEveryFlagWithItsValueEnvironmentVariableAndDefault) {
  const std::string help = flags_help();
  // Written out by hand, so that a changed default shows up here.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"--config", "\"\""},
      {"--host", "0.0.0.0"},
      {"--port", "8080"},
      {"--internal-host", "127.0.0.1"},
      {"--internal-port", "(off)"},
      {"--tls-cert-file", "\"\""},
      {"--tls-key-file", "\"\""},
      {"--demo", "on"},
      {"--backend", "local"},
      {"--pod-id", "\"\""},
      {"--log-level", "info"},
      {"--log-format", "text"},
      {"--drain-timeout-ms", "10000"},
      {"--jwt-secret", "\"\""},
      {"--jwt-secret-file", "\"\""},
      {"--allowed-origins", "\"\""},
      {"--turn-secret", "\"\""},
      {"--turn-uris", "\"\""},
      {"--turn-ttl", "86400"},
      {"--max-message-bytes", "65536"},
      {"--max-room-members", "50"},
      {"--rate-per-second", "50"},
      {"--rate-burst", "200"},
      {"--max-refused-in-row", "20"},
      {"--max-buffered-bytes", "1048576"},
      {"--ping-interval-ms", "20000"},
      {"--handshake-timeout-ms", "5000"},
      {"--close-timeout-ms", "3000"},
      {"--max-connections", "10000"},
      {"--heartbeat-interval-ms", "1000"},
      {"--pod-lost-ms", "3000"},
      {"--store", "\"\""},
      {"--rooms", "auto"},
      {"--room-retention", "604800"},
      {"--hash-retention-ticks", "1000"},
      {"--store-timeout-ms", "2000"},
      {"--store-queue", "10000"},
      {"--api-key", "\"\""},
      {"--api-key-file", "\"\""},
      {"--webhook-url", "\"\""},
      {"--webhook-secret", "\"\""},
      {"--webhook-secret-file", "\"\""},
      {"--webhook-queue", "10000"},
      {"--webhook-timeout-ms", "5000"},
      {"--webhook-max-attempts", "12"},
      {"--sync-timeout-ms", "1000"},
      {"--redis-url", "redis://127.0.0.1:6379"},
      {"--zmq-bind", "\"\""},
      {"--zmq-peers", "\"\""},
      {"--zmq-sndhwm", "10000"},
      {"--zmq-rcvhwm", "10000"},
      {"--zmq-curve-secret-key-file", "\"\""},
      {"--zmq-curve-public-key-file", "\"\""},
      {"--zmq-curve-peer-keys", "\"\""},
  };
  ASSERT_EQ(expected.size(), flag_infos().size());
  for (const auto& [flag, def] : expected) {
    const auto at = help.find("  " + flag + " ");
    ASSERT_NE(at, std::string::npos) << flag;
    const auto env = env_of(flag.substr(2));
    EXPECT_NE(help.find("(env " + env + ", default " + def + ")\n", at), std::string::npos)
        << flag << " should show env " << env << " and default " << def;
  }
  EXPECT_NE(help.find("--help"), std::string::npos);
}

TEST(Flags, TheDefaultsInTheTableComeFromADefaultConfig) {
  const Config d;
  for (const auto& info : flag_infos()) {
    if (info.name == "--port") {
      EXPECT_EQ(info.default_value, std::to_string(d.port));
    }
    if (info.name == "--max-connections") {
      EXPECT_EQ(info.default_value, std::to_string(d.limits.max_connections));
    }
  }
}

// Bad values, by kind. Each must be refused by the command line and by the
// environment, with a message naming the flag (or variable) and what it accepts.
struct BadCase {
  std::string flag;
  std::string value;
};

std::vector<BadCase> bad_cases() {
  return {
      // not a number at all, or not only a number
      {"port", "http"},
      {"internal-port", "http"},
      {"internal-port", "65536"},
      {"internal-host", "localhost"},
      {"demo", "yes"},
      {"demo", "ON"},
      {"port", "80a"},
      {"port", "8 0"},
      {"port", " 80"},
      {"port", "80 "},
      {"port", ""},
      {"port", "0x50"},
      {"port", "8.0"},
      // signs
      {"port", "-1"},
      {"port", "+80"},
      {"max-connections", "-5"},
      // out of range
      {"port", "65536"},
      {"port", "99999999999999999999999"},
      {"drain-timeout-ms", "4294967296"},
      {"ping-interval-ms", "4294967296"},
      {"max-message-bytes", "18446744073709551616"},
      // zero where zero makes no sense
      {"max-message-bytes", "0"},
      {"max-room-members", "0"},
      {"max-refused-in-row", "0"},
      {"max-buffered-bytes", "0"},
      {"ping-interval-ms", "0"},
      {"handshake-timeout-ms", "0"},
      {"close-timeout-ms", "0"},
      {"max-connections", "0"},
      {"heartbeat-interval-ms", "9"},
      {"pod-lost-ms", "49"},
      {"sync-timeout-ms", "0"},
      {"store", "mysql://x"},
      {"store", "sqlite:"},
      {"rooms", "manual"},
      {"hash-retention-ticks", "0"},
      {"store-timeout-ms", "5"},
      {"store-queue", "0"},
      {"api-key", "has space"},
      {"api-key-file", "/nonexistent/keys"},
      {"webhook-url", "ftp://x/y"},
      {"webhook-url", "http://"},
      {"webhook-url", "hooks.example.com"},
      {"webhook-secret", "has space"},
      {"webhook-secret-file", "/nonexistent/secret"},
      {"webhook-queue", "0"},
      {"webhook-timeout-ms", "0"},
      {"webhook-max-attempts", "1001"},
      // rates
      {"rate-per-second", "0"},
      {"rate-per-second", "-3"},
      {"rate-per-second", "0.0"},
      {"rate-per-second", "nan"},
      {"rate-per-second", "inf"},
      {"rate-per-second", "1e999"},
      {"rate-per-second", "fast"},
      {"rate-per-second", "5/s"},
      {"rate-burst", "0.5"},
      {"rate-burst", "0"},
      // words outside their set
      {"backend", "memcached"},
      {"backend", "Redis"},
      {"backend", ""},
      {"log-level", "verbose"},
      {"log-level", "INFO"},
      {"log-level", ""},
      {"log-format", "JSON"},
      {"log-format", "logfmt"},
      {"log-format", ""},
      // strings with a shape
      {"host", ""},
      {"host", "local host"},
      {"host", "localhost"},
      {"host", "example.com"},
      {"host", "256.0.0.1"},
      {"host", "1.2.3"},
      {"host", "[::1]"},
      {"host", "::1 "},
      {"pod-id", "pod/1"},
      {"pod-id", "pod 1"},
      {"pod-id", std::string(65, 'p')},
      {"redis-url", "http://127.0.0.1:6379"},
      {"redis-url", "127.0.0.1:6379"},
      {"redis-url", "redis://"},
      {"redis-url", ""},
      {"zmq-bind", "5555"},
      {"zmq-bind", "tcp://"},
      {"zmq-bind", "tcp://a:1,tcp://b:2"},
      {"zmq-peers", "tcp://a:1,,tcp://b:2"},
      {"zmq-peers", "tcp://a:1,"},
      {"zmq-peers", "a:1"},
      {"zmq-sndhwm", "-1"},
      {"zmq-sndhwm", "2147483648"},
      {"zmq-rcvhwm", "1k"},
      {"zmq-curve-secret-key-file", "a\tb"},
      {"zmq-curve-peer-keys", "a.pub,,b.pub"},
      {"zmq-curve-peer-keys", "a.pub,"},
  };
}

TEST(Flags, EveryKindOfBadValueOnTheCommandLineIsAOneLineErrorNamingTheFlag) {
  const auto infos = flag_infos();
  for (const auto& c : bad_cases()) {
    for (const bool equals : {false, true}) {
      const auto r =
          equals ? parse({"--" + c.flag + "=" + c.value}) : parse({"--" + c.flag, c.value});
      ASSERT_EQ(r.kind, FlagsResult::kError) << "--" << c.flag << " '" << c.value << "'";
      EXPECT_NE(r.text.find("--" + c.flag), std::string::npos) << r.text;
      EXPECT_EQ(r.text.find('\n'), std::string::npos) << r.text;
      for (const auto& info : infos) {
        if (info.name == "--" + c.flag) {
          EXPECT_NE(r.text.find(info.accepts), std::string::npos) << r.text;
        }
      }
    }
  }
}

TEST(Flags, EveryKindOfBadValueInTheEnvironmentIsAOneLineErrorNamingTheVariable) {
  for (const auto& c : bad_cases()) {
    const auto r = parse({}, {{env_of(c.flag), c.value}});
    ASSERT_EQ(r.kind, FlagsResult::kError) << env_of(c.flag) << "='" << c.value << "'";
    EXPECT_NE(r.text.find(env_of(c.flag)), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("expected"), std::string::npos) << r.text;
    EXPECT_EQ(r.text.find('\n'), std::string::npos) << r.text;
  }
}

TEST(Flags, AnErrorMessageShowsTheRefusedValueAndTheAcceptedOnes) {
  const auto r = parse({"--port", "70000"});
  ASSERT_EQ(r.kind, FlagsResult::kError);
  EXPECT_EQ(r.text, "--port '70000' is not valid: expected an integer 0-65535");
  const auto b = parse({"--backend=memcached"});
  EXPECT_EQ(b.text, "--backend 'memcached' is not valid: expected one of local|redis|zmq");
}

TEST(Flags, ControlCharactersInARefusedValueDoNotBreakTheLine) {
  const auto r = parse({"--port", "1\n2\r"}, {});
  ASSERT_EQ(r.kind, FlagsResult::kError);
  EXPECT_EQ(r.text.find('\n'), std::string::npos);
  EXPECT_EQ(r.text.find('\r'), std::string::npos);
}

TEST(Flags, APodLostTimeoutNotAboveTheHeartbeatIntervalIsAnError) {
  const auto r = parse({"--heartbeat-interval-ms=2000"}, {{"SIGNALMESH_POD_LOST_MS", "2000"}});
  ASSERT_EQ(r.kind, FlagsResult::kError);
  EXPECT_NE(r.text.find("--pod-lost-ms 2000"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("--heartbeat-interval-ms 2000"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find('\n'), std::string::npos) << r.text;
  const auto ok = parse({"--heartbeat-interval-ms=2000", "--pod-lost-ms=2001"});
  EXPECT_EQ(ok.kind, FlagsResult::kRun) << ok.text;
}

TEST(Flags, AFlagWithoutItsValueIsAnError) {
  const auto r = parse({"--host", "::", "--port"});
  ASSERT_EQ(r.kind, FlagsResult::kError);
  EXPECT_EQ(r.text, "--port needs a value: an integer 0-65535");
}

TEST(Flags, AnUnknownFlagIsAnErrorThatSuggestsTheClosestFlag) {
  const auto r = parse({"--prot", "80"});
  ASSERT_EQ(r.kind, FlagsResult::kError);
  EXPECT_NE(r.text.find("unknown flag '--prot'"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("did you mean --port?"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("--help"), std::string::npos) << r.text;
}

TEST(Flags, AnUnknownFlagFarFromEveryNameSuggestsNothing) {
  const auto r = parse({"--completely-different=1"});
  ASSERT_EQ(r.kind, FlagsResult::kError);
  EXPECT_NE(r.text.find("unknown flag '--completely-different'"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("did you mean"), std::string::npos) << r.text;
}

TEST(Flags, AnUnknownFlagIsReportedBeforeABadEnvironment) {
  const auto r = parse({"--nope"}, {{"SIGNALMESH_PORT", "oops"}});
  ASSERT_EQ(r.kind, FlagsResult::kError);
  EXPECT_NE(r.text.find("--nope"), std::string::npos) << r.text;
}

TEST(Flags, PositionalArgumentsAndSingleDashFlagsAreErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"serve"}, {"-port", "80"}, {"-p"}, {"--"}, {"-"}, {"--port", "80", "extra"}}) {
    const auto r = parse(args);
    EXPECT_EQ(r.kind, FlagsResult::kError) << args[0];
    EXPECT_NE(r.text.find("unexpected argument"), std::string::npos) << r.text;
  }
}

TEST(Flags, EnvironmentVariablesOfOtherProgramsAreIgnored) {
  const auto r = parse({}, {{"PORT", "1"}, {"SIGNALMESH_PORTS", "2"}, {"signalmesh_port", "3"}});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, Config().port);
}

TEST(Flags, ParsingWithoutAnEnvironmentFunctionUsesOnlyTheCommandLine) {
  const char* argv[] = {"signalmesh", "--port", "7", nullptr};
  const auto r = parse_flags(3, argv, GetenvFn());
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, 7);
}

TEST(Flags, LogLevelNamesMatchTheAcceptedValues) {
  EXPECT_STREQ(log_level_name(LogLevel::kError), "error");
  EXPECT_STREQ(log_level_name(LogLevel::kWarn), "warn");
  EXPECT_STREQ(log_level_name(LogLevel::kInfo), "info");
  EXPECT_STREQ(log_level_name(LogLevel::kDebug), "debug");
}

}  // namespace
}  // namespace signalmesh::flags_test
