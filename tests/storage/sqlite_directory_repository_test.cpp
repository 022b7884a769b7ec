#include <catch2/catch.hpp>
#include <fstream>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  std::unique_ptr<storage::Database> database = test::openTestDatabase(dir);
  storage::SqlDirectoryRepository repository{*database};

  Fixture() {
    REQUIRE(repository.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    Organisation o;
    o.id = "ubnd";
    o.code = "000.00.00.H55";
    o.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(repository.addOrganisation(o).isOk());
  }

  User user(const std::string& name) {
    User u;
    u.id = "user-" + name;
    u.username = name;
    u.fullName = "Nguyễn Thị Lan";
    u.organisationId = "ubnd";
    u.passwordHash = "$pbkdf2-sha256$i=600000$x$y";
    return u;
  }
};

}  // namespace

TEST_CASE("a new database is migrated to the latest schema", "[storage][sqlite][postgresql]") {
  Fixture f;
  CHECK(f.database->schemaVersion() == storage::Database::latestSchemaVersion());
  CHECK(f.database->ping().isOk());
}

TEST_CASE("reopening a database keeps its data and does not re-run migrations",
          "[storage][sqlite][postgresql]") {
  TempDir dir;
  std::string url = test::testDatabaseUrl(dir);
  {
    auto database = storage::Database::open({url});
    storage::SqlDirectoryRepository repository(*database);
    REQUIRE(repository.addTier({"commune", "Cấp xã", 4, std::nullopt}).isOk());
  }
  auto database = storage::Database::open({url});
  storage::SqlDirectoryRepository repository(*database);
  auto tiers = repository.listTiers();
  REQUIRE(tiers.size() == 1);
  CHECK(tiers[0].name == "Cấp xã");
  CHECK(database->schemaVersion() == storage::Database::latestSchemaVersion());
}

TEST_CASE("directory records round-trip with Vietnamese text and optional fields",
          "[storage][sqlite][postgresql]") {
  Fixture f;
  REQUIRE(f.repository.addUnit({"th", "ubnd", "Phòng Tổng hợp", "TH"}).isOk());
  auto u = f.user("chuyenvien");
  u.unitId = "th";
  REQUIRE(f.repository.addUser(u).isOk());
  REQUIRE(f.repository.grantRole({u.id, Role::Specialist, "ubnd", std::string("th")}).isOk());

  auto found = f.repository.findUserByUsername("chuyenvien");
  REQUIRE(found.has_value());
  CHECK(found->fullName == "Nguyễn Thị Lan");
  CHECK(found->unitId == std::optional<std::string>("th"));
  CHECK(found->active);
  CHECK_FALSE(f.repository.findUserByUsername("nobody").has_value());

  auto grants = f.repository.roleGrantsOf(u.id);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].role == Role::Specialist);

  auto organisations = f.repository.listOrganisations();
  REQUIRE(organisations.size() == 1);
  CHECK(organisations[0].name == "Ủy ban nhân dân tỉnh Thái Nguyên");
  CHECK_FALSE(organisations[0].parentId.has_value());
  CHECK_FALSE(organisations[0].dissolvedOn.has_value());
}

TEST_CASE("an organisation keeps the default template of its outgoing documents",
          "[storage][sqlite][postgresql]") {
  Fixture f;
  CHECK(f.repository.outgoingTemplateOf("ubnd").empty());
  REQUIRE(f.repository.setOutgoingTemplate("ubnd", "outgoing-commune").isOk());
  CHECK(f.repository.outgoingTemplateOf("ubnd") == "outgoing-commune");
  // The organisation's other fields are untouched, and an update of them keeps the choice.
  auto organisation = f.repository.findOrganisation("ubnd");
  REQUIRE(organisation);
  CHECK(organisation->abbreviation == "UBND");
  organisation->endpoint = "https://ubnd.example.vn/edxml";
  REQUIRE(f.repository.updateOrganisation(*organisation).isOk());
  CHECK(f.repository.outgoingTemplateOf("ubnd") == "outgoing-commune");
  REQUIRE(f.repository.setOutgoingTemplate("ubnd", "").isOk());
  CHECK(f.repository.outgoingTemplateOf("ubnd").empty());
  CHECK(f.repository.setOutgoingTemplate("no-such", "outgoing-4").code() == ErrorCode::NotFound);
  CHECK(f.repository.outgoingTemplateOf("no-such").empty());
}

TEST_CASE("duplicates and dangling references are refused with a code",
          "[storage][sqlite][postgresql]") {
  Fixture f;
  REQUIRE(f.repository.addUser(f.user("vanthu")).isOk());
  CHECK(f.repository.addUser(f.user("vanthu")).code() == ErrorCode::AlreadyExists);

  auto orphan = f.user("orphan");
  orphan.organisationId = "no-such-organisation";
  CHECK(f.repository.addUser(orphan).code() == ErrorCode::InvalidArgument);

  KeyReference both;
  both.id = "k1";
  both.userId = "user-vanthu";
  both.organisationId = "ubnd";
  both.source = KeySource::Pkcs12;
  CHECK(f.repository.addKeyReference(both).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("a failed batch leaves nothing behind", "[storage][sqlite][postgresql]") {
  Fixture f;
  CHECK_THROWS_AS(f.repository.inTransaction([&] {
    REQUIRE(f.repository.addUser(f.user("first")).isOk());
    throw Error(ErrorCode::Internal, "the batch fails half-way");
  }),
                  Error);
  CHECK_FALSE(f.repository.findUserByUsername("first").has_value());
}

TEST_CASE("unsupported database URLs are refused with a clear message", "[storage]") {
  CHECK(storage::validateDatabaseUrl("sqlite:vanthu.db").isOk());
  CHECK(storage::validateDatabaseUrl("sqlite:").code() == ErrorCode::InvalidConfig);
  CHECK(storage::validateDatabaseUrl("mysql://x").code() == ErrorCode::InvalidConfig);
  CHECK(storage::validateDatabaseUrl("postgresql://vanthu@127.0.0.1:5432/vanthu").isOk());
  CHECK(storage::validateDatabaseUrl("postgresql://127.0.0.1/vanthu").code() ==
        ErrorCode::InvalidConfig);
  CHECK(storage::validateDatabaseUrl("postgresql://vanthu@127.0.0.1:5432/").code() ==
        ErrorCode::InvalidConfig);
}

TEST_CASE("an unreachable PostgreSQL server is reported without the password",
          "[storage][postgresql]") {
  try {
    storage::Database::open({"postgresql://vanthu:s3cret-pw@127.0.0.1:9/vanthu"});
    FAIL("opened a server that is not there");
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::DatabaseUnavailable);
    CHECK(std::string(error.what()).find("s3cret-pw") == std::string::npos);
    CHECK(std::string(error.what()).find("127.0.0.1:9") != std::string::npos);
  }
}

TEST_CASE("a database file that is not SQLite is reported, not overwritten", "[storage][sqlite]") {
  TempDir dir;
  auto path = dir / "vanthu.db";
  {
    std::ofstream out(path);
    out << "this is not a database, and it must survive the attempt to open it\n";
  }
  try {
    storage::Database::open({"sqlite:" + path.string()});
    FAIL("opening a corrupt database succeeded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::DatabaseUnavailable);
  }
  CHECK(vanthu::test::readFile(path).rfind("this is not a database", 0) == 0);
}
