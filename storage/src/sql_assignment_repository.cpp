#include "vanthu/storage/sql_assignment_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

using workflow::Assignment;

constexpr const char* kColumns =
    "SELECT a.id, a.document_id, a.kind, a.unit_id, a.user_id, a.assigned_by, a.on_behalf_of,"
    " a.instruction, a.due_date, a.status, a.result, a.created_at, a.completed_at, a.revision"
    " FROM assignments a ";

std::vector<Assignment> readAll(RecordSet& rows) {
  std::vector<Assignment> all;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    Assignment a;
    a.id = sql::text(rows, 0);
    a.documentId = sql::text(rows, 1);
    a.kind = sql::text(rows, 2);
    a.unitId = sql::text(rows, 3);
    a.userId = sql::text(rows, 4);
    a.assignedBy = sql::text(rows, 5);
    a.onBehalfOf = sql::text(rows, 6);
    a.instruction = sql::text(rows, 7);
    a.dueDate = sql::text(rows, 8);
    a.status = sql::text(rows, 9);
    a.result = sql::text(rows, 10);
    a.createdAt = sql::text(rows, 11);
    a.completedAt = sql::text(rows, 12);
    a.revision = sql::integer(rows, 13);
    all.push_back(std::move(a));
  }
  return all;
}

bool knownStatus(const std::string& status) {
  return status == "open" || status == "completed" || status == "withdrawn";
}

}  // namespace

Status SqlAssignmentRepository::addAssignment(const Assignment& a) {
  if (!knownStatus(a.status)) {
    return Status::invalidArgument("assignment " + a.id + ": unknown status '" + a.status + "'");
  }
  if ((a.kind == "specialist") == a.userId.empty()) {
    return Status::invalidArgument("assignment " + a.id +
                                   ": a specialist assignment names a user, a unit one none");
  }
  auto& db = database_.impl();
  try {
    Poco::Nullable<std::string> user;
    if (!a.userId.empty()) user = a.userId;
    int64_t revision = 1;
    db.session << db.sql(
        "INSERT INTO assignments (id, document_id, kind, unit_id, user_id, assigned_by,"
        " on_behalf_of, instruction, due_date, status, result, created_at, completed_at,"
        " revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(a.id), bind(a.documentId), bind(a.kind), bind(a.unitId), bind(user),
        bind(a.assignedBy), bind(a.onBehalfOf), bind(a.instruction), bind(a.dueDate),
        bind(a.status), bind(a.result), bind(a.createdAt), bind(a.completedAt), bind(revision), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "assignment " + a.id)) {
      return *status;
    }
    sql::storageFailure(db, "storing assignment " + a.id, e);
  }
}

std::optional<Assignment> SqlAssignmentRepository::findAssignment(const std::string& id) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kColumns) + "WHERE a.id = ?"), bind(id), now;
    RecordSet rows(select);
    auto all = readAll(rows);
    if (all.empty()) return std::nullopt;
    return all.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading assignment " + id, e);
  }
}

std::vector<Assignment> SqlAssignmentRepository::assignmentsOf(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kColumns) + "WHERE a.document_id = ? ORDER BY a.created_at, a.id"),
        bind(documentId), now;
    RecordSet rows(select);
    return readAll(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the assignments of document " + documentId, e);
  }
}

Result<int64_t> SqlAssignmentRepository::updateAssignment(const Assignment& a,
                                                          int64_t expectedRevision) {
  if (!knownStatus(a.status)) {
    return Status::invalidArgument("assignment " + a.id + ": unknown status '" + a.status + "'");
  }
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE assignments SET status = ?, result = ?, completed_at = ?, instruction = ?,"
        " due_date = ?, revision = revision + 1 WHERE id = ? AND revision = ?"),
        bind(a.status), bind(a.result), bind(a.completedAt), bind(a.instruction), bind(a.dueDate),
        bind(a.id), bind(expectedRevision);
    if (update.execute() == 1) return expectedRevision + 1;
    auto stored = findAssignment(a.id);
    if (!stored) return Status::notFound("assignment " + a.id + " does not exist");
    return Status(ErrorCode::PreconditionFailed,
                  "assignment " + a.id + " was changed by someone else (it is at revision " +
                      std::to_string(stored->revision) + ", the change was made from revision " +
                      std::to_string(expectedRevision) + "); reload it and try again");
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "updating assignment " + a.id, e);
  }
}

std::vector<Assignment> SqlAssignmentRepository::openAssignments(const std::string& unitId,
                                                                 const std::string& userId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    // Without a due date last: '' sorts first, so order by "has none" before the date.
    const std::string order = " ORDER BY CASE WHEN a.due_date = '' THEN 1 ELSE 0 END, a.due_date";
    if (userId.empty()) {
      select << db.sql(std::string(kColumns) + "WHERE a.unit_id = ? AND a.status = 'open'" + order),
          bind(unitId), now;
    } else {
      select << db.sql(std::string(kColumns) + "WHERE a.user_id = ? AND a.status = 'open'" + order),
          bind(userId), now;
    }
    RecordSet rows(select);
    return readAll(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing open assignments", e);
  }
}

std::vector<Assignment> SqlAssignmentRepository::overdueAssignments(
    const std::string& organisationId, const std::string& date) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kColumns) +
                     "JOIN units u ON u.id = a.unit_id WHERE u.organisation_id = ?"
                     " AND a.status = 'open' AND a.due_date <> '' AND a.due_date < ?"
                     " ORDER BY a.due_date, a.id"),
        bind(organisationId), bind(date), now;
    RecordSet rows(select);
    return readAll(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing overdue assignments of " + organisationId, e);
  }
}

}  // namespace vanthu::storage
