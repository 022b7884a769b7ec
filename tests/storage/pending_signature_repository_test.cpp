// Pending external signatures (migration 14) on SQLite and (with tests/storage/with_postgres.sh)
// on PostgreSQL: kept across a reopen of the database, completed once, removed after expiry, and
// their work blobs held against the blob collector until completed.

#include <catch2/catch.hpp>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_pending_signature_repository.h"

using namespace vanthu;
using vanthu::test::TempDir;

namespace {

struct PendingFixture {
  TempDir dir;
  std::string url = test::testDatabaseUrl(dir);
  std::unique_ptr<storage::Database> database = storage::Database::open({url});

  PendingFixture() {
    storage::SqlDirectoryRepository directory(*database);
    REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    workflow::Organisation o;
    o.id = "ubnd";
    o.code = "000.00.00.H55";
    o.name = "Ủy ban nhân dân tỉnh";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
    workflow::DocumentRecord d;
    d.id = "di-1";
    d.organisationId = "ubnd";
    d.direction = "outgoing";
    d.subject = "Về việc ký số";
    d.status = "signing";
    d.createdBy = "cv1";
    d.createdAt = d.updatedAt = "2026-11-29T08:00:00Z";
    REQUIRE(storage::SqlDocumentRepository(*database).createDocument(d).isOk());
  }

  static storage::PendingSignature pending(const std::string& id, int64_t expiresAt) {
    storage::PendingSignature p;
    p.id = id;
    p.documentId = "di-1";
    p.userId = "user-lanhdao";
    p.keyId = "key-external";
    p.action = "sign";
    p.documentRevision = 4;
    p.versionNumber = 1;
    p.prepared = "vanthu-prepared-signature 1\nwork-file blob:" + id + "\n";
    p.workBlobHash = "hash-" + id;
    p.createdAt = expiresAt - 900;
    p.expiresAt = expiresAt;
    return p;
  }
};

}  // namespace

TEST_CASE("pending signatures: one is kept across a reopen and completed exactly once",
          "[storage][pending_signatures][postgresql]") {
  PendingFixture f;
  storage::SqlPendingSignatureRepository repository(*f.database);
  REQUIRE(repository.add(f.pending("p1", 2000)).isOk());
  CHECK(repository.add(f.pending("p1", 2000)).code() == ErrorCode::AlreadyExists);
  auto unknownDocument = f.pending("p2", 2000);
  unknownDocument.documentId = "no-such-document";
  CHECK(repository.add(unknownDocument).code() == ErrorCode::InvalidArgument);

  // A restart between the two steps: a new connection reads everything back.
  f.database.reset();
  f.database = storage::Database::open({f.url});
  storage::SqlPendingSignatureRepository reopened(*f.database);
  auto read = reopened.find("p1");
  REQUIRE(read);
  CHECK(read->documentId == "di-1");
  CHECK(read->userId == "user-lanhdao");
  CHECK(read->keyId == "key-external");
  CHECK(read->action == "sign");
  CHECK(read->documentRevision == 4);
  CHECK(read->versionNumber == 1);
  CHECK(read->prepared == f.pending("p1", 2000).prepared);
  CHECK(read->workBlobHash == "hash-p1");
  CHECK(read->createdAt == 1100);
  CHECK(read->expiresAt == 2000);
  CHECK(read->completedAt == 0);
  CHECK_FALSE(reopened.find("p9"));

  CHECK(reopened.markCompleted("p1", 1500).isOk());
  CHECK(reopened.markCompleted("p1", 1600).code() == ErrorCode::InvalidState);
  CHECK(reopened.markCompleted("p9", 1600).code() == ErrorCode::NotFound);
  CHECK(reopened.find("p1")->completedAt == 1500);
}

TEST_CASE("pending signatures: their work blobs are referenced until completed or removed",
          "[storage][pending_signatures][postgresql]") {
  PendingFixture f;
  storage::SqlPendingSignatureRepository repository(*f.database);
  storage::SqlDocumentRepository documents(*f.database);
  REQUIRE(repository.add(f.pending("old", 1000)).isOk());
  REQUIRE(repository.add(f.pending("new", 5000)).isOk());
  REQUIRE(repository.add(f.pending("done", 5000)).isOk());
  REQUIRE(repository.markCompleted("done", 1200).isOk());

  CHECK(repository.workBlobHashes() == std::set<std::string>{"hash-old", "hash-new"});
  auto referenced = documents.referencedBlobHashes();
  CHECK(referenced.count("hash-old") == 1);
  CHECK(referenced.count("hash-new") == 1);
  CHECK(referenced.count("hash-done") == 0);

  // Everything that expired before 3000, completed or not, goes; its blob is then unreferenced.
  CHECK(repository.removeExpired(3000) == 1);
  CHECK_FALSE(repository.find("old"));
  CHECK(repository.find("new"));
  CHECK(documents.referencedBlobHashes().count("hash-old") == 0);
  CHECK(repository.removeExpired(6000) == 2);
  CHECK_FALSE(repository.find("done"));
  CHECK(repository.removeExpired(6000) == 0);
}
