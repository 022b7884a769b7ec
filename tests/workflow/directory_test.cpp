#include "vanthu/workflow/directory.h"

#include <catch2/catch.hpp>
#include <set>

using namespace vanthu;
using namespace vanthu::workflow;

TEST_CASE("role names are stable and map back", "[workflow][directory]") {
  std::set<std::string_view> names;
  for (auto role : allRoles()) {
    auto name = roleName(role);
    CHECK(names.insert(name).second);
    REQUIRE(roleFromName(name).has_value());
    CHECK(*roleFromName(name) == role);
  }
  CHECK(allRoles().size() == 7);
  CHECK(roleName(Role::DepartmentHead) == "department_head");
  CHECK_FALSE(roleFromName("superuser").has_value());
}

TEST_CASE("organisations are checked before they are stored", "[workflow][directory]") {
  Organisation o;
  o.id = "ubnd";
  o.code = "000.00.00.H55";
  o.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
  o.abbreviation = "UBND";
  o.tierCode = "province";
  CHECK(validateOrganisation(o).isOk());

  SECTION("abbreviations with Đ are fine") {
    o.abbreviation = "SĐT";
    CHECK(validateOrganisation(o).isOk());
  }
  SECTION("a bad code") {
    o.code = "H55";
    CHECK(validateOrganisation(o).code() == ErrorCode::InvalidArgument);
  }
  SECTION("an abbreviation that would break a notation") {
    o.abbreviation = "UB/ND";
    CHECK(validateOrganisation(o).code() == ErrorCode::InvalidArgument);
    o.abbreviation = "ub nd";
    CHECK(validateOrganisation(o).code() == ErrorCode::InvalidArgument);
  }
  SECTION("no tier") {
    o.tierCode.clear();
    CHECK(validateOrganisation(o).code() == ErrorCode::InvalidArgument);
  }
}
