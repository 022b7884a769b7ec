// The national holiday calendar built in from samples/data/holidays-vn.csv, and the reader of
// that file's format.

#include "vanthu/demo/demo_holidays.h"

#include <catch2/catch.hpp>
#include <set>

using namespace vanthu;
using workflow::CalendarDay;

namespace {

const CalendarDay* find(const std::vector<CalendarDay>& days, const std::string& date) {
  for (const auto& day : days) {
    if (day.date == date) return &day;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("the built-in holidays cover 2025 to 2027 with the statutory days", "[demo][holidays]") {
  auto days = demo::vietnamHolidays();
  REQUIRE(days.size() == 36);
  std::set<std::string> years;
  for (const auto& day : days) {
    CHECK(day.organisationId.empty());
    years.insert(day.date.substr(0, 4));
  }
  CHECK(years == std::set<std::string>{"2025", "2026", "2027"});
  for (const char* date :
       {"2025-01-01", "2025-01-29", "2025-04-07", "2025-04-30", "2025-05-01", "2025-09-02",
        "2026-02-17", "2026-04-30", "2026-09-02", "2027-01-01", "2027-09-02"}) {
    INFO(date);
    const auto* day = find(days, date);
    REQUIRE(day);
    CHECK_FALSE(day->workedInstead);
    CHECK_FALSE(day->name.empty());
  }
  // The two Saturdays of 2025 worked in exchange for a bridged weekday.
  for (const char* date : {"2025-02-08", "2025-04-26"}) {
    INFO(date);
    const auto* day = find(days, date);
    REQUIRE(day);
    CHECK(day->workedInstead);
  }
  CHECK(find(days, "2025-04-26")->name == "Làm bù cho thứ Sáu 02/05/2025");
}

TEST_CASE(
    "the holiday CSV reader takes comments, scopes and names with commas, and names a bad line",
    "[demo][holidays]") {
  auto parsed = demo::parseHolidayCsv(
      "# a comment\r\nscope,date,kind,name\r\n\nnational,2025-04-30,day_off,Ngày Chiến thắng\r\n"
      "ubnd-tinh,2025-06-10,day_off,Kỷ niệm, thành lập tỉnh\n"
      "national,2025-04-26,worked,Làm bù\n");
  REQUIRE(parsed.isOk());
  REQUIRE(parsed.value().size() == 3);
  CHECK(parsed.value()[0].organisationId.empty());
  CHECK(parsed.value()[0].name == "Ngày Chiến thắng");
  CHECK(parsed.value()[1].organisationId == "ubnd-tinh");
  CHECK(parsed.value()[1].name == "Kỷ niệm, thành lập tỉnh");
  CHECK(parsed.value()[2].workedInstead);

  for (const char* bad :
       {"", "national,2025-04-30,day_off,A\n", "scope,date,kind,name\nnational,2025-04-30\n",
        "scope,date,kind,name\nnational,2025-04-30,holiday,A\n",
        "scope,date,kind,name\nnational,30/04/2025,day_off,A\n",
        "scope,date,kind,name\nnational,2025-04-29,worked,Thứ Ba\n",
        "scope,date,kind,name\nnational,2025-04-30,day_off,A\nnational,2025-04-30,day_off,B\n",
        "scope,date,kind,name\n,2025-04-30,day_off,A\n"}) {
    INFO(bad);
    auto refused = demo::parseHolidayCsv(bad);
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().code() == ErrorCode::InvalidArgument);
  }
  CHECK(demo::parseHolidayCsv("scope,date,kind,name\nnational,2025-04-30,holiday,A\n")
            .status()
            .message()
            .find("line 2") != std::string::npos);
}
