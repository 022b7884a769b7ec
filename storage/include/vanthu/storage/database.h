#pragma once

// The metadata database. SQLite (one file in the data dir, WAL) is the embedded default;
// PostgreSQL joins for scale-out. Poco::Data stays behind this header.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "vanthu/workflow/error.h"

namespace vanthu::storage {

struct DatabaseConfig {
  DatabaseConfig() = default;
  DatabaseConfig(std::string databaseUrl,  // NOLINT(google-explicit-constructor)
                 std::optional<int> upTo = std::nullopt)
      : url(std::move(databaseUrl)), migrateTo(upTo) {}

  /// "sqlite:PATH" (relative paths are resolved against the data dir by the caller) or
  /// "postgresql://USER@HOST:PORT/DATABASE[?schema=NAME]".
  std::string url;
  /// Migrate only up to this schema version (an upgrade in steps, and the tests that prove
  /// every earlier version upgrades cleanly); the latest when empty.
  std::optional<int> migrateTo;
};

/// Parses and checks a database URL. InvalidConfig names what is wrong.
Status validateDatabaseUrl(const std::string& url);

/// One connection to the metadata database. Not thread-safe: one per thread or guarded.
class Database {
 public:
  /// Opens (creating an SQLite file if needed) and applies pending migrations.
  /// Throws vanthu::Error(DatabaseUnavailable) naming the file or server when that fails.
  static std::unique_ptr<Database> open(const DatabaseConfig& config);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// A cheap round trip that proves the database answers and is migrated. For /readyz.
  Status ping();
  /// The highest migration applied.
  int schemaVersion();
  /// The highest migration this build knows.
  static int latestSchemaVersion();

  /// The adapter-specific session, for repositories in storage/src only.
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vanthu::storage
