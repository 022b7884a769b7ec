#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <sstream>

#include "vanthu/api/structured_log.h"

namespace vanthu::api {
namespace {

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warning:
      return "warning";
    case LogLevel::Error:
      return "error";
    case LogLevel::Unknown:
      break;
  }
  return "info";
}

}  // namespace

StructuredLog::StructuredLog(std::ostream& sink, LogLevel level, LogFormat format)
    : sink_(sink), level_(level), format_(format) {}

void StructuredLog::log(LogLevel level, std::string_view event,
                        std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < static_cast<int>(level_)) return;
  std::string time = Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%s%z");
  std::ostringstream line;
  if (format_ == LogFormat::Text) {
    line << time << ' ' << levelName(level) << ' ' << event;
    for (const auto& [key, value] : fields) line << ' ' << key << '=' << value;
  } else {
    Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
    object.set("ts", time);
    object.set("level", levelName(level));
    object.set("event", std::string(event));
    for (const auto& [key, value] : fields) object.set(std::string(key), value);
    object.stringify(line);
  }
  line << '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  sink_ << line.str() << std::flush;
}

}  // namespace vanthu::api
