#include "prepared_query.h"

#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>
#ifdef VANTHU_WITH_POSTGRESQL
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <libpq-fe.h>
#endif

#include <unordered_map>
#include <vector>

#include "database_impl.h"
#include "vanthu/workflow/error.h"

namespace vanthu::storage {

class PreparedQuery::Execution {
 public:
  virtual ~Execution() = default;
  virtual void bindText(const std::string& value) = 0;
  virtual void bindInteger(int64_t value) = 0;
  virtual bool next() = 0;
  virtual int64_t execute() = 0;
  virtual bool isNull(int column) const = 0;
  virtual std::string text(int column) const = 0;
  virtual int64_t integer(int column) const = 0;
};

namespace {

[[noreturn]] void fail(const std::string& description, const std::string& what,
                       const std::string& message) {
  throw Error(ErrorCode::StorageFailure, what + " in " + description + " failed: " + message);
}

// ---- SQLite: one sqlite3_stmt per text, reset after each use -------------------------------

struct SqliteStatement {
  sqlite3_stmt* handle = nullptr;
  bool inUse = false;
};

class SqliteExecution : public PreparedQuery::Execution {
 public:
  SqliteExecution(sqlite3* db, SqliteStatement* cached, sqlite3_stmt* own, std::string description,
                  std::string what)
      : db_(db),
        cached_(cached),
        statement_(cached ? cached->handle : own),
        description_(std::move(description)),
        what_(std::move(what)) {}

  ~SqliteExecution() override {
    if (cached_) {
      sqlite3_reset(statement_);
      sqlite3_clear_bindings(statement_);
      cached_->inUse = false;
    } else {
      sqlite3_finalize(statement_);
    }
  }

  void bindText(const std::string& value) override {
    check(sqlite3_bind_text(statement_, ++bound_, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT));
  }
  void bindInteger(int64_t value) override {
    check(sqlite3_bind_int64(statement_, ++bound_, value));
  }

  bool next() override {
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(description_, what_, sqlite3_errmsg(db_));
  }

  int64_t execute() override {
    while (next()) {
    }
    return sqlite3_changes(db_);
  }

  bool isNull(int column) const override {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }
  std::string text(int column) const override {
    const auto* data = sqlite3_column_text(statement_, column);
    if (!data) return {};
    return std::string(reinterpret_cast<const char*>(data),
                       static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
  }
  int64_t integer(int column) const override { return sqlite3_column_int64(statement_, column); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(description_, what_, sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  SqliteStatement* cached_;
  sqlite3_stmt* statement_;
  std::string description_;
  std::string what_;
  int bound_ = 0;
};

class SqliteStatementCache : public StatementCache {
 public:
  SqliteStatementCache(sqlite3* db, std::string description)
      : db_(db), description_(std::move(description)) {}
  ~SqliteStatementCache() override {
    for (auto& entry : statements_) sqlite3_finalize(entry.second.handle);
  }

  std::unique_ptr<PreparedQuery::Execution> start(const std::string& sql,
                                                  const std::string& what) override {
    auto found = statements_.find(sql);
    if (found != statements_.end() && !found->second.inUse) {
      found->second.inUse = true;
      return std::make_unique<SqliteExecution>(db_, &found->second, nullptr, description_, what);
    }
    // A text already running on this connection (a read nested in its own loop) gets a
    // statement of its own for this use.
    bool keep = found == statements_.end();
    sqlite3_stmt* handle = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                keep ? SQLITE_PREPARE_PERSISTENT : 0, &handle, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(handle);
      fail(description_, what, sqlite3_errmsg(db_));
    }
    if (!keep) return std::make_unique<SqliteExecution>(db_, nullptr, handle, description_, what);
    auto& entry = statements_[sql];
    entry.handle = handle;
    entry.inUse = true;
    return std::make_unique<SqliteExecution>(db_, &entry, nullptr, description_, what);
  }

 private:
  sqlite3* db_;
  std::string description_;
  std::unordered_map<std::string, SqliteStatement> statements_;
};

#ifdef VANTHU_WITH_POSTGRESQL
// ---- PostgreSQL: a named prepared statement per text, executed in one round trip -----------

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

std::string pgError(PGconn* connection, const PGresult* result) {
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

class PostgresExecution : public PreparedQuery::Execution {
 public:
  /// `batch`: `name` is the statements' text, run unprepared (PreparedQuery::Batch).
  PostgresExecution(PGconn* connection, std::string name, std::string description, std::string what,
                    bool batch = false)
      : connection_(connection),
        name_(std::move(name)),
        description_(std::move(description)),
        what_(std::move(what)),
        batch_(batch) {}

  void bindText(const std::string& value) override { parameters_.push_back(value); }
  void bindInteger(int64_t value) override { parameters_.push_back(std::to_string(value)); }

  bool next() override {
    if (!result_) run(PGRES_TUPLES_OK);
    return ++row_ < PQntuples(result_.get());
  }

  int64_t execute() override {
    run(PGRES_COMMAND_OK);
    const char* changed = PQcmdTuples(result_.get());
    return changed && *changed ? std::stoll(changed) : 0;
  }

  bool isNull(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }
  std::string text(int column) const override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, column)));
  }
  int64_t integer(int column) const override {
    if (isNull(column)) return 0;
    try {
      return std::stoll(text(column));
    } catch (const std::exception&) {
      fail(description_, what_, "column " + std::to_string(column) + " is not an integer");
    }
  }

 private:
  void run(ExecStatusType expected) {
    std::vector<const char*> values;
    values.reserve(parameters_.size());
    for (const auto& parameter : parameters_) values.push_back(parameter.c_str());
    result_.reset(batch_
                      ? PQexec(connection_, name_.c_str())
                      : PQexecPrepared(connection_, name_.c_str(), static_cast<int>(values.size()),
                                       values.data(), nullptr, nullptr, 0));
    auto status = result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
    if (status != expected && !(status == PGRES_COMMAND_OK && expected == PGRES_TUPLES_OK)) {
      fail(description_, what_, pgError(connection_, result_.get()));
    }
  }

  PGconn* connection_;
  std::string name_;
  std::string description_;
  std::string what_;
  std::vector<std::string> parameters_;
  PgResult result_;
  int row_ = -1;
  bool batch_;
};

class PostgresStatementCache : public StatementCache {
 public:
  PostgresStatementCache(PGconn* connection, std::string description)
      : connection_(connection), description_(std::move(description)) {}

  // Prepared statements end with the session; nothing to release here.

  std::unique_ptr<PreparedQuery::Execution> start(const std::string& sql,
                                                  const std::string& what) override {
    auto found = names_.find(sql);
    if (found == names_.end()) {
      std::string name = "vanthu_prepared_" + std::to_string(names_.size() + 1);
      PgResult prepared(PQprepare(connection_, name.c_str(),
                                  adaptSql(sql, Dialect::Postgresql).c_str(), 0, nullptr));
      if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
        fail(description_, what, pgError(connection_, prepared.get()));
      }
      found = names_.emplace(sql, std::move(name)).first;
    }
    return std::make_unique<PostgresExecution>(connection_, found->second, description_, what);
  }

  std::unique_ptr<PreparedQuery::Execution> startBatch(const std::string& statements,
                                                       const std::string& what) override {
    return std::make_unique<PostgresExecution>(connection_, statements, description_, what, true);
  }

 private:
  PGconn* connection_;
  std::string description_;
  std::unordered_map<std::string, std::string> names_;
};
#endif

}  // namespace

StatementCache& Database::Impl::statements() {
  if (!statementCache) {
    if (dialect == Dialect::Sqlite) {
      statementCache = std::make_unique<SqliteStatementCache>(
          Poco::Data::SQLite::Utility::dbHandle(session), description);
    } else {
#ifdef VANTHU_WITH_POSTGRESQL
      auto* postgres = dynamic_cast<Poco::Data::PostgreSQL::SessionImpl*>(session.impl());
      if (!postgres) fail(description, "preparing statements", "not a PostgreSQL session");
      statementCache = std::make_unique<PostgresStatementCache>(
          static_cast<PGconn*>(postgres->handle()), description);
#else
      fail(description, "preparing statements", "this build has no PostgreSQL support");
#endif
    }
  }
  return *statementCache;
}

PreparedQuery::PreparedQuery(StatementCache& cache, const std::string& portableSql,
                             std::string what)
    : execution_(cache.start(portableSql, what)) {}

PreparedQuery::PreparedQuery(StatementCache& cache, Batch, const std::string& statements,
                             std::string what)
    : execution_(cache.startBatch(statements, what)) {}

std::unique_ptr<PreparedQuery::Execution> StatementCache::startBatch(const std::string&,
                                                                     const std::string& what) {
  throw Error(ErrorCode::Internal, what + ": statement batches are for PostgreSQL only");
}

PreparedQuery::~PreparedQuery() = default;

PreparedQuery& PreparedQuery::bind(const std::string& value) {
  execution_->bindText(value);
  return *this;
}

PreparedQuery& PreparedQuery::bind(int64_t value) {
  execution_->bindInteger(value);
  return *this;
}

bool PreparedQuery::next() {
  return execution_->next();
}

int64_t PreparedQuery::execute() {
  return execution_->execute();
}

bool PreparedQuery::isNull(int column) const {
  return execution_->isNull(column);
}

std::string PreparedQuery::text(int column) const {
  return execution_->text(column);
}

std::optional<std::string> PreparedQuery::optionalText(int column) const {
  if (isNull(column)) return std::nullopt;
  return text(column);
}

int64_t PreparedQuery::integer(int column) const {
  return execution_->integer(column);
}

}  // namespace vanthu::storage
