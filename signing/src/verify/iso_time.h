#pragma once

// ISO 8601 UTC ("2026-01-31T08:00:00Z"): the one time format of verification reports.

#include <chrono>
#include <ctime>
#include <string>

namespace vanthu::signing::detail {

inline std::string isoUtc(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace vanthu::signing::detail
