// Leveled logging to stderr, on spdlog. Hot paths log at debug only, and the
// level check happens before any formatting.
//
// Two formats (--log-format, docs/operations.md "Logs"):
//   text  2026-01-02T03:04:05.678Z info peer admitted event=admitted room=r1 peer=alice conn=7
//   json  {"time":"2026-01-02T03:04:05.678Z","level":"info","msg":"peer admitted",
//          "pod":"pod0","event":"admitted","room":"r1","peer":"alice","conn":7}
// A json line is always one valid JSON object: strings are escaped, control
// characters included, and bytes that are not UTF-8 become U+FFFD. A text
// line is today's `TIME LEVEL MESSAGE`, then ` key=value` per field; a value
// with a space, quote, `=`, control or non-ASCII byte is written quoted and
// escaped like a JSON string.
//
// Audit events (SM_AUDIT) carry an `event` field and their subject's ids:
// never a token, a secret, a query string or a message body.
#pragma once

#include <charconv>
#include <chrono>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "signalmesh/config.hpp"

namespace signalmesh::log {

// One `key=value` of a line. The key is a literal other than time, level,
// msg and pod; a string value is viewed, not copied, so it must outlive the
// call that writes the line (a temporary of the same expression does). A
// field whose string is empty is left out of the line.
class Field {
 public:
  Field(const char* key, std::string_view value) : key_(key), text_(value) {}
  Field(const char* key, const std::string& value) : Field(key, std::string_view(value)) {}
  Field(const char* key, const char* value)
      : Field(key, value != nullptr ? std::string_view(value) : std::string_view()) {}
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  Field(const char* key, T value) : key_(key), number_(true) {
    number_size_ = static_cast<unsigned char>(
        std::to_chars(number_buf_, number_buf_ + sizeof number_buf_, value).ptr - number_buf_);
  }
  Field(const Field&) = delete;
  Field& operator=(const Field&) = delete;

  const char* key() const { return key_; }
  // The value as text: a string's bytes, a number's digits.
  std::string_view text() const {
    return number_ ? std::string_view(number_buf_, number_size_) : text_;
  }
  // Numbers are bare JSON numbers, strings are JSON strings.
  bool is_number() const { return number_; }

 private:
  const char* key_;
  std::string_view text_;
  bool number_ = false;
  unsigned char number_size_ = 0;
  char number_buf_[24] = {};
};
using Fields = std::initializer_list<Field>;

void set_level(LogLevel level);
bool enabled(LogLevel level);
// Process-wide, like the level; text until set.
void set_format(LogFormat format);
LogFormat format();
// The `pod` of every json line (empty until set).
void set_pod(std::string pod_id);
// "error", "warn", "info" or "debug".
const char* level_name(LogLevel level);

// Writes one line (callers check enabled() first; the macros do).
void write(LogLevel level, std::string_view message, Fields fields = {});

// The line `write` would emit at `time`, newline included, with `pod`
// instead of the process's: for tests, through the same spdlog formatter.
std::string format_line(LogFormat format, LogLevel level,
                        std::chrono::system_clock::time_point time, std::string_view message,
                        std::string_view pod, Fields fields = {});

}  // namespace signalmesh::log

#define SM_LOG_FIELDS(level, expr, ...)                                     \
  do {                                                                      \
    if (::signalmesh::log::enabled(level)) {                                \
      std::ostringstream sm_log_stream_;                                    \
      sm_log_stream_ << expr;                                               \
      ::signalmesh::log::write(level, sm_log_stream_.str(), {__VA_ARGS__}); \
    }                                                                       \
  } while (0)
#define SM_LOG(level, expr) SM_LOG_FIELDS(level, expr, )
#define SM_ERROR(expr) SM_LOG(::signalmesh::LogLevel::kError, expr)
#define SM_WARN(expr) SM_LOG(::signalmesh::LogLevel::kWarn, expr)
#define SM_INFO(expr) SM_LOG(::signalmesh::LogLevel::kInfo, expr)
#define SM_DEBUG(expr) SM_LOG(::signalmesh::LogLevel::kDebug, expr)
// An audit event at `level`: `event` (a literal such as "admitted") becomes
// the first field, then the given fields: {"room", id}, {"code", 4010}.
#define SM_EVENT(level, event, expr, ...) SM_LOG_FIELDS(level, expr, {"event", event}, __VA_ARGS__)
#define SM_AUDIT(event, expr, ...) SM_EVENT(::signalmesh::LogLevel::kInfo, event, expr, __VA_ARGS__)
