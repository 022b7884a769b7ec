// The reads behind the Decree 30 registers, on SQLite and (with tests/storage/with_postgres.sh)
// on PostgreSQL: an organisation's registers, and one register's entries for one year in number
// order with the signer's name.

#include <catch2/catch.hpp>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_register_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

namespace {

DocumentRecord draft(const std::string& id, const std::string& organisation,
                     const std::string& subject) {
  DocumentRecord d;
  d.id = id;
  d.organisationId = organisation;
  d.direction = "outgoing";
  d.documentType = "QĐ";
  d.subject = subject;
  d.status = "signed";
  d.createdBy = "chuyenvien";
  d.createdAt = d.updatedAt = "2026-11-28T08:00:00Z";
  return d;
}

}  // namespace

TEST_CASE("a register's entries of one year come in number order with the signer",
          "[storage][registers][postgresql]") {
  TempDir dir;
  auto database = test::openTestDatabase(dir);
  storage::SqlDirectoryRepository directory(*database);
  storage::SqlDocumentRepository documents(*database);
  storage::SqlRegisterRepository registers(*database);
  REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
  for (const char* id : {"ubnd", "khac"}) {
    Organisation o;
    o.id = id;
    o.code = std::string("000.00.00.") + (id == std::string("ubnd") ? "H55" : "H56");
    o.name = "Ủy ban nhân dân tỉnh";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
  }
  User leader;
  leader.id = "lanhdao";
  leader.username = "lanhdao";
  leader.fullName = "Phạm Quốc Hùng";
  leader.organisationId = "ubnd";
  leader.passwordHash = "x";
  REQUIRE(directory.addUser(leader).isOk());
  REQUIRE(documents.createRegister({"so-di", "ubnd", "Sổ văn bản đi", "outgoing"}).isOk());
  REQUIRE(documents.createRegister({"so-den", "ubnd", "Sổ văn bản đến", "incoming"}).isOk());
  REQUIRE(documents.createRegister({"so-khac", "khac", "Sổ văn bản đi", "outgoing"}).isOk());

  for (const char* id : {"c", "a", "b", "d"}) {
    REQUIRE(documents.createDocument(draft(id, "ubnd", std::string("Về việc ") + id)).isOk());
  }
  DocumentVersion signature;
  signature.documentId = "a";
  signature.blobHash = std::string(64, 'a');
  signature.kind = "signature";
  signature.actor = "lanhdao";
  signature.createdAt = "2026-11-28T09:00:00Z";
  REQUIRE(documents.addVersion(signature).isOk());
  REQUIRE(documents.issue("c", 1, "so-di", 2026, "01/QĐ-UBND").isOk());
  REQUIRE(documents.issue("a", 1, "so-di", 2026, "02/QĐ-UBND").isOk());
  REQUIRE(documents.issue("b", 1, "so-di", 2026, "03/QĐ-UBND").isOk());
  REQUIRE(documents.issue("d", 1, "so-di", 2027, "01/QĐ-UBND").isOk());

  auto list = registers.listRegisters("ubnd");
  REQUIRE(list.size() == 2);
  CHECK(list[0].name == "Sổ văn bản đi");
  CHECK(list[1].name == "Sổ văn bản đến");
  CHECK(registers.findRegister("so-khac")->organisationId == "khac");
  CHECK_FALSE(registers.findRegister("khong-co").has_value());

  auto entries = registers.entries("so-di", 2026);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].number == 1);
  CHECK(entries[0].notation == "01/QĐ-UBND");
  CHECK(entries[0].subject == "Về việc c");
  CHECK(entries[0].signer.empty());
  CHECK(entries[1].notation == "02/QĐ-UBND");
  CHECK(entries[1].signer == "Phạm Quốc Hùng");
  CHECK(entries[1].documentType == "QĐ");
  CHECK(entries[1].updatedAt == "2026-11-28T08:00:00Z");
  CHECK(entries[2].number == 3);
  CHECK(registers.entries("so-di", 2027).size() == 1);
  CHECK(registers.entries("so-den", 2026).empty());
}
