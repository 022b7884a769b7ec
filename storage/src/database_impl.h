#pragma once

#include <Poco/Data/Session.h>

#include "vanthu/storage/database.h"

namespace vanthu::storage {

struct Database::Impl {
  explicit Impl(Poco::Data::Session s) : session(std::move(s)) {}
  Poco::Data::Session session;
  std::string description;  // "SQLite database var/vanthu.db": used in error messages
};

/// Runs the migrations not yet applied, each in its own transaction. Throws vanthu::Error.
void applyMigrations(Poco::Data::Session& session);
int appliedSchemaVersion(Poco::Data::Session& session);
int knownSchemaVersion();

}  // namespace vanthu::storage
