#include "vanthu/storage/database.h"

#include <Poco/Data/SQLite/Connector.h>
#ifdef VANTHU_WITH_POSTGRESQL
#include <Poco/Data/PostgreSQL/Connector.h>
#endif
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "database_impl.h"

using namespace Poco::Data::Keywords;

namespace vanthu::storage {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kPostgresPrefix = "postgresql://";

bool onReadOnlyFileSystem(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  return ::access(dir.c_str(), W_OK) != 0 && errno == EROFS;
}

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
#ifdef VANTHU_WITH_POSTGRESQL
    Poco::Data::PostgreSQL::Connector::registerConnector();
#endif
  });
}

struct PostgresTarget {
  std::string connection;   // libpq key=value string, password included when given
  std::string description;  // for messages: never the password
  std::string password;     // to scrub from driver messages
  std::string schema;       // ?schema=NAME: one database, several isolated schemas
};

// postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE; the password may also come from
// VANTHU_DATABASE_PASSWORD so that it need not sit in a configuration file.
PostgresTarget postgresTarget(const std::string& url) {
  Poco::URI uri(url);
  std::string user = uri.getUserInfo();
  std::string password;
  if (auto colon = user.find(':'); colon != std::string::npos) {
    password = user.substr(colon + 1);
    user = user.substr(0, colon);
  }
  if (const char* fromEnvironment = std::getenv("VANTHU_DATABASE_PASSWORD")) {
    if (password.empty()) password = fromEnvironment;
  }
  std::string database = uri.getPath();
  if (!database.empty() && database.front() == '/') database.erase(0, 1);
  auto quote = [](const std::string& value) {
    std::string quoted = "'";
    for (char c : value) {
      if (c == '\\' || c == '\'') quoted += '\\';
      quoted += c;
    }
    return quoted + "'";
  };
  PostgresTarget target;
  target.connection = "host=" + quote(uri.getHost()) + " port=" + std::to_string(uri.getPort()) +
                      " dbname=" + quote(database) + " user=" + quote(user) + " connect_timeout=10";
  if (!password.empty()) target.connection += " password=" + quote(password);
  target.password = password;
  for (const auto& [key, value] : uri.getQueryParameters()) {
    if (key != "schema") {
      throw Error(ErrorCode::InvalidConfig, "database url parameter '" + key + "' is unknown");
    }
    bool plain =
        !value.empty() && value.size() <= 63 &&
        value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
    if (!plain) {
      throw Error(ErrorCode::InvalidConfig,
                  "database schema '" + value + "' must be lower-case letters, digits and _");
    }
    target.schema = value;
  }
  target.description = "PostgreSQL database " + database + " at " + uri.getHost() + ":" +
                       std::to_string(uri.getPort()) + " (user " + user + ")";
  return target;
}

}  // namespace

std::string sqliteConnection(const std::string& path) {
  std::error_code error;
  if (!onReadOnlyFileSystem(path) || !std::filesystem::exists(path, error) ||
      std::filesystem::exists(path + "-wal", error)) {
    return path;
  }
  std::string uri = "file:";
  for (char c : std::filesystem::absolute(path, error).string()) {
    if (c == '%' || c == '?' || c == '#') {
      static const char* hex = "0123456789abcdef";
      uri += '%';
      uri += hex[static_cast<unsigned char>(c) >> 4];
      uri += hex[c & 0xF];
    } else {
      uri += c;
    }
  }
  return uri + "?immutable=1";
}

Status validateDatabaseUrl(const std::string& url) {
  if (url.rfind(kSqlitePrefix, 0) == 0) {
    if (url.size() == kSqlitePrefix.size()) {
      return Status::invalidConfig(
          "database url 'sqlite:' needs a file path, e.g. sqlite:vanthu.db");
    }
    return Status::ok();
  }
  if (url.rfind(kPostgresPrefix, 0) == 0) {
#ifdef VANTHU_WITH_POSTGRESQL
    try {
      Poco::URI uri(url);
      if (uri.getHost().empty() || uri.getPath().size() < 2 || uri.getUserInfo().empty()) {
        return Status::invalidConfig(
            "database url needs a user, a host and a database, e.g. "
            "postgresql://vanthu@127.0.0.1:5432/vanthu");
      }
    } catch (const Poco::Exception& e) {
      return Status::invalidConfig("database url is not a valid URL: " + e.displayText());
    }
    return Status::ok();
#else
    return Status::invalidConfig("this build has no PostgreSQL support; use sqlite:PATH");
#endif
  }
  return Status::invalidConfig("database url '" + url +
                               "' is not supported; use sqlite:PATH (e.g. sqlite:vanthu.db) or "
                               "postgresql://USER@HOST:PORT/DATABASE");
}

std::string adaptSql(const std::string& portable, Dialect dialect) {
  if (dialect == Dialect::Sqlite) return portable;
  std::string adapted;
  int number = 0;
  bool quoted = false;
  for (char c : portable) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      adapted += "$" + std::to_string(++number);
    } else {
      adapted += c;
    }
  }
  return adapted;
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

std::unique_ptr<Database> Database::open(const DatabaseConfig& config) {
  if (auto status = validateDatabaseUrl(config.url); !status) {
    throw Error(status.code(), status.message());
  }
  registerConnectors();
  bool postgres = config.url.rfind(kPostgresPrefix, 0) == 0;
  std::string description;
  try {
    std::unique_ptr<Impl> impl;
    if (postgres) {
      PostgresTarget target = postgresTarget(config.url);
      description = target.description;
      try {
        impl = std::make_unique<Impl>(Poco::Data::Session("PostgreSQL", target.connection),
                                      Dialect::Postgresql);
      } catch (const Poco::Exception& e) {
        std::string message = e.displayText();
        // A driver message must never carry the password into a log.
        if (!target.password.empty()) {
          for (size_t at = message.find(target.password); at != std::string::npos;
               at = message.find(target.password, at)) {
            message.replace(at, target.password.size(), "***");
          }
        }
        throw Error(ErrorCode::DatabaseUnavailable, "cannot open " + description + ": " + message);
      }
      impl->session << "SET client_min_messages TO WARNING", now;  // no NOTICE chatter
      if (!target.schema.empty()) {
        impl->session << "CREATE SCHEMA IF NOT EXISTS " + target.schema, now;
        impl->session << "SET search_path TO " + target.schema, now;
      }
    } else {
      std::string path = config.url.substr(kSqlitePrefix.size());
      description = "SQLite database " + path;
      std::string connection = sqliteConnection(path);
      impl = std::make_unique<Impl>(Poco::Data::Session("SQLite", connection), Dialect::Sqlite);
      auto& session = impl->session;
      // WAL: readers do not block the writer; FULL sync: an acknowledged write survives a
      // crash. (A database opened read-only keeps the mode it has.)
      if (connection == path) session << "PRAGMA journal_mode=WAL", now;
      session << "PRAGMA synchronous=FULL", now;
      session << "PRAGMA foreign_keys=ON", now;
      session << "PRAGMA busy_timeout=5000", now;
    }
    impl->description = description;
    applyMigrations(impl->session, impl->dialect, config.migrateTo.value_or(knownSchemaVersion()));
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
