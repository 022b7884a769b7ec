#pragma once

// Small helpers the SQL repositories share: reading nullable columns, telling a caller's
// constraint violation from a storage failure, and one transaction per repository call.

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <optional>
#include <string>
#include <utility>

#include "database_impl.h"
#include "vanthu/workflow/error.h"

namespace vanthu::storage::sql {

inline std::string text(Poco::Data::RecordSet& rows, size_t column) {
  return rows.value(column).isEmpty() ? std::string() : rows.value(column).convert<std::string>();
}

inline std::optional<std::string> optionalText(Poco::Data::RecordSet& rows, size_t column) {
  if (rows.value(column).isEmpty()) return std::nullopt;
  return rows.value(column).convert<std::string>();
}

inline std::string text(const PreparedQuery& row, int column) {
  return row.text(column);
}
inline std::optional<std::string> optionalText(const PreparedQuery& row, int column) {
  return row.optionalText(column);
}
inline int64_t integer(const PreparedQuery& row, int column) {
  return row.integer(column);
}

inline int64_t integer(Poco::Data::RecordSet& rows, size_t column) {
  return rows.value(column).isEmpty() ? 0 : rows.value(column).convert<Poco::Int64>();
}

/// A unique, foreign-key or check violation is the caller's doing; anything else is a storage
/// failure. SQLite and PostgreSQL word them differently.
inline std::optional<Status> constraintStatus(const std::string& message, const std::string& what) {
  if (message.find("UNIQUE") != std::string::npos ||
      message.find("duplicate key value") != std::string::npos) {
    return Status::alreadyExists(what + " already exists");
  }
  if (message.find("FOREIGN KEY") != std::string::npos ||
      message.find("violates foreign key constraint") != std::string::npos) {
    return Status::invalidArgument(what + " refers to something that does not exist");
  }
  if (message.find("CHECK constraint") != std::string::npos ||
      message.find("violates check constraint") != std::string::npos) {
    return Status::invalidArgument(what + " has a value that is not allowed");
  }
  return std::nullopt;
}

/// Names the database (never its password), so that "database or disk is full" says which.
[[noreturn]] inline void storageFailure(const Database::Impl& db, const std::string& what,
                                        const Poco::Exception& e) {
  throw Error(ErrorCode::StorageFailure,
              what + " in " + db.description + " failed: " + e.displayText());
}

/// Ends the session's transaction after a failure, whatever state it is in. SQLite rolls a
/// transaction back by itself on some errors (disk full, I/O error), and then ROLLBACK fails with
/// "no transaction is active" while Poco's session still believes one is open; an empty
/// transaction, begun and rolled back, brings the two in line. The failure that led here is the
/// one worth reporting, so nothing is thrown.
inline void rollbackQuietly(Poco::Data::Session& session) noexcept {
  try {
    session.rollback();
    return;
  } catch (const Poco::Exception&) {
  }
  try {
    session.begin();
    session.rollback();
  } catch (const Poco::Exception&) {
  }
}

/// Runs `work` (returning a Result or Status) in one transaction: committed when it is OK,
/// rolled back when it is not or throws.
template <typename Work>
auto transaction(Database::Impl& db, Work&& work) {
  db.session.begin();
  try {
    auto result = work();
    if (result.isOk()) {
      db.session.commit();
    } else {
      db.session.rollback();
    }
    return result;
  } catch (...) {
    if (db.session.isTransaction()) rollbackQuietly(db.session);
    throw;
  }
}

/// As transaction(), or, when the session is already in one, `work` inside it: the caller's
/// transaction commits or rolls back everything together.
template <typename Work>
auto joinOrBegin(Database::Impl& db, Work&& work) {
  if (db.session.isTransaction()) return work();
  return transaction(db, std::forward<Work>(work));
}

}  // namespace vanthu::storage::sql
