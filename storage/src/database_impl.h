#pragma once

#include <Poco/Data/Session.h>

#include <memory>

#include "prepared_query.h"
#include "vanthu/storage/database.h"

namespace vanthu::storage {

enum class Dialect : uint8_t { Sqlite, Postgresql };

/// Portable SQL ('?' placeholders) in the form `dialect` takes.
std::string adaptSql(const std::string& portable, Dialect dialect);

struct Database::Impl {
  Impl(Poco::Data::Session s, Dialect d) : session(std::move(s)), dialect(d) {}
  Poco::Data::Session session;
  Dialect dialect;
  std::string description;  // "SQLite database var/vanthu.db": used in error messages

  /// The statement text for this database: repositories write portable SQL with '?'
  /// placeholders; PostgreSQL wants $1, $2, ... (quoted text is left alone).
  std::string sql(const std::string& portable) const { return adaptSql(portable, dialect); }

  /// This connection's prepared statements (prepared_query.h), made on first use.
  StatementCache& statements();
  /// Declared after `session`, so the statements go before the connection closes.
  std::unique_ptr<StatementCache> statementCache;
};

/// What to open an SQLite database file with: its path, or, when the file is on a read-only
/// file system and no write-ahead log is left beside it, a "file:PATH?immutable=1" URI. SQLite
/// cannot create the WAL index (-shm) there, so a plain open fails; with no -wal file everything
/// is in the file itself and nothing can change it, which is what immutable promises. Reading
/// (audit verify, backup) then works on a data directory mounted read-only; writing fails.
std::string sqliteConnection(const std::string& path);

/// Runs the migrations not yet applied, each in its own transaction. Throws vanthu::Error.
void applyMigrations(Poco::Data::Session& session, Dialect dialect, int upTo);
int appliedSchemaVersion(Poco::Data::Session& session);
int knownSchemaVersion();

}  // namespace vanthu::storage
