#include "vanthu/exchange/edxml_date.h"

#include <catch2/catch.hpp>

using namespace vanthu::exchange;

TEST_CASE("edxml dates are read in both forms", "[exchange][edxml][date]") {
  auto yearFirst = parseEdxmlDate("2026/11/29");
  auto dayFirst = parseEdxmlDate("29/11/2026");
  REQUIRE(yearFirst.isOk());
  REQUIRE(dayFirst.isOk());
  CHECK(yearFirst.value() == EdxmlDate{2026, 11, 29});
  CHECK(dayFirst.value() == yearFirst.value());
  CHECK(formatEdxmlDate(dayFirst.value()) == "2026/11/29");
}

TEST_CASE("edxml timestamps are read in both forms", "[exchange][edxml][date]") {
  auto a = parseEdxmlTimestamp("2026/11/29 08:30:05");
  auto b = parseEdxmlTimestamp("29/11/2026 08:30:05");
  REQUIRE(a.isOk());
  REQUIRE(b.isOk());
  CHECK(a.value() == b.value());
  CHECK(formatEdxmlTimestamp(b.value()) == "2026/11/29 08:30:05");
}

TEST_CASE("edxml dates that name no day are refused", "[exchange][edxml][date]") {
  for (const char* text : {"2026/02/29", "2026/13/01", "2026/00/10", "31/04/2026", "2026-11-29",
                           "29/11/26", "2026/11/29 ", "", "2O26/11/29", "11/29/2026"}) {
    INFO(text);
    auto parsed = parseEdxmlDate(text);
    REQUIRE_FALSE(parsed.isOk());
    CHECK(parsed.status().code() == vanthu::ErrorCode::InvalidArgument);
  }
  CHECK(parseEdxmlDate("2024/02/29").isOk());  // a leap day
  for (const char* text : {"2026/11/29 24:00:00", "2026/11/29 08:60:00", "2026/11/29T08:30:00",
                           "2026/11/29", "29/11/2026 8:30:00"}) {
    INFO(text);
    CHECK_FALSE(parseEdxmlTimestamp(text).isOk());
  }
}
