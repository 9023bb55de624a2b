// Flags and environment -> Config: every flag by both command-line syntaxes
// and by its variable, precedence, --help, and every kind of bad value.
#include "flags.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace signalmesh {
namespace {

using Env = std::map<std::string, std::string>;

FlagsResult parse(const std::vector<std::string>& args, const Env& env = {}) {
  std::vector<const char*> argv = {"signalmesh"};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return parse_flags(static_cast<int>(argv.size() - 1), argv.data(), [&env](const char* name) {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

// One good value per flag, and how to see that it landed in Config.
struct GoodCase {
  std::string flag;  // without dashes
  std::string value;
  std::function<bool(const Config&)> landed;
  // Other flags it needs to be accepted (a backend's flags need that backend,
  // a TURN secret needs TURN URIs, ...).
  std::vector<std::string> with = {};
};

// A file holding a token secret, as --jwt-secret-file expects.
std::string secret_file() {
  static const std::string path = [] {
    // The pid keeps parallel ctest processes (one per test) from
    // rewriting each other's file.
    std::string p = ::testing::TempDir() + "signalmesh-flags-secret-" + std::to_string(::getpid());
    std::ofstream(p) << "from-a-file\n";
    return p;
  }();
  return path;
}

std::vector<GoodCase> good_cases() {
  return {
      {"host", "127.0.0.1", [](const Config& c) { return c.host == "127.0.0.1"; }},
      {"port", "9000", [](const Config& c) { return c.port == 9000; }},
      {"backend", "redis", [](const Config& c) { return c.backend == "redis"; }},
      {"pod-id", "pod-7.a_b", [](const Config& c) { return c.pod_id == "pod-7.a_b"; }},
      {"log-level", "debug", [](const Config& c) { return c.log_level == LogLevel::kDebug; }},
      {"drain-timeout-ms", "2500", [](const Config& c) { return c.drain_timeout_ms == 2500; }},
      // The same secret as secret_file(), so that all flags together agree.
      {"jwt-secret", "from-a-file",
       [](const Config& c) { return c.auth.jwt_secret == "from-a-file"; }},
      {"jwt-secret-file", secret_file(),
       [](const Config& c) { return c.auth.jwt_secret == "from-a-file"; }},
      {"allowed-origins", "https://a.example.com,https://*.b.example",
       [](const Config& c) {
         return c.auth.allowed_origins ==
                std::vector<std::string>{"https://a.example.com", "https://*.b.example"};
       }},
      {"turn-secret",
       "one,two",
       [](const Config& c) {
         return c.turn.secrets == std::vector<std::string>{"one", "two"};
       },
       {"--turn-uris=turn:127.0.0.1:3478?transport=udp"}},
      {"turn-uris",
       "turn:127.0.0.1:3478?transport=udp",
       [](const Config& c) {
         return c.turn.uris == std::vector<std::string>{"turn:127.0.0.1:3478?transport=udp"};
       },
       {"--turn-secret=one,two"}},
      {"turn-ttl", "600", [](const Config& c) { return c.turn.ttl_seconds == 600; }},
      {"max-message-bytes", "1024",
       [](const Config& c) { return c.limits.max_message_bytes == 1024; }},
      {"max-room-members", "2", [](const Config& c) { return c.limits.max_room_members == 2; }},
      {"rate-per-second", "12.5", [](const Config& c) { return c.limits.rate_per_second == 12.5; }},
      {"rate-burst", "30", [](const Config& c) { return c.limits.rate_burst == 30.0; }},
      {"max-refused-in-row", "3", [](const Config& c) { return c.limits.max_refused_in_row == 3; }},
      {"max-buffered-bytes",
       "4096",
       [](const Config& c) { return c.limits.max_buffered_bytes == 4096; },
       {"--max-message-bytes=1024"}},
      {"ping-interval-ms", "1000",
       [](const Config& c) { return c.limits.ping_interval_ms == 1000; }},
      {"handshake-timeout-ms", "750",
       [](const Config& c) { return c.limits.handshake_timeout_ms == 750; }},
      {"close-timeout-ms", "500", [](const Config& c) { return c.limits.close_timeout_ms == 500; }},
      {"max-connections", "123", [](const Config& c) { return c.limits.max_connections == 123; }},
      {"heartbeat-interval-ms", "250",
       [](const Config& c) { return c.cluster.heartbeat_interval_ms == 250; }},
      {"pod-lost-ms", "1500", [](const Config& c) { return c.cluster.pod_lost_ms == 1500; }},
      {"sync-timeout-ms", "700", [](const Config& c) { return c.cluster.sync_timeout_ms == 700; }},
      {"redis-url",
       "redis://10.1.2.3:6380",
       [](const Config& c) { return c.redis_url == "redis://10.1.2.3:6380"; },
       {"--backend=redis"}},
      {"zmq-bind",
       "tcp://0.0.0.0:5555",
       [](const Config& c) { return c.zmq_bind == "tcp://0.0.0.0:5555"; },
       {"--backend=zmq"}},
      {"zmq-peers",
       "tcp://a:5555,tcp://b:5556",
       [](const Config& c) {
         return c.zmq_peers == std::vector<std::string>{"tcp://a:5555", "tcp://b:5556"};
       },
       {"--backend=zmq"}},
      {"zmq-sndhwm", "500", [](const Config& c) { return c.zmq_sndhwm == 500; }, {"--backend=zmq"}},
      {"zmq-rcvhwm", "0", [](const Config& c) { return c.zmq_rcvhwm == 0; }, {"--backend=zmq"}},
      {"zmq-curve-secret-key-file",
       "/etc/signalmesh/pod0.key",
       [](const Config& c) { return c.zmq_curve_secret_key_file == "/etc/signalmesh/pod0.key"; },
       {"--backend=zmq"}},
      {"zmq-curve-public-key-file",
       "/etc/signalmesh/pod0.pub",
       [](const Config& c) { return c.zmq_curve_public_key_file == "/etc/signalmesh/pod0.pub"; },
       {"--backend=zmq"}},
      {"zmq-curve-peer-keys",
       "keys/pod1.pub, keys/pod2.pub",
       [](const Config& c) {
         return c.zmq_curve_peer_keys == std::vector<std::string>{"keys/pod1.pub", "keys/pod2.pub"};
       },
       {"--backend=zmq"}},
  };
}

std::string env_of(const std::string& flag) {
  std::string env = "SIGNALMESH_";
  for (char c : flag) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

TEST(Flags, NoFlagsAndNoEnvironmentGiveADefaultConfig) {
  const auto r = parse({});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  const Config d;
  EXPECT_EQ(r.config.host, d.host);
  EXPECT_EQ(r.config.port, d.port);
  EXPECT_EQ(r.config.backend, d.backend);
  EXPECT_EQ(r.config.pod_id, d.pod_id);
  EXPECT_EQ(r.config.log_level, d.log_level);
  EXPECT_EQ(r.config.drain_timeout_ms, d.drain_timeout_ms);
  EXPECT_EQ(r.config.limits.max_message_bytes, d.limits.max_message_bytes);
  EXPECT_EQ(r.config.limits.rate_per_second, d.limits.rate_per_second);
  EXPECT_EQ(r.config.redis_url, d.redis_url);
  EXPECT_TRUE(r.config.zmq_peers.empty());
}

TEST(Flags, TheTestTableCoversEveryFlagOfTheFlagTable) {
  const auto infos = flag_infos();
  const auto cases = good_cases();
  ASSERT_EQ(infos.size(), cases.size());
  for (std::size_t i = 0; i < infos.size(); ++i) {
    EXPECT_EQ(infos[i].name, "--" + cases[i].flag);
    EXPECT_EQ(infos[i].env, env_of(cases[i].flag));
  }
}

// The flag, then the flags it needs.
std::vector<std::string> with_companions(const GoodCase& c, std::vector<std::string> args) {
  args.insert(args.end(), c.with.begin(), c.with.end());
  return args;
}

TEST(Flags, EveryFlagIsReadFromTheCommandLineAsFlagSpaceValue) {
  for (const auto& c : good_cases()) {
    const auto r = parse(with_companions(c, {"--" + c.flag, c.value}));
    ASSERT_EQ(r.kind, FlagsResult::kRun) << c.flag << ": " << r.text;
    EXPECT_TRUE(c.landed(r.config)) << c.flag;
  }
}

TEST(Flags, EveryFlagIsReadFromTheCommandLineAsFlagEqualsValue) {
  for (const auto& c : good_cases()) {
    const auto r = parse(with_companions(c, {"--" + c.flag + "=" + c.value}));
    ASSERT_EQ(r.kind, FlagsResult::kRun) << c.flag << ": " << r.text;
    EXPECT_TRUE(c.landed(r.config)) << c.flag;
  }
}

TEST(Flags, EveryFlagIsReadFromItsEnvironmentVariable) {
  for (const auto& c : good_cases()) {
    const auto r = parse(c.with, {{env_of(c.flag), c.value}});
    ASSERT_EQ(r.kind, FlagsResult::kRun) << c.flag << ": " << r.text;
    EXPECT_TRUE(c.landed(r.config)) << env_of(c.flag);
  }
}

// Every flag that can go with the others: all but one of the two token
// secret flags, and the flags of one backend at a time.
TEST(Flags, AllFlagsThatCanGoTogetherLandInOneConfig) {
  for (const std::string backend : {"redis", "zmq"}) {
    for (const std::string without : {"jwt-secret", "jwt-secret-file"}) {
      std::vector<std::string> args;
      std::vector<GoodCase> used;
      for (const auto& c : good_cases()) {
        const bool other_backend = (c.flag.rfind("redis-", 0) == 0 && backend != "redis") ||
                                   (c.flag.rfind("zmq-", 0) == 0 && backend != "zmq");
        if (c.flag == without || c.flag == "backend" || other_backend) continue;
        args.push_back("--" + c.flag + "=" + c.value);
        used.push_back(c);
      }
      args.push_back("--backend=" + backend);
      const auto r = parse(args);
      ASSERT_EQ(r.kind, FlagsResult::kRun) << backend << " without --" << without << ": " << r.text;
      for (const auto& c : used) EXPECT_TRUE(c.landed(r.config)) << c.flag;
      EXPECT_EQ(r.config.backend, backend);
    }
  }
}

TEST(Flags, TheCommandLineBeatsTheEnvironment) {
  const auto r = parse({"--port", "9001"}, {{"SIGNALMESH_PORT", "9002"}});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, 9001);
}

TEST(Flags, TheEnvironmentBeatsTheDefault) {
  const auto r = parse({"--host", "::1"}, {{"SIGNALMESH_PORT", "9002"}});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, 9002);
  EXPECT_EQ(r.config.host, "::1");
}

TEST(Flags, ABadEnvironmentValueOverriddenOnTheCommandLineIsIgnored) {
  const auto r = parse({"--port=1"}, {{"SIGNALMESH_PORT", "oops"}});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, 1);
}

TEST(Flags, AFlagGivenTwiceKeepsItsLastValue) {
  const auto r = parse({"--port", "1", "--port=2", "--backend", "zmq", "--backend", "local"});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, 2);
  EXPECT_EQ(r.config.backend, "local");
}

TEST(Flags, AValueAfterTheEqualsSignMayItselfContainEqualsSigns) {
  const auto r = parse({"--redis-url=redis://h:1/?a=b", "--backend=redis"});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.redis_url, "redis://h:1/?a=b");
}

TEST(Flags, AnEmptyValueClearsTheStringsThatMayBeEmpty) {
  const auto r = parse({"--pod-id=", "--zmq-bind", "", "--zmq-peers="},
                       {{"SIGNALMESH_ZMQ_PEERS", "tcp://x:1"}});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.pod_id, "");
  EXPECT_EQ(r.config.zmq_bind, "");
  EXPECT_TRUE(r.config.zmq_peers.empty());
}

TEST(Flags, ZmqPeersAreSplitOnCommasWithSpacesAroundEachIgnored) {
  const auto r = parse({"--zmq-peers", " tcp://a:1 , ipc:///tmp/b ,tcp://c:3", "--backend", "zmq"});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.zmq_peers,
            (std::vector<std::string>{"tcp://a:1", "ipc:///tmp/b", "tcp://c:3"}));
}

TEST(Flags, NumbersAcceptTheirWholeRange) {
  const auto r = parse({"--port=0", "--drain-timeout-ms=0", "--ping-interval-ms=4294967295",
                        "--max-message-bytes=1", "--rate-per-second=0.001", "--rate-burst=1",
                        "--max-connections=18446744073709551615"});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, 0);
  EXPECT_EQ(r.config.drain_timeout_ms, 0u);
  EXPECT_EQ(r.config.limits.ping_interval_ms, 4294967295u);
  EXPECT_EQ(r.config.limits.max_message_bytes, 1u);
  EXPECT_DOUBLE_EQ(r.config.limits.rate_per_second, 0.001);
  EXPECT_EQ(r.config.limits.rate_burst, 1.0);
  EXPECT_EQ(r.config.limits.max_connections, 18446744073709551615u);
  EXPECT_EQ(parse({"--port", "65535"}).config.port, 65535);
  EXPECT_EQ(parse({"--rate-per-second", "1e3"}).config.limits.rate_per_second, 1000.0);
}

TEST(Flags, HostAcceptsIpv4AndIpv6Addresses) {
  for (const char* host : {"0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1"}) {
    const auto r = parse({"--host", host});
    ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
    EXPECT_EQ(r.config.host, host);
  }
}

TEST(Flags, EveryLogLevelIsAccepted) {
  EXPECT_EQ(parse({"--log-level=error"}).config.log_level, LogLevel::kError);
  EXPECT_EQ(parse({"--log-level=warn"}).config.log_level, LogLevel::kWarn);
  EXPECT_EQ(parse({"--log-level=info"}).config.log_level, LogLevel::kInfo);
  EXPECT_EQ(parse({"--log-level=debug"}).config.log_level, LogLevel::kDebug);
}

TEST(Flags, EveryBackendIsAccepted) {
  for (const char* name : {"local", "redis", "zmq"}) {
    const auto r = parse({"--backend", name});
    ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
    EXPECT_EQ(r.config.backend, name);
  }
}

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
      {"--host", "0.0.0.0"},
      {"--port", "8080"},
      {"--backend", "local"},
      {"--pod-id", "\"\""},
      {"--log-level", "info"},
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

// Combinations: values each valid, but together doing nothing or something
// else than asked. Refused with one line, or accepted with a warning.

void expect_refused(const FlagsResult& r, const std::vector<std::string>& mentions) {
  ASSERT_EQ(r.kind, FlagsResult::kError) << "accepted; warnings: " << r.warnings.size();
  EXPECT_EQ(r.text.find('\n'), std::string::npos) << r.text;
  for (const auto& m : mentions)
    EXPECT_NE(r.text.find(m), std::string::npos) << m << ": " << r.text;
}

void expect_one_warning(const FlagsResult& r, const std::vector<std::string>& mentions) {
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].find('\n'), std::string::npos) << r.warnings[0];
  for (const auto& m : mentions) {
    EXPECT_NE(r.warnings[0].find(m), std::string::npos) << m << ": " << r.warnings[0];
  }
}

TEST(FlagCombinations, TheDefaultsAndTheClusterLaunchersShapesAreAcceptedWithoutWarnings) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"--backend", "redis", "--redis-url", "redis://127.0.0.1:6390", "--pod-id", "pod0"},
           {"--backend", "zmq", "--zmq-bind", "tcp://127.0.0.1:7001", "--zmq-peers",
            "tcp://127.0.0.1:7002,tcp://127.0.0.1:7003", "--zmq-curve-secret-key-file", "p.key",
            "--zmq-curve-peer-keys", "p1.pub,p2.pub"},
           {"--turn-secret", "s", "--turn-uris", "turn:t.example:3478,stun:t.example:3478",
            "--turn-ttl", "600"},
       }) {
    const auto r = parse(args);
    ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  }
}

TEST(FlagCombinations, ATurnSecretWithoutTurnUrisIsRefused) {
  expect_refused(parse({"--turn-secret", "s"}), {"--turn-secret", "--turn-uris"});
  expect_refused(parse({}, {{"SIGNALMESH_TURN_SECRET", "s"}}),
                 {"SIGNALMESH_TURN_SECRET", "--turn-uris"});
  expect_refused(parse({"--turn-secret", "s", "--turn-uris="}), {"--turn-secret"});
}

TEST(FlagCombinations, TurnUrisWithoutASecretAreRefusedBecauseBrowsersWantCredentials) {
  for (const char* uri : {"turn:t.example:3478", "turns:t.example:5349?transport=tcp"}) {
    expect_refused(parse({"--turn-uris", std::string("stun:s.example:3478,") + uri}),
                   {"--turn-uris", uri, "--turn-secret", "stun:"});
    expect_refused(parse({}, {{"SIGNALMESH_TURN_URIS", uri}}), {"SIGNALMESH_TURN_URIS"});
  }
}

TEST(FlagCombinations, StunOnlyUrisWithoutASecretAreAStunOnlySetup) {
  const auto r = parse({"--turn-uris", "stun:stun.example:3478, stun:[::1]:3478"});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_TRUE(r.config.turn.secrets.empty());
  EXPECT_EQ(r.config.turn.uris,
            (std::vector<std::string>{"stun:stun.example:3478", "stun:[::1]:3478"}));
}

TEST(FlagCombinations, ATurnTtlWithoutASecretIsAWarning) {
  expect_one_warning(parse({"--turn-ttl", "600"}), {"--turn-ttl", "--turn-secret"});
  expect_one_warning(parse({"--turn-uris", "stun:s.example"}, {{"SIGNALMESH_TURN_TTL", "600"}}),
                     {"SIGNALMESH_TURN_TTL"});
}

TEST(FlagCombinations, BothTokenSecretFlagsAreRefusedWhereverEachComesFrom) {
  const std::string file = secret_file();
  expect_refused(parse({"--jwt-secret", "x", "--jwt-secret-file", file}),
                 {"--jwt-secret and --jwt-secret-file", "only one"});
  expect_refused(parse({"--jwt-secret-file", file}, {{"SIGNALMESH_JWT_SECRET", "x"}}),
                 {"SIGNALMESH_JWT_SECRET", "--jwt-secret-file"});
  expect_refused(parse({}, {{"SIGNALMESH_JWT_SECRET", "x"}, {"SIGNALMESH_JWT_SECRET_FILE", file}}),
                 {"SIGNALMESH_JWT_SECRET", "SIGNALMESH_JWT_SECRET_FILE"});
}

// Each backend's flags, with a value they accept.
const std::vector<std::pair<std::string, std::string>>& backend_flags() {
  static const std::vector<std::pair<std::string, std::string>> flags = {
      {"redis-url", "redis://10.0.0.1:6379"},
      {"zmq-bind", "tcp://0.0.0.0:7001"},
      {"zmq-peers", "tcp://10.0.0.2:7001"},
      {"zmq-sndhwm", "10"},
      {"zmq-rcvhwm", "10"},
      {"zmq-curve-secret-key-file", "pod.key"},
      {"zmq-curve-public-key-file", "pod.pub"},
      {"zmq-curve-peer-keys", "peer.pub"},
  };
  return flags;
}

TEST(FlagCombinations, ABackendsFlagWithAnotherBackendIsRefused) {
  for (const auto& [flag, value] : backend_flags()) {
    const std::string owner = flag.substr(0, flag.find('-'));
    for (const std::string backend : {"local", "redis", "zmq"}) {
      if (backend == owner) continue;
      SCOPED_TRACE(flag + " with " + backend);
      expect_refused(
          parse({"--backend", backend, "--" + flag, value}),
          {"--" + flag, "the backend is " + backend + " (--backend)", "--backend " + owner});
      expect_refused(parse({}, {{"SIGNALMESH_BACKEND", backend}, {env_of(flag), value}}),
                     {env_of(flag), "(SIGNALMESH_BACKEND)"});
    }
    SCOPED_TRACE(flag + " with the default backend");
    expect_refused(parse({"--" + flag + "=" + value}), {"--" + flag, "local (the default)"});
  }
}

TEST(FlagCombinations, ABackendsFlagGivenEmptyOrLeftAtItsDefaultIsNotGiven) {
  // The redis URL has a default: the zmq backend does not see it as given.
  const auto zmq = parse({"--backend", "zmq", "--zmq-peers", "tcp://a:1"});
  ASSERT_EQ(zmq.kind, FlagsResult::kRun) << zmq.text;
  EXPECT_TRUE(zmq.warnings.empty());
  // An empty list or path is the same as leaving the flag out.
  const auto r = parse({"--backend", "redis", "--zmq-peers=", "--zmq-curve-secret-key-file="},
                       {{"SIGNALMESH_ZMQ_BIND", ""}});
  EXPECT_EQ(r.kind, FlagsResult::kRun) << r.text;
}

TEST(FlagCombinations, TheMeshWithoutPeersIsAWarning) {
  expect_one_warning(parse({"--backend", "zmq", "--zmq-bind", "tcp://0.0.0.0:7001"}),
                     {"--zmq-peers"});
}

TEST(FlagCombinations, MaxBufferedBytesBelowMaxMessageBytesIsRefused) {
  expect_refused(parse({"--max-buffered-bytes", "1000", "--max-message-bytes", "1001"}),
                 {"--max-buffered-bytes 1000", "--max-message-bytes 1001", "4008"});
  // Raising the message size alone past the default output cap.
  expect_refused(parse({}, {{"SIGNALMESH_MAX_MESSAGE_BYTES", "2000000"}}),
                 {"--max-buffered-bytes 1048576", "--max-message-bytes 2000000"});
  const auto ok = parse({"--max-buffered-bytes", "2000100", "--max-message-bytes", "2000000"});
  ASSERT_EQ(ok.kind, FlagsResult::kRun) << ok.text;
  EXPECT_TRUE(ok.warnings.empty());
}

TEST(FlagCombinations, MaxBufferedBytesWithoutRoomForTheRelayedSenderIdIsAWarning) {
  // 14 + 64 bytes of "senderId":"<64 characters>", plus a 10-byte frame header.
  expect_one_warning(parse({"--max-buffered-bytes", "65536", "--max-message-bytes", "65536"}),
                     {"--max-buffered-bytes 65536", "88", "4008"});
  expect_one_warning(parse({"--max-buffered-bytes", "1087", "--max-message-bytes", "1000"}),
                     {"1087"});
  const auto ok = parse({"--max-buffered-bytes", "1088", "--max-message-bytes", "1000"});
  ASSERT_EQ(ok.kind, FlagsResult::kRun) << ok.text;
  EXPECT_TRUE(ok.warnings.empty());
}

TEST(FlagCombinations, ClusterTimingsWithTheLocalBackendAreWarnings) {
  for (const std::string flag : {"heartbeat-interval-ms", "pod-lost-ms", "sync-timeout-ms"}) {
    expect_one_warning(parse({"--" + flag, "2000"}), {"--" + flag, "local backend"});
    const auto redis = parse({"--backend", "redis", "--" + flag, "2000"});
    ASSERT_EQ(redis.kind, FlagsResult::kRun) << redis.text;
    EXPECT_TRUE(redis.warnings.empty()) << redis.warnings.front();
  }
  const auto env = parse({}, {{"SIGNALMESH_SYNC_TIMEOUT_MS", "100"}});
  expect_one_warning(env, {"SIGNALMESH_SYNC_TIMEOUT_MS"});
}

TEST(Flags, LogLevelNamesMatchTheAcceptedValues) {
  EXPECT_STREQ(log_level_name(LogLevel::kError), "error");
  EXPECT_STREQ(log_level_name(LogLevel::kWarn), "warn");
  EXPECT_STREQ(log_level_name(LogLevel::kInfo), "info");
  EXPECT_STREQ(log_level_name(LogLevel::kDebug), "debug");
}

}  // namespace
}  // namespace signalmesh
