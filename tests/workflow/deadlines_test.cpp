// Deadlines: working days, holidays, and what lists and the dashboard flag.

#include "vanthu/workflow/deadlines.h"

#include <catch2/catch.hpp>

using namespace vanthu;
using namespace vanthu::workflow;

TEST_CASE("ISO dates convert to day numbers and back", "[workflow][deadlines]") {
  CHECK(isoDateToDays("1970-01-01") == 0);
  CHECK(isoDateToDays("2026-11-29") == 20786);
  for (int day = -20000; day < 40000; day += 37) {
    auto text = daysToIsoDate(day);
    INFO(text);
    CHECK(isoDateToDays(text) == day);
  }
  CHECK(isoDateToDays("2024-02-29").has_value());
  for (auto bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "2026/01/01", "",
                   "2026-01-32", "abcd-ef-gh", "1800-01-01"}) {
    INFO(bad);
    CHECK_FALSE(isoDateToDays(bad).has_value());
  }
}

TEST_CASE("working days skip weekends and the holidays given", "[workflow][deadlines]") {
  // 2026-11-27 is a Friday.
  CHECK(isWorkingDay("2026-11-27", {}));
  CHECK_FALSE(isWorkingDay("2026-11-28", {}));
  CHECK_FALSE(isWorkingDay("2026-11-29", {}));
  CHECK_FALSE(isWorkingDay("2026-11-30", {"2026-11-30"}));
  CHECK(addWorkingDays("2026-11-27", 0, {}).value() == "2026-11-27");
  CHECK(addWorkingDays("2026-11-27", 1, {}).value() == "2026-11-30");
  CHECK(addWorkingDays("2026-11-27", 5, {}).value() == "2026-12-04");
  CHECK(addWorkingDays("2026-11-28", 1, {}).value() == "2026-11-30");
  CHECK(addWorkingDays("2026-11-27", 1, {"2026-11-30", "2026-12-01"}).value() == "2026-12-02");
  // National Day 2 September 2026 falls on a Wednesday.
  CHECK(addWorkingDays("2026-09-01", 1, {"2026-09-02"}).value() == "2026-09-03");
  CHECK(addWorkingDays("2026-12-31", 1, {"2027-01-01"}).value() == "2027-01-04");
  CHECK(addWorkingDays("2026-11-27", -1, {}).status().code() == ErrorCode::InvalidArgument);
  CHECK(addWorkingDays("27/11/2026", 1, {}).status().code() == ErrorCode::InvalidArgument);
  CHECK(addWorkingDays("2026-11-27", 1, {"2/9"}).status().code() == ErrorCode::InvalidArgument);
}

TEST_CASE("a calendar adds the weekend days worked to make up for a bridged holiday",
          "[workflow][deadlines]") {
  // 30 April - 1 May 2025 (Wednesday, Thursday): Friday 2 May was given off, and Saturday
  // 26 April worked instead.
  WorkingCalendar calendar{{"2025-04-30", "2025-05-01", "2025-05-02"}, {"2025-04-26"}};
  CHECK(calendar.isWorkingDay("2025-04-25"));
  CHECK(calendar.isWorkingDay("2025-04-26"));        // a Saturday, worked
  CHECK_FALSE(calendar.isWorkingDay("2025-04-27"));  // Sunday
  CHECK_FALSE(calendar.isWorkingDay("2025-05-02"));  // a Friday, off
  CHECK_FALSE(calendar.isWorkingDay("2025-05-03"));  // an ordinary Saturday
  CHECK_FALSE(calendar.isWorkingDay("2025-02-30"));
  CHECK(calendar.addWorkingDays("2025-04-25", 0).value() == "2025-04-25");
  CHECK(calendar.addWorkingDays("2025-04-25", 1).value() == "2025-04-26");
  CHECK(calendar.addWorkingDays("2025-04-25", 3).value() == "2025-04-29");
  CHECK(calendar.addWorkingDays("2025-04-29", 1).value() == "2025-05-05");
  // Without the make-up day the same three days end after the holiday.
  CHECK(WorkingCalendar{calendar.daysOff, {}}.addWorkingDays("2025-04-25", 3).value() ==
        "2025-05-05");
  // The free functions are the calendar without extra days.
  CHECK(addWorkingDays("2025-04-25", 2, calendar.daysOff).value() == "2025-04-29");
  CHECK_FALSE(isWorkingDay("2025-04-26", calendar.daysOff));
  // A day both off and worked is off.
  CHECK_FALSE(WorkingCalendar{{"2025-04-26"}, {"2025-04-26"}}.isWorkingDay("2025-04-26"));
  CHECK(WorkingCalendar{{}, {"26/04/2025"}}.addWorkingDays("2025-04-25", 1).status().code() ==
        ErrorCode::InvalidArgument);
  CHECK(WorkingCalendar{{"x"}, {}}.addWorkingDays("2025-04-25", 1).status().code() ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("a holiday calendar is checked, and an organisation's entry decides its date",
          "[workflow][deadlines]") {
  std::vector<CalendarDay> national = {
      {"", "2025-04-30", "Ngày Chiến thắng", false},
      {"", "2025-05-01", "Quốc tế Lao động", false},
      {"", "2025-05-02", "Nghỉ hoán đổi", false},
      {"", "2025-04-26", "Làm bù cho ngày 02/5", true},
  };
  CHECK(validateCalendarDays(national).isOk());
  auto calendar = workingCalendarOf(national);
  CHECK(calendar.daysOff == std::vector<std::string>{"2025-04-30", "2025-05-01", "2025-05-02"});
  CHECK(calendar.extraWorkingDays == std::vector<std::string>{"2025-04-26"});
  CHECK(calendar.addWorkingDays("2025-04-25", 1).value() == "2025-04-26");

  // An organisation does not work the Saturday, and has a day of its own.
  auto withOwn = national;
  withOwn.push_back({"ubnd", "2025-04-26", "Không làm bù", false});
  withOwn.push_back({"ubnd", "2025-06-10", "Ngày thành lập tỉnh", false});
  CHECK(validateCalendarDays({withOwn.end() - 2, withOwn.end()}).isOk());
  calendar = workingCalendarOf(withOwn);
  CHECK(calendar.daysOff == std::vector<std::string>{"2025-04-26", "2025-04-30", "2025-05-01",
                                                     "2025-05-02", "2025-06-10"});
  CHECK(calendar.extraWorkingDays.empty());
  CHECK(calendar.addWorkingDays("2025-04-25", 1).value() == "2025-04-28");
  CHECK(calendar.addWorkingDays("2025-06-09", 1).value() == "2025-06-11");

  auto bad = [](std::vector<CalendarDay> entries) {
    return validateCalendarDays(entries).code() == ErrorCode::InvalidArgument;
  };
  CHECK(bad({{"", "2025-02-30", "Không có", false}}));
  CHECK(bad({{"", "2025-04-30", "", false}}));
  CHECK(bad({{"", "2025-04-30", "A", false}, {"", "2025-04-30", "B", false}}));
  CHECK(bad({{"", "2025-04-29", "Thứ Ba làm bù", true}}));
  CHECK(validateCalendarDays({}).isOk());
}

TEST_CASE("an item is overdue after its due date and due soon within the window",
          "[workflow][deadlines]") {
  CHECK(classifyDeadline("2026-11-28", "2026-11-29") == DeadlineStatus::Overdue);
  CHECK(classifyDeadline("2026-11-29", "2026-11-29") == DeadlineStatus::DueSoon);
  CHECK(classifyDeadline("2026-12-01", "2026-11-29") == DeadlineStatus::DueSoon);
  CHECK(classifyDeadline("2026-12-02", "2026-11-29") == DeadlineStatus::OnTime);
  CHECK(classifyDeadline("2026-12-02", "2026-11-29", 3) == DeadlineStatus::DueSoon);
  CHECK(classifyDeadline("2026-11-30", "2026-11-29", 0) == DeadlineStatus::OnTime);
  CHECK(classifyDeadline("", "2026-11-29") == DeadlineStatus::NoDeadline);
  CHECK(classifyDeadline("soon", "2026-11-29") == DeadlineStatus::NoDeadline);
  CHECK(deadlineStatusName(DeadlineStatus::DueSoon) == "due_soon");
  CHECK(deadlineStatusName(DeadlineStatus::Overdue) == "overdue");
}

TEST_CASE("the dashboard counts open items per user and per unit", "[workflow][deadlines]") {
  std::vector<DeadlineItem> items = {
      {"lan", "th", "2026-11-20", true},   // overdue
      {"lan", "th", "2026-11-30", true},   // due soon
      {"lan", "th", "2026-12-20", true},   // on time
      {"lan", "th", "", true},             // no deadline
      {"lan", "th", "2026-11-01", false},  // closed: not counted
      {"hung", "th", "2026-11-01", true},  // overdue, another user
      {"mai", "vp", "2026-11-29", true},   // due today, another unit
  };
  auto lan = countsForUser(items, "lan", "2026-11-29");
  CHECK(lan.pending == 4);
  CHECK(lan.overdue == 1);
  CHECK(lan.dueSoon == 1);
  auto th = countsForUnit(items, "th", "2026-11-29");
  CHECK(th.pending == 5);
  CHECK(th.overdue == 2);
  CHECK(th.dueSoon == 1);
  auto vp = countsForUnit(items, "vp", "2026-11-29");
  CHECK(vp.pending == 1);
  CHECK(vp.dueSoon == 1);
  auto nobody = countsForUser(items, "nobody", "2026-11-29");
  CHECK(nobody.pending == 0);
  CHECK(countsForUser(items, "lan", "2026-11-29", 30).dueSoon == 2);
}
