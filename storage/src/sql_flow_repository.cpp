#include "vanthu/storage/sql_flow_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdio>

#include "database_impl.h"
#include "json_strings.h"
#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

using workflow::FlowState;
using workflow::OutgoingStatus;

// The two list columns are JSON arrays: ["user-a","user-b"] and [2,3].
std::string jsonIntegers(const std::vector<int>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(values[i]);
  }
  return out + "]";
}

[[noreturn]] void corrupt(const std::string& documentId, const std::string& column) {
  throw Error(ErrorCode::StorageFailure,
              "the flow of document " + documentId + " has an unreadable " + column);
}

std::vector<std::string> parseStrings(const std::string& text, const std::string& documentId) {
  auto values = sql::parseJsonStringArray(text);
  if (!values) corrupt(documentId, "approvals");
  return *values;
}

std::vector<int> parseIntegers(const std::string& text, const std::string& documentId) {
  std::vector<int> values;
  std::string inner = text;
  if (inner.size() < 2 || inner.front() != '[' || inner.back() != ']') {
    corrupt(documentId, "skipped_levels");
  }
  inner = inner.substr(1, inner.size() - 2);
  size_t start = 0;
  while (start < inner.size()) {
    size_t comma = inner.find(',', start);
    std::string item =
        inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      values.push_back(std::stoi(item));
    } catch (const std::exception&) {
      corrupt(documentId, "skipped_levels");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

StoredAct readAct(RecordSet& rows) {
  StoredAct stored;
  stored.id = sql::text(rows, 0);
  stored.documentId = sql::text(rows, 1);
  stored.seq = static_cast<int>(sql::integer(rows, 2));
  auto& act = stored.act;
  act.action = sql::text(rows, 3);
  act.actorId = sql::text(rows, 4);
  act.onBehalfOfId = sql::text(rows, 5);
  act.role = sql::text(rows, 6);
  act.authorityMarker = sql::text(rows, 7);
  act.fromLevel = static_cast<int>(sql::integer(rows, 8));
  act.toLevel = static_cast<int>(sql::integer(rows, 9));
  act.comment = sql::text(rows, 10);
  act.at = sql::integer(rows, 11);
  return stored;
}

constexpr const char* kActColumns =
    "SELECT id, document_id, seq, action, actor_id, on_behalf_of, role, authority_marker,"
    " from_level, to_level, comment, at FROM document_acts ";

}  // namespace

Status SqlFlowRepository::createFlow(const StoredFlow& flow) {
  auto& db = database_.impl();
  const auto& s = flow.state;
  std::string status(workflow::outgoingStatusName(s.status));
  std::string approvals = sql::jsonStringArray(s.approvalsAtLevel);
  std::string skipped = jsonIntegers(s.skippedLevels);
  int version = flow.templateVersion;
  int level = s.level;
  int returnedTo = s.returnedTo;
  try {
    db.session << db.sql(
        "INSERT INTO document_flows (document_id, template_id, template_version, status, level,"
        " approvals, returned_to, skipped_levels, drafter_id, drafter_unit_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(flow.documentId), bind(flow.templateId), bind(version), bind(status), bind(level),
        bind(approvals), bind(returnedTo), bind(skipped), bind(s.drafterId), bind(s.drafterUnitId),
        now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto refused =
            sql::constraintStatus(e.displayText(), "flow of document " + flow.documentId)) {
      return *refused;
    }
    sql::storageFailure(db, "storing the flow of document " + flow.documentId, e);
  }
}

std::optional<StoredFlow> SqlFlowRepository::findFlow(const std::string& documentId) {
  PreparedQuery select(
      database_.impl().statements(),
      "SELECT f.template_id, f.template_version, f.status, f.level, f.approvals,"
      " f.returned_to, f.skipped_levels, f.drafter_id, f.drafter_unit_id, d.organisation_id"
      " FROM document_flows f JOIN documents d ON d.id = f.document_id"
      " WHERE f.document_id = ?",
      "reading the flow of document " + documentId);
  select.bind(documentId);
  if (!select.next()) return std::nullopt;
  StoredFlow flow;
  flow.documentId = documentId;
  flow.templateId = select.text(0);
  flow.templateVersion = static_cast<int>(select.integer(1));
  auto status = workflow::outgoingStatusFromName(select.text(2));
  if (!status) corrupt(documentId, "status");
  flow.state.status = *status;
  flow.state.level = static_cast<int>(select.integer(3));
  flow.state.approvalsAtLevel = parseStrings(select.text(4), documentId);
  flow.state.returnedTo = static_cast<int>(select.integer(5));
  flow.state.skippedLevels = parseIntegers(select.text(6), documentId);
  flow.state.drafterId = select.text(7);
  flow.state.drafterUnitId = select.text(8);
  flow.state.organisationId = select.text(9);
  return flow;
}

Status SqlFlowRepository::updateFlow(const StoredFlow& flow) {
  const auto& s = flow.state;
  PreparedQuery update(database_.impl().statements(),
                       "UPDATE document_flows SET status = ?, level = ?, approvals = ?,"
                       " returned_to = ?, skipped_levels = ? WHERE document_id = ?",
                       "updating the flow of document " + flow.documentId);
  update.bind(std::string(workflow::outgoingStatusName(s.status)))
      .bind(int64_t{s.level})
      .bind(sql::jsonStringArray(s.approvalsAtLevel))
      .bind(int64_t{s.returnedTo})
      .bind(jsonIntegers(s.skippedLevels))
      .bind(flow.documentId);
  if (update.execute() == 1) return Status::ok();
  return Status::notFound("document " + flow.documentId + " has no approval flow");
}

Result<StoredAct> SqlFlowRepository::appendAct(const std::string& documentId,
                                               const workflow::Act& act) {
  auto& statements = database_.impl().statements();
  StoredAct stored;
  stored.documentId = documentId;
  stored.act = act;
  std::string what = "recording an act on document " + documentId;
  try {
    // The next number and the row in one statement, one round trip on PostgreSQL (the act's
    // id is "<document>/<seq>"). The document's lock, taken by the caller, keeps two acts from
    // computing the same number, and the unique index refuses one if they did. Parameters are
    // cast: PostgreSQL infers no column types for the values of an INSERT ... SELECT.
    PreparedQuery insert(
        statements,
        "INSERT INTO document_acts (id, document_id, seq, action, actor_id, on_behalf_of, role,"
        " authority_marker, from_level, to_level, comment, at)"
        " SELECT CAST(? AS TEXT) || '/' || CAST(n.seq AS TEXT), CAST(? AS TEXT), n.seq,"
        " CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),"
        " CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS BIGINT)"
        " FROM (SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM document_acts"
        " WHERE document_id = ?) n RETURNING seq",
        what);
    insert.bind(documentId)
        .bind(documentId)
        .bind(act.action)
        .bind(act.actorId)
        .bind(act.onBehalfOfId)
        .bind(act.role)
        .bind(act.authorityMarker)
        .bind(int64_t{act.fromLevel})
        .bind(int64_t{act.toLevel})
        .bind(act.comment)
        .bind(int64_t{act.at})
        .bind(documentId);
    if (!insert.next()) {
      throw Error(ErrorCode::StorageFailure, what + " in the database stored no row");
    }
    stored.seq = static_cast<int>(insert.integer(0));
    stored.id = documentId + "/" + std::to_string(stored.seq);
    while (insert.next()) {
    }
    return stored;
  } catch (const Error& e) {
    if (auto refused = sql::constraintStatus(e.what(), "act of document " + documentId)) {
      if (refused->code() == ErrorCode::AlreadyExists) {
        return Status(ErrorCode::Conflict, "another act on document " + documentId +
                                               " was recorded at the same moment; reload it");
      }
      return *refused;
    }
    throw;
  }
}

std::vector<StoredAct> SqlFlowRepository::acts(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kActColumns) + "WHERE document_id = ? ORDER BY seq"),
        bind(documentId), now;
    RecordSet rows(select);
    std::vector<StoredAct> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) all.push_back(readAct(rows));
    return all;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the acts of document " + documentId, e);
  }
}

}  // namespace vanthu::storage
