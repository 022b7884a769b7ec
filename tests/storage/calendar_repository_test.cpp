// The holiday calendar on SQLite and (with tests/storage/with_postgres.sh) on a real PostgreSQL
// server: each scope replaced as a whole, an organisation's calendar made of the national
// entries and its own.

#include <catch2/catch.hpp>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_calendar_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

TEST_CASE("calendar: scopes are replaced whole and combined per organisation",
          "[storage][calendar][postgresql]") {
  TempDir dir;
  auto database = test::openTestDatabase(dir);
  storage::SqlCalendarRepository calendar(*database);
  CHECK(calendar.entriesFor("tinh").empty());
  CHECK(calendar.calendarOf("tinh").daysOff.empty());

  REQUIRE(calendar
              .replaceEntries("", {{"", "2025-05-01", "Ngày Quốc tế Lao động", false},
                                   {"", "2025-04-30", "Ngày Chiến thắng", false},
                                   {"", "2025-05-02", "Nghỉ hoán đổi", false},
                                   {"", "2025-04-26", "Làm bù cho thứ Sáu 02/5", true}})
              .isOk());
  // The organisation id of an entry is the scope's, whatever the caller wrote in it.
  REQUIRE(calendar.replaceEntries("tinh", {{"other", "2025-04-26", "Không làm bù", false}}).isOk());

  auto national = calendar.entriesOf("");
  REQUIRE(national.size() == 4);
  CHECK(national[0].date == "2025-04-26");
  CHECK(national[0].workedInstead);
  CHECK(national[0].name == "Làm bù cho thứ Sáu 02/5");
  CHECK(national[3].date == "2025-05-02");
  auto own = calendar.entriesOf("tinh");
  REQUIRE(own.size() == 1);
  CHECK(own[0].organisationId == "tinh");
  CHECK(calendar.entriesFor("tinh").size() == 5);
  CHECK(calendar.entriesFor("xa").size() == 4);

  auto tinh = calendar.calendarOf("tinh");
  CHECK(tinh.daysOff ==
        std::vector<std::string>{"2025-04-26", "2025-04-30", "2025-05-01", "2025-05-02"});
  CHECK(tinh.extraWorkingDays.empty());
  auto xa = calendar.calendarOf("xa");
  CHECK(xa.extraWorkingDays == std::vector<std::string>{"2025-04-26"});
  CHECK(xa.addWorkingDays("2025-04-25", 1).value() == "2025-04-26");

  // A refused replacement changes nothing; an empty one clears the scope.
  CHECK(calendar
            .replaceEntries("", {{"", "2026-01-01", "Tết Dương lịch", false},
                                 {"", "2026-01-01", "Lặp lại", false}})
            .code() == ErrorCode::InvalidArgument);
  CHECK(calendar.entriesOf("").size() == 4);
  REQUIRE(calendar.replaceEntries("tinh", {}).isOk());
  CHECK(calendar.entriesOf("tinh").empty());
  CHECK(calendar.entriesOf("").size() == 4);
}
