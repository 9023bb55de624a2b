#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace signalmesh::log {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
const char* const kNames[] = {"error", "warn", "info", "debug"};
}  // namespace

void set_level(LogLevel level) {
  g_level.store(static_cast<int>(level));
}

bool enabled(LogLevel level) {
  return static_cast<int>(level) <= g_level.load();
}

void write(LogLevel level, const std::string& line) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::fprintf(stderr, "%s.%03dZ %s %s\n", stamp, static_cast<int>(millis),
               kNames[static_cast<int>(level)], line.c_str());
}

}  // namespace signalmesh::log
