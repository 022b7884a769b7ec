#include "vanthu/storage/sql_incoming_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include "database_impl.h"
#include "json_strings.h"
#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

std::vector<std::string> parseStrings(const std::string& text, const std::string& documentId) {
  auto values = sql::parseJsonStringArray(text);
  if (!values) {
    throw Error(ErrorCode::StorageFailure,
                "the incoming flow of document " + documentId + " has unreadable supporting units");
  }
  return *values;
}

// NULL when there is no reply document, so that the foreign key holds.
Poco::Nullable<std::string> replyOf(const workflow::IncomingState& state) {
  if (state.replyDocumentId.empty()) return Poco::Nullable<std::string>();
  return Poco::Nullable<std::string>(state.replyDocumentId);
}

}  // namespace

Status SqlIncomingRepository::createIncoming(const StoredIncoming& incoming) {
  auto& db = database_.impl();
  const auto& s = incoming.state;
  std::string status(workflow::incomingStatusName(s.status));
  std::string supporting = sql::jsonStringArray(s.supportingUnitIds);
  auto reply = replyOf(s);
  try {
    db.session << db.sql(
        "INSERT INTO incoming_flows (document_id, status, lead_unit_id, supporting_unit_ids,"
        " due_date, instruction, specialist_id, result, reply_document_id,"
        " verification_verdict, verification_report, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(incoming.documentId), bind(status), bind(s.leadUnitId), bind(supporting),
        bind(s.dueDate), bind(s.instruction), bind(s.specialistId), bind(s.result), bind(reply),
        bind(incoming.verificationVerdict), bind(incoming.verificationReport),
        bind(incoming.updatedAt), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto refused = sql::constraintStatus(e.displayText(),
                                             "incoming flow of document " + incoming.documentId)) {
      return *refused;
    }
    sql::storageFailure(db, "storing the incoming flow of document " + incoming.documentId, e);
  }
}

std::optional<StoredIncoming> SqlIncomingRepository::findIncoming(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT f.status, f.lead_unit_id, f.supporting_unit_ids, f.due_date, f.instruction,"
        " f.specialist_id, f.result, f.reply_document_id, f.verification_verdict,"
        " f.verification_report, f.updated_at, d.organisation_id"
        " FROM incoming_flows f JOIN documents d ON d.id = f.document_id"
        " WHERE f.document_id = ?"),
        bind(documentId), now;
    RecordSet rows(select);
    if (!rows.moveFirst()) return std::nullopt;
    StoredIncoming incoming;
    incoming.documentId = documentId;
    auto status = workflow::incomingStatusFromName(sql::text(rows, 0));
    if (!status) {
      throw Error(ErrorCode::StorageFailure,
                  "the incoming flow of document " + documentId + " has an unreadable status");
    }
    auto& s = incoming.state;
    s.status = *status;
    s.leadUnitId = sql::text(rows, 1);
    s.supportingUnitIds = parseStrings(sql::text(rows, 2), documentId);
    s.dueDate = sql::text(rows, 3);
    s.instruction = sql::text(rows, 4);
    s.specialistId = sql::text(rows, 5);
    s.result = sql::text(rows, 6);
    s.replyDocumentId = sql::text(rows, 7);
    incoming.verificationVerdict = sql::text(rows, 8);
    incoming.verificationReport = sql::text(rows, 9);
    incoming.updatedAt = sql::text(rows, 10);
    s.organisationId = sql::text(rows, 11);
    return incoming;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the incoming flow of document " + documentId, e);
  }
}

Status SqlIncomingRepository::updateIncoming(const StoredIncoming& incoming) {
  auto& db = database_.impl();
  const auto& s = incoming.state;
  std::string status(workflow::incomingStatusName(s.status));
  std::string supporting = sql::jsonStringArray(s.supportingUnitIds);
  auto reply = replyOf(s);
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE incoming_flows SET status = ?, lead_unit_id = ?, supporting_unit_ids = ?,"
        " due_date = ?, instruction = ?, specialist_id = ?, result = ?, reply_document_id = ?,"
        " updated_at = ? WHERE document_id = ?"),
        bind(status), bind(s.leadUnitId), bind(supporting), bind(s.dueDate), bind(s.instruction),
        bind(s.specialistId), bind(s.result), bind(reply), bind(incoming.updatedAt),
        bind(incoming.documentId);
    if (update.execute() == 1) return Status::ok();
    return Status::notFound("document " + incoming.documentId + " has no incoming flow");
  } catch (const Poco::Exception& e) {
    if (auto refused = sql::constraintStatus(e.displayText(),
                                             "incoming flow of document " + incoming.documentId)) {
      return *refused;
    }
    sql::storageFailure(db, "updating the incoming flow of document " + incoming.documentId, e);
  }
}

}  // namespace vanthu::storage
