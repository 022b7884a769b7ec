// The incoming flows (migration 10) on SQLite and (with tests/storage/with_postgres.sh) on a real
// PostgreSQL server: the same contract on both.

#include <catch2/catch.hpp>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_incoming_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

namespace {

struct IncomingFixture {
  TempDir dir;
  std::unique_ptr<storage::Database> database = test::openTestDatabase(dir);
  storage::SqlDocumentRepository documents{*database};
  storage::SqlIncomingRepository incoming{*database};

  IncomingFixture() {
    storage::SqlDirectoryRepository directory(*database);
    REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    Organisation o;
    o.id = "ubnd";
    o.code = "000.00.00.H55";
    o.name = "Ủy ban nhân dân tỉnh";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
    for (const char* id : {"den-1", "di-1"}) {
      DocumentRecord d;
      d.id = id;
      d.organisationId = "ubnd";
      d.direction = std::string(id) == "den-1" ? "incoming" : "outgoing";
      d.subject = "Về việc thử nghiệm";
      d.status = std::string(id) == "den-1" ? "received" : "draft";
      d.createdBy = "vt1";
      d.createdAt = d.updatedAt = "2026-11-29T08:00:00Z";
      REQUIRE(documents.createDocument(d).isOk());
    }
  }

  static storage::StoredIncoming received() {
    storage::StoredIncoming stored;
    stored.documentId = "den-1";
    stored.verificationVerdict = "TOTAL_PASSED";
    stored.verificationReport = R"({"verdict":"TOTAL_PASSED"})";
    stored.updatedAt = "2026-11-29T08:00:00Z";
    return stored;
  }
};

}  // namespace

TEST_CASE("an incoming document's flow is stored, read back and moved, and its verification stays",
          "[storage][incoming][postgresql]") {
  IncomingFixture f;
  CHECK_FALSE(f.incoming.findIncoming("den-1"));
  auto stored = IncomingFixture::received();
  REQUIRE(f.incoming.createIncoming(stored).isOk());
  CHECK(f.incoming.createIncoming(stored).code() == ErrorCode::AlreadyExists);

  auto read = f.incoming.findIncoming("den-1");
  REQUIRE(read);
  CHECK(read->state.status == IncomingStatus::Received);
  CHECK(read->state.organisationId == "ubnd");
  CHECK(read->state.supportingUnitIds.empty());
  CHECK(read->state.replyDocumentId.empty());
  CHECK(read->verificationVerdict == "TOTAL_PASSED");
  CHECK(read->verificationReport == R"({"verdict":"TOTAL_PASSED"})");

  stored.state.status = IncomingStatus::Completed;
  stored.state.leadUnitId = "th";
  stored.state.supportingUnitIds = {"kt", "tên \"lạ\"\\x"};
  stored.state.dueDate = "2026-12-15";
  stored.state.instruction = "Giao Phòng Tổng hợp";
  stored.state.specialistId = "cv1";
  stored.state.result = "Đã trả lời";
  stored.state.replyDocumentId = "di-1";
  stored.verificationVerdict = "changed";  // never stored again
  stored.updatedAt = "2026-11-30T08:00:00Z";
  REQUIRE(f.incoming.updateIncoming(stored).isOk());
  read = f.incoming.findIncoming("den-1");
  REQUIRE(read);
  CHECK(read->state.status == IncomingStatus::Completed);
  CHECK(read->state.leadUnitId == "th");
  CHECK(read->state.supportingUnitIds == stored.state.supportingUnitIds);
  CHECK(read->state.dueDate == "2026-12-15");
  CHECK(read->state.instruction == "Giao Phòng Tổng hợp");
  CHECK(read->state.specialistId == "cv1");
  CHECK(read->state.result == "Đã trả lời");
  CHECK(read->state.replyDocumentId == "di-1");
  CHECK(read->verificationVerdict == "TOTAL_PASSED");
  CHECK(read->updatedAt == "2026-11-30T08:00:00Z");

  // A reply that does not exist, a document without a flow, an unknown document.
  stored.state.replyDocumentId = "no-such-document";
  CHECK(f.incoming.updateIncoming(stored).code() == ErrorCode::InvalidArgument);
  auto unknown = IncomingFixture::received();
  unknown.documentId = "no-such-document";
  CHECK(f.incoming.updateIncoming(unknown).code() == ErrorCode::NotFound);
  CHECK(f.incoming.createIncoming(unknown).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("an incoming flow rolls back with its transaction", "[storage][incoming][postgresql]") {
  IncomingFixture f;
  auto rolledBack = f.documents.inTransaction([&]() -> Status {
    REQUIRE(f.incoming.createIncoming(IncomingFixture::received()).isOk());
    return Status::invalidState("refused after the flow was written");
  });
  CHECK(rolledBack.code() == ErrorCode::InvalidState);
  CHECK_FALSE(f.incoming.findIncoming("den-1"));
}
