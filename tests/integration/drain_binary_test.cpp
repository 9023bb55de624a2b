// protocol.md §5 (1001 going-away) and §1/§7 (a draining pod answers 503),
// against the signalmesh binary itself and the embedded gateway; and the
// binary's command-line contract (bad flag: exit 2, one line).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> binary_flags(std::vector<std::string> extra) {
  std::vector<std::string> flags = {"--host", "127.0.0.1", "--port", "0", "--log-level", "error"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

// A member that never reads keeps the drain open until its deadline: it
// never answers the close frame.
void join_silent(RawWsClient& raw, const std::string& base, const std::string& room) {
  ASSERT_EQ(raw.upgrade(base, "/signal/" + room + "?peerId=silent").status, 101);
}

TEST(BinaryDrain, SigtermClosesClientsWith1001Answers503AndExitsZeroByTheDeadline) {
  constexpr int kDrainMs = 1500;
  BinaryPod pod(binary_flags(
      {"--drain-timeout-ms", std::to_string(kDrainMs), "--close-timeout-ms", "10000"}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  const std::string base = pod.url();
  const std::string room = random_id();
  EXPECT_EQ(http_get(base, "/healthz").status, 200);
  EXPECT_EQ(http_get(base, "/readyz").status, 200);

  WsClient a;
  ASSERT_TRUE(a.connect(base + "/signal/" + room + "?peerId=a").open);
  ASSERT_TRUE(a.expect_message_of_type("welcome"));
  RawWsClient silent;
  join_silent(silent, base, room);
  ASSERT_TRUE(a.expect_message_of_type("peer-joined"));

  const auto sigterm = Clock::now();
  pod.send_signal(SIGTERM);
  EXPECT_TRUE(a.expect_close(1001));
  // Still draining (silent has not answered): the pod serves but admits nobody.
  EXPECT_EQ(http_get(base, "/readyz").status, 503);
  EXPECT_EQ(http_get(base, "/healthz").status, 200);
  WsClient late;
  ConnectResult refused = late.connect(base + "/signal/" + room + "?peerId=late");
  EXPECT_FALSE(refused.open);
  EXPECT_EQ(refused.http_status, 503);
  std::optional<Frame> close = silent.read_until_close();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->close_code(), 1001);

  std::optional<int> status = pod.wait_exit(Ms(kDrainMs + 3000));
  ASSERT_TRUE(status) << "still running " << kDrainMs + 3000 << " ms after SIGTERM";
  EXPECT_EQ(*status, 0) << pod.stderr_text();
  EXPECT_LE(std::chrono::duration_cast<Ms>(Clock::now() - sigterm).count(), kDrainMs + 1000);
}

TEST(BinaryDrain, WithNoClientsSigtermExitsZeroAtOnce) {
  BinaryPod pod(binary_flags({"--drain-timeout-ms", "30000"}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  const auto sigterm = Clock::now();
  pod.send_signal(SIGTERM);
  std::optional<int> status = pod.wait_exit(Ms(5000));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0) << pod.stderr_text();
  EXPECT_LE(std::chrono::duration_cast<Ms>(Clock::now() - sigterm).count(), 2000);
}

TEST(BinaryDrain, ClientsThatAnswerTheCloseLetTheProcessExitBeforeTheDeadline) {
  BinaryPod pod(binary_flags({"--drain-timeout-ms", "30000"}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  const std::string room = random_id();
  WsClient a;
  WsClient b;
  ASSERT_TRUE(a.connect(pod.url() + "/signal/" + room + "?peerId=a").open);
  ASSERT_TRUE(b.connect(pod.url() + "/signal/" + room + "?peerId=b").open);
  ASSERT_TRUE(a.expect_message_of_type("welcome"));
  ASSERT_TRUE(b.expect_message_of_type("welcome"));
  const auto sigterm = Clock::now();
  pod.send_signal(SIGTERM);
  EXPECT_TRUE(a.expect_close(1001));
  EXPECT_TRUE(b.expect_close(1001));
  std::optional<int> status = pod.wait_exit(Ms(5000));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0) << pod.stderr_text();
  EXPECT_LE(std::chrono::duration_cast<Ms>(Clock::now() - sigterm).count(), 3000);
}

TEST(BinaryFlags, ABadFlagExitsWithCode2AndOneLineOnStderr) {
  const std::vector<std::vector<std::string>> bad = {
      {"--no-such-flag"},
      {"--port", "70000"},
      {"--port", "80a"},
      {"--port"},
      {"--backend", "carrier-pigeon"},
      {"--ping-interval-ms", "0"},
      {"--max-room-members", "-1"},
      {"--host", "not an address"},
      {"stray-argument"},
      // Values each valid that contradict each other (flags.cpp), and a
      // backend's own refusal (CURVE peer keys without this pod's secret key).
      {"--turn-secret", "s"},
      {"--turn-uris", "turn:127.0.0.1:3478"},
      {"--redis-url", "redis://127.0.0.1:6379"},
      {"--backend", "redis", "--zmq-peers", "tcp://127.0.0.1:7001"},
      {"--max-message-bytes", "2000000"},
      {"--backend", "zmq", "--zmq-bind", "tcp://127.0.0.1:0", "--zmq-curve-peer-keys", "x.pub"},
  };
  for (const auto& args : bad) {
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    SCOPED_TRACE(shown);
    BinaryPod pod(args);
    std::optional<int> status = pod.wait_exit(Ms(5000));
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, 2);
    const std::string err = pod.stderr_text();
    EXPECT_FALSE(err.empty());
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(err.back(), '\n') << err;
    EXPECT_EQ(pod.stdout_text(), "");
  }
}

TEST(BinaryFlags, AFlagWithoutEffectIsAWarningLineAtStart) {
  BinaryPod pod({"--host", "127.0.0.1", "--port", "0", "--turn-ttl", "600"});
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  const std::string err = pod.stderr_text();
  EXPECT_NE(err.find(" warn --turn-ttl has no effect without --turn-secret"), std::string::npos)
      << err;
}

// A --config file for one test: written on construction, removed after.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text)
      : path_(::testing::TempDir() + "signalmesh-binary-" + std::to_string(::getpid()) + "-" +
              random_id("config") + ".toml") {
    std::ofstream(path_) << text;
  }
  ~ConfigFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(BinaryFlags, ItStartsFromAConfigFileAndABadOneExitsWithCode2AndOneLine) {
  ConfigFile good("host = \"127.0.0.1\"\nport = 0\nlog-level = \"error\"\n");
  BinaryPod pod({"--config", good.path()});
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  EXPECT_EQ(http_get(pod.url(), "/healthz").status, 200);
  EXPECT_EQ(pod.stderr_text(), "") << "log-level error from the file: no info or warn lines";

  ConfigFile bad("host = \"127.0.0.1\"\nport = 70000\n");
  BinaryPod refused({"--config", bad.path()});
  std::optional<int> status = refused.wait_exit(Ms(5000));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 2);
  EXPECT_EQ(refused.stderr_text(), "signalmesh: " + bad.path() +
                                       ":2: port '70000' is not valid: expected an integer "
                                       "0-65535\n");
}

TEST(BinaryFlags, ItPrintsWhereItListensOnStdout) {
  BinaryPod pod(binary_flags({}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stdout_text() << pod.stderr_text();
  EXPECT_NE(pod.port(), 0);
  EXPECT_EQ(http_get(pod.url(), "/healthz").status, 200);
}

TEST(EmbeddedDrain, DrainClosesClientsWith1001AndAnswers503UntilDone) {
  Config config = test_config();
  config.drain_timeout_ms = 1000;
  config.limits.close_timeout_ms = 10000;
  InProcessPod pod(config);
  const std::string room = random_id();
  WsClient a;
  ASSERT_TRUE(a.connect(pod.url() + "/signal/" + room + "?peerId=a").open);
  ASSERT_TRUE(a.expect_message_of_type("welcome"));
  RawWsClient silent;
  join_silent(silent, pod.url(), room);
  ASSERT_TRUE(a.expect_message_of_type("peer-joined"));

  pod.drain();
  EXPECT_TRUE(a.expect_close(1001));
  EXPECT_EQ(http_get(pod.url(), "/readyz").status, 503);
  WsClient late;
  EXPECT_EQ(late.connect(pod.url() + "/signal/" + room + "?peerId=late").http_status, 503);
  EXPECT_TRUE(pod.wait_drained(Ms(3000)));
}

TEST(EmbeddedLifecycle, AGatewayStoppedRightAfterItStartedLetsItsLoopReturn) {
  // ~InProcessPod posts stop() and records a failure if io_context::run()
  // does not return: a stopped gateway must leave nothing on the loop.
  for (int i = 0; i < 2; ++i) InProcessPod pod(test_config());
}

TEST(EmbeddedLifecycle, AGatewayStoppedWithClientsConnectedLetsItsLoopReturn) {
  InProcessPod pod(test_config());
  WsClient a;
  ASSERT_TRUE(a.connect(pod.url() + "/signal/" + random_id() + "?peerId=a").open);
  ASSERT_TRUE(a.expect_message_of_type("welcome"));
  pod.run_on_loop([] {});
}

}  // namespace
}  // namespace signalmesh::test
