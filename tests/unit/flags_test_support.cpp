#include "flags_test_support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <fstream>

namespace signalmesh::flags_test {

FlagsResult parse(const std::vector<std::string>& args, const Env& env) {
  std::vector<const char*> argv = {"signalmesh"};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return parse_flags(static_cast<int>(argv.size() - 1), argv.data(), [&env](const char* name) {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

std::string env_of(const std::string& flag) {
  std::string env = "SIGNALMESH_";
  for (char c : flag) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

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

std::string config_file(const std::string& text, const std::string& name) {
  static int files = 0;
  const std::string path = ::testing::TempDir() + "signalmesh-flags-" + std::to_string(::getpid()) +
                           "-" +
                           (name.empty() ? "settings-" + std::to_string(++files) + ".toml" : name);
  std::ofstream(path) << text;
  return path;
}

const RedisSettings& redis_of(const FlagsResult& r) {
  return dynamic_cast<const RedisSettings&>(*r.backend_settings);
}

const ZmqSettings& zmq_of(const FlagsResult& r) {
  return dynamic_cast<const ZmqSettings&>(*r.backend_settings);
}

}  // namespace signalmesh::flags_test
