#pragma once

// Scheduled garbage collection of the blob store (DESIGN §5): every `storage.gc_interval` the
// server removes the blob versions that no document version refers to, keeping anything younger
// than `storage.gc_min_age` (a version that was put but whose metadata row is not committed yet)
// and the parent chains of everything kept. See BlobStore::collectGarbage().
//
// The collector has its own database connection, opened for each collection, so it never waits on
// (or holds up) the connection the requests use. It logs what it removed, one structured line per
// collection, and stops cleanly: the destructor wakes the thread and waits for a collection in
// progress to finish.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "vanthu/api/server_config.h"
#include "vanthu/api/structured_log.h"
#include "vanthu/storage/blob_store.h"

namespace vanthu::api {

class BlobGarbageCollector {
 public:
  struct Options {
    std::string databaseUrl;         ///< resolved: where the document versions are
    std::filesystem::path blobRoot;  ///< the file store; unused when inDatabase
    bool inDatabase = false;         ///< storage.blobs = database: the store is in that database
    std::chrono::seconds interval{0};
    std::chrono::seconds minAge{0};
  };

  /// Starts the thread; the first collection runs one interval from now. Borrows `log`.
  BlobGarbageCollector(Options options, StructuredLog& log);
  ~BlobGarbageCollector();
  BlobGarbageCollector(const BlobGarbageCollector&) = delete;
  BlobGarbageCollector& operator=(const BlobGarbageCollector&) = delete;

  /// The collector for the server's settings (DIR/blobs, the server's database), or nullptr when
  /// storage.gc_interval is 0.
  static std::unique_ptr<BlobGarbageCollector> startFor(const ServerConfig& config,
                                                        StructuredLog& log);

  /// One collection now, logged. Throws vanthu::Error (StorageFailure, DatabaseUnavailable) when
  /// the database or the store cannot be read or a file cannot be removed.
  storage::GarbageReport collectOnce();

 private:
  void run();

  Options options_;
  StructuredLog& log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vanthu::api
