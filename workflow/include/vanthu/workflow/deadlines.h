#pragma once

// Deadlines (DESIGN §2): due dates counted in working days, and how lists and the dashboard
// flag them. Dates are ISO 8601 calendar dates ("2026-12-31") in the organisation's time zone;
// the caller says what today is and which days are public holidays (they move every year: Tết
// follows the lunar calendar, and the government moves working days around them).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

/// Days since 1970-01-01 of an ISO date "YYYY-MM-DD", if it is a real date (years 1900-9999).
std::optional<int> isoDateToDays(std::string_view isoDate);
/// The ISO date of a day count from isoDateToDays().
std::string daysToIsoDate(int days);

/// Monday to Friday and not among `holidays` (ISO dates).
bool isWorkingDay(std::string_view isoDate, const std::vector<std::string>& holidays);

/// The date `workingDays` working days after `startDate` (the start itself is not counted; 0
/// gives the start). InvalidArgument for a malformed date, a malformed holiday or a negative
/// count.
Result<std::string> addWorkingDays(std::string_view startDate, int workingDays,
                                   const std::vector<std::string>& holidays);

/// Which days are worked: Monday to Friday, less the days off (public holidays, and the days the
/// government bridges to them), plus the weekend days it makes working days instead (ngày làm
/// bù). The free functions above are this calendar with no extra working days.
struct WorkingCalendar {
  std::vector<std::string> daysOff;           ///< ISO dates
  std::vector<std::string> extraWorkingDays;  ///< ISO dates of weekend days worked

  /// A day off is never worked, even on a weekday; an extra working day is worked even on a
  /// weekend; the rest is Monday to Friday.
  bool isWorkingDay(std::string_view isoDate) const;
  /// As the free addWorkingDays(); InvalidArgument also for a malformed extra working day.
  Result<std::string> addWorkingDays(std::string_view startDate, int workingDays) const;
};

/// One entry of a holiday calendar: a day off, or a weekend day worked instead, for the whole
/// country or for one organisation.
struct CalendarDay {
  std::string organisationId;  ///< "" for a national entry
  std::string date;            ///< ISO date
  std::string name;            ///< "Tết Nguyên đán", "Làm bù cho ngày 02/5", ...
  bool workedInstead = false;  ///< a weekend day worked (true) or a day off (false)
};

/// Whether `entries` are a usable calendar of one scope: real dates, a name each, no date twice,
/// a day worked instead only on a Saturday or Sunday. InvalidArgument naming the entry.
Status validateCalendarDays(const std::vector<CalendarDay>& entries);

/// The calendar of an organisation from the national entries and its own: where both name the
/// same date, the organisation's entry decides.
WorkingCalendar workingCalendarOf(const std::vector<CalendarDay>& entries);

enum class DeadlineStatus : uint8_t {
  NoDeadline,  ///< no (or no readable) due date
  OnTime,
  DueSoon,  ///< due within the warning window, today included
  Overdue,  ///< the due date has passed
};

/// "none", "on_time", "due_soon", "overdue".
std::string_view deadlineStatusName(DeadlineStatus status);

inline constexpr int kDueSoonDays = 2;

/// How an item due on `dueDate` stands on `today`: overdue from the day after the due date, due
/// soon when at most `dueSoonDays` calendar days remain. NoDeadline for an empty or malformed
/// due date or today.
DeadlineStatus classifyDeadline(std::string_view dueDate, std::string_view today,
                                int dueSoonDays = kDueSoonDays);

/// Something with an owner and a due date: an assignment, a document waiting at a level.
struct DeadlineItem {
  std::string ownerUserId;
  std::string unitId;
  std::string dueDate;  ///< ISO date; "" when none
  bool open = true;     ///< closed items are not counted
};

/// The dashboard's three numbers. Overdue and due-soon items are among the pending ones.
struct DashboardCounts {
  int pending = 0;
  int overdue = 0;
  int dueSoon = 0;
};

DashboardCounts countsForUser(const std::vector<DeadlineItem>& items, std::string_view userId,
                              std::string_view today, int dueSoonDays = kDueSoonDays);
DashboardCounts countsForUnit(const std::vector<DeadlineItem>& items, std::string_view unitId,
                              std::string_view today, int dueSoonDays = kDueSoonDays);

}  // namespace vanthu::workflow
