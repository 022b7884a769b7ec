#pragma once

// The database a storage test runs against: SQLite in the test's directory by default; with
// VANTHU_TEST_POSTGRES_URL set (tests/storage/with_postgres.sh starts a real server and sets
// it), PostgreSQL, in a fresh schema per test so that tests stay independent.

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "test_support.h"
#include "vanthu/storage/database.h"

namespace vanthu::test {

inline std::string testDatabaseUrl(const TempDir& dir) {
  if (const char* postgres = std::getenv("VANTHU_TEST_POSTGRES_URL")) {
    std::random_device random;
    return std::string(postgres) + "?schema=t" + std::to_string(random()) +
           std::to_string(random());
  }
  return "sqlite:" + (dir / "vanthu.db").string();
}

inline std::unique_ptr<storage::Database> openTestDatabase(const TempDir& dir) {
  return storage::Database::open({testDatabaseUrl(dir)});
}

}  // namespace vanthu::test
