// Templates, assignments, the exchange outbox/inbox and document lists on SQLite and (with
// tests/storage/with_postgres.sh) on a real PostgreSQL server: the same contract on both.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_exchange_repository.h"
#include "vanthu/storage/sql_exchange_state.h"
#include "vanthu/storage/sql_template_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  std::string url = test::testDatabaseUrl(dir);
  std::unique_ptr<storage::Database> database = storage::Database::open({url});
  storage::SqlDocumentRepository documents{*database};

  Fixture() {
    storage::SqlDirectoryRepository directory(*database);
    REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    for (auto [id, code] :
         {std::pair{"ubnd", "000.00.00.H55"}, std::pair{"stc", "000.00.12.H55"}}) {
      Organisation o;
      o.id = id;
      o.code = code;
      o.name = std::string("Cơ quan ") + id;
      o.abbreviation = "UBND";
      o.tierCode = "province";
      REQUIRE(directory.addOrganisation(o).isOk());
    }
    REQUIRE(directory.addUnit({"vp", "ubnd", "Văn phòng", "VP"}).isOk());
    REQUIRE(directory.addUnit({"th", "ubnd", "Phòng Tổng hợp", "TH"}).isOk());
    REQUIRE(directory.addUnit({"stc-vp", "stc", "Văn phòng Sở", "VP"}).isOk());
    User user;
    user.id = "cv1";
    user.username = "chuyenvien1";
    user.fullName = "Nguyễn Văn An";
    user.organisationId = "ubnd";
    user.unitId = "th";
    user.passwordHash = "x";
    REQUIRE(directory.addUser(user).isOk());
  }

  DocumentRecord document(const std::string& id, const std::string& organisation = "ubnd",
                          const std::string& direction = "incoming",
                          const std::string& updatedAt = "2026-11-28T08:00:00Z") {
    DocumentRecord d;
    d.id = id;
    d.organisationId = organisation;
    d.direction = direction;
    d.documentType = "CV";
    d.subject = "Về việc triển khai " + id;
    d.status = "registered";
    d.createdBy = "vanthu";
    d.createdAt = d.updatedAt = updatedAt;
    REQUIRE(documents.createDocument(d).isOk());
    return d;
  }
};

}  // namespace

TEST_CASE("templates are versioned: saving never changes a version in use",
          "[storage][templates][postgresql]") {
  Fixture f;
  storage::SqlTemplateRepository templates(*f.database);
  CHECK(storage::ensureShippedTemplates(templates) == 2);
  CHECK(storage::ensureShippedTemplates(templates) == 0);  // already there

  auto v1 = templates.findTemplate("outgoing-4");
  REQUIRE(v1);
  CHECK(v1->version == 1);
  REQUIRE(v1->levels.size() == 5);
  CHECK(v1->levels[3].role == "leader");
  CHECK(v1->levels[3].action == LevelAction::Sign);

  // An administrator makes level 2 "any of 2" with a longer deadline: version 2.
  auto edited = *v1;
  edited.levels[1].reviewers = ReviewerRule::AnyOf;
  edited.levels[1].reviewerCount = 2;
  edited.levels[1].deadlineDays = 5;
  edited.levels[2].approvalSignature = true;
  edited.levels[3].signaturePlacement = workflow::SignaturePlacement{-1, 72.25, 100, 150.5, 90};
  auto saved = templates.saveTemplate(edited);
  REQUIRE(saved.isOk());
  CHECK(saved.value() == 2);
  auto latest = templates.findTemplate("outgoing-4");
  REQUIRE(latest);
  CHECK(latest->version == 2);
  CHECK(latest->levels[1].reviewers == ReviewerRule::AnyOf);
  CHECK(latest->levels[1].reviewerCount == 2);
  CHECK(latest->levels[2].approvalSignature);
  REQUIRE(latest->levels[3].signaturePlacement);
  CHECK(latest->levels[3].signaturePlacement->page == -1);
  CHECK(latest->levels[3].signaturePlacement->x == 72.25);
  CHECK(latest->levels[3].signaturePlacement->y == 100);
  CHECK(latest->levels[3].signaturePlacement->width == 150.5);
  CHECK(latest->levels[3].signaturePlacement->height == 90);
  CHECK_FALSE(latest->levels[2].signaturePlacement);
  // A document that started on version 1 still finds version 1 exactly as it was.
  auto pinned = templates.findTemplate("outgoing-4", 1);
  REQUIRE(pinned);
  CHECK(pinned->levels[1].reviewers == ReviewerRule::One);
  CHECK_FALSE(pinned->levels[3].signaturePlacement);
  CHECK(pinned->levels[1].deadlineDays == 2);
  CHECK_FALSE(templates.findTemplate("outgoing-4", 3).has_value());

  // An organisation's own template is listed for it, with the shipped ones, latest versions.
  auto own = shippedTemplates()[1];
  own.id = "stc-outgoing";
  own.organisationId = "stc";
  own.name = "Văn bản đi của Sở";
  REQUIRE(templates.saveTemplate(own).isOk());
  std::vector<std::string> ids;
  for (const auto& t : templates.listTemplates("stc"))
    ids.push_back(t.id + "@" + std::to_string(t.version));
  CHECK(ids == std::vector<std::string>{"outgoing-4@2", "outgoing-commune@1", "stc-outgoing@1"});
  CHECK(templates.listTemplates("ubnd").size() == 2);

  // Another organisation cannot take over that id; an invalid template is not stored.
  own.organisationId = "ubnd";
  auto taken = templates.saveTemplate(own);
  CHECK(taken.status().code() == ErrorCode::InvalidArgument);
  CHECK(templates.findTemplate("stc-outgoing")->version == 1);
  auto broken = *latest;
  broken.levels[0].role = "";
  CHECK(templates.saveTemplate(broken).status().code() == ErrorCode::InvalidArgument);
  CHECK(templates.findTemplate("outgoing-4")->version == 2);
}

TEST_CASE("assignments: lead and supporting units, a specialist, deadlines and overdue lists",
          "[storage][assignments][postgresql]") {
  Fixture f;
  f.document("den-1");
  storage::SqlAssignmentRepository assignments(*f.database);
  auto assignment = [](std::string id, std::string kind, std::string unit, std::string user,
                       std::string due) {
    Assignment a;
    a.id = std::move(id);
    a.documentId = "den-1";
    a.kind = std::move(kind);
    a.unitId = std::move(unit);
    a.userId = std::move(user);
    a.assignedBy = "lanhdao";
    a.instruction = "Giao Phòng Tổng hợp chủ trì, tham mưu trước ngày 10/12";
    a.dueDate = std::move(due);
    a.createdAt = "2026-11-28T09:00:00Z";
    return a;
  };
  REQUIRE(assignments.addAssignment(assignment("a1", "lead_unit", "th", "", "2026-12-10")).isOk());
  REQUIRE(assignments.addAssignment(assignment("a2", "supporting_unit", "vp", "", "2026-12-01"))
              .isOk());
  REQUIRE(
      assignments.addAssignment(assignment("a3", "specialist", "th", "cv1", "2026-12-05")).isOk());

  CHECK(assignments.addAssignment(assignment("a1", "lead_unit", "th", "", "")).code() ==
        ErrorCode::AlreadyExists);
  CHECK(assignments.addAssignment(assignment("a4", "boss", "th", "", "")).code() ==
        ErrorCode::InvalidArgument);
  CHECK(assignments.addAssignment(assignment("a5", "lead_unit", "nowhere", "", "")).code() ==
        ErrorCode::InvalidArgument);
  CHECK(assignments.addAssignment(assignment("a6", "specialist", "th", "", "")).code() ==
        ErrorCode::InvalidArgument);

  auto ofDocument = assignments.assignmentsOf("den-1");
  REQUIRE(ofDocument.size() == 3);
  auto lead = assignments.findAssignment("a1");
  REQUIRE(lead);
  CHECK(lead->instruction == "Giao Phòng Tổng hợp chủ trì, tham mưu trước ngày 10/12");
  CHECK(lead->userId.empty());

  std::vector<std::string> open;
  for (const auto& a : assignments.openAssignments("th")) open.push_back(a.id);
  CHECK(open == std::vector<std::string>{"a3", "a1"});  // soonest due first
  CHECK(assignments.openAssignments("", "cv1").size() == 1);

  std::vector<std::string> overdue;
  for (const auto& a : assignments.overdueAssignments("ubnd", "2026-12-06"))
    overdue.push_back(a.id);
  CHECK(overdue == std::vector<std::string>{"a2", "a3"});
  CHECK(assignments.overdueAssignments("stc", "2026-12-06").empty());

  // Completing with a stale revision is refused; with the right one it leaves the lists.
  auto done = *assignments.findAssignment("a3");
  done.status = "completed";
  done.result = "Đã tham mưu văn bản trả lời";
  done.completedAt = "2026-12-04T10:00:00Z";
  auto first = assignments.updateAssignment(done, 1);
  REQUIRE(first.isOk());
  CHECK(first.value() == 2);
  CHECK(assignments.updateAssignment(done, 1).status().code() == ErrorCode::PreconditionFailed);
  CHECK(assignments.findAssignment("a3")->result == "Đã tham mưu văn bản trả lời");
  CHECK(assignments.openAssignments("", "cv1").empty());
  done.id = "missing";
  CHECK(assignments.updateAssignment(done, 1).status().code() == ErrorCode::NotFound);
}

TEST_CASE("the outbox hands each due message to one sender and retries with back-off",
          "[storage][exchange][postgresql]") {
  Fixture f;
  f.document("di-1", "ubnd", "outgoing");
  storage::SqlExchangeRepository exchange(*f.database);
  auto message = [](std::string id, std::string due) {
    OutboxMessage m;
    m.id = std::move(id);
    m.documentId = "di-1";
    m.recipientCode = "000.00.12.H55";
    m.kind = "document";
    m.payloadHash = std::string(64, 'a');
    m.nextAttemptAt = std::move(due);
    m.createdAt = "2026-11-28T10:00:00Z";
    return m;
  };
  REQUIRE(exchange.enqueue(message("m1", "2026-11-28T10:00:00Z")).isOk());
  REQUIRE(exchange.enqueue(message("m2", "2026-11-28T10:05:00Z")).isOk());
  REQUIRE(exchange.enqueue(message("m3", "2026-11-28T11:00:00Z")).isOk());
  CHECK(exchange.enqueue(message("m1", "2026-11-28T10:00:00Z")).code() == ErrorCode::AlreadyExists);

  // At 10:10 two messages are due; instance A holds them until 10:11.
  auto a = exchange.claimDue("2026-11-28T10:10:00Z", "instance-a", "2026-11-28T10:11:00Z", 10);
  REQUIRE(a.size() == 2);
  CHECK(a[0].id == "m1");
  CHECK(a[1].id == "m2");
  // Instance B, a moment later, gets nothing: the lease runs.
  CHECK(
      exchange.claimDue("2026-11-28T10:10:30Z", "instance-b", "2026-11-28T10:11:30Z", 10).empty());
  // A delivers m1; m2's recipient is down: retry at 10:20.
  REQUIRE(exchange.markDelivered("m1", "instance-a", "2026-11-28T10:10:01Z").isOk());
  REQUIRE(exchange
              .markAttemptFailed("m2", "instance-a", "connection refused", "2026-11-28T10:20:00Z",
                                 false)
              .isOk());
  CHECK(exchange.markDelivered("m1", "instance-a", "x").code() == ErrorCode::InvalidState);
  CHECK(exchange.markDelivered("m2", "instance-b", "x").code() == ErrorCode::InvalidState);
  CHECK(exchange.markDelivered("nope", "instance-a", "x").code() == ErrorCode::NotFound);
  auto m2 = exchange.outboxMessage("m2");
  REQUIRE(m2);
  CHECK(m2->attempts == 1);
  CHECK(m2->lastError == "connection refused");
  CHECK(m2->status == "pending");
  CHECK(
      exchange.claimDue("2026-11-28T10:15:00Z", "instance-b", "2026-11-28T10:16:00Z", 10).empty());

  // A sender that died: its lease expires and another instance takes the message.
  auto again = exchange.claimDue("2026-11-28T10:20:00Z", "instance-a", "2026-11-28T10:21:00Z", 10);
  REQUIRE(again.size() == 1);
  auto taken = exchange.claimDue("2026-11-28T10:22:00Z", "instance-b", "2026-11-28T10:23:00Z", 10);
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].id == "m2");
  CHECK(exchange.markDelivered("m2", "instance-a", "x").code() == ErrorCode::InvalidState);
  REQUIRE(exchange.markAttemptFailed("m2", "instance-b", "refused by recipient", "", true).isOk());
  CHECK(exchange.outboxMessage("m2")->status == "failed");
  CHECK(exchange.outboxOf("di-1").size() == 3);
  // Blob collection keeps the packages of the outbox.
  CHECK(f.documents.referencedBlobHashes().count(std::string(64, 'a')) == 1);
}

TEST_CASE("a message given up is sent again only on request, its attempts counted anew",
          "[storage][exchange][postgresql]") {
  Fixture f;
  f.document("di-7", "ubnd", "outgoing");
  storage::SqlExchangeRepository exchange(*f.database);
  OutboxMessage m;
  m.id = "msg-7";
  m.documentId = "di-7";
  m.recipientCode = "000.00.12.H55";
  m.kind = "document";
  m.payloadHash = std::string(64, 'e');
  m.nextAttemptAt = m.createdAt = "2026-11-28T08:00:00Z";
  REQUIRE(exchange.enqueue(m).isOk());
  CHECK(exchange.requeue("msg-7", "2026-11-28T09:00:00Z").code() == ErrorCode::InvalidState);
  auto taken = exchange.claimDue("2026-11-28T08:00:01Z", "s1", "2026-11-28T08:05:00Z", 10);
  REQUIRE(taken.size() == 1);
  REQUIRE(exchange.markAttemptFailed("msg-7", "s1", "422 wrong_recipient", "", true).isOk());
  CHECK(exchange.outboxMessage("msg-7")->status == "failed");
  CHECK(exchange.claimDue("2026-11-28T10:00:00Z", "s1", "2026-11-28T10:05:00Z", 10).empty());
  REQUIRE(exchange.requeue("msg-7", "2026-11-28T10:00:00Z").isOk());
  auto again = exchange.outboxMessage("msg-7");
  CHECK(again->status == "pending");
  CHECK(again->attempts == 0);
  CHECK(again->nextAttemptAt == "2026-11-28T10:00:00Z");
  CHECK(again->lastError == "422 wrong_recipient");  // kept: why it was given up
  CHECK(exchange.claimDue("2026-11-28T10:00:00Z", "s2", "2026-11-28T10:05:00Z", 10).size() == 1);
  CHECK(exchange.requeue("msg-7", "x").code() == ErrorCode::InvalidState);
  CHECK(exchange.requeue("none", "x").code() == ErrorCode::NotFound);
}

TEST_CASE("two instances claiming at once never get the same message",
          "[storage][exchange][postgresql]") {
  Fixture f;
  f.document("di-1", "ubnd", "outgoing");
  {
    storage::SqlExchangeRepository exchange(*f.database);
    for (int i = 0; i < 200; ++i) {
      OutboxMessage m;
      m.id = "m" + std::to_string(1000 + i);
      m.documentId = "di-1";
      m.recipientCode = "000.00.12.H55";
      m.kind = "status";
      m.payloadHash = std::string(64, 'b');
      m.nextAttemptAt = "2026-11-28T10:00:00Z";
      m.createdAt = m.nextAttemptAt;
      REQUIRE(exchange.enqueue(m).isOk());
    }
  }
  std::mutex mutex;
  std::multiset<std::string> claimed;
  std::atomic<int> failures{0};
  auto sender = [&](std::string owner) {
    try {
      auto database = storage::Database::open({f.url});
      storage::SqlExchangeRepository exchange(*database);
      for (int round = 0; round < 40; ++round) {
        auto batch = exchange.claimDue("2026-11-28T10:01:00Z", owner, "2026-11-28T11:00:00Z", 7);
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& m : batch) claimed.insert(m.id);
      }
    } catch (const std::exception&) {
      ++failures;
    }
  };
  std::thread a(sender, "instance-a");
  std::thread b(sender, "instance-b");
  a.join();
  b.join();
  CHECK(failures == 0);
  CHECK(claimed.size() == 200);
  std::set<std::string> distinct(claimed.begin(), claimed.end());
  CHECK(distinct.size() == claimed.size());  // no message was handed out twice
}

TEST_CASE("a package delivered twice is recorded and processed once",
          "[storage][exchange][postgresql]") {
  Fixture f;
  storage::SqlExchangeRepository exchange(*f.database);
  InboxMessage m;
  m.id = "pkg-7f3a";
  m.senderCode = "000.00.00.G01";
  m.recipientOrganisationId = "ubnd";
  m.kind = "document";
  m.payloadHash = std::string(64, 'c');
  m.receivedAt = "2026-11-28T12:00:00Z";
  auto first = exchange.recordReceived(m);
  REQUIRE(first.isOk());
  CHECK(first.value());
  m.receivedAt = "2026-11-28T12:00:05Z";  // the sender retried: the same id again
  auto second = exchange.recordReceived(m);
  REQUIRE(second.isOk());
  CHECK_FALSE(second.value());
  CHECK(exchange.inboxMessage("pkg-7f3a")->receivedAt == "2026-11-28T12:00:00Z");
  CHECK(f.documents.referencedBlobHashes().count(std::string(64, 'c')) == 1);

  f.document("den-9");
  REQUIRE(
      exchange.markProcessed("pkg-7f3a", "processed", "den-9", "", "2026-11-28T12:00:01Z").isOk());
  CHECK(exchange.markProcessed("pkg-7f3a", "refused", "", "late", "x").code() ==
        ErrorCode::InvalidState);
  CHECK(exchange.markProcessed("nope", "processed", "", "", "x").code() == ErrorCode::NotFound);
  CHECK(exchange.markProcessed("pkg-7f3a", "lost", "", "", "x").code() ==
        ErrorCode::InvalidArgument);
  CHECK(exchange.inboxMessage("pkg-7f3a")->documentId == "den-9");

  for (int i = 0; i < 5; ++i) {
    m.id = "pkg-" + std::to_string(i);
    m.receivedAt = "2026-11-29T0" + std::to_string(i) + ":00:00Z";
    REQUIRE(exchange.recordReceived(m).value());
  }
  int64_t total = 0;
  auto page = exchange.inboxOf("ubnd", 0, 2, &total);
  CHECK(total == 6);
  REQUIRE(page.size() == 2);
  CHECK(page[0].id == "pkg-4");
  CHECK(page[1].id == "pkg-3");
  CHECK(exchange.inboxOf("ubnd", 5, 2, nullptr).size() == 1);
  CHECK(exchange.inboxOf("stc", 0, 10, &total).empty());
  CHECK(total == 0);
}

TEST_CASE("document lists page by organisation and direction, newest change first",
          "[storage][documents][postgresql]") {
  Fixture f;
  for (int i = 0; i < 12; ++i) {
    char at[32];
    std::snprintf(at, sizeof at, "2026-11-%02dT08:00:00Z", i + 1);
    f.document("den-" + std::to_string(i), "ubnd", "incoming", at);
  }
  f.document("di-1", "ubnd", "outgoing", "2026-11-30T08:00:00Z");
  f.document("stc-1", "stc", "incoming", "2026-11-30T08:00:00Z");

  DocumentQuery query;
  query.organisationId = "ubnd";
  query.direction = "incoming";
  query.limit = 5;
  auto first = f.documents.listDocuments(query);
  REQUIRE(first.isOk());
  CHECK(first.value().total == 12);
  REQUIRE(first.value().items.size() == 5);
  CHECK(first.value().items[0].id == "den-11");
  CHECK(first.value().items[4].id == "den-7");
  query.offset = 10;
  query.countTotal = false;
  auto last = f.documents.listDocuments(query);
  REQUIRE(last.isOk());
  CHECK(last.value().total == -1);
  REQUIRE(last.value().items.size() == 2);
  CHECK(last.value().items[1].id == "den-0");

  // Keyset paging walks the same list without OFFSET: after the 5th row comes the 6th.
  query.offset = 0;
  query.afterUpdatedAt = first.value().items[4].updatedAt;
  query.afterId = first.value().items[4].id;
  auto next = f.documents.listDocuments(query);
  REQUIRE(next.isOk());
  REQUIRE(next.value().items.size() == 5);
  CHECK(next.value().items[0].id == "den-6");
  query.offset = 3;
  CHECK(f.documents.listDocuments(query).status().code() == ErrorCode::InvalidArgument);
  query.offset = 0;
  query.afterId.clear();
  CHECK(f.documents.listDocuments(query).status().code() == ErrorCode::InvalidArgument);

  query = {};
  query.organisationId = "ubnd";
  CHECK(f.documents.listDocuments(query).value().total == 13);
  query.status = "draft";
  CHECK(f.documents.listDocuments(query).value().total == 0);
  query.limit = 0;
  CHECK(f.documents.listDocuments(query).status().code() == ErrorCode::InvalidArgument);
  query.limit = 501;
  CHECK(f.documents.listDocuments(query).status().code() == ErrorCode::InvalidArgument);
}

TEST_CASE("the database itself refuses to change or delete a document version",
          "[storage][documents][postgresql]") {
  Fixture f;
  f.document("di-1", "ubnd", "outgoing");
  DocumentVersion v;
  v.documentId = "di-1";
  v.blobHash = std::string(64, 'd');
  v.kind = "upload";
  v.actor = "chuyenvien";
  v.size = 10;
  v.createdAt = "2026-11-28T08:00:00Z";
  REQUIRE(f.documents.addVersion(v).isOk());

  std::function<test::CommandResult(const std::string&)> run;
  const char* server = std::getenv("VANTHU_TEST_POSTGRES_URL");
  if (server != nullptr) {
    std::string schema = f.url.substr(f.url.find("?schema=") + 8);
    run = [server, schema](const std::string& sql) {
      return test::runCommand("psql -v ON_ERROR_STOP=1 -q " +
                              test::shellQuote(std::string(server)) + " -c " +
                              test::shellQuote("SET search_path TO " + schema + "; " + sql));
    };
  } else {
    std::string path = f.url.substr(std::string("sqlite:").size());
    run = [path](const std::string& sql) {
      return test::runCommand("sqlite3 " + test::shellQuote(path) + " " + test::shellQuote(sql));
    };
  }
  for (const char* change :
       {"UPDATE document_versions SET blob_hash = 'evil'", "DELETE FROM document_versions"}) {
    INFO(change);
    auto result = run(change);
    CHECK(result.exitCode != 0);
    CHECK(result.output.find("immutable") != std::string::npos);
  }
  auto kept = f.documents.version("di-1", 1);
  REQUIRE(kept);
  CHECK(kept->blobHash == std::string(64, 'd'));
}

TEST_CASE("the exchange's state: recipients in order, peer credentials, identities, the timeline",
          "[storage][exchange][postgresql]") {
  Fixture f;
  storage::SqlExchangeState state(*f.database);
  f.document("di-1", "ubnd", "outgoing");
  state.setRecipients("di-1", {"000.00.22.H55", "000.00.12.H55", "000.00.00.G01"});
  CHECK(state.recipients("di-1") ==
        std::vector<std::string>{"000.00.22.H55", "000.00.12.H55", "000.00.00.G01"});
  state.setRecipients("di-1", {"000.00.12.H55"});  // replaced, not added to
  CHECK(state.recipients("di-1") == std::vector<std::string>{"000.00.12.H55"});
  CHECK(state.recipients("none").empty());

  CHECK_FALSE(state.peerCredentials("000.00.12.H55"));
  state.setPeerCredentials("000.00.12.H55", {"vtk_first", ""}, "2026-11-29T08:00:00Z");
  state.setPeerCredentials("000.00.12.H55", {"vtk_second", "-----BEGIN CERTIFICATE-----"},
                           "2026-11-29T09:00:00Z");
  auto credentials = state.peerCredentials("000.00.12.H55");
  REQUIRE(credentials);
  CHECK(credentials->token == "vtk_second");
  CHECK(credentials->caPem == "-----BEGIN CERTIFICATE-----");

  const std::string sentAs = "000.00.00.H55,2026/11/29,01/QĐ-UBND";
  REQUIRE(state.recordSent("di-1", sentAs).isOk());
  CHECK(state.recordSent("di-1", sentAs).isOk());  // the same again: nothing changes
  CHECK(state.recordSent("di-1", "000.00.00.H55,2026/11/29,02/QĐ-UBND").code() ==
        ErrorCode::AlreadyExists);
  CHECK(state.sentAs("di-1") == sentAs);
  CHECK(state.documentSentAs(sentAs) == "di-1");
  CHECK_FALSE(state.documentSentAs("000.00.00.H55,2026/11/29,03/QĐ-UBND"));

  f.document("den-1", "stc", "incoming");
  IncomingOrigin origin;
  origin.documentId = "den-1";
  origin.senderCode = "000.00.00.H55";
  origin.senderName = "Ủy ban nhân dân tỉnh";
  origin.edxmlDocumentId = sentAs;
  origin.codeNumber = "1";
  origin.codeNotation = "QĐ-UBND";
  origin.promulgationDate = "2026-11-29";
  origin.messageId = std::string(64, 'd');
  REQUIRE(state.recordOrigin(origin).isOk());
  CHECK(state.recordOrigin(origin).code() == ErrorCode::AlreadyExists);
  auto found = state.originFrom("000.00.00.H55", sentAs, "stc");
  REQUIRE(found);
  CHECK(found->documentId == "den-1");
  CHECK(found->senderName == "Ủy ban nhân dân tỉnh");
  CHECK(found->recalledAt.empty());
  CHECK_FALSE(state.originFrom("000.00.00.G01", sentAs, "stc"));
  CHECK_FALSE(state.originFrom("000.00.00.H55", sentAs, "ubnd"));  // another recipient's
  state.markRecalled("den-1", "2026-11-29T10:00:00Z");
  CHECK(state.originOf("den-1")->recalledAt == "2026-11-29T10:00:00Z");

  TrackingEvent queued{"e1",      "di-1", "000.00.12.H55",        "queued",
                       "Chờ gửi", "",     "2026-11-29T08:00:00Z", "2026-11-29T08:00:00.000100Z"};
  TrackingEvent arrived{
      "m-01",   "di-1",          "000.00.12.H55",       "01",
      "Đã đến", "Phan Thị Ngọc", "2026/11/29 15:00:01", "2026-11-29T08:00:01.500000Z"};
  TrackingEvent sent{"e2",     "di-1", "000.00.12.H55",        "sent",
                     "Đã gửi", "",     "2026-11-29T08:00:01Z", "2026-11-29T08:00:01.200000Z"};
  CHECK(state.addTrackingEvent(queued));
  CHECK(state.addTrackingEvent(arrived));
  CHECK(state.addTrackingEvent(sent));
  CHECK_FALSE(state.addTrackingEvent(arrived));  // a repeated report counts once
  auto line = state.tracking("di-1");
  REQUIRE(line.size() == 3);
  CHECK(line[0].statusCode == "queued");
  CHECK(line[1].statusCode == "sent");
  CHECK(line[2].statusCode == "01");
  CHECK(line[2].staff == "Phan Thị Ngọc");
  CHECK(state.tracking("den-1").empty());
}
