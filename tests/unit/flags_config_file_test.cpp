// --config FILE: every kind of key and value, the precedence (command line,
// environment, file, default), and every kind of mistake in a file: one
// line naming the file, the line and the key.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "flags_test_support.hpp"

namespace signalmesh::flags_test {
namespace {

void expect_error(const FlagsResult& r, const std::vector<std::string>& mentions) {
  ASSERT_EQ(r.kind, FlagsResult::kError) << "accepted";
  EXPECT_EQ(r.text.find('\n'), std::string::npos) << r.text;
  for (const auto& m : mentions)
    EXPECT_NE(r.text.find(m), std::string::npos) << m << ": " << r.text;
}

TEST(ConfigFile, KeysAreFlagNamesOrSectionKeysAndListsAreArraysOrCommas) {
  const std::string file = config_file(R"(# a comment line
port = 9001
host = "127.0.0.1"   # a comment after a value
pod_id = 'pod-7'
max-message-bytes = 1024
max-buffered-bytes = 4096
rate-per-second = 12.5
allowed-origins = ["https://a.example.com", "https://*.b.example"]
turn-uris = "stun:s.example:3478, stun:t.example:3478"
backend = "zmq"
store = "none"
[zmq]
bind = "tcp://0.0.0.0:7001"
peers = ["tcp://a:7001",
         "tcp://b:7001"]
sndhwm = 500
)");
  const auto r = parse({"--config", file});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(r.config.port, 9001);
  EXPECT_EQ(r.config.host, "127.0.0.1");
  EXPECT_EQ(r.config.pod_id, "pod-7");
  EXPECT_EQ(r.config.limits.max_message_bytes, 1024u);
  EXPECT_EQ(r.config.limits.rate_per_second, 12.5);
  EXPECT_EQ(r.config.auth.allowed_origins,
            (std::vector<std::string>{"https://a.example.com", "https://*.b.example"}));
  EXPECT_EQ(r.config.turn.uris,
            (std::vector<std::string>{"stun:s.example:3478", "stun:t.example:3478"}));
  EXPECT_EQ(r.config.backend, "zmq");
  EXPECT_EQ(zmq_of(r).bind, "tcp://0.0.0.0:7001");
  EXPECT_EQ(zmq_of(r).peers, (std::vector<std::string>{"tcp://a:7001", "tcp://b:7001"}));
  EXPECT_EQ(zmq_of(r).sndhwm, 500u);
}

TEST(ConfigFile, TheCommandLineBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault) {
  const std::string file = config_file("port = 1001\nhost = \"127.0.0.1\"\nmax-room-members = 3\n");
  const Env env = {{"SIGNALMESH_PORT", "1002"}, {"SIGNALMESH_HOST", "::1"}};
  const auto r = parse({"--config", file, "--port", "1003"}, env);
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, 1003) << "command line over environment and file";
  EXPECT_EQ(r.config.host, "::1") << "environment over file";
  EXPECT_EQ(r.config.limits.max_room_members, 3u) << "file over default";
  EXPECT_EQ(r.config.limits.max_connections, Config().limits.max_connections) << "default";
  // The file itself may come from the environment; the command line's wins.
  const auto by_env = parse({}, {{"SIGNALMESH_CONFIG", file}});
  ASSERT_EQ(by_env.kind, FlagsResult::kRun) << by_env.text;
  EXPECT_EQ(by_env.config.port, 1001);
  const std::string other = config_file("port = 2001\n");
  EXPECT_EQ(parse({"--config", other}, {{"SIGNALMESH_CONFIG", file}}).config.port, 2001);
}

TEST(ConfigFile, ABadValueNamesTheFileTheLineTheKeyAndWhatItAccepts) {
  const std::string file = config_file("host = \"127.0.0.1\"\n\nport = 70000\n");
  const auto r = parse({"--config", file});
  expect_error(r, {file + ":3: port '70000' is not valid: expected an integer 0-65535"});
  // Overridden by the environment or the command line, it is never used.
  EXPECT_EQ(parse({"--config", file}, {{"SIGNALMESH_PORT", "5"}}).kind, FlagsResult::kRun);
  EXPECT_EQ(parse({"--config", file, "--port=6"}).config.port, 6);
}

TEST(ConfigFile, AnUnknownKeyIsAnErrorWithTheClosestFlag) {
  const std::string file = config_file("port = 1\nmax-room-member = 3\n");
  expect_error(parse({"--config", file}),
               {file + ":2: unknown setting 'max-room-member'", "did you mean max-room-members?"});
  const std::string section = config_file("[redis]\nurl = \"redis://h:1\"\nuri = \"x\"\n");
  expect_error(parse({"--config", section}), {section + ":3: unknown setting 'redis-uri'"});
  const std::string garbage = config_file("this is not a setting\n");
  expect_error(parse({"--config", garbage}), {"unknown setting 'this is not a setting'"});
}

TEST(ConfigFile, AListForASingleValueIsAnError) {
  const std::string file = config_file("host = [\"127.0.0.1\", \"::1\"]\n");
  expect_error(parse({"--config", file}), {file + ":1: host takes one value, not a list"});
}

TEST(ConfigFile, AValueTheCommentCharacterWouldCutIsAnError) {
  // CLI11 2.1 cuts a value at '#' even inside quotes: a secret "a#b" would
  // silently become '"a'.
  const std::string quoted = config_file("jwt-secret = \"abc#def\"\n");
  expect_error(parse({"--config", quoted}), {quoted + ":1: a '#' inside a quoted value"});
  const std::string glued = config_file("pod-id = pod#7\n");
  expect_error(parse({"--config", glued}), {glued + ":1: a '#' inside a value"});
}

TEST(ConfigFile, AnUnreadableFileIsAnErrorWhereverItIsNamed) {
  const std::string missing = ::testing::TempDir() + "no-such-signalmesh-config.toml";
  expect_error(parse({"--config", missing}), {"cannot read the config file", missing});
  expect_error(parse({}, {{"SIGNALMESH_CONFIG", missing}}), {"cannot read the config file"});
  expect_error(parse({"--config"}), {"--config needs a value"});
}

TEST(ConfigFile, AFileCannotNameAnotherFile) {
  const std::string file = config_file("config = \"other.toml\"\n");
  expect_error(parse({"--config", file}), {file + ":1: a config file cannot name another one"});
}

TEST(ConfigFile, CombinationsNameTheFileAndTheLine) {
  const std::string file = config_file("port = 1\nredis-url = \"redis://h:1\"\n");
  expect_error(parse({"--config", file}),
               {"redis-url in " + file + ":2 is set but the backend is local (the default)"});
  EXPECT_EQ(parse({"--config", file, "--backend", "redis"}).kind, FlagsResult::kRun);
}

TEST(ConfigFile, AnIniFileIsReadAsIni) {
  const std::string file = config_file(
      "; INI comments start with a semicolon\nport = 9002\n"
      "allowed-origins = https://a.example.com https://b.example.com\n"
      "[redis]\nurl = redis://h:1\nbackend = redis\n",
      "pod.ini");
  const auto r = parse({"--config", file, "--backend", "redis"});
  ASSERT_EQ(r.kind, FlagsResult::kError) << "redis-backend is no setting";
  const std::string good = config_file(
      "; INI\nport = 9002\nbackend = redis\n"
      "allowed-origins = https://a.example.com https://b.example.com\n"
      "[redis]\nurl = redis://h:1\n",
      "pod2.ini");
  const auto ok = parse({"--config", good});
  ASSERT_EQ(ok.kind, FlagsResult::kRun) << ok.text;
  EXPECT_EQ(ok.config.port, 9002);
  EXPECT_EQ(ok.config.auth.allowed_origins,
            (std::vector<std::string>{"https://a.example.com", "https://b.example.com"}));
  EXPECT_EQ(redis_of(ok).url, "redis://h:1");
}

TEST(ConfigFile, AnEmptyFileChangesNothing) {
  const auto r = parse({"--config", config_file("")});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.port, Config().port);
}

TEST(ConfigFile, TheExampleOfTheClusterFolderIsAValidFile) {
  // Its key files do not exist here: the flags only name them (the zmq
  // backend reads them at start).
  const std::string example =
      std::string(SIGNALMESH_SOURCE_DIR) + "/cluster/config/pod.toml.example";
  const auto r = parse({"--config", example, "--jwt-secret-file", secret_file()});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.backend, "zmq");
  EXPECT_EQ(zmq_of(r).peers.size(), 2u);
  EXPECT_TRUE(r.config.turn.secrets.empty());
}

TEST(ConfigFile, HelpNamesTheConfigFlagAndItsPrecedence) {
  const std::string help = flags_help();
  EXPECT_NE(help.find("  --config FILE  (env SIGNALMESH_CONFIG, default \"\")"), std::string::npos);
  EXPECT_NE(help.find("which beats the file"), std::string::npos);
  expect_error(parse({"--confg", "x"}), {"unknown flag '--confg'", "did you mean --config?"});
}

// The README's flag table lists exactly the flags --help lists, in order.
TEST(Readme, TheFlagTableListsEveryFlag) {
  std::ifstream in(std::string(SIGNALMESH_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in);
  std::vector<std::string> listed;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `--", 0) != 0) continue;
    const auto end = line.find_first_of(" `", 3);
    listed.push_back(line.substr(3, end - 3));
  }
  std::vector<std::string> flags;
  for (const auto& info : flag_infos()) flags.push_back(info.name);
  EXPECT_EQ(listed, flags);
}

TEST(Readme, TheConfigFileExampleIsAValidFile) {
  std::ifstream in(std::string(SIGNALMESH_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in);
  std::string toml;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (inside && line == "```") break;
    if (inside) toml += line + "\n";
    if (line == "```toml") inside = true;
  }
  ASSERT_FALSE(toml.empty()) << "no ```toml block in the README";
  const auto r = parse({"--config", config_file(toml)});
  ASSERT_EQ(r.kind, FlagsResult::kRun) << r.text;
  EXPECT_EQ(r.config.backend, "zmq");
  EXPECT_EQ(r.config.limits.max_room_members, 50u);
  EXPECT_EQ(zmq_of(r).peers.size(), 2u);
}

}  // namespace
}  // namespace signalmesh::flags_test
