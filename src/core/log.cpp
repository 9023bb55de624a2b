// Logging on spdlog: one logger over spdlog's stderr sink (a mutex, one write
// and a flush per line), whose pattern formatter writes the time (UTC, in
// milliseconds) and the level name. The rest of the line, the message and its
// fields, is rendered here for the chosen format, with the one JSON escaper
// (text/json_text.hpp).
#include "core/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>

#include "text/json_text.hpp"

namespace signalmesh::log {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};
std::mutex g_pod_mutex;
std::string g_pod;  // guarded by g_pod_mutex

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kDebug:
      break;
  }
  return spdlog::level::debug;
}

// %* in the patterns: our level names ("warn", where spdlog's %l says
// "warning"), the same as --log-level's.
class LevelName final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const LogLevel level = msg.level == spdlog::level::err    ? LogLevel::kError
                           : msg.level == spdlog::level::warn ? LogLevel::kWarn
                           : msg.level == spdlog::level::info ? LogLevel::kInfo
                                                              : LogLevel::kDebug;
    const std::string_view name = level_name(level);
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelName>();
  }
};

// The time and the level; %v is the payload below. The text pattern is the
// line signalmesh wrote before spdlog, byte for byte.
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %* %v";
constexpr const char* kJsonPattern = R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%*",%v})";

std::unique_ptr<spdlog::formatter> make_formatter(LogFormat format) {
  auto formatter =
      std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc, "\n");
  formatter->add_flag<LevelName>('*');
  formatter->set_pattern(format == LogFormat::kJson ? kJsonPattern : kTextPattern);
  return formatter;
}

spdlog::logger& logger() {
  // Never destroyed: a static destructor may still log at exit.
  static spdlog::logger* const instance = [] {
    auto* made =
        new spdlog::logger("signalmesh", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    made->set_level(spdlog::level::trace);  // enabled() has decided already
    made->set_formatter(make_formatter(LogFormat::kText));
    // A stderr that fails loses the line; it never stops the process, and
    // spdlog's own complaint would not be a json line.
    made->set_error_handler([](const std::string&) {});
    return made;
  }();
  return *instance;
}

// Whether a text value must be quoted to stay one token of the line.
bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '"' || c == '=' || c >= 0x7F) return true;
  }
  return false;
}

// An empty string says nothing (no peerId yet, no previous host).
bool omitted(const Field& field) {
  return !field.is_number() && field.text().empty();
}

// Everything after the level: `MESSAGE key=value...` or the json object's
// `"msg":...,"pod":...,"key":value...}` without its closing brace (the
// pattern has it).
void append_payload(std::string& out, LogFormat format, std::string_view message,
                    std::string_view pod, Fields fields) {
  if (format == LogFormat::kJson) {
    out += "\"msg\":";
    text::append_json_string(out, message);
    out += ",\"pod\":";
    text::append_json_string(out, pod);
    for (const Field& field : fields) {
      if (omitted(field)) continue;
      out += ',';
      text::append_json_string(out, field.key());
      out += ':';
      if (field.is_number()) {
        out += field.text();
      } else {
        text::append_json_string(out, field.text());
      }
    }
    return;
  }
  out += message;
  for (const Field& field : fields) {
    if (omitted(field)) continue;
    out += ' ';
    out += field.key();
    out += '=';
    if (!field.is_number() && needs_quotes(field.text())) {
      text::append_json_string(out, field.text());
    } else {
      out += field.text();
    }
  }
}

}  // namespace

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      break;
  }
  return "debug";
}

void set_level(LogLevel level) {
  g_level.store(static_cast<int>(level));
}

bool enabled(LogLevel level) {
  return static_cast<int>(level) <= g_level.load();
}

void set_format(LogFormat format) {
  logger().set_formatter(make_formatter(format));
  g_format.store(static_cast<int>(format));
}

LogFormat format() {
  return static_cast<LogFormat>(g_format.load());
}

void set_pod(std::string pod_id) {
  std::lock_guard<std::mutex> lock(g_pod_mutex);
  g_pod = std::move(pod_id);
}

void write(LogLevel level, std::string_view message, Fields fields) {
  const LogFormat current = format();
  std::string payload;
  payload.reserve(message.size() + 96);
  if (current == LogFormat::kJson) {
    std::lock_guard<std::mutex> lock(g_pod_mutex);
    append_payload(payload, current, message, g_pod, fields);
  } else {
    append_payload(payload, current, message, {}, fields);
  }
  logger().log(to_spdlog(level), spdlog::string_view_t(payload.data(), payload.size()));
}

std::string format_line(LogFormat format, LogLevel level,
                        std::chrono::system_clock::time_point time, std::string_view message,
                        std::string_view pod, Fields fields) {
  std::string payload;
  append_payload(payload, format, message, pod, fields);
  const spdlog::details::log_msg msg(time, spdlog::source_loc{}, "signalmesh", to_spdlog(level),
                                     spdlog::string_view_t(payload.data(), payload.size()));
  spdlog::memory_buf_t line;
  make_formatter(format)->format(msg, line);
  return std::string(line.data(), line.size());
}

}  // namespace signalmesh::log
