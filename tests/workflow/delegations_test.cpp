// Delegations: who may act for whom, and which one is in force at a given time.

#include "vanthu/workflow/delegations.h"

#include <catch2/catch.hpp>

using namespace vanthu;
using namespace vanthu::workflow;

namespace {

User user(const std::string& id, const std::string& organisation = "ubnd", bool active = true) {
  User u;
  u.id = id;
  u.username = id;
  u.organisationId = organisation;
  u.active = active;
  return u;
}

Delegation delegation(const std::string& id, DelegationScope scope, int64_t startsAt,
                      int64_t endsAt) {
  Delegation d;
  d.id = id;
  d.organisationId = "ubnd";
  d.fromUserId = "lanhdao";
  d.toUserId = "pho";
  d.scope = scope;
  d.startsAt = startsAt;
  d.endsAt = endsAt;
  return d;
}

}  // namespace

TEST_CASE("scope names round-trip and unknown names are refused", "[workflow][delegations]") {
  for (auto scope : {DelegationScope::Sign, DelegationScope::Approve, DelegationScope::All}) {
    CHECK(delegationScopeFromName(delegationScopeName(scope)) == scope);
  }
  CHECK_FALSE(delegationScopeFromName("everything").has_value());
  CHECK_FALSE(delegationScopeFromName("").has_value());
}

TEST_CASE(
    "a delegation is valid between two active users of its organisation, ending after it "
    "starts",
    "[workflow][delegations]") {
  auto d = delegation("d1", DelegationScope::Sign, 100, 200);
  CHECK(validateDelegation(d, user("lanhdao"), user("pho")).isOk());

  SECTION("the receiver is deactivated") {
    auto status = validateDelegation(d, user("lanhdao"), user("pho", "ubnd", false));
    CHECK(status.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(status.message(), Catch::Contains("deactivated"));
  }
  SECTION("a user of another organisation") {
    CHECK(validateDelegation(d, user("lanhdao"), user("pho", "xa")).code() ==
          ErrorCode::InvalidArgument);
    CHECK(validateDelegation(d, user("lanhdao", "xa"), user("pho")).code() ==
          ErrorCode::InvalidArgument);
  }
  SECTION("to oneself") {
    d.toUserId = "lanhdao";
    auto status = validateDelegation(d, user("lanhdao"), user("lanhdao"));
    CHECK_THAT(status.message(), Catch::Contains("themselves"));
  }
  SECTION("ending at or before the start") {
    d.endsAt = 100;
    CHECK_THAT(validateDelegation(d, user("lanhdao"), user("pho")).message(),
               Catch::Contains("end after it starts"));
    d.endsAt = 50;
    CHECK_FALSE(validateDelegation(d, user("lanhdao"), user("pho")).isOk());
  }
  SECTION("without a scope") {
    d.scope = DelegationScope::Unknown;
    CHECK_FALSE(validateDelegation(d, user("lanhdao"), user("pho")).isOk());
  }
  SECTION("users that are not the ones it names") {
    CHECK_FALSE(validateDelegation(d, user("someone"), user("pho")).isOk());
  }
}

TEST_CASE("in force: from its start (inclusive) to its end (exclusive), of its scope or all",
          "[workflow][delegations]") {
  auto sign = delegation("d1", DelegationScope::Sign, 100, 200);
  CHECK_FALSE(delegationCovers(sign, DelegationScope::Sign, 99));
  CHECK(delegationCovers(sign, DelegationScope::Sign, 100));
  CHECK(delegationCovers(sign, DelegationScope::Sign, 199));
  CHECK_FALSE(delegationCovers(sign, DelegationScope::Sign, 200));
  CHECK_FALSE(delegationCovers(sign, DelegationScope::Approve, 150));

  auto all = delegation("d2", DelegationScope::All, 100, 200);
  CHECK(delegationCovers(all, DelegationScope::Sign, 150));
  CHECK(delegationCovers(all, DelegationScope::Approve, 150));

  // Revoked at 150: what was done before still stands, nothing after.
  sign.revokedAt = 150;
  CHECK(delegationCovers(sign, DelegationScope::Sign, 149));
  CHECK_FALSE(delegationCovers(sign, DelegationScope::Sign, 150));
}

TEST_CASE("the delegation in force picks the pair, the scope and the latest start",
          "[workflow][delegations]") {
  auto early = delegation("early", DelegationScope::All, 100, 1000);
  auto late = delegation("late", DelegationScope::Sign, 300, 400);
  auto other = delegation("other", DelegationScope::Sign, 100, 1000);
  other.toUserId = "chanhvanphong";
  std::vector<Delegation> all = {early, late, other};

  CHECK(delegationInForce(all, "lanhdao", "pho", DelegationScope::Sign, 350)->id == "late");
  CHECK(delegationInForce(all, "lanhdao", "pho", DelegationScope::Sign, 500)->id == "early");
  CHECK(delegationInForce(all, "lanhdao", "pho", DelegationScope::Approve, 350)->id == "early");
  CHECK(delegationInForce(all, "lanhdao", "chanhvanphong", DelegationScope::Sign, 350)->id ==
        "other");
  CHECK_FALSE(delegationInForce(all, "lanhdao", "chanhvanphong", DelegationScope::Approve, 350));
  CHECK_FALSE(delegationInForce(all, "pho", "lanhdao", DelegationScope::Sign, 350));
  CHECK_FALSE(delegationInForce(all, "lanhdao", "pho", DelegationScope::Sign, 1000));
}

TEST_CASE("isSameOrBelow follows the parent chain and survives a cycle", "[workflow][directory]") {
  Organisation province;
  province.id = "tinh";
  Organisation commune;
  commune.id = "xa";
  commune.parentId = "tinh";
  Organisation other;
  other.id = "khac";
  std::vector<Organisation> all = {province, commune, other};
  CHECK(isSameOrBelow(all, "xa", "tinh"));
  CHECK(isSameOrBelow(all, "tinh", "tinh"));
  CHECK_FALSE(isSameOrBelow(all, "tinh", "xa"));
  CHECK_FALSE(isSameOrBelow(all, "khac", "tinh"));
  CHECK_FALSE(isSameOrBelow(all, "unknown", "tinh"));
  all[0].parentId = "xa";  // a cycle in bad data
  CHECK_FALSE(isSameOrBelow(all, "xa", "khac"));
}
