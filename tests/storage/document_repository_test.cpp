// Documents, versions and registers on SQLite and (with tests/storage/with_postgres.sh) on a real
// PostgreSQL server: optimistic locking, immutable versions, gap-free register numbers under
// concurrent issuance, and migrations from every earlier schema version.

#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"

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
    Organisation o;
    o.id = "ubnd";
    o.code = "000.00.00.H55";
    o.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
    REQUIRE(documents.createRegister({"di-2026", "ubnd", "Sổ văn bản đi", "outgoing"}).isOk());
  }

  static DocumentRecord draft(const std::string& id) {
    DocumentRecord d;
    d.id = id;
    d.organisationId = "ubnd";
    d.direction = "outgoing";
    d.documentType = "QD";
    d.subject = "Quyết định về việc ban hành quy chế làm việc";
    d.status = "draft";
    d.createdBy = "chuyenvien";
    d.createdAt = d.updatedAt = "2026-11-28T08:00:00Z";
    return d;
  }
};

}  // namespace

TEST_CASE("documents round-trip and a stale write is refused, not merged",
          "[storage][documents][postgresql]") {
  Fixture f;
  REQUIRE(f.documents.createDocument(Fixture::draft("d1")).isOk());
  CHECK(f.documents.createDocument(Fixture::draft("d1")).code() == ErrorCode::AlreadyExists);
  auto orphan = Fixture::draft("d2");
  orphan.organisationId = "nowhere";
  CHECK(f.documents.createDocument(orphan).code() == ErrorCode::InvalidArgument);

  auto first = f.documents.findDocument("d1");
  REQUIRE(first.has_value());
  CHECK(first->subject == "Quyết định về việc ban hành quy chế làm việc");
  CHECK(first->revision == 1);
  CHECK_FALSE(first->registerNumber.has_value());

  // Two people open revision 1; the first to save wins, the second is told to reload.
  auto alice = *first;
  auto bob = *first;
  alice.status = "submitted";
  bob.subject = "Something else";
  auto saved = f.documents.updateDocument(alice, 1);
  REQUIRE(saved.isOk());
  CHECK(saved.value() == 2);
  auto refused = f.documents.updateDocument(bob, 1);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == ErrorCode::PreconditionFailed);
  CHECK(refused.status().message().find("revision 2") != std::string::npos);
  auto now = f.documents.findDocument("d1");
  CHECK(now->status == "submitted");
  CHECK(now->subject == first->subject);  // nothing of the stale write landed
  CHECK(f.documents.updateDocument(Fixture::draft("missing"), 1).status().code() ==
        ErrorCode::NotFound);
}

TEST_CASE("versions are numbered by the store and append to existing ones",
          "[storage][documents][postgresql]") {
  Fixture f;
  REQUIRE(f.documents.createDocument(Fixture::draft("d1")).isOk());
  DocumentVersion upload;
  upload.documentId = "d1";
  upload.blobHash = std::string(64, 'a');
  upload.kind = "upload";
  upload.actor = "chuyenvien";
  upload.size = 2289;
  upload.createdAt = "2026-11-28T08:00:00Z";
  auto one = f.documents.addVersion(upload);
  REQUIRE(one.isOk());
  CHECK(one.value() == 1);
  DocumentVersion signature = upload;
  signature.blobHash = std::string(64, 'b');
  signature.parentNumber = 1;
  signature.kind = "signature";
  signature.actor = "phochutich";
  signature.onBehalfOf = "lanhdao";
  signature.reason = "KT. Chủ tịch";
  auto two = f.documents.addVersion(signature);
  REQUIRE(two.isOk());
  CHECK(two.value() == 2);
  signature.parentNumber = 7;
  CHECK(f.documents.addVersion(signature).status().code() == ErrorCode::InvalidArgument);
  upload.documentId = "nope";
  CHECK_FALSE(f.documents.addVersion(upload).isOk());

  auto all = f.documents.versions("d1");
  REQUIRE(all.size() == 2);
  CHECK(all[1].parentNumber == std::optional<int>(1));
  CHECK(all[1].onBehalfOf == "lanhdao");
  CHECK(all[1].reason == "KT. Chủ tịch");
  CHECK(f.documents.version("d1", 2)->blobHash == std::string(64, 'b'));
  CHECK_FALSE(f.documents.version("d1", 3).has_value());
}

TEST_CASE("issuance takes the next register number, once, and a refused one takes none",
          "[storage][documents][postgresql]") {
  Fixture f;
  for (const char* id : {"a", "b", "c"}) REQUIRE(f.documents.createDocument(Fixture::draft(id)));
  auto first = f.documents.issue("a", 1, "di-2026", 2026, "{n}/QĐ-UBND");
  REQUIRE(first.isOk());
  CHECK(first.value() == 1);
  // Decree 30 writes numbers below 10 with a leading zero.
  CHECK(f.documents.findDocument("a")->notation == std::optional<std::string>("01/QĐ-UBND"));
  CHECK(f.documents.findDocument("a")->revision == 2);

  CHECK(f.documents.issue("a", 2, "di-2026", 2026, "{n}/QĐ-UBND").status().code() ==
        ErrorCode::InvalidState);
  CHECK(f.documents.issue("b", 7, "di-2026", 2026, "{n}/QĐ-UBND").status().code() ==
        ErrorCode::PreconditionFailed);
  CHECK(f.documents.issue("b", 1, "no-such-register", 2026, "{n}").status().code() ==
        ErrorCode::NotFound);
  CHECK(f.documents.issue("zzz", 1, "di-2026", 2026, "{n}").status().code() == ErrorCode::NotFound);
  // None of the refusals consumed a number.
  CHECK(f.documents.issue("b", 1, "di-2026", 2026, "{n}/QĐ-UBND").value() == 2);
  // A new year starts again at 1.
  CHECK(f.documents.issue("c", 1, "di-2026", 2027, "{n}/QĐ-UBND").value() == 1);
}

TEST_CASE("concurrent issuance gives unique numbers without gaps",
          "[storage][documents][postgresql]") {
  Fixture f;
  constexpr int kThreads = 4;
  constexpr int kEach = 15;
  for (int i = 0; i < kThreads * kEach; ++i) {
    REQUIRE(f.documents.createDocument(Fixture::draft("doc" + std::to_string(i))).isOk());
  }
  std::mutex mutex;
  std::vector<int> numbers;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        // Each thread is its own connection, as server instances would be.
        auto database = storage::Database::open({f.url});
        storage::SqlDocumentRepository documents(*database);
        for (int i = 0; i < kEach; ++i) {
          auto number =
              documents.issue("doc" + std::to_string(t * kEach + i), 1, "di-2026", 2026, "{n}");
          std::lock_guard<std::mutex> lock(mutex);
          if (number.isOk()) {
            numbers.push_back(number.value());
          } else {
            failures.push_back(number.status().message());
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex);
        failures.push_back(e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  INFO((failures.empty() ? std::string() : failures.front()));
  REQUIRE(failures.empty());
  std::sort(numbers.begin(), numbers.end());
  std::vector<int> expected(kThreads * kEach);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i) + 1;
  CHECK(numbers == expected);
}

TEST_CASE("every earlier schema version migrates to the latest with its data",
          "[storage][migrations][postgresql]") {
  for (int from = 1; from < storage::Database::latestSchemaVersion(); ++from) {
    INFO("from schema version " << from);
    TempDir dir;
    std::string url = test::testDatabaseUrl(dir);
    {
      auto old = storage::Database::open({url, from});
      CHECK(old->schemaVersion() == from);
      storage::SqlDirectoryRepository directory(*old);
      REQUIRE(directory.addTier({"commune", "Cấp xã", 4, std::nullopt}).isOk());
      if (from < 6) {
        // Blobs in the database need schema version 6: refused, and nothing is left half-done.
        auto blobs = storage::BlobStore::inDatabase(*old);
        CHECK(test::errorCodeOf([&] { blobs.put("too early"); }) == ErrorCode::StorageFailure);
      }
    }
    auto database = storage::Database::open({url});
    CHECK(database->schemaVersion() == storage::Database::latestSchemaVersion());
    CHECK(database->ping().isOk());
    storage::SqlDirectoryRepository directory(*database);
    REQUIRE(directory.listTiers().size() == 1);
    CHECK(directory.listTiers()[0].name == "Cấp xã");
    auto blobs = storage::BlobStore::inDatabase(*database);
    auto base = blobs.put("a version stored after the upgrade");
    auto next = blobs.putTail(base.hash, " and its signature");
    CHECK(blobs.readAll(next.hash) == "a version stored after the upgrade and its signature");
  }
}

TEST_CASE("PostgreSQL itself refuses to change or remove audit rows", "[storage][postgresql]") {
  const char* server = std::getenv("VANTHU_TEST_POSTGRES_URL");
  if (server == nullptr) {
    WARN("VANTHU_TEST_POSTGRES_URL is not set: run through tests/storage/with_postgres.sh");
    return;
  }
  TempDir dir;
  std::string url = test::testDatabaseUrl(dir);
  std::string schema = url.substr(url.find("?schema=") + 8);
  storage::Database::open({url});  // migrated
  auto psql = [&](const std::string& sql) {
    return test::runCommand("psql -v ON_ERROR_STOP=1 -q " + test::shellQuote(std::string(server)) +
                            " -c " + test::shellQuote("SET search_path TO " + schema + "; " + sql));
  };
  REQUIRE(psql("INSERT INTO audit_entries VALUES (0, 't', 'a', 'o', 'd', 'x', '', '', 'p', 'e',"
               " 'l')")
              .exitCode == 0);
  for (const char* change : {"UPDATE audit_entries SET actor = 'mallory'",
                             "DELETE FROM audit_entries", "TRUNCATE audit_entries"}) {
    INFO(change);
    auto result = psql(change);
    CHECK(result.exitCode != 0);
    CHECK(result.output.find("append-only") != std::string::npos);
  }
  CHECK(psql("SELECT actor FROM audit_entries").output.find(" a") != std::string::npos);
}

TEST_CASE("lists filter by visibility, text and box in SQL, totals included",
          "[storage][documents][postgresql]") {
  Fixture f;
  storage::SqlDirectoryRepository directory(*f.database);
  REQUIRE(directory.addUnit({"vp", "ubnd", "Văn phòng", "VP"}).isOk());
  for (const std::string id : {"u-creator", "u-assignee", "u-peer"}) {
    User user;
    user.id = id;
    user.username = id;
    user.fullName = id;
    user.organisationId = "ubnd";
    user.passwordHash = "x";
    REQUIRE(directory.addUser(user).isOk());
  }
  auto add = [&](const std::string& id, const std::string& subject,
                 const std::string& confidentiality, const std::string& status) {
    auto d = Fixture::draft(id);
    d.subject = subject;
    d.confidentiality = confidentiality;
    d.status = status;
    d.createdBy = "u-creator";
    REQUIRE(f.documents.createDocument(d).isOk());
  };
  add("d-open", "Kế hoạch 100% hoàn thành", "normal", "draft");
  add("d-secret", "Báo cáo mật", "secret", "review");
  add("d-other", "Thông báo_nghỉ lễ", "normal", "review");
  storage::SqlAssignmentRepository assignments(*f.database);
  Assignment a;
  a.id = "a1";
  a.documentId = "d-secret";
  a.kind = "specialist";
  a.unitId = "vp";
  a.userId = "u-assignee";
  a.assignedBy = "u-leader";
  a.createdAt = "2026-11-28T08:00:00Z";
  REQUIRE(assignments.addAssignment(a).isOk());

  DocumentQuery query;
  query.organisationId = "ubnd";
  query.limit = 1;
  // The filter's first four fields; the others as a default-made filter has them.
  auto where = [](std::string text, std::string createdBy, bool inFlight,
                  std::optional<std::vector<std::string>> onlyIds) {
    storage::DocumentListFilter filter;
    filter.text = std::move(text);
    filter.createdBy = std::move(createdBy);
    filter.inFlight = inFlight;
    filter.onlyIds = std::move(onlyIds);
    return filter;
  };
  auto count = [&](const DocumentVisibility& visibility,
                   const storage::DocumentListFilter& filter) {
    auto page = f.documents.listVisibleDocuments(query, visibility, filter);
    REQUIRE(page.isOk());
    CHECK(page.value().items.size() <= 1);
    return page.value().total;
  };
  CHECK(count({"ubnd", true, "", {}}, {}) == 3);
  CHECK(count({"ubnd", false, "", {}}, {}) == 2);
  CHECK(count({"ubnd", false, "u-peer", {}}, {}) == 2);
  CHECK(count({"ubnd", false, "u-assignee", {}}, {}) == 3);
  CHECK(count({"ubnd", false, "u-creator", {}}, {}) == 3);
  CHECK(count({"sotc", true, "", {}}, {}) == 0);
  CHECK(count({"ubnd", true, "", {}}, where("BáO CáO", "", false, std::nullopt)) ==
        1);  // ASCII letters fold
  CHECK(count({"ubnd", true, "", {}}, where("báo cáo", "", false, std::nullopt)) == 1);
  CHECK(count({"ubnd", true, "", {}}, where("100%", "", false, std::nullopt)) == 1);
  CHECK(count({"ubnd", true, "", {}}, where("%", "", false, std::nullopt)) ==
        1);  // a wildcard taken literally
  CHECK(count({"ubnd", true, "", {}}, where("o_n", "", false, std::nullopt)) ==
        1);  // not "hoàn" too
  CHECK(count({"ubnd", true, "", {}}, where("", "u-creator", true, std::nullopt)) == 2);
  CHECK(count({"ubnd", false, "u-peer", {}}, where("", "u-creator", true, std::nullopt)) == 1);
  CHECK(count({"ubnd", true, "", {}}, where("", "u-peer", false, std::nullopt)) == 0);
  // Among given ids only (the "pending" box): none when the list is empty, and the other
  // conditions still apply.
  using Ids = std::vector<std::string>;
  CHECK(count({"ubnd", true, "", {}}, where("", "", false, Ids{})) == 0);
  CHECK(count({"ubnd", true, "", {}},
              where("", "", false, Ids{"d-open", "d-secret", "khong-co"})) == 2);
  CHECK(count({"ubnd", false, "", {}}, where("", "", false, Ids{"d-open", "d-secret"})) == 1);
  CHECK(count({"ubnd", true, "", {}}, where("", "", true, Ids{"d-open", "d-secret", "d-other"})) ==
        2);
  Ids many;
  for (int i = 0; i < 100; ++i) many.push_back("khong-co-" + std::to_string(i));
  many.push_back("d-other");
  CHECK(count({"ubnd", true, "", {}}, where("nghỉ", "", false, many)) == 1);
  CHECK(count({"sotc", true, "", {}}, where("", "", false, many)) == 0);
}

TEST_CASE("a document, its first version and what else the caller writes land together",
          "[storage][documents][postgresql]") {
  Fixture f;
  DocumentVersion upload;
  upload.documentId = "d1";
  upload.blobHash = std::string(64, 'a');
  upload.kind = "upload";
  upload.actor = "chuyenvien";
  upload.createdAt = "2026-11-28T08:00:00Z";
  auto refused = f.documents.inTransaction([&]() -> Status {
    REQUIRE(f.documents.createDocument(Fixture::draft("d1")).isOk());
    REQUIRE(f.documents.addVersion(upload).isOk());
    return Status::invalidState("the audit entry could not be written");
  });
  CHECK(refused.code() == ErrorCode::InvalidState);
  CHECK_FALSE(f.documents.findDocument("d1").has_value());
  CHECK(f.documents.versions("d1").empty());

  auto stored = f.documents.inTransaction([&]() -> Status {
    if (auto status = f.documents.createDocument(Fixture::draft("d1")); !status) return status;
    return f.documents.addVersion(upload).status();
  });
  CHECK(stored.isOk());
  CHECK(f.documents.versions("d1").size() == 1);
}
