#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <string>
#include <string_view>

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

// The length of the well-formed UTF-8 sequence at text[at], or 0 when the bytes there are not one.
size_t utf8SequenceLength(std::string_view text, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  size_t length = lead < 0x80           ? 1
                  : (lead >> 5) == 0x6  ? 2
                  : (lead >> 4) == 0xE  ? 3
                  : (lead >> 3) == 0x1E ? 4
                                        : 0;
  if (length == 0 || at + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

// A JSON string of `text`: quotes, backslashes and control characters escaped, bytes that are not
// UTF-8 (a raw request path can carry any) replaced by U+FFFD so that every line stays JSON.
// Written by hand: a Poco::JSON::Object per log line was a tenth of a small request's time.
void appendJsonString(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (size_t at = 0; at < text.size();) {
    char c = text[at];
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      out += "\\u00";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else if (byte >= 0x80) {
      size_t length = utf8SequenceLength(text, at);
      if (length == 0) {
        out += "\\ufffd";
        ++at;
        continue;
      }
      out.append(text.substr(at, length));
      at += length;
      continue;
    } else {
      out += c;
    }
    ++at;
  }
  out += '"';
}

}  // namespace

StructuredLog::StructuredLog(std::ostream& sink, LogLevel level, LogFormat format)
    : sink_(sink), level_(level), format_(format) {}

void StructuredLog::log(LogLevel level, std::string_view event,
                        std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < static_cast<int>(level_)) return;
  std::string time = Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%s%z");
  std::string line;
  line.reserve(256);
  if (format_ == LogFormat::Text) {
    line += time + ' ' + levelName(level) + ' ';
    line += event;
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      line += value;
    }
  } else {
    line += "{\"ts\":";
    appendJsonString(line, time);
    line += ",\"level\":";
    appendJsonString(line, levelName(level));
    line += ",\"event\":";
    appendJsonString(line, event);
    for (const auto& [key, value] : fields) {
      line += ',';
      appendJsonString(line, key);
      line += ':';
      appendJsonString(line, value);
    }
    line += '}';
  }
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  sink_ << line << std::flush;
}

}  // namespace vanthu::api
