// Minimal leveled logging to stderr. Hot paths log at debug only, and the
// level check happens before any formatting.
#pragma once

#include <sstream>

#include "signalmesh/config.hpp"

namespace signalmesh::log {

void set_level(LogLevel level);
bool enabled(LogLevel level);
void write(LogLevel level, const std::string& line);

}  // namespace signalmesh::log

#define SM_LOG(level, expr)                                  \
  do {                                                       \
    if (::signalmesh::log::enabled(level)) {                 \
      std::ostringstream sm_log_stream_;                     \
      sm_log_stream_ << expr;                                \
      ::signalmesh::log::write(level, sm_log_stream_.str()); \
    }                                                        \
  } while (0)
#define SM_ERROR(expr) SM_LOG(::signalmesh::LogLevel::kError, expr)
#define SM_WARN(expr) SM_LOG(::signalmesh::LogLevel::kWarn, expr)
#define SM_INFO(expr) SM_LOG(::signalmesh::LogLevel::kInfo, expr)
#define SM_DEBUG(expr) SM_LOG(::signalmesh::LogLevel::kDebug, expr)
