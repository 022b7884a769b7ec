// Backup and restore of a data directory (SQLite): a round trip that keeps every row, blob, key
// and the audit log; a backup taken while a writer keeps adding documents and audit entries; a
// damaged blob that fails the backup by name; and the refusals (non-empty targets, a backup
// without its manifest, a backup file changed after the fact).

#include "vanthu/storage/backup.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"

using namespace vanthu;
using namespace vanthu::storage;
using vanthu::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string urlOf(const fs::path& dataDir) {
  return "sqlite:" + (dataDir / "vanthu.db").string();
}

unsigned modeOf(const fs::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return static_cast<unsigned>(info.st_mode) & 07777u;
}

workflow::DocumentRecord draft(const std::string& id) {
  workflow::DocumentRecord d;
  d.id = id;
  d.organisationId = "ubnd";
  d.direction = "outgoing";
  d.documentType = "QD";
  d.subject = "Quyết định số " + id;
  d.status = "draft";
  d.createdBy = "chuyenvien";
  d.createdAt = d.updatedAt = "2026-11-28T08:00:00Z";
  return d;
}

workflow::AuditEntry auditEntry(const std::string& documentId, const std::string& action) {
  workflow::AuditEntry entry;
  entry.actor = "chuyenvien";
  entry.organisationId = "ubnd";
  entry.documentId = documentId;
  entry.action = action;
  return entry;
}

/// Catch2's assertions are not thread-safe: the writer thread throws instead.
void must(const Status& status) {
  if (!status) throw std::runtime_error(status.toString());
}

/// A data directory as the server keeps it: database, blobs, keys, vanthu.properties.
struct DataDir {
  TempDir root;
  fs::path dir = root / "data";
  std::unique_ptr<Database> database;
  std::shared_ptr<const AuditSigningKey> key;

  explicit DataDir(const std::string& url = "") {
    fs::create_directory(dir);
    std::ofstream(dir / "vanthu.properties") << "database.url = sqlite:vanthu.db\n";
    fs::permissions(dir / "vanthu.properties", fs::perms(0600));
    database = Database::open({url.empty() ? urlOf(dir) : url});
    key = AuditSigningKey::loadOrCreate(auditKeyPath(dir));
    SqlDirectoryRepository directory(*database);
    REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    workflow::Organisation o;
    o.id = "ubnd";
    o.code = "000.00.00.H55";
    o.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
  }

  /// Blob first, then its rows, then the audit entry: the order the server writes in.
  static void addDocument(Database& database, SqlAuditLog* log, BlobStore& blobs,
                          const std::string& id, const std::string& content) {
    SqlDocumentRepository documents(database);
    BlobInfo blob = blobs.put(content);
    must(documents.createDocument(draft(id)));
    workflow::DocumentVersion version;
    version.documentId = id;
    version.blobHash = blob.hash;
    version.kind = "upload";
    version.actor = "chuyenvien";
    version.size = static_cast<int64_t>(blob.size);
    version.createdAt = "2026-11-28T08:00:00Z";
    must(documents.addVersion(version).status());
    // A signature appends to the upload: a "parent + tail" version in the store.
    BlobInfo signed_ = blobs.putTail(blob.hash, "\n%signature of " + id + "\n");
    version.blobHash = signed_.hash;
    version.parentNumber = 1;
    version.kind = "signature";
    version.size = static_cast<int64_t>(signed_.size);
    must(documents.addVersion(version).status());
    if (log != nullptr) {
      log->append(auditEntry(id, "upload"));
      log->append(auditEntry(id, "sign"));
    }
  }
};

BackupOptions backupOptions(const fs::path& dataDir, const fs::path& target) {
  BackupOptions options;
  options.dataDir = dataDir;
  options.databaseUrl = urlOf(dataDir);
  options.target = target;
  options.productVersion = "test";
  return options;
}

RestoreOptions restoreOptions(const fs::path& backupDir, const fs::path& dataDir) {
  RestoreOptions options;
  options.backupDir = backupDir;
  options.dataDir = dataDir;
  options.databaseUrl = urlOf(dataDir);
  return options;
}

/// The documents w0, w1, ... present (a writer adds them in order, so they form a prefix).
int countPrefix(Database& database, const std::string& prefix) {
  SqlDocumentRepository documents(database);
  int count = 0;
  while (documents.findDocument(prefix + std::to_string(count))) ++count;
  return count;
}

}  // namespace

TEST_CASE("a backup restores every row, blob, key and the audit log", "[storage][backup]") {
  DataDir data;
  BlobStore blobs(blobDirectory(data.dir));
  {
    SqlAuditLog log(*data.database, data.key, {3, {}, {}, {}});
    for (int i = 0; i < 5; ++i) {
      DataDir::addDocument(*data.database, &log, blobs, "d" + std::to_string(i),
                           "%PDF-1.7 document " + std::string(1000 * (i + 1), 'a' + char(i)));
    }
    log.checkpoint();
  }
  // Leftovers that are not blobs: a temporary and a data file without its record.
  std::ofstream(blobs.root() / "tmp" / "put-123") << "half";
  fs::create_directories(blobs.root() / "00" / "00");
  std::ofstream(blobs.root() / "00" / "00" / std::string(64, '0')) << "orphan";

  fs::path backupDir = data.root / "backup";
  std::vector<std::string> progress;
  auto options = backupOptions(data.dir, backupDir);
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  BackupManifest manifest = backupDataDirectory(options);
  CHECK(manifest.databaseKind == "sqlite");
  CHECK(manifest.schemaVersion == Database::latestSchemaVersion());
  CHECK(manifest.blobCount == 15);  // 5 uploads, 5 tails, 5 "parent + tail" versions
  CHECK(manifest.productVersion == "test");
  CHECK_FALSE(progress.empty());
  CHECK(fs::exists(backupDir / kBackupManifestFile));
  CHECK_FALSE(fs::exists(backupDir / "blobs" / "tmp"));
  CHECK_FALSE(fs::exists(backupDir / "blobs" / "00"));
  CHECK(modeOf(backupDir / "keys" / "audit-instance.pem") == 0600);
  CHECK(modeOf(backupDir / "vanthu.properties") == 0600);
  CHECK(modeOf(backupDir / "database.sqlite") == 0600);

  auto reread = readBackupManifest(backupDir);
  CHECK(reread.files.size() == manifest.files.size());
  CHECK(reread.blobBytes == manifest.blobBytes);

  fs::path restored = data.root / "restored";
  RestoreReport report = restoreDataDirectory(restoreOptions(backupDir, restored));
  CHECK(report.schemaVersion == Database::latestSchemaVersion());
  CHECK(report.auditVerified);
  CHECK(report.auditEntries == 10);
  CHECK(report.auditCheckpoints >= 3);
  CHECK(report.auditProblems.empty());
  CHECK(modeOf(restored / "keys" / "audit-instance.pem") == 0600);
  CHECK(modeOf(restored / "vanthu.properties") == 0600);

  auto database = Database::open({urlOf(restored)});
  SqlDirectoryRepository directory(*database);
  REQUIRE(directory.listOrganisations().size() == 1);
  CHECK(directory.listOrganisations().front().name == "Ủy ban nhân dân tỉnh Thái Nguyên");
  SqlDocumentRepository documents(*database);
  SqlDocumentRepository originals(*data.database);
  BlobStore restoredBlobs(blobDirectory(restored));
  for (int i = 0; i < 5; ++i) {
    std::string id = "d" + std::to_string(i);
    auto document = documents.findDocument(id);
    REQUIRE(document);
    CHECK(document->subject == originals.findDocument(id)->subject);
    auto versions = documents.versions(id);
    REQUIRE(versions.size() == 2);
    for (const auto& version : versions) {
      CHECK(restoredBlobs.readAll(version.blobHash) == blobs.readAll(version.blobHash));
      CHECK(restoredBlobs.sha256State(version.blobHash) == blobs.sha256State(version.blobHash));
    }
  }
  // The restored instance keeps signing with the same key.
  std::shared_ptr<const AuditSigningKey> key =
      AuditSigningKey::loadOrCreate(auditKeyPath(restored));
  CHECK(key->keyId() == data.key->keyId());
  SqlAuditLog log(*database, key);
  log.append(auditEntry("d0", "archive"));
  CHECK(log.verify().ok());
}

TEST_CASE("a backup taken while a writer adds documents is consistent", "[storage][backup]") {
  DataDir data;
  std::atomic<int> written{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    try {
      // Its own connection, as the server has.
      auto database = Database::open({urlOf(data.dir)});
      std::shared_ptr<const AuditSigningKey> key =
          AuditSigningKey::loadOrCreate(auditKeyPath(data.dir));
      SqlAuditLog log(*database, key, {10, {}, {}, {}});
      BlobStore blobs(blobDirectory(data.dir));
      for (int i = 0; !stop; ++i) {
        DataDir::addDocument(*database, &log, blobs, "w" + std::to_string(i),
                             "%PDF-1.7 concurrent " + std::to_string(i) + std::string(4096, 'x'));
        written = i + 1;
      }
    } catch (...) {
      failed = true;
    }
  });
  while (written < 20 && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int before = written;
  fs::path backupDir = data.root / "backup";
  BackupManifest manifest;
  try {
    manifest = backupDataDirectory(backupOptions(data.dir, backupDir));
  } catch (...) {
    stop = true;
    writer.join();
    throw;
  }
  // Keep writing a little after the backup, then stop.
  int after = written;
  while (written < after + 5 && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  REQUIRE_FALSE(failed);

  fs::path restored = data.root / "restored";
  RestoreReport report = restoreDataDirectory(restoreOptions(backupDir, restored));
  CHECK(report.auditVerified);
  CHECK(report.auditProblems.empty());
  auto database = Database::open({urlOf(restored)});
  int count = countPrefix(*database, "w");
  CHECK(count >= before);
  INFO("documents before the backup " << before << ", in it " << count << ", at the end "
                                      << written);
  CHECK(count <= written);
  // Every version the snapshot references has its blob, intact.
  SqlDocumentRepository documents(*database);
  BlobStore blobs(blobDirectory(restored));
  for (int i = 0; i < count; ++i) {
    for (const auto& version : documents.versions("w" + std::to_string(i))) {
      REQUIRE(blobs.exists(version.blobHash));
      blobs.verify(version.blobHash);
    }
  }
  // Two entries a document: the audit log in the snapshot is the same moment as the rows, or
  // at most one document ahead (its entries are appended after its rows).
  CHECK(report.auditEntries >= static_cast<uint64_t>(2 * count - 2));
  CHECK(report.auditEntries <= static_cast<uint64_t>(2 * count));
}

TEST_CASE("a damaged blob fails the backup, naming it", "[storage][backup]") {
  DataDir data;
  BlobStore blobs(blobDirectory(data.dir));
  BlobInfo good = blobs.put(std::string("%PDF-1.7 good"));
  BlobInfo bad = blobs.put(std::string("%PDF-1.7 will be damaged"));
  fs::path file = blobs.root() / bad.hash.substr(0, 2) / bad.hash.substr(2, 2) / bad.hash;
  fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(file, std::ios::binary | std::ios::in | std::ios::out) << "%PDF-1.7 WILL";

  fs::path backupDir = data.root / "backup";
  try {
    backupDataDirectory(backupOptions(data.dir, backupDir));
    FAIL("the backup succeeded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::StorageFailure);
    std::string message = e.what();
    CHECK_THAT(message, Catch::Contains(bad.hash));
    CHECK_THAT(message, Catch::Contains(file.string()));
    CHECK_THAT(message, Catch::Contains("damaged"));
  }
  // Nothing is left that could pass for a backup.
  CHECK_FALSE(fs::exists(backupDir));
  (void)good;
}

TEST_CASE("backup and restore refuse what they must not touch", "[storage][backup]") {
  DataDir data;
  fs::path backupDir = data.root / "backup";

  SECTION("a backup target that is not empty") {
    fs::create_directory(backupDir);
    std::ofstream(backupDir / "something") << "x";
    try {
      backupDataDirectory(backupOptions(data.dir, backupDir));
      FAIL("the backup succeeded");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK_THAT(e.what(), Catch::Contains("not empty"));
    }
    CHECK(fs::exists(backupDir / "something"));
  }
  SECTION("a backup target inside the data directory") {
    try {
      backupDataDirectory(backupOptions(data.dir, data.dir / "backups"));
      FAIL("the backup succeeded");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK_THAT(e.what(), Catch::Contains("inside the data directory"));
    }
  }
  SECTION("a target data directory that is not empty") {
    backupDataDirectory(backupOptions(data.dir, backupDir));
    try {
      restoreDataDirectory(restoreOptions(backupDir, data.dir));
      FAIL("the restore succeeded");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
    }
  }
  SECTION("a backup without its manifest") {
    backupDataDirectory(backupOptions(data.dir, backupDir));
    fs::remove(backupDir / kBackupManifestFile);
    fs::path restored = data.root / "restored";
    try {
      restoreDataDirectory(restoreOptions(backupDir, restored));
      FAIL("the restore succeeded");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK_THAT(e.what(), Catch::Contains("not a complete backup"));
    }
    CHECK_FALSE(fs::exists(restored));
  }
  SECTION("a backup file changed after the backup") {
    BlobStore blobs(blobDirectory(data.dir));
    BlobInfo blob = blobs.put(std::string("%PDF-1.7 original"));
    backupDataDirectory(backupOptions(data.dir, backupDir));
    fs::path copy =
        backupDir / "blobs" / blob.hash.substr(0, 2) / blob.hash.substr(2, 2) / blob.hash;
    fs::permissions(copy, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(copy, std::ios::binary | std::ios::in | std::ios::out) << "%PDF-1.7 ORIG";
    fs::path restored = data.root / "restored";
    try {
      restoreDataDirectory(restoreOptions(backupDir, restored));
      FAIL("the restore succeeded");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::StorageFailure);
      CHECK_THAT(e.what(), Catch::Contains(copy.string()));
    }
    CHECK_FALSE(fs::exists(restored));
  }
}

TEST_CASE("a PostgreSQL backup is a pg_dump that pg_restore brings back",
          "[storage][backup][postgresql]") {
  const char* server = std::getenv("VANTHU_TEST_POSTGRES_URL");
  if (server == nullptr) {
    SUCCEED("no PostgreSQL server (run through tests/storage/with_postgres.sh)");
    return;
  }
  TempDir scratch;
  std::string url = test::testDatabaseUrl(scratch);  // a fresh schema on the test server
  std::string schema = url.substr(url.find("?schema=") + 8);
  fs::path backupDir;
  fs::path restored;
  std::string documentSubject;
  std::vector<std::string> blobContents;
  DataDir data(url);
  {
    BlobStore blobs(blobDirectory(data.dir));
    // SqlAuditLog cannot append on PostgreSQL yet (its write transaction is SQLite's BEGIN
    // IMMEDIATE): documents and blobs only until it can.
    for (int i = 0; i < 3; ++i) {
      DataDir::addDocument(*data.database, nullptr, blobs, "p" + std::to_string(i),
                           "%PDF-1.7 on PostgreSQL " + std::to_string(i));
    }
    documentSubject = SqlDocumentRepository(*data.database).findDocument("p1")->subject;
  }
  backupDir = data.root / "backup";
  auto options = backupOptions(data.dir, backupDir);
  options.databaseUrl = url;
  BackupManifest manifest = backupDataDirectory(options);
  CHECK(manifest.databaseKind == "postgresql");
  CHECK(manifest.databaseSchema == schema);
  CHECK(readBackupManifest(backupDir).databaseSchema == schema);
  CHECK(manifest.schemaVersion == Database::latestSchemaVersion());
  CHECK(fs::exists(backupDir / "database.pgdump"));
  CHECK(modeOf(backupDir / "database.pgdump") == 0600);

  // The instance is lost: its schema goes away. The restore brings it back from the dump.
  data.database.reset();
  auto dropped =
      test::runCommand("psql -q -v ON_ERROR_STOP=1 " + test::shellQuote(std::string(server)) +
                       " -c " + test::shellQuote("DROP SCHEMA " + schema + " CASCADE"));
  INFO(dropped.output);
  REQUIRE(dropped.exitCode == 0);

  restored = data.root / "restored";
  RestoreOptions restore = restoreOptions(backupDir, restored);
  restore.databaseUrl = url + "x";  // another schema: refused before anything is written
  CHECK_THROWS_WITH(restoreDataDirectory(restore), Catch::Contains("restore into the same schema"));
  CHECK_FALSE(fs::exists(restored));
  restore.databaseUrl = url;
  RestoreReport report = restoreDataDirectory(restore);
  CHECK(report.auditVerified);
  auto database = Database::open({url});
  SqlDocumentRepository documents(*database);
  REQUIRE(documents.findDocument("p1"));
  CHECK(documents.findDocument("p1")->subject == documentSubject);
  BlobStore blobs(blobDirectory(restored));
  for (const auto& version : documents.versions("p2")) blobs.verify(version.blobHash);

  // A second restore into the same (now populated) schema is refused and changes nothing.
  try {
    restore.dataDir = data.root / "again";
    restoreDataDirectory(restore);
    FAIL("the restore succeeded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::DatabaseUnavailable);
    CHECK_THAT(e.what(), Catch::Contains("pg_restore failed"));
  }
  CHECK_FALSE(fs::exists(data.root / "again"));
  CHECK(documents.versions("p1").size() == 2);
}
