// Combinations: values each valid, but together doing nothing or something
// else than asked. Refused with one line, or accepted with a warning.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "flags_test_support.hpp"

namespace signalmesh::flags_test {
namespace {

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
            "--zmq-curve-peer-keys", "p1.pub,p2.pub", "--store", "postgres://sm@db/sm"},
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
  expect_refused(parse({"--webhook-secret", "x", "--webhook-secret-file", file}),
                 {"--webhook-secret and --webhook-secret-file", "only one"});
  expect_refused(parse({"--webhook-url", "http://127.0.0.1:9/h"}),
                 {"--webhook-url", "needs a secret", "SIGNALMESH_WEBHOOK_SECRET"});
  EXPECT_EQ(
      parse({"--webhook-url", "http://127.0.0.1:9/h"}, {{"SIGNALMESH_WEBHOOK_SECRET", "x"}}).kind,
      FlagsResult::kRun);
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
  const auto zmq = parse({"--backend", "zmq", "--zmq-peers", "tcp://a:1", "--store", "none"});
  ASSERT_EQ(zmq.kind, FlagsResult::kRun) << zmq.text;
  EXPECT_TRUE(zmq.warnings.empty());
  // An empty list or path is the same as leaving the flag out.
  const auto r = parse({"--backend", "redis", "--zmq-peers=", "--zmq-curve-secret-key-file="},
                       {{"SIGNALMESH_ZMQ_BIND", ""}});
  EXPECT_EQ(r.kind, FlagsResult::kRun) << r.text;
}

TEST(FlagCombinations, TheMeshWithoutPeersIsAWarning) {
  expect_one_warning(
      parse({"--backend", "zmq", "--zmq-bind", "tcp://0.0.0.0:7001", "--store", "none"}),
      {"--zmq-peers"});
}

TEST(FlagCombinations, TheMeshWithoutAStoreIsAWarningAndSqliteIsRefusedForClusters) {
  expect_one_warning(parse({"--backend", "zmq", "--zmq-peers", "tcp://a:1"}),
                     {"no --store", "postgres://"});
  expect_refused(parse({"--backend", "redis", "--store", "sqlite:x.db"}),
                 {"--store", "SQLite", "redis"});
  expect_refused(parse({"--backend", "zmq", "--zmq-peers", "tcp://a:1", "--rooms", "api"}),
                 {"--rooms api", "none"});
  const auto local = parse({});
  EXPECT_EQ(local.config.store.url, "sqlite:signalmesh.db");
  const auto redis = parse({"--backend", "redis", "--redis-url", "redis://10.0.0.1:6390"});
  EXPECT_EQ(redis.config.store.url, "redis://10.0.0.1:6390");
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

}  // namespace
}  // namespace signalmesh::flags_test
