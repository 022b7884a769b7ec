#include "blob_garbage_collector.h"

#include <set>
#include <system_error>
#include <utility>

#include "external_signing_service.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_pending_signature_repository.h"
#include "vanthu/workflow/error.h"

namespace vanthu::api {
namespace {

// The removed hashes in the log line, at most this many (the count is always complete).
constexpr size_t kLoggedHashes = 32;

}  // namespace

BlobGarbageCollector::BlobGarbageCollector(Options options, StructuredLog& log)
    : options_(std::move(options)), log_(log) {
  thread_ = std::thread([this] { run(); });
}

BlobGarbageCollector::~BlobGarbageCollector() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<BlobGarbageCollector> BlobGarbageCollector::startFor(const ServerConfig& config,
                                                                     StructuredLog& log) {
  if (config.gcInterval.count() == 0) {
    log.info("blob_gc_disabled", {{"reason", "storage.gc_interval is 0"}});
    return nullptr;
  }
  Options options;
  options.databaseUrl = config.resolvedDatabaseUrl();
  options.blobRoot = config.dataDir / "blobs";
  options.inDatabase = config.blobStorage == BlobStorage::Database;
  options.interval = config.gcInterval;
  options.minAge = config.gcMinAge;
  log.info("blob_gc_scheduled",
           {{"blob_root", options.inDatabase ? std::string("database") : options.blobRoot.string()},
            {"interval_s", std::to_string(options.interval.count())},
            {"min_age_s", std::to_string(options.minAge.count())}});
  if (options.minAge < std::chrono::minutes(5)) {
    log.warning("blob_gc_short_grace",
                {{"min_age_s", std::to_string(options.minAge.count())},
                 {"reason",
                  "a version being uploaded or signed may be removed before its row is "
                  "committed; keep storage.gc_min_age longer than any upload"}});
  }
  return std::make_unique<BlobGarbageCollector>(std::move(options), log);
}

storage::GarbageReport BlobGarbageCollector::collectOnce() {
  std::error_code error;
  if (!options_.inDatabase && !std::filesystem::exists(options_.blobRoot, error)) {
    // Nothing stored yet; the store is not created just to be collected.
    log_.debug("blob_gc_nothing_stored", {{"blob_root", options_.blobRoot.string()}});
    return {};
  }
  auto started = std::chrono::steady_clock::now();
  // The referenced set is read before the store is listed: a version committed after this read
  // was put after it too, so it is younger than any sane minAge and kept.
  auto database = storage::Database::open({options_.databaseUrl});
  // External signatures abandoned long ago let go of their work files first.
  const auto expiredBefore = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()) -
                             kPendingSignatureRetention;
  int64_t abandoned =
      storage::SqlPendingSignatureRepository(*database).removeExpired(expiredBefore.count());
  if (abandoned > 0) {
    log_.info("pending_signatures_removed", {{"count", std::to_string(abandoned)}});
  }
  std::set<std::string> referenced =
      storage::SqlDocumentRepository(*database).referencedBlobHashes();
  storage::BlobStore store = options_.inDatabase ? storage::BlobStore::inDatabase(*database)
                                                 : storage::BlobStore(options_.blobRoot);
  // A database that refers to no blob at all beside a store that holds some is far more likely
  // the wrong database (a mistyped database.url) than a real state: collecting would remove
  // every document's content. Refuse, loudly, and let a person decide.
  if (referenced.empty() && store.holdsAny()) {
    log_.error("blob_gc_refused",
               {{"reason",
                 "the database refers to no blob but the store holds some; check database.url "
                 "(run 'vanthu blobs gc' by hand if the store really is all garbage)"}});
    return {};
  }
  storage::GarbageReport report = store.collectGarbage(referenced, options_.minAge);

  std::string hashes;
  for (size_t i = 0; i < report.removed.size() && i < kLoggedHashes; ++i) {
    if (i > 0) hashes += ' ';
    hashes += report.removed[i];
  }
  if (report.removed.size() > kLoggedHashes) hashes += " ...";
  auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  log_.info("blob_gc", {{"blob_root", options_.inDatabase ? std::string("database")
                                                          : options_.blobRoot.string()},
                        {"referenced", std::to_string(referenced.size())},
                        {"removed", std::to_string(report.removed.size())},
                        {"bytes_freed", std::to_string(report.bytesFreed)},
                        {"removed_hashes", hashes},
                        {"duration_ms", std::to_string(elapsed.count())}});
  return report;
}

void BlobGarbageCollector::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      collectOnce();
    } catch (const Error& e) {
      // Nothing was lost by a failed collection; the next one tries again.
      log_.error("blob_gc_failed",
                 {{"code", std::string(errorCodeName(e.code()))}, {"error", e.describe()}});
    } catch (const std::exception& e) {
      log_.error("blob_gc_failed", {{"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace vanthu::api
