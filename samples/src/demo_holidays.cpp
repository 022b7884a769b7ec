#include "vanthu/demo/demo_holidays.h"

#include <map>
#include <string>

namespace vanthu::demo {
namespace {

constexpr std::string_view kHeading = "scope,date,kind,name";

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

}  // namespace

Result<std::vector<workflow::CalendarDay>> parseHolidayCsv(std::string_view text) {
  std::vector<workflow::CalendarDay> entries;
  bool headingSeen = false;
  int lineNumber = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = trimmed(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++lineNumber;
    if (line.empty() || line.front() == '#') continue;
    const std::string where = "holiday CSV line " + std::to_string(lineNumber);
    if (!headingSeen) {
      if (line != kHeading) {
        return Status::invalidArgument(where + ": the heading must be " + std::string(kHeading));
      }
      headingSeen = true;
      continue;
    }
    std::string_view fields[3];
    for (auto& field : fields) {
      auto comma = line.find(',');
      if (comma == std::string_view::npos) {
        return Status::invalidArgument(where + ": expected scope,date,kind,name");
      }
      field = trimmed(line.substr(0, comma));
      line.remove_prefix(comma + 1);
    }
    workflow::CalendarDay day;
    day.organisationId = fields[0] == "national" ? "" : std::string(fields[0]);
    day.date = std::string(fields[1]);
    if (fields[2] != "day_off" && fields[2] != "worked") {
      return Status::invalidArgument(where + ": kind must be day_off or worked");
    }
    day.workedInstead = fields[2] == "worked";
    day.name = std::string(trimmed(line));
    if (fields[0].empty()) return Status::invalidArgument(where + ": no scope");
    entries.push_back(std::move(day));
  }
  if (!headingSeen) return Status::invalidArgument("the holiday CSV has no heading");
  std::map<std::string, std::vector<workflow::CalendarDay>> byScope;
  for (const auto& entry : entries) byScope[entry.organisationId].push_back(entry);
  for (const auto& [scope, days] : byScope) {
    if (auto invalid = workflow::validateCalendarDays(days); !invalid) {
      return Status::invalidArgument("holiday CSV, scope " +
                                     (scope.empty() ? std::string("national") : scope) + ": " +
                                     invalid.message());
    }
  }
  return entries;
}

std::vector<workflow::CalendarDay> vietnamHolidays() {
  auto parsed = parseHolidayCsv(vietnamHolidayCsv());
  if (!parsed) throw Error(parsed.status().code(), parsed.status().message());
  return parsed.value();
}

}  // namespace vanthu::demo
