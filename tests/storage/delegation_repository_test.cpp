// Delegations and the directory's administration methods on SQLite and (with
// tests/storage/with_postgres.sh) on a real PostgreSQL server: the same contract on both.

#include <catch2/catch.hpp>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_delegation_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  std::unique_ptr<storage::Database> database = test::openTestDatabase(dir);
  storage::SqlDirectoryRepository directory{*database};
  storage::SqlDelegationRepository delegations{*database};

  Fixture() {
    REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    REQUIRE(directory.addTier({"commune", "Cấp xã", 4, std::nullopt}).isOk());
    Organisation province;
    province.id = "tinh";
    province.code = "000.00.00.H55";
    province.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
    province.abbreviation = "UBND";
    province.tierCode = "province";
    REQUIRE(directory.addOrganisation(province).isOk());
    REQUIRE(directory.addUnit({"vp", "tinh", "Văn phòng", "VP"}).isOk());
    for (auto id : {"lanhdao", "pho", "admin"}) {
      User user;
      user.id = id;
      user.username = id;
      user.fullName = id;
      user.organisationId = "tinh";
      user.passwordHash = "x";
      REQUIRE(directory.addUser(user).isOk());
    }
  }

  Delegation delegation(const std::string& id, DelegationScope scope, int64_t startsAt,
                        int64_t endsAt) {
    Delegation d;
    d.id = id;
    d.organisationId = "tinh";
    d.fromUserId = "lanhdao";
    d.toUserId = "pho";
    d.scope = scope;
    d.startsAt = startsAt;
    d.endsAt = endsAt;
    d.reason = "Đi công tác";
    d.createdBy = "lanhdao";
    d.createdAt = startsAt - 10;
    return d;
  }
};

}  // namespace

TEST_CASE("delegations are stored, listed, found in force and revoked without being deleted",
          "[storage][delegations][postgresql]") {
  Fixture f;
  REQUIRE(
      f.delegations.addDelegation(f.delegation("d1", DelegationScope::Sign, 1000, 2000)).isOk());
  REQUIRE(f.delegations.addDelegation(f.delegation("d2", DelegationScope::All, 1500, 5000)).isOk());

  auto found = f.delegations.findDelegation("d1");
  REQUIRE(found);
  CHECK(found->fromUserId == "lanhdao");
  CHECK(found->toUserId == "pho");
  CHECK(found->scope == DelegationScope::Sign);
  CHECK(found->startsAt == 1000);
  CHECK(found->endsAt == 2000);
  CHECK(found->reason == "Đi công tác");
  CHECK(found->createdAt == 990);
  CHECK(found->revokedAt == 0);
  CHECK_FALSE(f.delegations.findDelegation("nothing"));

  auto listed = f.delegations.listDelegations("tinh");
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == "d2");  // newest start first

  CHECK(f.delegations.findInForce("lanhdao", "pho", DelegationScope::Sign, 1200)->id == "d1");
  CHECK(f.delegations.findInForce("lanhdao", "pho", DelegationScope::Sign, 1600)->id == "d2");
  CHECK(f.delegations.findInForce("lanhdao", "pho", DelegationScope::Approve, 1200) ==
        std::nullopt);
  CHECK(f.delegations.findInForce("lanhdao", "pho", DelegationScope::Approve, 4000)->id == "d2");
  CHECK_FALSE(f.delegations.findInForce("lanhdao", "pho", DelegationScope::Sign, 5000));
  CHECK_FALSE(f.delegations.findInForce("pho", "lanhdao", DelegationScope::Sign, 1200));

  REQUIRE(f.delegations.revokeDelegation("d2", 3000).isOk());
  CHECK(f.delegations.findDelegation("d2")->revokedAt == 3000);
  CHECK(f.delegations.findInForce("lanhdao", "pho", DelegationScope::Approve, 2999)->id == "d2");
  CHECK_FALSE(f.delegations.findInForce("lanhdao", "pho", DelegationScope::Approve, 3000));
  CHECK(f.delegations.revokeDelegation("d2", 3500).code() == ErrorCode::InvalidState);
  CHECK(f.delegations.findDelegation("d2")->revokedAt == 3000);
  CHECK(f.delegations.revokeDelegation("nothing", 3500).code() == ErrorCode::NotFound);
  CHECK(f.delegations.listDelegations("tinh").size() == 2);
}

TEST_CASE("the database refuses delegations that make no sense",
          "[storage][delegations][postgresql]") {
  Fixture f;
  REQUIRE(
      f.delegations.addDelegation(f.delegation("d1", DelegationScope::Sign, 1000, 2000)).isOk());
  CHECK(f.delegations.addDelegation(f.delegation("d1", DelegationScope::Sign, 1000, 2000)).code() ==
        ErrorCode::AlreadyExists);
  CHECK(f.delegations.addDelegation(f.delegation("d2", DelegationScope::Sign, 2000, 1000)).code() ==
        ErrorCode::InvalidArgument);
  auto unknownUser = f.delegation("d3", DelegationScope::Sign, 1000, 2000);
  unknownUser.toUserId = "nobody";
  CHECK(f.delegations.addDelegation(unknownUser).code() == ErrorCode::InvalidArgument);
  auto toSelf = f.delegation("d4", DelegationScope::Sign, 1000, 2000);
  toSelf.toUserId = "lanhdao";
  CHECK(f.delegations.addDelegation(toSelf).code() == ErrorCode::InvalidArgument);
  CHECK(f.delegations.listDelegations("tinh").size() == 1);
}

TEST_CASE("directory administration: updates, role removal, administrators, key withdrawal",
          "[storage][directory][postgresql]") {
  Fixture f;
  auto organisation = *f.directory.findOrganisation("tinh");
  organisation.name = "UBND tỉnh Thái Nguyên (mới)";
  organisation.endpoint = "https://lienthong.example.vn/tinh";
  REQUIRE(f.directory.updateOrganisation(organisation).isOk());
  CHECK(f.directory.findOrganisation("tinh")->endpoint == "https://lienthong.example.vn/tinh");
  organisation.code = "not a code";
  CHECK(f.directory.updateOrganisation(organisation).code() == ErrorCode::InvalidArgument);
  organisation = *f.directory.findOrganisation("tinh");
  organisation.id = "missing";
  CHECK(f.directory.updateOrganisation(organisation).code() == ErrorCode::NotFound);

  REQUIRE(f.directory.updateUnit({"vp", "tinh", "Văn phòng UBND", "VPUB"}).isOk());
  CHECK(f.directory.findUnit("vp")->abbreviation == "VPUB");
  CHECK(f.directory.updateUnit({"missing", "tinh", "X", "X"}).code() == ErrorCode::NotFound);

  auto user = *f.directory.findUser("pho");
  user.fullName = "Nguyễn Phó";
  user.unitId = "vp";
  user.active = false;
  REQUIRE(f.directory.updateUser(user).isOk());
  auto stored = *f.directory.findUser("pho");
  CHECK(stored.fullName == "Nguyễn Phó");
  CHECK(stored.unitId == std::optional<std::string>("vp"));
  CHECK_FALSE(stored.active);
  CHECK(stored.passwordHash == "x");

  REQUIRE(f.directory.grantRole({"admin", Role::Administrator, "tinh", std::nullopt}).isOk());
  REQUIRE(f.directory.grantRole({"pho", Role::Administrator, "tinh", std::nullopt}).isOk());
  REQUIRE(f.directory.grantRole({"lanhdao", Role::Administrator, "tinh", {"vp"}}).isOk());
  // pho is deactivated: only active holders count.
  CHECK(f.directory.activeHoldersOf("tinh", Role::Administrator) ==
        std::vector<std::string>{"admin", "lanhdao"});
  CHECK(f.directory.revokeRole({"lanhdao", Role::Administrator, "tinh", std::nullopt}).code() ==
        ErrorCode::NotFound);
  REQUIRE(f.directory.revokeRole({"lanhdao", Role::Administrator, "tinh", {"vp"}}).isOk());
  CHECK(f.directory.activeHoldersOf("tinh", Role::Administrator) ==
        std::vector<std::string>{"admin"});

  auto page = f.directory.listUsersPage("tinh", 1, 1);
  REQUIRE(page);
  CHECK(page.value().total == 3);
  REQUIRE(page.value().users.size() == 1);
  CHECK(page.value().users[0].username == "lanhdao");
  CHECK(f.directory.listUsersPage("tinh", 3, 10).value().users.empty());
  CHECK(f.directory.listUsersPage("tinh", 0, 0).status().code() == ErrorCode::InvalidArgument);
  CHECK(f.directory.listUsersPage("tinh", -1, 5).status().code() == ErrorCode::InvalidArgument);

  KeyReference key;
  key.id = "k1";
  key.userId = "lanhdao";
  key.source = KeySource::External;
  key.location = "";
  key.certificateSubject = "CN=Lãnh đạo";
  key.certificateSerial = "01";
  key.notAfter = "2030-01-01T00:00:00Z";
  REQUIRE(f.directory.addKeyReference(key).isOk());
  CHECK(f.directory.findKeyReference("k1")->active);
  REQUIRE(f.directory.deactivateKeyReference("k1").isOk());
  CHECK_FALSE(f.directory.findKeyReference("k1")->active);
  CHECK(f.directory.keyReferencesOfUser("lanhdao").size() == 1);
  CHECK(f.directory.deactivateKeyReference("missing").code() == ErrorCode::NotFound);
}
