#include "vanthu/demo/demo_init.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "test_support.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/demo/demo_directory.h"
#include "vanthu/demo/demo_holidays.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_calendar_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using vanthu::test::TempDir;
namespace fs = std::filesystem;

namespace {

demo::DemoInitOptions optionsFor(const fs::path& dir) {
  demo::DemoInitOptions options;
  options.dir = dir;
  options.userPassword = "demo-test-password";
  return options;
}

// One demo directory for every section: building it hashes a dozen passwords with 600,000
// PBKDF2 iterations each, which is worth doing once, not once per SECTION.
struct SharedDemo {
  TempDir tmp;
  fs::path dir = tmp / "var";
  demo::DemoInitResult result = demo::initDemo(optionsFor(dir));
};

const SharedDemo& sharedDemo() {
  static SharedDemo demo;
  return demo;
}

}  // namespace

TEST_CASE("demo init builds a complete data directory", "[demo][slow]") {
  const auto& tmp = sharedDemo().tmp;
  const auto& dir = sharedDemo().dir;
  REQUIRE(sharedDemo().result.created);
  CHECK_FALSE(sharedDemo().result.passwordGenerated);

  for (const char* file : {".vanthu-demo", "vanthu.db", "vanthu.properties", "README.md",
                           "demo-credentials.txt", "pki/README.md"}) {
    INFO(file);
    CHECK(fs::is_regular_file(dir / file));
  }
  // Nothing of the staging directory is left beside it.
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }
  // The logins file is for its owner only.
  struct stat info {};
  REQUIRE(stat((dir / "demo-credentials.txt").c_str(), &info) == 0);
  CHECK((info.st_mode & 0077) == 0);

  auto database = storage::Database::open({"sqlite:" + (dir / "vanthu.db").string()});
  storage::SqlDirectoryRepository repository(*database);

  SECTION("every tier, organisation and user is stored, with roles") {
    const auto& expected = demo::demoDirectory();
    CHECK(repository.listTiers().size() == expected.tiers.size());
    auto organisations = repository.listOrganisations();
    CHECK(organisations.size() == expected.organisations.size());
    bool dissolvedDistrict = false;
    for (const auto& o : organisations) {
      if (o.tierCode == "district" && o.dissolvedOn) dissolvedDistrict = true;
    }
    CHECK(dissolvedDistrict);
    for (const char* username : {"chuyenvien", "truongphong", "chanhvanphong", "lanhdao", "vanthu",
                                 "admin", "vanthu.pdp"}) {
      INFO(username);
      auto user = repository.findUserByUsername(username);
      REQUIRE(user.has_value());
      CHECK_FALSE(repository.roleGrantsOf(user->id).empty());
    }
  }

  SECTION("communes follow the shorter outgoing template, the others the product's default") {
    CHECK(repository.outgoingTemplateOf("ubnd-phuong-pdp") == "outgoing-commune");
    CHECK(repository.outgoingTemplateOf("ubnd-xa-dai-tu") == "outgoing-commune");
    CHECK(repository.outgoingTemplateOf("ubnd-tinh").empty());
    CHECK(repository.outgoingTemplateOf("so-tai-chinh").empty());
  }

  SECTION("the demo password opens every account and is not stored in clear") {
    auto leader = repository.findUserByUsername("lanhdao");
    REQUIRE(leader.has_value());
    CHECK(api::verifyPassword("demo-test-password", leader->passwordHash));
    CHECK_FALSE(api::verifyPassword("wrong", leader->passwordHash));
    CHECK(leader->passwordHash.find("demo-test-password") == std::string::npos);
  }

  SECTION("signers and organisations have key references to PKCS#12 files that exist") {
    auto leader = repository.findUserByUsername("lanhdao");
    auto keys = repository.keyReferencesOfUser(leader->id);
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].source == workflow::KeySource::Pkcs12);
    CHECK(fs::is_regular_file(dir / keys[0].location));
    CHECK(keys[0].certificateSubject.find("Phạm Quốc Hùng") != std::string::npos);

    auto clerk = repository.findUserByUsername("vanthu");
    CHECK(repository.keyReferencesOfUser(clerk->id).empty());

    auto sealKeys = repository.keyReferencesOfOrganisation("ubnd-tinh");
    REQUIRE(sealKeys.size() == 1);
    CHECK(fs::is_regular_file(dir / sealKeys[0].location));
    CHECK(repository.keyReferencesOfOrganisation("ubnd-huyen-dai-tu").empty());
  }

  SECTION("signature and seal images exist for signers and live organisations") {
    CHECK(fs::is_regular_file(dir / "images/signatures/lanhdao.png"));
    CHECK_FALSE(fs::exists(dir / "images/signatures/vanthu.png"));
    CHECK(fs::is_regular_file(dir / "images/seals/000.00.00.H55.png"));
    CHECK_FALSE(fs::exists(dir / "images/seals/000.00.10.H55.png"));
  }

  SECTION("a second run changes nothing") {
    auto marker = vanthu::test::readFile(dir / ".vanthu-demo");
    auto again = demo::initDemo(optionsFor(dir));
    CHECK_FALSE(again.created);
    CHECK(vanthu::test::readFile(dir / ".vanthu-demo") == marker);
  }
}

TEST_CASE("demo init loads the national holiday calendar from its CSV", "[demo][slow]") {
  auto database = storage::Database::open({"sqlite:" + (sharedDemo().dir / "vanthu.db").string()});
  storage::SqlCalendarRepository calendar(*database);
  auto national = calendar.entriesOf("");
  CHECK(national.size() == demo::vietnamHolidays().size());
  auto province = calendar.calendarOf("ubnd-tinh");
  // 30 April 2025: the bridged Friday is off and the Saturday before it worked.
  CHECK(province.addWorkingDays("2025-04-25", 1).value() == "2025-04-26");
  CHECK(province.addWorkingDays("2025-04-29", 1).value() == "2025-05-05");
  // Tết Bính Ngọ 2026: a week off.
  CHECK(province.addWorkingDays("2026-02-13", 1).value() == "2026-02-23");
}

TEST_CASE("demo init refuses a directory that holds something else", "[demo]") {
  TempDir tmp;
  auto dir = tmp / "precious";
  fs::create_directories(dir);
  std::ofstream(dir / "notes.txt") << "keep me";
  try {
    demo::initDemo(optionsFor(dir));
    FAIL("demo init wrote into a foreign directory");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
  }
  CHECK(vanthu::test::readFile(dir / "notes.txt") == "keep me");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

TEST_CASE("generated demo passwords are long and differ", "[demo]") {
  auto a = demo::generateDemoPassword();
  auto b = demo::generateDemoPassword();
  CHECK(a.size() == 16);
  CHECK(a != b);
}
