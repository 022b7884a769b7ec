#pragma once

// ISO 8601 UTC ("2026-01-31T08:00:00Z"): the one time format of verification reports.

#include <chrono>
#include <ctime>
#include <string>

namespace vanthu::signing::detail {

/// system_clock::from_time_t without its overflow: a clock of nanoseconds ends in 2262, and
/// certificates valid "until 9999-12-31" (RFC 5280 4.1.2.5) exist. Later times saturate.
inline std::chrono::system_clock::time_point timePointFromTimeT(std::time_t seconds) {
  using std::chrono::system_clock;
  constexpr auto kLast =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::max()).count() - 1;
  constexpr auto kFirst = -kLast;
  if (seconds > kLast) return system_clock::time_point::max();
  if (seconds < kFirst) return system_clock::time_point::min();
  return system_clock::from_time_t(seconds);
}

inline std::string isoUtc(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace vanthu::signing::detail
