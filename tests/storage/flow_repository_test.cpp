// The outgoing flows and their acts (migration 9) on SQLite and (with
// tests/storage/with_postgres.sh) on a real PostgreSQL server: the same contract on both.

#include <catch2/catch.hpp>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/storage/sql_template_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

namespace {

struct FlowFixture {
  TempDir dir;
  std::unique_ptr<storage::Database> database = test::openTestDatabase(dir);
  storage::SqlDocumentRepository documents{*database};
  storage::SqlFlowRepository flows{*database};
  int templateVersion = 0;

  FlowFixture() {
    storage::SqlDirectoryRepository directory(*database);
    REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    Organisation o;
    o.id = "ubnd";
    o.code = "000.00.00.H55";
    o.name = "Ủy ban nhân dân tỉnh";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
    storage::SqlTemplateRepository templates(*database);
    REQUIRE(storage::ensureShippedTemplates(templates) == 2);
    templateVersion = templates.findTemplate("outgoing-4")->version;
    DocumentRecord d;
    d.id = "di-1";
    d.organisationId = "ubnd";
    d.direction = "outgoing";
    d.subject = "Về việc thử nghiệm";
    d.status = "draft";
    d.createdBy = "cv1";
    d.createdAt = d.updatedAt = "2026-11-29T08:00:00Z";
    REQUIRE(documents.createDocument(d).isOk());
  }

  storage::StoredFlow draft() const {
    storage::StoredFlow flow;
    flow.documentId = "di-1";
    flow.templateId = "outgoing-4";
    flow.templateVersion = templateVersion;
    flow.state = newDraft("ubnd", "cv1", "th");
    return flow;
  }
};

}  // namespace

TEST_CASE("a document's flow is stored, read back and moved with its template version kept",
          "[storage][flows][postgresql]") {
  FlowFixture f;
  CHECK_FALSE(f.flows.findFlow("di-1"));
  auto flow = f.draft();
  REQUIRE(f.flows.createFlow(flow).isOk());
  CHECK(f.flows.createFlow(flow).code() == ErrorCode::AlreadyExists);

  auto read = f.flows.findFlow("di-1");
  REQUIRE(read);
  CHECK(read->templateId == "outgoing-4");
  CHECK(read->templateVersion == f.templateVersion);
  CHECK(read->state.status == OutgoingStatus::Draft);
  CHECK(read->state.level == 1);
  CHECK(read->state.organisationId == "ubnd");
  CHECK(read->state.drafterId == "cv1");
  CHECK(read->state.drafterUnitId == "th");
  CHECK(read->state.approvalsAtLevel.empty());
  CHECK(read->state.skippedLevels.empty());

  flow.state.status = OutgoingStatus::Review;
  flow.state.level = 3;
  flow.state.approvalsAtLevel = {"user-a", "tên \"lạ\"\\x"};
  flow.state.skippedLevels = {2, 3};
  flow.state.returnedTo = 2;
  REQUIRE(f.flows.updateFlow(flow).isOk());
  read = f.flows.findFlow("di-1");
  REQUIRE(read);
  CHECK(read->state.status == OutgoingStatus::Review);
  CHECK(read->state.level == 3);
  CHECK(read->state.approvalsAtLevel == flow.state.approvalsAtLevel);
  CHECK(read->state.skippedLevels == std::vector<int>{2, 3});
  CHECK(read->state.returnedTo == 2);
  CHECK(read->templateVersion == f.templateVersion);

  auto unknown = f.draft();
  unknown.documentId = "no-such-document";
  CHECK(f.flows.updateFlow(unknown).code() == ErrorCode::NotFound);
  CHECK(f.flows.createFlow(unknown).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("a document's acts are numbered in order and roll back with their transaction",
          "[storage][flows][postgresql]") {
  FlowFixture f;
  REQUIRE(f.flows.createFlow(f.draft()).isOk());
  Act submit;
  submit.action = "submit";
  submit.actorId = "cv1";
  submit.fromLevel = 1;
  submit.toLevel = 2;
  submit.comment = "Kính trình";
  submit.at = 1795000000;
  auto first = f.flows.appendAct("di-1", submit);
  REQUIRE(first.isOk());
  CHECK(first.value().seq == 1);

  Act approve;
  approve.action = "approve";
  approve.actorId = "tp1";
  approve.onBehalfOfId = "tp0";
  approve.role = "department_head";
  approve.fromLevel = 2;
  approve.toLevel = 3;
  approve.at = 1795000100;
  // A failed unit of work leaves no act behind.
  auto rolledBack = f.documents.inTransaction([&]() -> Status {
    auto stored = f.flows.appendAct("di-1", approve);
    REQUIRE(stored.isOk());
    return Status::invalidState("refused after the act was written");
  });
  CHECK(rolledBack.code() == ErrorCode::InvalidState);
  CHECK(f.flows.acts("di-1").size() == 1);

  REQUIRE(f.documents
              .inTransaction([&]() -> Status {
                if (auto locked = f.documents.lockDocument("di-1"); !locked) return locked;
                return f.flows.appendAct("di-1", approve).status();
              })
              .isOk());
  CHECK(f.documents.inTransaction([&] { return f.documents.lockDocument("nothing"); }).code() ==
        ErrorCode::NotFound);

  auto acts = f.flows.acts("di-1");
  REQUIRE(acts.size() == 2);
  CHECK(acts[0].seq == 1);
  CHECK(acts[0].act.action == "submit");
  CHECK(acts[0].act.comment == "Kính trình");
  CHECK(acts[0].act.at == 1795000000);
  CHECK(acts[1].seq == 2);
  CHECK(acts[1].act.action == "approve");
  CHECK(acts[1].act.actorId == "tp1");
  CHECK(acts[1].act.onBehalfOfId == "tp0");
  CHECK(acts[1].act.role == "department_head");
  CHECK(acts[1].act.fromLevel == 2);
  CHECK(acts[1].act.toLevel == 3);
  CHECK(acts[0].id != acts[1].id);
  CHECK(f.flows.acts("other").empty());
  CHECK(f.flows.appendAct("no-such-document", submit).status().code() ==
        ErrorCode::InvalidArgument);
}
