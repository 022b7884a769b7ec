#include "vanthu/workflow/agency_code.h"

#include <catch2/catch.hpp>

using vanthu::ErrorCode;
using vanthu::workflow::AgencyCode;

TEST_CASE("agency codes of every level parse and know their level", "[workflow][agency_code]") {
  auto province = AgencyCode::parse("000.00.00.H55");
  REQUIRE(province.isOk());
  CHECK(province.value().level() == 1);
  CHECK(province.value().levelOne() == "H55");
  CHECK(province.value().parent().status().code() == ErrorCode::NotFound);

  auto department = AgencyCode::parse("000.00.02.H55");
  REQUIRE(department.isOk());
  CHECK(department.value().level() == 2);
  CHECK(department.value().parent().value().text() == "000.00.00.H55");

  auto division = AgencyCode::parse("000.01.02.G14");
  REQUIRE(division.isOk());
  CHECK(division.value().level() == 3);
  CHECK(division.value().parent().value().text() == "000.00.02.G14");

  auto unit = AgencyCode::parse("004.01.02.G14");
  REQUIRE(unit.isOk());
  CHECK(unit.value().level() == 4);
  CHECK(unit.value().parent().value().text() == "000.01.02.G14");
}

TEST_CASE("malformed agency codes are refused", "[workflow][agency_code]") {
  for (const char* bad :
       {"", "000.00.00.H5", "000.00.00.h55", "000-00-00-H55", "0000.0.00.H55", "000.00.00.555",
        "00a.00.00.H55", "001.00.01.H55", "000.01.00.H55", "000.00.00.H55 "}) {
    INFO(bad);
    auto code = AgencyCode::parse(bad);
    REQUIRE_FALSE(code.isOk());
    CHECK(code.status().code() == ErrorCode::InvalidArgument);
  }
}
