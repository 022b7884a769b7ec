#include "vanthu/storage/database_pool.h"

#include <exception>
#include <string>

namespace vanthu::storage {

DatabasePool::DatabasePool(DatabaseConfig config, DatabasePoolOptions options)
    : config_(std::move(config)), options_(options) {
  if (options_.size == 0) options_.size = 1;
  // The first open migrates; the others find the schema current and change nothing. Opening
  // them one after another keeps two connections from racing to migrate.
  auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < options_.size; ++i) {
    idle_.push_back({Database::open(config_), now});
    ++open_;
  }
}

DatabasePool::~DatabasePool() = default;

DatabasePool::Lease::Lease(DatabasePool& pool, std::unique_ptr<Database> connection)
    : pool_(&pool),
      connection_(std::move(connection)),
      uncaughtAtStart_(std::uncaught_exceptions()) {}

DatabasePool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      uncaughtAtStart_(other.uncaughtAtStart_),
      discard_(other.discard_) {}

DatabasePool::Lease::~Lease() {
  if (!connection_) return;
  bool broken = discard_;
  // Work that failed may have left the connection dead (server restarted, socket cut): a
  // round trip tells, and a dead one is closed rather than handed to the next request.
  if (!broken && std::uncaught_exceptions() > uncaughtAtStart_) broken = !connection_->ping();
  pool_->giveBack(std::move(connection_), broken);
}

DatabasePool::Lease DatabasePool::acquire() {
  auto deadline = std::chrono::steady_clock::now() + options_.acquireTimeout;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      Idle taken = std::move(idle_.back());
      idle_.pop_back();
      if (std::chrono::steady_clock::now() - taken.since < options_.revalidateAfter) {
        return Lease(*this, std::move(taken.connection));
      }
      lock.unlock();
      if (taken.connection->ping()) return Lease(*this, std::move(taken.connection));
      taken.connection.reset();
      lock.lock();
      --open_;
      continue;
    }
    if (open_ < options_.size) {
      ++open_;  // the slot is ours while the connection opens without the lock
      lock.unlock();
      try {
        return Lease(*this, Database::open(config_));
      } catch (...) {
        lock.lock();
        --open_;
        returned_.notify_one();
        throw;
      }
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      throw Error(ErrorCode::Unavailable,
                  "all " + std::to_string(options_.size) +
                      " database connections stayed busy for " +
                      std::to_string(options_.acquireTimeout.count()) +
                      " ms; retry later (database.pool_size sets how many there are)");
    }
  }
}

void DatabasePool::giveBack(std::unique_ptr<Database> connection, bool broken) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (broken) {
      connection.reset();
      --open_;
    } else {
      idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
    }
  }
  returned_.notify_one();
}

size_t DatabasePool::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

size_t DatabasePool::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_;
}

}  // namespace vanthu::storage
