#include "vanthu/workflow/deadlines.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace vanthu::workflow {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian
// calendar, no time zone and no C library clock involved.
int daysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// 1970-01-01 was a Thursday; 0 = Monday .. 6 = Sunday.
int weekday(int days) {
  return ((days % 7) + 7 + 3) % 7;
}

DashboardCounts count(const std::vector<DeadlineItem>& items, std::string_view today,
                      int dueSoonDays, bool (*mine)(const DeadlineItem&, std::string_view),
                      std::string_view who) {
  DashboardCounts counts;
  for (const auto& item : items) {
    if (!item.open || !mine(item, who)) continue;
    ++counts.pending;
    switch (classifyDeadline(item.dueDate, today, dueSoonDays)) {
      case DeadlineStatus::Overdue:
        ++counts.overdue;
        break;
      case DeadlineStatus::DueSoon:
        ++counts.dueSoon;
        break;
      case DeadlineStatus::OnTime:
      case DeadlineStatus::NoDeadline:
        break;
    }
  }
  return counts;
}

}  // namespace

std::optional<int> isoDateToDays(std::string_view isoDate) {
  if (isoDate.size() != 10 || isoDate[4] != '-' || isoDate[7] != '-') return std::nullopt;
  auto number = [&](size_t from, size_t length) {
    int value = 0;
    for (size_t i = from; i < from + length; ++i) {
      if (isoDate[i] < '0' || isoDate[i] > '9') return -1;
      value = value * 10 + (isoDate[i] - '0');
    }
    return value;
  };
  int y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return std::nullopt;
  return daysFromCivil(y, m, d);
}

std::string daysToIsoDate(int days) {
  int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp + (mp < 10 ? 3 : -9);
  const int y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
  return text;
}

bool isWorkingDay(std::string_view isoDate, const std::vector<std::string>& holidays) {
  return WorkingCalendar{holidays, {}}.isWorkingDay(isoDate);
}

Result<std::string> addWorkingDays(std::string_view startDate, int workingDays,
                                   const std::vector<std::string>& holidays) {
  return WorkingCalendar{holidays, {}}.addWorkingDays(startDate, workingDays);
}

bool WorkingCalendar::isWorkingDay(std::string_view isoDate) const {
  auto days = isoDateToDays(isoDate);
  if (!days) return false;
  auto listed = [&](const std::vector<std::string>& dates) {
    return std::find(dates.begin(), dates.end(), isoDate) != dates.end();
  };
  if (listed(daysOff)) return false;
  return weekday(*days) < 5 || listed(extraWorkingDays);
}

Result<std::string> WorkingCalendar::addWorkingDays(std::string_view startDate,
                                                    int workingDays) const {
  auto start = isoDateToDays(startDate);
  if (!start) return Status::invalidArgument("'" + std::string(startDate) + "' is not a date");
  if (workingDays < 0) {
    return Status::invalidArgument("a deadline is a number of working days from 0, not " +
                                   std::to_string(workingDays));
  }
  for (const auto& holiday : daysOff) {
    if (!isoDateToDays(holiday)) {
      return Status::invalidArgument("holiday '" + holiday + "' is not a date");
    }
  }
  for (const auto& worked : extraWorkingDays) {
    if (!isoDateToDays(worked)) {
      return Status::invalidArgument("working day '" + worked + "' is not a date");
    }
  }
  int day = *start;
  for (int counted = 0; counted < workingDays;) {
    ++day;
    if (isWorkingDay(daysToIsoDate(day))) ++counted;
  }
  return daysToIsoDate(day);
}

Status validateCalendarDays(const std::vector<CalendarDay>& entries) {
  std::set<std::string> seen;
  for (const auto& entry : entries) {
    auto days = isoDateToDays(entry.date);
    if (!days) return Status::invalidArgument("'" + entry.date + "' is not a date (YYYY-MM-DD)");
    if (entry.name.empty())
      return Status::invalidArgument("the day " + entry.date + " has no name");
    if (!seen.insert(entry.date).second) {
      return Status::invalidArgument("the day " + entry.date + " is listed twice");
    }
    if (entry.workedInstead && weekday(*days) < 5) {
      return Status::invalidArgument("the day " + entry.date +
                                     " is worked instead of a day off, so it must be a Saturday "
                                     "or a Sunday");
    }
  }
  return Status::ok();
}

WorkingCalendar workingCalendarOf(const std::vector<CalendarDay>& entries) {
  std::map<std::string, const CalendarDay*> byDate;
  for (const auto& entry : entries) {
    auto& chosen = byDate[entry.date];
    if (!chosen || (chosen->organisationId.empty() && !entry.organisationId.empty())) {
      chosen = &entry;
    }
  }
  WorkingCalendar calendar;
  for (const auto& [date, entry] : byDate) {
    (entry->workedInstead ? calendar.extraWorkingDays : calendar.daysOff).push_back(date);
  }
  return calendar;
}

std::string_view deadlineStatusName(DeadlineStatus status) {
  switch (status) {
    case DeadlineStatus::NoDeadline:
      return "none";
    case DeadlineStatus::OnTime:
      return "on_time";
    case DeadlineStatus::DueSoon:
      return "due_soon";
    case DeadlineStatus::Overdue:
      return "overdue";
  }
  return "unknown";
}

DeadlineStatus classifyDeadline(std::string_view dueDate, std::string_view today, int dueSoonDays) {
  auto due = isoDateToDays(dueDate);
  auto now = isoDateToDays(today);
  if (!due || !now) return DeadlineStatus::NoDeadline;
  if (*now > *due) return DeadlineStatus::Overdue;
  if (*due - *now <= dueSoonDays) return DeadlineStatus::DueSoon;
  return DeadlineStatus::OnTime;
}

DashboardCounts countsForUser(const std::vector<DeadlineItem>& items, std::string_view userId,
                              std::string_view today, int dueSoonDays) {
  return count(
      items, today, dueSoonDays,
      [](const DeadlineItem& item, std::string_view who) { return item.ownerUserId == who; },
      userId);
}

DashboardCounts countsForUnit(const std::vector<DeadlineItem>& items, std::string_view unitId,
                              std::string_view today, int dueSoonDays) {
  return count(
      items, today, dueSoonDays,
      [](const DeadlineItem& item, std::string_view who) { return item.unitId == who; }, unitId);
}

}  // namespace vanthu::workflow
