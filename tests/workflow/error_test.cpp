#include "vanthu/workflow/error.h"

#include <catch2/catch.hpp>
#include <set>

using namespace vanthu;

TEST_CASE("every error code has a unique snake_case name that maps back", "[workflow][error]") {
  std::set<std::string_view> names;
  for (auto code : allErrorCodes()) {
    auto name = errorCodeName(code);
    INFO(name);
    CHECK(name != "unknown");
    for (char c : name) CHECK(((c >= 'a' && c <= 'z') || c == '_'));
    CHECK(names.insert(name).second);
    REQUIRE(errorCodeFromName(name).has_value());
    CHECK(*errorCodeFromName(name) == code);
  }
  CHECK_FALSE(errorCodeFromName("no_such_code").has_value());
}

TEST_CASE("released wire names stay as they are", "[workflow][error]") {
  CHECK(errorCodeName(ErrorCode::InvalidArgument) == "invalid_argument");
  CHECK(errorCodeName(ErrorCode::PreconditionFailed) == "precondition_failed");
  CHECK(errorCodeName(ErrorCode::RouteNotFound) == "route_not_found");
  CHECK(errorCodeName(ErrorCode::DatabaseUnavailable) == "database_unavailable");
}

TEST_CASE("a Result holds a value or the status that explains its absence", "[workflow][error]") {
  Result<int> good(42);
  REQUIRE(good.isOk());
  CHECK(good.value() == 42);
  CHECK(good.status().isOk());

  Result<int> bad(Status::notFound("document 7"));
  REQUIRE_FALSE(bad.isOk());
  CHECK(bad.status().code() == ErrorCode::NotFound);
  CHECK(bad.status().toString() == "not_found: document 7");

  // An OK status is not a value: the Result turns it into an internal error instead of lying.
  Result<int> confused(Status::ok());
  CHECK_FALSE(confused.isOk());
  CHECK(confused.status().code() == ErrorCode::Internal);
}

TEST_CASE("an Error collects the context it travelled through", "[workflow][error]") {
  Error error(ErrorCode::StorageFailure, "disk full");
  error.withContext("writing blob ab12").withContext("storing version 3");
  CHECK(error.code() == ErrorCode::StorageFailure);
  CHECK(error.describe() == "disk full (while writing blob ab12) (while storing version 3)");
}
