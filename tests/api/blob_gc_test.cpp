// The server's scheduled blob garbage collection (storage.gc_interval, storage.gc_min_age): an
// unreferenced blob older than the grace period goes; a referenced one (with the parent chain it
// is stored on) and a young unreferenced one stay.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"

using namespace vanthu;
using vanthu::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string blobFile(const fs::path& root, const std::string& hash) {
  return (root / hash.substr(0, 2) / hash.substr(2, 2) / hash).string();
}

// Makes every file of the store look `age` old, as if it had been put that long ago.
void ageStore(const fs::path& root, std::chrono::seconds age) {
  auto then = fs::file_time_type::clock::now() - age;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) fs::last_write_time(entry.path(), then);
  }
}

void addDocument(storage::Database& database, const std::string& blobHash, int64_t size) {
  storage::SqlDirectoryRepository directory(database);
  REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
  workflow::Organisation o;
  o.id = "ubnd";
  o.code = "000.00.00.H55";
  o.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
  o.abbreviation = "UBND";
  o.tierCode = "province";
  REQUIRE(directory.addOrganisation(o).isOk());
  storage::SqlDocumentRepository documents(database);
  workflow::DocumentRecord d;
  d.id = "d1";
  d.organisationId = "ubnd";
  d.direction = "outgoing";
  d.documentType = "QD";
  d.subject = "Quyết định";
  d.status = "draft";
  d.createdBy = "chuyenvien";
  d.createdAt = d.updatedAt = "2026-11-28T08:00:00Z";
  REQUIRE(documents.createDocument(d).isOk());
  workflow::DocumentVersion v;
  v.documentId = "d1";
  v.blobHash = blobHash;
  v.kind = "signature";
  v.actor = "chuyenvien";
  v.size = size;
  v.createdAt = d.createdAt;
  REQUIRE(documents.addVersion(v).isOk());
}

}  // namespace

TEST_CASE("the server collects unreferenced blobs past the grace period, on schedule",
          "[api][gc]") {
  TempDir dir;
  fs::path root = dir / "blobs";
  storage::BlobStore store(root);
  // A signed version stored as "parent + tail": only the signed one is referenced; its parent
  // (the unsigned draft) must stay because the signed one is made of it.
  auto parent = store.put(std::string(5000, 'p'));
  auto signedVersion = store.putTail(parent.hash, std::string(700, 's'));
  auto orphan = store.put(std::string(3000, 'o'));  // an upload that was never committed
  {
    auto database = storage::Database::open({"sqlite:" + (dir / "vanthu.db").string()});
    addDocument(*database, signedVersion.hash, static_cast<int64_t>(signedVersion.size));
    CHECK(storage::SqlDocumentRepository(*database).referencedBlobHashes() ==
          std::set<std::string>{signedVersion.hash});
  }
  ageStore(root, std::chrono::hours(2));
  auto young = store.put(std::string(2000, 'y'));  // put a moment ago; its row is not there yet

  std::ostringstream logs;
  {
    api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
    api::ServerConfig config;
    config.dataDir = dir.path();
    config.port = 0;
    config.gcInterval = std::chrono::seconds(1);
    config.gcMinAge = std::chrono::hours(1);
    api::HttpServer server(config, log);
    server.start();
    // The record goes first (the blob is gone from then on), the data file right after it.
    for (int i = 0;
         i < 100 && (store.exists(orphan.hash) || fs::exists(blobFile(root, orphan.hash))); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK_FALSE(store.exists(orphan.hash));
    CHECK_FALSE(fs::exists(blobFile(root, orphan.hash)));
    CHECK(store.exists(young.hash));
    CHECK(store.exists(parent.hash));
    CHECK(store.exists(signedVersion.hash));
    CHECK_NOTHROW(store.verify(signedVersion.hash));
    server.stop();
  }
  std::string text = logs.str();
  INFO(text);
  CHECK(text.find("\"event\":\"blob_gc_scheduled\"") != std::string::npos);
  CHECK(text.find("\"event\":\"blob_gc\"") != std::string::npos);
  CHECK(text.find("\"removed\":\"1\"") != std::string::npos);
  CHECK(text.find(orphan.hash) != std::string::npos);
  CHECK(text.find("blob_gc_failed") == std::string::npos);
}

TEST_CASE("storage.gc_interval 0 runs no collection", "[api][gc]") {
  TempDir dir;
  storage::BlobStore store(dir / "blobs");
  auto orphan = store.put(std::string(3000, 'o'));
  ageStore(dir / "blobs", std::chrono::hours(2));
  std::ostringstream logs;
  {
    api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
    api::ServerConfig config;
    config.dataDir = dir.path();
    config.port = 0;
    config.gcInterval = std::chrono::seconds(0);
    config.gcMinAge = std::chrono::seconds(0);
    api::HttpServer server(config, log);
    server.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  CHECK(store.exists(orphan.hash));
  CHECK(logs.str().find("\"event\":\"blob_gc_disabled\"") != std::string::npos);
}

TEST_CASE("a database that refers to no blob beside a store that holds some is not collected",
          "[api][gc]") {
  TempDir dir;
  storage::BlobStore store(dir / "blobs");
  CHECK_FALSE(store.holdsAny());
  auto content = store.put(std::string(3000, 'c'));
  CHECK(store.holdsAny());
  ageStore(dir / "blobs", std::chrono::hours(2));
  std::ostringstream logs;
  {
    api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
    api::ServerConfig config;
    config.dataDir = dir.path();  // a fresh, empty database: as after a mistyped database.url
    config.port = 0;
    config.gcInterval = std::chrono::seconds(1);
    config.gcMinAge = std::chrono::hours(1);
    api::HttpServer server(config, log);
    server.start();
    for (int i = 0; i < 50 && logs.str().find("blob_gc_refused") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  INFO(logs.str());
  CHECK(logs.str().find("\"event\":\"blob_gc_refused\"") != std::string::npos);
  CHECK(store.exists(content.hash));
  CHECK_NOTHROW(store.verify(content.hash));
}

TEST_CASE("with storage.blobs = database the collector collects in the database", "[api][gc]") {
  TempDir dir;
  std::string orphanHash;
  std::string keptHash;
  {
    auto database = storage::Database::open({"sqlite:" + (dir / "vanthu.db").string()});
    auto store = storage::BlobStore::inDatabase(*database);
    CHECK_FALSE(store.holdsAny());
    auto kept = store.put(std::string(4000, 'k'));
    auto orphan = store.put(std::string(3000, 'o'));
    CHECK(store.holdsAny());
    keptHash = kept.hash;
    orphanHash = orphan.hash;
    addDocument(*database, kept.hash, static_cast<int64_t>(kept.size));
  }
  // Two hours old, as if put then (created_at is in Unix seconds).
  auto aged = test::runCommand("sqlite3 " + test::shellQuote(dir / "vanthu.db") +
                               " 'UPDATE blob_records SET created_at = created_at - 7200;'");
  REQUIRE(aged.exitCode == 0);
  std::ostringstream logs;
  {
    api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
    api::ServerConfig config;
    config.dataDir = dir.path();
    config.port = 0;
    config.blobStorage = api::BlobStorage::Database;
    config.gcInterval = std::chrono::seconds(1);
    config.gcMinAge = std::chrono::hours(1);
    api::HttpServer server(config, log);
    server.start();
    for (int i = 0; i < 50 && logs.str().find("\"event\":\"blob_gc\"") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  INFO(logs.str());
  CHECK(logs.str().find("\"removed\":\"1\"") != std::string::npos);
  auto database = storage::Database::open({"sqlite:" + (dir / "vanthu.db").string()});
  auto store = storage::BlobStore::inDatabase(*database);
  CHECK_FALSE(store.exists(orphanHash));
  CHECK(store.exists(keptHash));
  CHECK_NOTHROW(store.verify(keptHash));
  CHECK_FALSE(fs::exists(dir / "blobs" / orphanHash.substr(0, 2)));
}
