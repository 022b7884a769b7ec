#include "vanthu/storage/sql_directory_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>

#include <algorithm>

#include "database_impl.h"
#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

using NullableText = Poco::Nullable<std::string>;

NullableText toNullable(const std::optional<std::string>& value) {
  return value ? NullableText(*value) : NullableText();
}

std::optional<std::string> optionalText(RecordSet& rows, size_t column) {
  if (rows.value(column).isEmpty()) return std::nullopt;
  return rows.value(column).convert<std::string>();
}

std::string text(RecordSet& rows, size_t column) {
  return rows.value(column).isEmpty() ? std::string() : rows.value(column).convert<std::string>();
}

// Runs one write; a unique/foreign-key violation is the caller's doing, anything else is ours.
template <typename Write>
Status guardedWrite(Database& database, const std::string& what, Write&& write) {
  try {
    write(database.impl());
    return Status::ok();
  } catch (const Poco::Data::SQLite::ConstraintViolationException& e) {
    std::string message = e.displayText();
    if (message.find("UNIQUE") != std::string::npos) {
      return Status::alreadyExists(what + " already exists");
    }
    return Status::invalidArgument(what + " refers to something that does not exist (" + message +
                                   ")");
  } catch (const Poco::Exception& e) {
    // PostgreSQL reports constraint violations by SQLSTATE text (23505 unique, 23503 foreign
    // key) inside a generic exception.
    std::string message = e.displayText();
    if (message.find("duplicate key value") != std::string::npos) {
      return Status::alreadyExists(what + " already exists");
    }
    if (message.find("violates foreign key constraint") != std::string::npos ||
        message.find("violates check constraint") != std::string::npos) {
      return Status::invalidArgument(what + " refers to something that does not exist (" + message +
                                     ")");
    }
    throw Error(ErrorCode::StorageFailure, "storing " + what + " failed: " + message);
  }
}

template <typename Read>
auto guardedRead(Database& database, const std::string& what, Read&& read) {
  try {
    return read(database.impl());
  } catch (const Poco::Exception& e) {
    throw Error(ErrorCode::StorageFailure, "reading " + what + " failed: " + e.displayText());
  }
}

std::vector<workflow::KeyReference> readKeyReferences(RecordSet& rows) {
  std::vector<workflow::KeyReference> references;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    workflow::KeyReference reference;
    reference.id = text(rows, 0);
    reference.userId = optionalText(rows, 1);
    reference.organisationId = optionalText(rows, 2);
    reference.source =
        workflow::keySourceFromName(text(rows, 3)).value_or(workflow::KeySource::Unknown);
    reference.location = text(rows, 4);
    reference.certificateSubject = text(rows, 5);
    reference.certificateSerial = text(rows, 6);
    reference.notAfter = text(rows, 7);
    reference.active = rows.value(8).convert<int>() != 0;
    references.push_back(std::move(reference));
  }
  return references;
}

constexpr const char* kKeyReferenceColumns =
    "SELECT id, user_id, organisation_id, source, location, certificate_subject,"
    " certificate_serial, not_after, active FROM key_references ";

std::vector<workflow::User> readUsers(RecordSet& rows) {
  std::vector<workflow::User> users;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    workflow::User user;
    user.id = text(rows, 0);
    user.username = text(rows, 1);
    user.fullName = text(rows, 2);
    user.position = text(rows, 3);
    user.email = text(rows, 4);
    user.organisationId = text(rows, 5);
    user.unitId = optionalText(rows, 6);
    user.passwordHash = text(rows, 7);
    user.active = rows.value(8).convert<int>() != 0;
    users.push_back(std::move(user));
  }
  return users;
}

workflow::Organisation readOrganisation(RecordSet& rows) {
  workflow::Organisation organisation;
  organisation.id = text(rows, 0);
  organisation.code = text(rows, 1);
  organisation.name = text(rows, 2);
  organisation.abbreviation = text(rows, 3);
  organisation.tierCode = text(rows, 4);
  organisation.parentId = optionalText(rows, 5);
  organisation.endpoint = text(rows, 6);
  organisation.dissolvedOn = optionalText(rows, 7);
  return organisation;
}

constexpr const char* kOrganisationColumns =
    "SELECT id, code, name, abbreviation, tier_code, parent_id, endpoint, dissolved_on"
    " FROM organisations ";

// An UPDATE that touched no row named something that does not exist.
Status updated(Poco::Data::Statement& statement, const std::string& what) {
  return statement.execute() == 0 ? Status::notFound(what + " does not exist") : Status::ok();
}

constexpr const char* kUserColumns =
    "SELECT id, username, full_name, position, email, organisation_id, unit_id, password_hash,"
    " active FROM users ";

}  // namespace

Status SqlDirectoryRepository::addTier(const workflow::Tier& tier) {
  return guardedWrite(database_, "tier " + tier.code, [&](Database::Impl& db) {
    db.session << db.sql("INSERT INTO tiers (code, name, rank, abolished_on) VALUES (?, ?, ?, ?)"),
        bind(tier.code), bind(tier.name), bind(tier.rank), bind(toNullable(tier.abolishedOn)), now;
  });
}

Status SqlDirectoryRepository::addOrganisation(const workflow::Organisation& organisation) {
  if (auto status = workflow::validateOrganisation(organisation); !status) return status;
  return guardedWrite(database_, "organisation " + organisation.code, [&](Database::Impl& db) {
    db.session << db.sql(
        "INSERT INTO organisations (id, code, name, abbreviation, tier_code, parent_id,"
        " endpoint, dissolved_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(organisation.id), bind(organisation.code), bind(organisation.name),
        bind(organisation.abbreviation), bind(organisation.tierCode),
        bind(toNullable(organisation.parentId)), bind(organisation.endpoint),
        bind(toNullable(organisation.dissolvedOn)), now;
  });
}

Status SqlDirectoryRepository::addUnit(const workflow::Unit& unit) {
  return guardedWrite(database_, "unit " + unit.name, [&](Database::Impl& db) {
    db.session << db.sql(
        "INSERT INTO units (id, organisation_id, name, abbreviation) VALUES (?, ?, ?, ?)"),
        bind(unit.id), bind(unit.organisationId), bind(unit.name), bind(unit.abbreviation), now;
  });
}

Status SqlDirectoryRepository::addUser(const workflow::User& user) {
  if (user.username.empty()) return Status::invalidArgument("username is empty");
  if (user.passwordHash.empty()) {
    return Status::invalidArgument("user " + user.username + " has no password hash");
  }
  return guardedWrite(database_, "user " + user.username, [&](Database::Impl& db) {
    int active = user.active ? 1 : 0;
    db.session << db.sql(
        "INSERT INTO users (id, username, full_name, position, email, organisation_id,"
        " unit_id, password_hash, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(user.id), bind(user.username), bind(user.fullName), bind(user.position),
        bind(user.email), bind(user.organisationId), bind(toNullable(user.unitId)),
        bind(user.passwordHash), bind(active), now;
  });
}

Status SqlDirectoryRepository::grantRole(const workflow::RoleGrant& grant) {
  if (grant.role == workflow::Role::Unknown) return Status::invalidArgument("role is not set");
  std::string role(workflow::roleName(grant.role));
  return guardedWrite(database_, "role " + role + " of user " + grant.userId,
                      [&](Database::Impl& db) {
                        db.session << db.sql(
                            "INSERT INTO role_grants (user_id, role, organisation_id, unit_id)"
                            " VALUES (?, ?, ?, ?)"),
                            bind(grant.userId), bind(role), bind(grant.organisationId),
                            bind(toNullable(grant.unitId)), now;
                      });
}

Status SqlDirectoryRepository::addKeyReference(const workflow::KeyReference& reference) {
  if (reference.userId.has_value() == reference.organisationId.has_value()) {
    return Status::invalidArgument("key reference " + reference.id +
                                   " must belong to exactly one user or one organisation");
  }
  if (reference.source == workflow::KeySource::Unknown) {
    return Status::invalidArgument("key reference " + reference.id + " has no key source");
  }
  std::string source(workflow::keySourceName(reference.source));
  return guardedWrite(database_, "key reference " + reference.id, [&](Database::Impl& db) {
    db.session << db.sql(
        "INSERT INTO key_references (id, user_id, organisation_id, source, location,"
        " certificate_subject, certificate_serial, not_after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(reference.id), bind(toNullable(reference.userId)),
        bind(toNullable(reference.organisationId)), bind(source), bind(reference.location),
        bind(reference.certificateSubject), bind(reference.certificateSerial),
        bind(reference.notAfter), now;
  });
}

std::vector<workflow::Tier> SqlDirectoryRepository::listTiers() {
  return guardedRead(database_, "tiers", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql("SELECT code, name, rank, abolished_on FROM tiers ORDER BY rank, code"), now;
    RecordSet rows(select);
    std::vector<workflow::Tier> tiers;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      tiers.push_back(
          {text(rows, 0), text(rows, 1), rows.value(2).convert<int>(), optionalText(rows, 3)});
    }
    return tiers;
  });
}

std::vector<workflow::Organisation> SqlDirectoryRepository::listOrganisations() {
  return guardedRead(database_, "organisations", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kOrganisationColumns) + "ORDER BY code"), now;
    RecordSet rows(select);
    std::vector<workflow::Organisation> organisations;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      organisations.push_back(readOrganisation(rows));
    }
    return organisations;
  });
}

std::vector<workflow::Unit> SqlDirectoryRepository::listUnits(const std::string& organisationId) {
  return guardedRead(database_, "units", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT id, organisation_id, name, abbreviation FROM units"
        " WHERE organisation_id = ? ORDER BY name"),
        bind(organisationId), now;
    RecordSet rows(select);
    std::vector<workflow::Unit> units;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      units.push_back({text(rows, 0), text(rows, 1), text(rows, 2), text(rows, 3)});
    }
    return units;
  });
}

std::vector<workflow::User> SqlDirectoryRepository::listUsers(const std::string& organisationId) {
  return guardedRead(database_, "users", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kUserColumns) + "WHERE organisation_id = ? ORDER BY username"),
        bind(organisationId), now;
    RecordSet rows(select);
    return readUsers(rows);
  });
}

std::vector<workflow::User> SqlDirectoryRepository::findUsers(const std::vector<std::string>& ids) {
  std::vector<std::string> distinct;
  for (const auto& id : ids) {
    if (!id.empty() && std::find(distinct.begin(), distinct.end(), id) == distinct.end()) {
      distinct.push_back(id);
    }
  }
  if (distinct.empty()) return {};
  return guardedRead(database_, "users", [&](Database::Impl& db) {
    std::string placeholders;
    for (size_t i = 0; i < distinct.size(); ++i) placeholders += i == 0 ? "?" : ", ?";
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kUserColumns) + "WHERE id IN (" + placeholders + ")");
    for (const auto& id : distinct) select.addBind(bind(id));
    select.execute();
    RecordSet rows(select);
    return readUsers(rows);
  });
}

std::optional<workflow::User> SqlDirectoryRepository::findUserByUsername(
    const std::string& username) {
  return guardedRead(database_, "user " + username, [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kUserColumns) + "WHERE username = ?"), bind(username), now;
    RecordSet rows(select);
    auto users = readUsers(rows);
    return users.empty() ? std::nullopt : std::optional<workflow::User>(std::move(users.front()));
  });
}

std::vector<workflow::RoleGrant> SqlDirectoryRepository::roleGrantsOf(const std::string& userId) {
  return guardedRead(database_, "role grants", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT user_id, role, organisation_id, unit_id FROM role_grants"
        " WHERE user_id = ? ORDER BY role"),
        bind(userId), now;
    RecordSet rows(select);
    std::vector<workflow::RoleGrant> grants;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      workflow::RoleGrant grant;
      grant.userId = text(rows, 0);
      grant.role = workflow::roleFromName(text(rows, 1)).value_or(workflow::Role::Unknown);
      grant.organisationId = text(rows, 2);
      grant.unitId = optionalText(rows, 3);
      grants.push_back(std::move(grant));
    }
    return grants;
  });
}

std::vector<workflow::KeyReference> SqlDirectoryRepository::keyReferencesOfUser(
    const std::string& userId) {
  return guardedRead(database_, "key references", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kKeyReferenceColumns) + "WHERE user_id = ? ORDER BY id"),
        bind(userId), now;
    RecordSet rows(select);
    return readKeyReferences(rows);
  });
}

std::vector<workflow::KeyReference> SqlDirectoryRepository::keyReferencesOfOrganisation(
    const std::string& organisationId) {
  return guardedRead(database_, "key references", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kKeyReferenceColumns) + "WHERE organisation_id = ? ORDER BY id"),
        bind(organisationId), now;
    RecordSet rows(select);
    return readKeyReferences(rows);
  });
}

std::optional<workflow::Organisation> SqlDirectoryRepository::findOrganisation(
    const std::string& id) {
  return guardedRead(database_, "organisation " + id, [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kOrganisationColumns) + "WHERE id = ?"), bind(id), now;
    RecordSet rows(select);
    return rows.moveFirst() ? std::optional<workflow::Organisation>(readOrganisation(rows))
                            : std::nullopt;
  });
}

Status SqlDirectoryRepository::updateOrganisation(const workflow::Organisation& organisation) {
  if (auto status = workflow::validateOrganisation(organisation); !status) return status;
  if (organisation.parentId == organisation.id) {
    return Status::invalidArgument("an organisation cannot be its own parent");
  }
  Status result;
  auto status =
      guardedWrite(database_, "organisation " + organisation.code, [&](Database::Impl& db) {
        Poco::Data::Statement update(db.session);
        update << db.sql(
            "UPDATE organisations SET code = ?, name = ?, abbreviation = ?, tier_code = ?,"
            " parent_id = ?, endpoint = ?, dissolved_on = ? WHERE id = ?"),
            bind(organisation.code), bind(organisation.name), bind(organisation.abbreviation),
            bind(organisation.tierCode), bind(toNullable(organisation.parentId)),
            bind(organisation.endpoint), bind(toNullable(organisation.dissolvedOn)),
            bind(organisation.id);
        result = updated(update, "organisation " + organisation.id);
      });
  return status ? result : status;
}

std::string SqlDirectoryRepository::outgoingTemplateOf(const std::string& organisationId) {
  return guardedRead(database_, "organisation " + organisationId, [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql("SELECT outgoing_template_id FROM organisations WHERE id = ?"),
        bind(organisationId), now;
    RecordSet rows(select);
    return rows.moveFirst() ? text(rows, 0) : std::string();
  });
}

Status SqlDirectoryRepository::setOutgoingTemplate(const std::string& organisationId,
                                                   const std::string& templateId) {
  Status result;
  auto status = guardedWrite(database_, "organisation " + organisationId, [&](Database::Impl& db) {
    Poco::Data::Statement update(db.session);
    update << db.sql("UPDATE organisations SET outgoing_template_id = ? WHERE id = ?"),
        bind(templateId), bind(organisationId);
    result = updated(update, "organisation " + organisationId);
  });
  return status ? result : status;
}

std::optional<workflow::Unit> SqlDirectoryRepository::findUnit(const std::string& id) {
  return guardedRead(database_, "unit " + id, [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql("SELECT id, organisation_id, name, abbreviation FROM units WHERE id = ?"),
        bind(id), now;
    RecordSet rows(select);
    if (!rows.moveFirst()) return std::optional<workflow::Unit>();
    return std::optional<workflow::Unit>(
        workflow::Unit{text(rows, 0), text(rows, 1), text(rows, 2), text(rows, 3)});
  });
}

Status SqlDirectoryRepository::updateUnit(const workflow::Unit& unit) {
  Status result;
  auto status = guardedWrite(database_, "unit " + unit.name, [&](Database::Impl& db) {
    Poco::Data::Statement update(db.session);
    update << db.sql("UPDATE units SET name = ?, abbreviation = ? WHERE id = ?"), bind(unit.name),
        bind(unit.abbreviation), bind(unit.id);
    result = updated(update, "unit " + unit.id);
  });
  return status ? result : status;
}

std::optional<workflow::User> SqlDirectoryRepository::findUser(const std::string& id) {
  return guardedRead(database_, "user " + id, [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kUserColumns) + "WHERE id = ?"), bind(id), now;
    RecordSet rows(select);
    auto users = readUsers(rows);
    return users.empty() ? std::nullopt : std::optional<workflow::User>(std::move(users.front()));
  });
}

Result<workflow::UserPage> SqlDirectoryRepository::listUsersPage(const std::string& organisationId,
                                                                 int offset, int limit) {
  if (offset < 0 || limit < 1 || limit > 500) {
    return Status::invalidArgument("a page is 1 to 500 users from a non-negative offset");
  }
  return guardedRead(database_, "users", [&](Database::Impl& db) {
    workflow::UserPage page;
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kUserColumns) +
                     "WHERE organisation_id = ? ORDER BY username LIMIT ? OFFSET ?"),
        bind(organisationId), bind(limit), bind(offset), now;
    RecordSet rows(select);
    page.users = readUsers(rows);
    Poco::Int64 total = 0;
    db.session << db.sql("SELECT COUNT(*) FROM users WHERE organisation_id = ?"),
        bind(organisationId), into(total), now;
    page.total = total;
    return Result<workflow::UserPage>(std::move(page));
  });
}

Status SqlDirectoryRepository::updateUser(const workflow::User& user) {
  Status result;
  auto status = guardedWrite(database_, "user " + user.id, [&](Database::Impl& db) {
    int active = user.active ? 1 : 0;
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE users SET full_name = ?, position = ?, email = ?, unit_id = ?, active = ?"
        " WHERE id = ?"),
        bind(user.fullName), bind(user.position), bind(user.email), bind(toNullable(user.unitId)),
        bind(active), bind(user.id);
    result = updated(update, "user " + user.id);
  });
  return status ? result : status;
}

Status SqlDirectoryRepository::revokeRole(const workflow::RoleGrant& grant) {
  std::string role(workflow::roleName(grant.role));
  Status result;
  auto status = guardedWrite(database_, "role " + role, [&](Database::Impl& db) {
    Poco::Data::Statement remove(db.session);
    if (grant.unitId) {
      remove << db.sql(
          "DELETE FROM role_grants WHERE user_id = ? AND role = ? AND organisation_id = ?"
          " AND unit_id = ?"),
          bind(grant.userId), bind(role), bind(grant.organisationId), bind(*grant.unitId);
    } else {
      remove << db.sql(
          "DELETE FROM role_grants WHERE user_id = ? AND role = ? AND organisation_id = ?"
          " AND unit_id IS NULL"),
          bind(grant.userId), bind(role), bind(grant.organisationId);
    }
    result = updated(remove, "role " + role + " of user " + grant.userId);
  });
  return status ? result : status;
}

std::vector<std::string> SqlDirectoryRepository::activeHoldersOf(const std::string& organisationId,
                                                                 workflow::Role role) {
  std::string roleText(workflow::roleName(role));
  return guardedRead(database_, "role holders", [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT DISTINCT g.user_id FROM role_grants g JOIN users u ON u.id = g.user_id"
        " WHERE g.organisation_id = ? AND g.role = ? AND u.active = 1 ORDER BY g.user_id"),
        bind(organisationId), bind(roleText), now;
    RecordSet rows(select);
    std::vector<std::string> holders;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      holders.push_back(text(rows, 0));
    }
    return holders;
  });
}

std::optional<workflow::KeyReference> SqlDirectoryRepository::findKeyReference(
    const std::string& id) {
  return guardedRead(database_, "key reference " + id, [&](Database::Impl& db) {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kKeyReferenceColumns) + "WHERE id = ?"), bind(id), now;
    RecordSet rows(select);
    auto references = readKeyReferences(rows);
    return references.empty()
               ? std::nullopt
               : std::optional<workflow::KeyReference>(std::move(references.front()));
  });
}

Status SqlDirectoryRepository::deactivateKeyReference(const std::string& id) {
  Status result;
  auto status = guardedWrite(database_, "key reference " + id, [&](Database::Impl& db) {
    Poco::Data::Statement update(db.session);
    update << db.sql("UPDATE key_references SET active = 0 WHERE id = ?"), bind(id);
    result = updated(update, "key reference " + id);
  });
  return status ? result : status;
}

void SqlDirectoryRepository::inTransaction(const std::function<void()>& work) {
  auto& session = database_.impl().session;
  try {
    session.begin();
    work();
    session.commit();
  } catch (...) {
    // Roll back and let the original failure travel on: nothing of the batch may land.
    if (session.isTransaction()) sql::rollbackQuietly(session);
    throw;
  }
}

}  // namespace vanthu::storage
