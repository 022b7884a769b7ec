#include "vanthu/storage/database.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <mutex>

#include "database_impl.h"

using namespace Poco::Data::Keywords;

namespace vanthu::storage {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

}  // namespace

Status validateDatabaseUrl(const std::string& url) {
  if (url.rfind(kSqlitePrefix, 0) == 0) {
    if (url.size() == kSqlitePrefix.size()) {
      return Status::invalidConfig(
          "database url 'sqlite:' needs a file path, e.g. sqlite:vanthu.db");
    }
    return Status::ok();
  }
  return Status::invalidConfig("database url '" + url +
                               "' is not supported; use sqlite:PATH (e.g. sqlite:vanthu.db)");
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

std::unique_ptr<Database> Database::open(const DatabaseConfig& config) {
  if (auto status = validateDatabaseUrl(config.url); !status) {
    throw Error(status.code(), status.message());
  }
  registerConnectors();
  std::string path = config.url.substr(kSqlitePrefix.size());
  std::string description = "SQLite database " + path;
  try {
    auto impl = std::make_unique<Impl>(Poco::Data::Session("SQLite", path));
    impl->description = description;
    auto& session = impl->session;
    // WAL: readers do not block the writer; FULL sync: an acknowledged write survives a crash.
    session << "PRAGMA journal_mode=WAL", now;
    session << "PRAGMA synchronous=FULL", now;
    session << "PRAGMA foreign_keys=ON", now;
    session << "PRAGMA busy_timeout=5000", now;
    applyMigrations(session);
    return std::unique_ptr<Database>(new Database(std::move(impl)));
  } catch (Error& e) {
    throw e.withContext("opening " + description);
  } catch (const Poco::Exception& e) {
    throw Error(ErrorCode::DatabaseUnavailable,
                "cannot open " + description + ": " + e.displayText());
  }
}

Status Database::ping() {
  try {
    int version = appliedSchemaVersion(impl_->session);
    if (version != knownSchemaVersion()) {
      return {ErrorCode::DatabaseUnavailable, impl_->description + " is at schema version " +
                                                  std::to_string(version) + ", expected " +
                                                  std::to_string(knownSchemaVersion())};
    }
    return Status::ok();
  } catch (const Poco::Exception& e) {
    return {ErrorCode::DatabaseUnavailable, impl_->description + ": " + e.displayText()};
  }
}

int Database::schemaVersion() {
  return appliedSchemaVersion(impl_->session);
}

int Database::latestSchemaVersion() {
  return knownSchemaVersion();
}

}  // namespace vanthu::storage
