#pragma once

// Statements prepared once per connection and reused, for the reads every request makes (the
// session check with the caller's grants, a user, a document by id, a list page).
//
// Why not Poco::Data here: a Poco statement is parsed and planned anew on every execution (on
// SQLite that was a quarter of an authenticated GET's time; on PostgreSQL Poco prepares and
// executes in two round trips per query). SQLite keeps a prepared sqlite3_stmt per connection
// and PostgreSQL a named prepared statement per session, so a text is parsed once and every
// later use is one step (SQLite) or one round trip (PostgreSQL). The statements belong to the
// connection's cache (Database::Impl::statements) and go with it.
//
// Parameters are bound as text or integers; PostgreSQL receives every parameter as text and
// infers its type from the statement, as it would for a literal.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace vanthu::storage {

class StatementCache;

/// One execution of a cached statement: bind the '?' parameters in order, then read the rows
/// with next() (or run a write with execute()). The statement is reset for its next use when
/// this goes. Failures throw vanthu::Error(StorageFailure) naming the database and `what`.
class PreparedQuery {
 public:
  /// `portableSql` uses '?' placeholders (translated for PostgreSQL); `what` names the work in
  /// error messages ("reading session S").
  PreparedQuery(StatementCache& cache, const std::string& portableSql, std::string what);
  /// PostgreSQL only: `statements` (several, separated by ';', without parameters) sent in one
  /// round trip and not prepared; next() reads the rows of the last one. Each statement takes
  /// its own snapshot, so a SELECT after a LOCK sees what was committed before the lock.
  struct Batch {};
  PreparedQuery(StatementCache& cache, Batch, const std::string& statements, std::string what);
  ~PreparedQuery();
  PreparedQuery(const PreparedQuery&) = delete;
  PreparedQuery& operator=(const PreparedQuery&) = delete;

  PreparedQuery& bind(const std::string& value);
  PreparedQuery& bind(int64_t value);

  /// Runs the statement on the first call, then moves to the next row; false when none is left.
  bool next();
  /// Runs a statement that returns no rows; how many rows it changed.
  int64_t execute();

  bool isNull(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optionalText(int column) const;
  int64_t integer(int column) const;

  /// One dialect's execution; defined in prepared_query.cpp.
  class Execution;

 private:
  std::unique_ptr<Execution> execution_;
};

/// The prepared statements of one connection, by their text. Made by the connection on first use.
class StatementCache {
 public:
  virtual ~StatementCache() = default;
  virtual std::unique_ptr<PreparedQuery::Execution> start(const std::string& portableSql,
                                                          const std::string& what) = 0;
  virtual std::unique_ptr<PreparedQuery::Execution> startBatch(const std::string& statements,
                                                               const std::string& what);
};

}  // namespace vanthu::storage
