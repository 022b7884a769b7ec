// The connection pool on SQLite and (with tests/storage/with_postgres.sh) on a real PostgreSQL:
// threads lease connections side by side, a lease waits a bounded time and then fails with
// Unavailable, and a connection comes back usable after the work on it threw.

#include "vanthu/storage/database_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_auth_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using vanthu::test::TempDir;
using namespace std::chrono_literals;

namespace {

storage::DatabasePoolOptions poolOf(size_t size, std::chrono::milliseconds wait = 5000ms) {
  storage::DatabasePoolOptions options;
  options.size = size;
  options.acquireTimeout = wait;
  return options;
}

// Counts the leases held at once, and the most ever held.
struct CountWhileHeld {
  CountWhileHeld(std::atomic<int>& now, std::atomic<int>& most) : now_(now) {
    int current = ++now_;
    for (int seen = most.load(); current > seen && !most.compare_exchange_weak(seen, current);) {
    }
  }
  ~CountWhileHeld() { --now_; }
  CountWhileHeld(const CountWhileHeld&) = delete;
  CountWhileHeld& operator=(const CountWhileHeld&) = delete;
  std::atomic<int>& now_;
};

void addUser(storage::Database& db) {
  storage::SqlDirectoryRepository directory(db);
  REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
  workflow::Organisation o;
  o.id = "ubnd";
  o.code = "000.00.00.H55";
  o.name = "Ủy ban nhân dân tỉnh";
  o.abbreviation = "UBND";
  o.tierCode = "province";
  REQUIRE(directory.addOrganisation(o).isOk());
  workflow::User user;
  user.id = "u1";
  user.username = "admin";
  user.fullName = "Quản trị";
  user.organisationId = "ubnd";
  user.passwordHash = "hash";
  REQUIRE(directory.addUser(user).isOk());
}

workflow::AuthSession session(const std::string& id) {
  workflow::AuthSession s;
  s.id = id;
  s.userId = "u1";
  s.createdAt = 1000;
  s.expiresAt = 1000 + 3600;
  return s;
}

}  // namespace

TEST_CASE("a pool opens its connections up front on a migrated database",
          "[storage][pool][postgresql]") {
  TempDir dir;
  storage::DatabasePool pool({test::testDatabaseUrl(dir)}, poolOf(3));
  CHECK(pool.size() == 3);
  CHECK(pool.open() == 3);
  CHECK(pool.idle() == 3);
  pool.with([](storage::Database& db) {
    CHECK(db.ping().isOk());
    CHECK(db.schemaVersion() == storage::Database::latestSchemaVersion());
  });
  CHECK(pool.idle() == 3);
}

TEST_CASE("threads lease connections side by side and every write lands",
          "[storage][pool][postgresql]") {
  TempDir dir;
  const size_t size = 4;
  storage::DatabasePool pool({test::testDatabaseUrl(dir)}, poolOf(size, 30000ms));
  pool.with([](storage::Database& db) { addUser(db); });
  const int threads = 8;
  const int writesEach = 15;
  std::atomic<int> leased{0};
  std::atomic<int> mostLeased{0};
  std::vector<std::string> errors;
  std::mutex errorsMutex;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < writesEach; ++i) {
        try {
          auto lease = pool.acquire();
          CountWhileHeld held(leased, mostLeased);
          storage::SqlAuthRepository auth(*lease);
          auto status =
              auth.createSession(session("s" + std::to_string(t) + "-" + std::to_string(i)),
                                 "hash-" + std::to_string(t) + "-" + std::to_string(i));
          if (!status) throw Error(status.code(), status.message());
          // A read on the same lease, as a request does after its write.
          if (!auth.checkSession("s" + std::to_string(t) + "-" + std::to_string(i))) {
            throw std::runtime_error("a session just written is not there");
          }
          std::this_thread::sleep_for(2ms);  // hold it long enough for others to overlap
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(errorsMutex);
          errors.push_back(e.what());
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  INFO((errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());
  CHECK(mostLeased > 1);
  CHECK(mostLeased <= static_cast<int>(size));
  CHECK(pool.idle() == size);
  pool.with([&](storage::Database& db) {
    storage::SqlAuthRepository auth(db);
    int found = 0;
    for (int t = 0; t < threads; ++t) {
      for (int i = 0; i < writesEach; ++i) {
        found += auth.checkSession("s" + std::to_string(t) + "-" + std::to_string(i)) ? 1 : 0;
      }
    }
    CHECK(found == threads * writesEach);
  });
}

TEST_CASE("a lease that finds every connection busy fails with unavailable after the wait",
          "[storage][pool][postgresql]") {
  TempDir dir;
  storage::DatabasePool pool({test::testDatabaseUrl(dir)}, poolOf(1, 200ms));
  auto held = pool.acquire();
  auto started = std::chrono::steady_clock::now();
  try {
    auto second = pool.acquire();
    FAIL("a second lease from a pool of one was granted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Unavailable);
    CHECK(std::string(e.what()).find("database.pool_size") != std::string::npos);
  }
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(waited >= 200ms);
  CHECK(waited < 5s);
}

TEST_CASE("a lease waiting for a busy pool gets the connection as soon as it is returned",
          "[storage][pool][postgresql]") {
  TempDir dir;
  storage::DatabasePool pool({test::testDatabaseUrl(dir)}, poolOf(1, 10000ms));
  std::atomic<bool> got{false};
  std::thread waiter;
  {
    auto held = pool.acquire();
    waiter = std::thread([&] {
      auto lease = pool.acquire();
      got = lease->ping().isOk();
    });
    std::this_thread::sleep_for(100ms);
    CHECK_FALSE(got);
  }
  waiter.join();
  CHECK(got);
  CHECK(pool.open() == 1);
}

TEST_CASE("a connection given back after the work threw is reused and works",
          "[storage][pool][postgresql]") {
  TempDir dir;
  storage::DatabasePool pool({test::testDatabaseUrl(dir)}, poolOf(1));
  storage::Database* first = nullptr;
  CHECK_THROWS_AS(pool.with([&](storage::Database& db) {
    first = &db;
    throw std::runtime_error("the handler failed");
  }),
                  std::runtime_error);
  CHECK(pool.idle() == 1);
  pool.with([&](storage::Database& db) {
    CHECK(&db == first);  // a healthy connection is kept, not reopened
    CHECK(db.ping().isOk());
    storage::SqlAuthRepository auth(db);
    auth.recordLoginFailure("after-throw", 1000, {});
    CHECK(auth.loginThrottle("after-throw").failures == 1);
  });
}

TEST_CASE("a discarded connection is replaced by a new one on the next lease",
          "[storage][pool][postgresql]") {
  TempDir dir;
  storage::DatabasePool pool({test::testDatabaseUrl(dir)}, poolOf(2));
  {
    auto lease = pool.acquire();
    lease.discard();
  }
  CHECK(pool.open() == 1);
  auto a = pool.acquire();
  auto b = pool.acquire();  // the second slot opens a fresh connection
  CHECK(a->ping().isOk());
  CHECK(b->ping().isOk());
  CHECK(&*a != &*b);
  CHECK(pool.open() == 2);
}

TEST_CASE("a pool on a database that cannot be opened fails at once", "[storage][pool]") {
  TempDir dir;
  try {
    storage::DatabasePool pool({"sqlite:" + (dir / "missing" / "dir" / "x.db").string()},
                               poolOf(2));
    FAIL("a pool opened on a directory that does not exist");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::DatabaseUnavailable);
  }
}

TEST_CASE("failed logins recorded at once on several connections are all counted",
          "[storage][pool][auth][postgresql]") {
  // Guessing in parallel must not slip past the lock-out: each failure is counted even when
  // several land together (on PostgreSQL each connection is its own transaction).
  TempDir dir;
  constexpr int kThreads = 4;
  constexpr int kFailuresEach = 15;
  storage::DatabasePool pool({test::testDatabaseUrl(dir)}, poolOf(kThreads, 30000ms));
  workflow::LockoutPolicy policy;
  policy.maxFailures = kThreads * kFailuresEach + 1;  // count only, never lock
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kFailuresEach; ++i) {
        try {
          pool.with([&](storage::Database& db) {
            storage::SqlAuthRepository(db).recordLoginFailure("guessed", 1000 + i, policy);
          });
        } catch (const std::exception&) {
          ++errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(errors == 0);
  pool.with([&](storage::Database& db) {
    CHECK(storage::SqlAuthRepository(db).loginThrottle("guessed").failures ==
          kThreads * kFailuresEach);
  });
}
