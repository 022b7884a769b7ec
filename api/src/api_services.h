#pragma once

// What route handlers work with: the configuration, the log, the metadata database (a pool of
// connections, one leased per unit of work), the blob store and the authenticator. Every route
// file registers against this, so a new route needs no change to the server's wiring.

#include <chrono>
#include <mutex>
#include <utility>

#include "authenticator.h"
#include "exchange_hooks.h"
#include "metrics.h"
#include "signing_services.h"
#include "vanthu/api/server_config.h"
#include "vanthu/api/structured_log.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/database_pool.h"

namespace vanthu::api {

struct ApiServices {
  const ServerConfig& config;
  StructuredLog& log;
  /// The blob store's own connection (storage.blobs = database keeps blobs in it); use
  /// withDatabase for everything else.
  storage::Database& database;
  std::mutex& databaseMutex;  ///< guards `database` and a blob store kept in it
  storage::BlobStore& blobs;
  Authenticator& authenticator;
  storage::DatabasePool& pool;  ///< database.pool_size connections for withDatabase
  SigningServices& signing;     ///< the level, TSA and trust anchors for signing and issuing
  /// Queues the messages to other agencies that issue, recall and incoming acts cause.
  ExchangeHooks* exchange = nullptr;

  /// Runs `work(database)` on a connection leased for this call alone. Throws
  /// vanthu::Error(Unavailable) (503) when every connection stays busy past the pool's wait.
  template <typename Work>
  auto withDatabase(Work&& work) -> decltype(work(std::declval<storage::Database&>())) {
    auto waitStarted = std::chrono::steady_clock::now();
    return pool.with([&](storage::Database& leased) -> decltype(auto) {
      recordDatabaseWait(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - waitStarted).count());
      return std::forward<Work>(work)(leased);
    });
  }

  /// Runs `work(blobs)` with the blob store to itself (a store in the database shares its
  /// connection; keep blob reads and writes out of withDatabase and vice versa).
  template <typename Work>
  auto withBlobs(Work&& work) -> decltype(work(blobs)) {
    std::lock_guard<std::mutex> lock(databaseMutex);
    return std::forward<Work>(work)(blobs);
  }
};

}  // namespace vanthu::api
