// Flags and environment -> Config and the backend's settings: every flag by
// both command-line syntaxes and by its variable, precedence, the values.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "flags_test_support.hpp"

namespace signalmesh::flags_test {
namespace {

// How to see that a value landed: in Config for the pod's flags, in the
// chosen backend's settings for a backend's.
struct Landed {
  template <typename F>
  Landed(F f) {  // NOLINT: implicit, for the table below
    if constexpr (std::is_invocable_r_v<bool, F, const Config&>) {
      check = [f](const FlagsResult& r) { return f(r.config); };
    } else {
      check = f;
    }
  }
  bool operator()(const FlagsResult& r) const { return check(r); }
  std::function<bool(const FlagsResult&)> check;
};

// One good value per flag, and how to see that it landed.
struct GoodCase {
  std::string flag;  // without dashes
  std::string value;
  Landed landed;
  // Other flags it needs to be accepted (a backend's flags need that backend,
  // a TURN secret needs TURN URIs, ...).
  std::vector<std::string> with = {};
};

std::vector<GoodCase> good_cases() {
  return {
      // The file sets what the max-room-members case below sets, so that all
      // flags together agree.
      {"config", config_file("max-room-members = 2\n"),
       [](const Config& c) { return c.limits.max_room_members == 2; }},
      {"host", "127.0.0.1", [](const Config& c) { return c.host == "127.0.0.1"; }},
      {"port", "9000", [](const Config& c) { return c.port == 9000; }},
      {"internal-host", "10.0.0.5", [](const Config& c) { return c.internal_host == "10.0.0.5"; }},
      {"internal-port", "9100",
       [](const Config& c) { return c.internal_port && *c.internal_port == 9100; }},
      {"tls-cert-file",
       "/etc/signalmesh/cert.pem",
       [](const Config& c) { return c.tls.cert_file == "/etc/signalmesh/cert.pem"; },
       {"--tls-key-file", "/etc/signalmesh/key.pem"}},
      {"tls-key-file",
       "/etc/signalmesh/key.pem",
       [](const Config& c) { return c.tls.key_file == "/etc/signalmesh/key.pem"; },
       {"--tls-cert-file", "/etc/signalmesh/cert.pem"}},
      {"demo", "off", [](const Config& c) { return !c.demo; }},
      {"backend", "redis", [](const Config& c) { return c.backend == "redis"; }},
      {"pod-id", "pod-7.a_b", [](const Config& c) { return c.pod_id == "pod-7.a_b"; }},
      {"log-level", "debug", [](const Config& c) { return c.log_level == LogLevel::kDebug; }},
      {"log-format", "json", [](const Config& c) { return c.log_format == LogFormat::kJson; }},
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
      {"store", "postgres://sm@db.example/sm",
       [](const Config& c) { return c.store.url == "postgres://sm@db.example/sm"; }},
      {"rooms", "api", [](const Config& c) { return c.rooms.require_record; }},
      {"room-retention", "3600",
       [](const Config& c) { return c.store.room_retention_seconds == 3600; }},
      {"hash-retention-ticks", "64",
       [](const Config& c) { return c.store.hash_retention_ticks == 64; }},
      {"store-timeout-ms", "250", [](const Config& c) { return c.store.timeout_ms == 250; }},
      {"store-queue", "77", [](const Config& c) { return c.store.max_queued_writes == 77; }},
      {"api-key", "from-a-file",
       [](const Config& c) {
         return std::find(c.api.keys.begin(), c.api.keys.end(), "from-a-file") != c.api.keys.end();
       }},
      {"api-key-file", secret_file(),
       [](const Config& c) {
         return std::find(c.api.keys.begin(), c.api.keys.end(), "from-a-file") != c.api.keys.end();
       }},
      {"webhook-url",
       "http://127.0.0.1:9/hook,https://hooks.example.com/x?token=t",
       [](const Config& c) {
         return c.webhooks.urls == std::vector<std::string>{"http://127.0.0.1:9/hook",
                                                            "https://hooks.example.com/x?token=t"};
       },
       {"--webhook-secret", "s"}},
      {"webhook-secret", "from-a-file",
       [](const Config& c) { return c.webhooks.secret == "from-a-file"; }},
      {"webhook-secret-file", secret_file(),
       [](const Config& c) { return c.webhooks.secret == "from-a-file"; }},
      {"webhook-queue", "77", [](const Config& c) { return c.webhooks.max_queued == 77; }},
      {"webhook-timeout-ms", "250", [](const Config& c) { return c.webhooks.timeout_ms == 250; }},
      {"webhook-max-attempts", "3", [](const Config& c) { return c.webhooks.max_attempts == 3; }},
      {"sync-timeout-ms", "700", [](const Config& c) { return c.cluster.sync_timeout_ms == 700; }},
      {"redis-url",
       "redis://10.1.2.3:6380",
       [](const FlagsResult& r) { return redis_of(r).url == "redis://10.1.2.3:6380"; },
       {"--backend=redis"}},
      {"zmq-bind",
       "tcp://0.0.0.0:5555",
       [](const FlagsResult& r) { return zmq_of(r).bind == "tcp://0.0.0.0:5555"; },
       {"--backend=zmq"}},
      {"zmq-peers",
       "tcp://a:5555,tcp://b:5556",
       [](const FlagsResult& r) {
         return zmq_of(r).peers == std::vector<std::string>{"tcp://a:5555", "tcp://b:5556"};
       },
       {"--backend=zmq"}},
      {"zmq-sndhwm",
       "500",
       [](const FlagsResult& r) { return zmq_of(r).sndhwm == 500; },
       {"--backend=zmq"}},
      {"zmq-rcvhwm",
       "0",
       [](const FlagsResult& r) { return zmq_of(r).rcvhwm == 0; },
       {"--backend=zmq"}},
      {"zmq-curve-secret-key-file",
       "/etc/signalmesh/pod0.key",
       [](const FlagsResult& r) {
         return zmq_of(r).curve_secret_key_file == "/etc/signalmesh/pod0.key";
       },
       {"--backend=zmq"}},
      {"zmq-curve-public-key-file",
       "/etc/signalmesh/pod0.pub",
       [](const FlagsResult& r) {
         return zmq_of(r).curve_public_key_file == "/etc/signalmesh/pod0.pub";
       },
       {"--backend=zmq"}},
      {"zmq-curve-peer-keys",
       "keys/pod1.pub, keys/pod2.pub",
       [](const FlagsResult& r) {
         return zmq_of(r).curve_peer_keys ==
                std::vector<std::string>{"keys/pod1.pub", "keys/pod2.pub"};
       },
       {"--backend=zmq"}},
  };
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
  EXPECT_EQ(r.config.log_format, LogFormat::kText);
  EXPECT_EQ(r.config.drain_timeout_ms, d.drain_timeout_ms);
  EXPECT_EQ(r.config.limits.max_message_bytes, d.limits.max_message_bytes);
  EXPECT_EQ(r.config.limits.rate_per_second, d.limits.rate_per_second);
  ASSERT_NE(r.backend_settings, nullptr);
  EXPECT_EQ(redis_of(parse({"--backend=redis"})).url, RedisSettings().url);
  EXPECT_TRUE(zmq_of(parse({"--backend=zmq"})).peers.empty());
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
    EXPECT_TRUE(c.landed(r)) << c.flag;
  }
}

TEST(Flags, EveryFlagIsReadFromTheCommandLineAsFlagEqualsValue) {
  for (const auto& c : good_cases()) {
    const auto r = parse(with_companions(c, {"--" + c.flag + "=" + c.value}));
    ASSERT_EQ(r.kind, FlagsResult::kRun) << c.flag << ": " << r.text;
    EXPECT_TRUE(c.landed(r)) << c.flag;
  }
}

TEST(Flags, EveryFlagIsReadFromItsEnvironmentVariable) {
  for (const auto& c : good_cases()) {
    const auto r = parse(c.with, {{env_of(c.flag), c.value}});
    ASSERT_EQ(r.kind, FlagsResult::kRun) << c.flag << ": " << r.text;
    EXPECT_TRUE(c.landed(r)) << env_of(c.flag);
  }
}

// Every flag that can go with the others: all but one of the two token
// secret flags, and the flags of one backend at a time.
TEST(Flags, AllFlagsThatCanGoTogetherLandInOneConfig) {
  for (const std::string backend : {"redis", "zmq"}) {
    // Each secret comes from a flag or from a file, never both.
    for (const std::string without : {"-secret", "-secret-file"}) {
      std::vector<std::string> args;
      std::vector<GoodCase> used;
      for (const auto& c : good_cases()) {
        const bool other_backend = (c.flag.rfind("redis-", 0) == 0 && backend != "redis") ||
                                   (c.flag.rfind("zmq-", 0) == 0 && backend != "zmq");
        const bool left_out = c.flag == "jwt" + without || c.flag == "webhook" + without;
        if (left_out || c.flag == "backend" || other_backend) continue;
        args.push_back("--" + c.flag + "=" + c.value);
        used.push_back(c);
      }
      args.push_back("--backend=" + backend);
      const auto r = parse(args);
      ASSERT_EQ(r.kind, FlagsResult::kRun) << backend << " without --" << without << ": " << r.text;
      for (const auto& c : used) EXPECT_TRUE(c.landed(r)) << c.flag;
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
  EXPECT_EQ(redis_of(r).url, "redis://h:1/?a=b");
}

TEST(Flags, AnEmptyValueClearsTheStringsThatMayBeEmpty) {
  const auto r = parse({"--pod-id=", "--zmq-bind", "", "--zmq-peers=", "--backend=zmq"},
                       {{"SIGNALMESH_ZMQ_PEERS", "tcp://x:1"}});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.pod_id, "");
  EXPECT_EQ(zmq_of(r).bind, "");
  EXPECT_TRUE(zmq_of(r).peers.empty());
}

TEST(Flags, ZmqPeersAreSplitOnCommasWithSpacesAroundEachIgnored) {
  const auto r = parse({"--zmq-peers", " tcp://a:1 , ipc:///tmp/b ,tcp://c:3", "--backend", "zmq"});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(zmq_of(r).peers, (std::vector<std::string>{"tcp://a:1", "ipc:///tmp/b", "tcp://c:3"}));
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

}  // namespace
}  // namespace signalmesh::flags_test
