#pragma once

// Structured logs: one JSON object per line (or readable text), to stderr by default.
// Callers pass fields, never whole requests: secrets (passwords, tokens, keys) are not logged.

#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "vanthu/api/server_config.h"

namespace vanthu::api {

class StructuredLog {
 public:
  using Field = std::pair<std::string_view, std::string>;

  /// Writes to `sink` (borrowed; must outlive the log). Thread-safe.
  StructuredLog(std::ostream& sink, LogLevel level, LogFormat format);

  void log(LogLevel level, std::string_view event, std::initializer_list<Field> fields = {});
  void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
    log(LogLevel::Debug, event, fields);
  }
  void info(std::string_view event, std::initializer_list<Field> fields = {}) {
    log(LogLevel::Info, event, fields);
  }
  void warning(std::string_view event, std::initializer_list<Field> fields = {}) {
    log(LogLevel::Warning, event, fields);
  }
  void error(std::string_view event, std::initializer_list<Field> fields = {}) {
    log(LogLevel::Error, event, fields);
  }

 private:
  std::ostream& sink_;
  LogLevel level_;
  LogFormat format_;
  std::mutex mutex_;
};

}  // namespace vanthu::api
