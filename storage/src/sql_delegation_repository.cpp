#include "vanthu/storage/sql_delegation_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "database_impl.h"
#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

constexpr const char* kColumns =
    "SELECT id, organisation_id, from_user_id, to_user_id, scope, starts_at, ends_at, reason,"
    " created_by, created_at, revoked_at FROM delegations ";

workflow::Delegation readDelegation(const PreparedQuery& row) {
  workflow::Delegation delegation;
  delegation.id = row.text(0);
  delegation.organisationId = row.text(1);
  delegation.fromUserId = row.text(2);
  delegation.toUserId = row.text(3);
  delegation.scope =
      workflow::delegationScopeFromName(row.text(4)).value_or(workflow::DelegationScope::Unknown);
  delegation.startsAt = row.integer(5);
  delegation.endsAt = row.integer(6);
  delegation.reason = row.text(7);
  delegation.createdBy = row.text(8);
  delegation.createdAt = row.integer(9);
  delegation.revokedAt = row.integer(10);
  return delegation;
}

std::vector<workflow::Delegation> readDelegations(RecordSet& rows) {
  std::vector<workflow::Delegation> delegations;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    workflow::Delegation delegation;
    delegation.id = sql::text(rows, 0);
    delegation.organisationId = sql::text(rows, 1);
    delegation.fromUserId = sql::text(rows, 2);
    delegation.toUserId = sql::text(rows, 3);
    delegation.scope = workflow::delegationScopeFromName(sql::text(rows, 4))
                           .value_or(workflow::DelegationScope::Unknown);
    delegation.startsAt = sql::integer(rows, 5);
    delegation.endsAt = sql::integer(rows, 6);
    delegation.reason = sql::text(rows, 7);
    delegation.createdBy = sql::text(rows, 8);
    delegation.createdAt = sql::integer(rows, 9);
    delegation.revokedAt = sql::integer(rows, 10);
    delegations.push_back(std::move(delegation));
  }
  return delegations;
}

}  // namespace

Status SqlDelegationRepository::addDelegation(const workflow::Delegation& delegation) {
  if (delegation.scope == workflow::DelegationScope::Unknown) {
    return Status::invalidArgument("delegation " + delegation.id + " has no scope");
  }
  if (delegation.endsAt <= delegation.startsAt) {
    return Status::invalidArgument("delegation " + delegation.id + " ends before it starts");
  }
  auto& db = database_.impl();
  std::string scope(workflow::delegationScopeName(delegation.scope));
  Poco::Int64 startsAt = delegation.startsAt;
  Poco::Int64 endsAt = delegation.endsAt;
  Poco::Int64 createdAt = delegation.createdAt;
  Poco::Int64 revokedAt = delegation.revokedAt;
  try {
    db.session << db.sql(
        "INSERT INTO delegations (id, organisation_id, from_user_id, to_user_id, scope,"
        " starts_at, ends_at, reason, created_by, created_at, revoked_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(delegation.id), bind(delegation.organisationId), bind(delegation.fromUserId),
        bind(delegation.toUserId), bind(scope), bind(startsAt), bind(endsAt),
        bind(delegation.reason), bind(delegation.createdBy), bind(createdAt), bind(revokedAt), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "delegation " + delegation.id)) {
      return *status;
    }
    sql::storageFailure(db, "storing delegation " + delegation.id, e);
  }
}

std::optional<workflow::Delegation> SqlDelegationRepository::findDelegation(const std::string& id) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kColumns) + "WHERE id = ?"), bind(id), now;
    RecordSet rows(select);
    auto found = readDelegations(rows);
    if (found.empty()) return std::nullopt;
    return found.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading delegation " + id, e);
  }
}

std::vector<workflow::Delegation> SqlDelegationRepository::listDelegations(
    const std::string& organisationId) {
  // Prepared once per connection: every workflow action loads its actor's delegations.
  PreparedQuery select(
      database_.impl().statements(),
      std::string(kColumns) + "WHERE organisation_id = ? ORDER BY starts_at DESC, id",
      "listing delegations");
  select.bind(organisationId);
  std::vector<workflow::Delegation> delegations;
  while (select.next()) delegations.push_back(readDelegation(select));
  return delegations;
}

Status SqlDelegationRepository::revokeDelegation(const std::string& id, int64_t at) {
  auto& db = database_.impl();
  Poco::Int64 revokedAt = at;
  try {
    Poco::Data::Statement update(db.session);
    // Only a delegation still in force is revoked: the first revocation time is the one that
    // counts for what was done under it.
    update << db.sql("UPDATE delegations SET revoked_at = ? WHERE id = ? AND revoked_at = 0"),
        bind(revokedAt), bind(id);
    if (update.execute() == 1) return Status::ok();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "revoking delegation " + id, e);
  }
  if (findDelegation(id)) return Status::invalidState("delegation " + id + " is already revoked");
  return Status::notFound("delegation " + id + " does not exist");
}

std::optional<workflow::Delegation> SqlDelegationRepository::findInForce(
    const std::string& fromUserId, const std::string& toUserId, workflow::DelegationScope scope,
    int64_t at) {
  auto& db = database_.impl();
  Poco::Int64 time = at;
  try {
    Poco::Data::Statement select(db.session);
    // The SQL narrows to the pair and the time window; delegationInForce() decides on scope and
    // revocation, so both adapters and the domain agree on one rule.
    select << db.sql(
        std::string(kColumns) +
        "WHERE from_user_id = ? AND to_user_id = ? AND starts_at <= ? AND ends_at > ?"),
        bind(fromUserId), bind(toUserId), bind(time), bind(time), now;
    RecordSet rows(select);
    return workflow::delegationInForce(readDelegations(rows), fromUserId, toUserId, scope, at);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading delegations", e);
  }
}

}  // namespace vanthu::storage
