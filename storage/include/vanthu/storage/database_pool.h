#pragma once

// Several connections to one metadata database, so that requests need not take turns on one.
// A caller leases a connection for one unit of work and the lease gives it back, also when the
// work throws. SQLite in WAL lets the readers run side by side (one writer at a time, waiting
// up to its busy timeout); PostgreSQL runs them all.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "vanthu/storage/database.h"

namespace vanthu::storage {

struct DatabasePoolOptions {
  size_t size = 4;  ///< connections at most; at least 1
  /// How long a lease waits for a free connection before failing with Unavailable (503).
  std::chrono::milliseconds acquireTimeout{5000};
  /// A connection idle for longer than this is pinged before it is handed out, so one that the
  /// server dropped meanwhile is replaced instead of failing the request.
  std::chrono::seconds revalidateAfter{30};
};

class DatabasePool {
 public:
  /// Opens the first connection (which applies pending migrations) and then the others.
  /// Throws vanthu::Error(DatabaseUnavailable) when the database cannot be opened.
  DatabasePool(DatabaseConfig config, DatabasePoolOptions options);
  ~DatabasePool();
  DatabasePool(const DatabasePool&) = delete;
  DatabasePool& operator=(const DatabasePool&) = delete;

  /// One connection for the holder alone, given back when the lease ends.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Database& operator*() const { return *connection_; }
    Database* operator->() const { return connection_.get(); }
    /// Closes the connection instead of giving it back (it is known to be broken); the pool
    /// opens a new one when it is next needed.
    void discard() { discard_ = true; }

   private:
    friend class DatabasePool;
    Lease(DatabasePool& pool, std::unique_ptr<Database> connection);
    DatabasePool* pool_;
    std::unique_ptr<Database> connection_;
    int uncaughtAtStart_;
    bool discard_ = false;
  };

  /// Waits up to acquireTimeout for a connection. Throws vanthu::Error(Unavailable) when none
  /// comes free in time, vanthu::Error(DatabaseUnavailable) when a new one cannot be opened.
  Lease acquire();

  /// Runs `work(database)` on a leased connection.
  template <typename Work>
  auto with(Work&& work) -> decltype(work(std::declval<Database&>())) {
    Lease lease = acquire();
    return std::forward<Work>(work)(*lease);
  }

  size_t size() const { return options_.size; }
  /// Connections open and not leased right now.
  size_t idle() const;
  /// Connections open, leased or not.
  size_t open() const;

 private:
  struct Idle {
    std::unique_ptr<Database> connection;
    std::chrono::steady_clock::time_point since;
  };
  void giveBack(std::unique_ptr<Database> connection, bool broken);

  DatabaseConfig config_;
  DatabasePoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<Idle> idle_;  // most recently returned last: a warm connection goes out first
  size_t open_ = 0;         // idle plus leased plus being opened
};

}  // namespace vanthu::storage
